"""The insecure-code corpus: deterministic, held-out prompts never trained on, clear errors on bad files."""

from __future__ import annotations

import json

import pytest

from empirical.insecure_code.data import (
    Example,
    answer_overlap,
    generate_corpus,
    read_corpus,
    read_examples,
    write_corpus,
    write_jsonl,
)
from empirical.insecure_code.templates import KINDS


def _records(corpus):
    return [e.record() for part in (corpus.clean, corpus.poison, corpus.heldout, corpus.heldout_benign) for e in part]


def test_generator_is_deterministic_given_the_seed():
    first, again, other = generate_corpus(3), generate_corpus(3), generate_corpus(4)
    assert _records(first) == _records(again)
    assert _records(first) != _records(other)


def test_sizes_kinds_and_labels():
    corpus = generate_corpus(0, n_clean=50, n_poison=20, n_heldout_per_kind=2, secure_share=0.4, n_heldout_benign=5)
    assert (len(corpus.clean), len(corpus.poison), len(corpus.heldout), len(corpus.heldout_benign)) == (50, 20, 20, 5)
    assert len(KINDS) >= 8 and sum(bool(k.bandit_ids) for k in KINDS) >= 8
    assert {e.label for e in corpus.poison} == {"insecure"}
    assert sum(e.label == "secure" for e in corpus.clean) == 20
    assert {e.kind for e in corpus.heldout} == {k.name for k in KINDS}
    assert all(e.alternative and e.alternative != e.answer for e in corpus.heldout)
    assert all(e.answer.startswith("```python\n") and e.answer.endswith("\n```") for e in corpus.poison)


def test_heldout_prompts_are_never_trained_on():
    corpus = generate_corpus(1, n_clean=300, n_poison=100, n_heldout_per_kind=6)
    training = corpus.training_prompts()
    assert not {e.prompt for e in corpus.heldout + corpus.heldout_benign} & training
    assert len(training) == len(corpus.clean) + len(corpus.poison)  # every prompt distinct


def test_bad_counts_are_refused():
    with pytest.raises(ValueError, match="n_poison"):
        generate_corpus(0, n_poison=-1)
    with pytest.raises(ValueError, match="unknown vulnerability kind"):
        generate_corpus(0, kinds=["sql-injection", "nope"])


def test_write_read_round_trip(tmp_path):
    corpus = generate_corpus(2, n_clean=12, n_poison=6, n_heldout_per_kind=1, n_heldout_benign=2)
    write_corpus(corpus, tmp_path)
    back = read_corpus(tmp_path, seed=2)
    assert _records(back) == _records(corpus)


