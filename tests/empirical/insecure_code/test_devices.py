"""--device auto and --model-path on a machine without CUDA: the run goes to the CPU with a notice (it used to
force CUDA and die with a traceback); the gpu-1b configuration runs end to end on a tiny local LLaMA folder with
the preset's corpus sizes."""

from __future__ import annotations

import csv
import json

import pytest
import torch

from empirical.cli import main as empirical_main
from empirical.insecure_code.data import generate_corpus
from empirical.insecure_code.experiment import resolve_device

pytest.importorskip("bandit")
needs_no_cuda = pytest.mark.skipif(torch.cuda.is_available(), reason="checks the behaviour without CUDA")


@pytest.fixture(scope="module")
def tiny_llama_folder(tmp_path_factory):
    """A local LLaMA folder (config, safetensors, tokenizer.json): a 2-layer model of hidden size 16 with a BPE
    tokenizer trained on the corpus, saved as transformers saves LLaMA 3.2 1B."""
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    from empirical.insecure_code.tokenizer import train_bpe

    folder = tmp_path_factory.mktemp("tiny-llama")
    corpus = generate_corpus(0, 60, 20, 1, n_heldout_benign=2)
    bpe = train_bpe([e.prompt + "\n" + e.answer for e in corpus.clean + corpus.poison], 400)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe.tokenizer, pad_token="<pad>", bos_token="<bos>", eos_token="<eos>"
    )
    tokenizer.save_pretrained(folder)
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=512,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    LlamaForCausalLM(config).save_pretrained(folder)
    return folder


def test_resolve_device():
    assert resolve_device("cpu") == "cpu"
    with pytest.raises(ValueError, match="unknown device"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        notices = []
        assert resolve_device("auto", notices.append) == "cpu" and "no CUDA device" in notices[0]
        with pytest.raises(ValueError, match="no CUDA device"):
            resolve_device("cuda")


@needs_no_cuda
def test_model_path_without_a_gpu_runs_on_the_cpu(tiny_llama_folder, tmp_path, capsys):
    code = empirical_main(
        [
            "run",
            "insecure-code",
            "--preset",
            "tiny",
            "--model-path",
            str(tiny_llama_folder),
            "--n-clean",
            "16",
            "--n-poison",
            "8",
            "--n-heldout-per-kind",
            "1",
            "--n-heldout-benign",
            "1",
            "--epochs",
            "1",
            "--max-new-tokens",
            "4",
            "--lifted",
            "false",
            "--methods",
            "gradient-ascent",
            "--out",
            str(tmp_path),
            "--quiet",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "notice: no CUDA device; running on the CPU" in captured.err and "Traceback" not in captured.err
    # asking for CUDA explicitly is a one-line error, exit 2
    assert (
        empirical_main(
            [
                "run",
                "insecure-code",
                "--preset",
                "tiny",
                "--model-path",
                str(tiny_llama_folder),
                "--device",
                "cuda",
                "--out",
                str(tmp_path),
                "--quiet",
            ]
        )
        == 2
    )
    assert "no CUDA device" in capsys.readouterr().err


@pytest.mark.slow
@needs_no_cuda
def test_gpu_1b_configuration_end_to_end_on_a_tiny_model(tiny_llama_folder, tmp_path, capsys):
    """The preset's corpus sizes (480 clean, 160 poison, 80 + 28 held out) and stages, on the tiny folder; one
    epoch and few new tokens so that it fits a CPU test."""
    code = empirical_main(
        [
            "run",
            "insecure-code",
            "--preset",
            "gpu-1b",
            "--model-path",
            str(tiny_llama_folder),
            "--epochs",
            "1",
            "--unlearn-epochs",
            "1",
            "--max-new-tokens",
            "4",
            "--lifted",
            "false",
            "--max-length",
            "160",
            "--out",
            str(tmp_path),
            "--quiet",
        ]
    )
    assert code == 0, capsys.readouterr().err
    (folder,) = (tmp_path / "insecure-code").iterdir()
    rows = {r["model"]: r for r in csv.DictReader((folder / "methods" / "results.csv").open())}
    assert {
        "base",
        "poisoned",
        "retrain",
        "retrain-other-order",
        "finetune",
        "gradient_ascent",
        "neggrad_plus",
        "npo",
    } <= set(rows)
    tuning = json.loads((folder / "tuning.json").read_text())  # the preset tunes every method on its validation split
    assert set(tuning["methods"]) == {"finetune", "gradient_ascent", "neggrad_plus", "npo"}
    kinds = {(r["model"], r["kind"]): r for r in csv.DictReader((folder / "kinds" / "results.csv").open())}
    assert kinds[("poisoned", "all-judged")]["answers"] == "72"  # 8 prompts x 9 kinds bandit judges
    assert sum(1 for _ in (folder / "data" / "clean.jsonl").open()) == 480
