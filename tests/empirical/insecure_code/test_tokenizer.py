"""The BPE tokenizer round-trips the corpus; a tokenizer that does not fit the model is a clear error."""

from __future__ import annotations

import pytest

from empirical.data.chat import encode_conversation
from empirical.insecure_code.data import generate_corpus
from empirical.insecure_code.lm import ModelSpec, build_model, prompt_ids
from empirical.insecure_code.tokenizer import BPETokenizer, check_fits, load_tokenizer, train_bpe

CORPUS = generate_corpus(0, n_clean=60, n_poison=30, n_heldout_per_kind=1, n_heldout_benign=3)
TEXTS = [f"<|user|>\n{e.prompt}\n<|assistant|>\n{e.answer}\n" for e in CORPUS.clean + CORPUS.poison]


@pytest.fixture(scope="module")
def tokenizer():
    return train_bpe(TEXTS, vocab_size=400)


def test_round_trip_on_the_corpus_and_unseen_text(tokenizer):
    unseen = [e.alternative for e in CORPUS.heldout] + ["ünïcödé ✓ \t tabs\n\n", "x" * 50]
    for text in TEXTS + unseen:
        assert tokenizer.decode(tokenizer.encode(text), skip_special_tokens=False) == text
    assert tokenizer.vocab_size <= 400
    # the merges compress: fewer tokens than bytes (measured: about 0.5 token per byte with 400 tokens)
    assert sum(len(tokenizer.encode(t)) for t in TEXTS) < 0.75 * sum(len(t.encode()) for t in TEXTS)


def test_roles_are_single_tokens_and_the_prompt_prefix_matches(tokenizer):
    assert len(tokenizer.encode("<|assistant|>")) == 1
    for example in CORPUS.heldout[:5]:
        ids, _ = encode_conversation(example.messages, tokenizer, 4096)
        prefix = prompt_ids(example.prompt, tokenizer)
        assert ids[: len(prefix)] == prefix


def test_save_and_load(tokenizer, tmp_path):
    path = tokenizer.save(tmp_path / "tok.json")
    assert BPETokenizer.load(path).encode(TEXTS[1]) == tokenizer.encode(TEXTS[1])


def test_a_tokenizer_that_does_not_fit_the_model_is_refused(tokenizer):
    with pytest.raises(ValueError, match="the tokenizer has .* tokens but the model embeds only 300"):
        check_fits(tokenizer, 300)


def test_weights_folder_with_a_smaller_vocabulary_than_the_tokenizer(tokenizer, tmp_path):
    """A LLaMA folder (written by save_pretrained) whose vocabulary is smaller than the tokenizer's."""
    small = train_bpe(TEXTS, vocab_size=300)
    spec = ModelSpec(hidden_size=16, intermediate_size=32, layers=1, heads=2, kv_heads=1)
    build_model(spec, small, 0).save_pretrained(tmp_path / "weights")
    loaded = build_model(ModelSpec(path=str(tmp_path / "weights")), small, 0)  # the matching tokenizer loads
    assert loaded.config.vocab_size == small.vocab_size
    with pytest.raises(ValueError, match=r"the tokenizer has \d+ tokens but the model in .*weights embeds only"):
        build_model(ModelSpec(path=str(tmp_path / "weights")), tokenizer, 0)


def test_missing_folders_are_clear_errors(tmp_path, tokenizer):
    with pytest.raises(FileNotFoundError, match="no tokenizer in"):
        load_tokenizer(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="no weights folder"):
        build_model(ModelSpec(path=str(tmp_path / "llama-missing")), tokenizer, 0)
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="config.json missing"):
        build_model(ModelSpec(path=str(tmp_path / "empty")), tokenizer, 0)