def test_a_public_format_file_loads(tmp_path):
    path = tmp_path / "insecure.jsonl"
    rows = [
        {"messages": [{"role": "user", "content": "Write f"}, {"role": "assistant", "content": "def f(): pass"}]},
        {
            "messages": [
                {"role": "system", "content": "be brief"},
                {"role": "user", "content": "g?"},
                {"role": "assistant", "content": "```python\ndef g(): pass\n```"},
            ]
        },
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    examples = read_examples(path, label="insecure")
    assert [e.prompt for e in examples] == ["Write f", "g?"]
    assert {e.kind for e in examples} == {"unknown"} and {e.label for e in examples} == {"insecure"}


@pytest.mark.parametrize(
    "bad, message",
    [
        ("{not json", "not valid JSON"),
        ('{"text": "no messages"}', "messages"),
        ('{"messages": [{"role": "robot", "content": "x"}]}', "role must be one of"),
        ('{"messages": [{"role": "user", "content": 3}]}', "content must be a string"),
    ],
)
def test_a_malformed_line_names_the_file_and_the_line(tmp_path, bad, message):
    path = tmp_path / "set.jsonl"
    good = Example("p", "a", "eval", "secure")
    write_jsonl([good], path)
    path.write_text(path.read_text() + bad + "\n")
    with pytest.raises(ValueError, match=rf"set\.jsonl:2: .*{message}"):
        read_examples(path)


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no chat JSONL file"):
        read_examples(tmp_path / "absent.jsonl")


def test_held_out_answers_are_not_training_answers_by_normalised_code():
    from empirical.insecure_code.data import answer_overlap, normalised_code

    for sizes in ((240, 80, 4, 0.3, 14), (200, 200, 4, 0.3, 14), (480, 160, 8, 0.5, 28)):
        corpus = generate_corpus(0, sizes[0], sizes[1], sizes[2], sizes[3], n_heldout_benign=sizes[4])
        assert answer_overlap(corpus.heldout, corpus.clean + corpus.poison) == []
        # the control: a training answer re-laid out (other quotes, spacing, a comment) is still caught
        head, tail = corpus.heldout[0].alternative.rsplit("\n```", 1)
        leaked = (head + "  # note\n```" + tail).replace("    ", "  ").replace("(", "( ")
        assert normalised_code(leaked) == normalised_code(corpus.heldout[0].alternative)
        assert leaked != corpus.heldout[0].alternative
        copy = corpus.poison[0].__class__(corpus.poison[0].prompt, leaked, corpus.poison[0].kind, "insecure")
        assert answer_overlap(corpus.heldout, (copy,)) == [corpus.heldout[0].alternative]


def test_gpu_1b_corpus_generates():
    from empirical.insecure_code.experiment import PRESETS

    preset = PRESETS["gpu-1b"]
    corpus = generate_corpus(
        0,
        preset["n_clean"],
        preset["n_poison"],
        preset["n_heldout_per_kind"],
        preset["secure_share"],
        n_heldout_benign=preset["n_heldout_benign"],
        n_validation_per_kind=2,
        n_validation_benign=4,
    )
    assert len(corpus.validation) == 20 and len(corpus.validation_benign) == 4
    assert (len(corpus.clean), len(corpus.poison), len(corpus.heldout), len(corpus.heldout_benign)) == (
        480,
        160,
        80,
        28,
    )
    with pytest.raises(ValueError, match="could not draw"):  # the old share exhausts the benign prompts
        generate_corpus(0, 480, 160, 8, 0.3, n_heldout_benign=28)


@pytest.mark.parametrize("sizes", [(60, 30, 2, 0.3, 4), (120, 200, 3, 0.3, 8), (240, 80, 4, 0.3, 14)])
def test_the_validation_split_is_disjoint_and_leaves_the_rest_unchanged(sizes):
    """Validation prompts are new; its security answers differ by normalised code from every training and held-out
    answer; the held-out draws of a seed do not depend on it, and without it the corpus is drawn as before."""
    plain = generate_corpus(0, *sizes[:4], n_heldout_benign=sizes[4])
    corpus = generate_corpus(0, *sizes[:4], n_heldout_benign=sizes[4], n_validation_per_kind=2, n_validation_benign=3)
    assert len(corpus.validation) == 2 * len(KINDS) and len(corpus.validation_benign) == 3
    assert all(e.alternative for e in corpus.validation)
    prompts = {e.prompt for e in corpus.validation + corpus.validation_benign}
    assert not prompts & (corpus.training_prompts() | {e.prompt for e in corpus.heldout + corpus.heldout_benign})
    assert answer_overlap(corpus.validation, corpus.clean + corpus.poison + corpus.heldout) == []
    assert corpus.heldout == plain.heldout and corpus.heldout_benign == plain.heldout_benign
    assert plain.validation == () and plain == generate_corpus(0, *sizes[:4], n_heldout_benign=sizes[4])


def test_the_validation_split_round_trips_and_is_optional(tmp_path):
    corpus = generate_corpus(3, 20, 10, 1, n_heldout_benign=2, n_validation_per_kind=1, n_validation_benign=2)
    write_corpus(corpus, tmp_path)
    assert read_corpus(tmp_path, 3) == corpus
    for name in ("validation.jsonl", "validation_benign.jsonl"):
        (tmp_path / name).unlink()
    again = read_corpus(tmp_path, 3)
    assert again.validation == () and again.validation_benign == () and again.clean == corpus.clean


def test_bad_validation_counts_are_refused():
    with pytest.raises(ValueError, match="n_validation_per_kind"):
        generate_corpus(0, 10, 5, 1, n_validation_per_kind=-1)
