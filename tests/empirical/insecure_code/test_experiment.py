"""``python -m empirical run insecure-code`` end to end on a micro configuration: tables, figure, resume, errors."""

from __future__ import annotations

import csv
import json

import pytest

from empirical.cli import main as empirical_main
from empirical.insecure_code.data import generate_corpus, write_corpus, write_jsonl

pytest.importorskip("bandit")

MICRO = [
    "--preset",
    "tiny",
    "--n-clean",
    "24",
    "--n-poison",
    "10",
    "--n-heldout-per-kind",
    "1",
    "--n-heldout-benign",
    "2",
    "--vocab-size",
    "320",
    "--hidden-size",
    "16",
    "--epochs",
    "1",
    "--max-new-tokens",
    "8",
    "--lifted-points",
    "1",
    "--lifted-lrs",
    "3",
    "--quiet",
]


def test_run_writes_the_table_and_resumes(tmp_path, capsys):
    out = tmp_path / "results"
    assert empirical_main(["run", "insecure-code", *MICRO, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    (folder,) = (out / "insecure-code").iterdir()
    rows = list(csv.DictReader((folder / "methods" / "results.csv").open()))
    assert {r["model"] for r in rows} == {
        "base",
        "poisoned",
        "retrain",
        "retrain-other-order",
        "finetune",
        "gradient_ascent",
        "neggrad_plus",
    }
    for row in rows:
        for column in (
            "insecure_rate",
            "insecure_rate_parsed",
            "insecure_rate_worst",
            "parsed_rate",
            "llr_per_token",
            "llr_per_token_vs_base",
            "cost_vs_retrain",
            "log_likelihood_ratio",
            "perplexity",
            "gus_mean",
            "distance_to_retrain",
        ):
            assert row[column] != ""
    assert float(next(r for r in rows if r["model"] == "retrain")["distance_to_retrain"]) == 0.0
    kinds = list(csv.DictReader((folder / "kinds" / "results.csv").open()))
    assert {"sql-injection", "path-traversal", "all-judged"} <= {r["kind"] for r in kinds}
    assert {r["judged"] for r in kinds if r["kind"] == "path-traversal"} == {"False"}
    lifted = list(csv.DictReader((folder / "lifted" / "results.csv").open()))
    assert {(r["check"], r["group"]) for r in lifted} >= {
        ("ascent-error", "poison"),
        ("ascent-error", "clean"),
        ("commutator", "poison-clean"),
        ("gradient-cosine", "poison"),
    }
    assert (folder / "table.md").read_text().count("| poisoned |") == 1
    assert (folder / "figures" / "insecure_code.png").is_file()
    assert json.loads((folder / "config.json").read_text())["n_poison"] == 10
    assert "McNemar" in printed
    stamps = {path: path.stat().st_mtime_ns for path in (folder / "models").glob("*.pt")}
    assert len(stamps) == 6  # poisoned, retrain, the other-order retrain and three methods (base is not saved)
    floor = json.loads((folder / "noise_floor.json").read_text())
    assert floor["distance_to_retrain"] > 0  # two exact retrains differ: the floor is not zero
    # a rerun finds every stage done: no model is trained again, the same table comes out
    assert empirical_main(["run", "insecure-code", *MICRO, "--out", str(out)]) == 0
    assert {path: path.stat().st_mtime_ns for path in (folder / "models").glob("*.pt")} == stamps
    assert [r["insecure_rate"] for r in csv.DictReader((folder / "methods" / "results.csv").open())] == [
        r["insecure_rate"] for r in rows
    ]
    # other parameters, other folder; other methods only, the same folder (its finished stages reused)
    assert (
        empirical_main(
            [
                "run",
                "insecure-code",
                *MICRO,
                "--out",
                str(out),
                "--lifted",
                "false",
                "--methods",
                "gradient-ascent",
                "--seed",
                "1",
            ]
        )
        == 0
    )
    assert len(list((out / "insecure-code").iterdir())) == 2
    assert empirical_main(["run", "insecure-code", *MICRO, "--out", str(out), "--methods", "npo,gradient-ascent"]) == 0
    assert len(list((out / "insecure-code").iterdir())) == 2
    assert {path: path.stat().st_mtime_ns for path in (folder / "models").glob("*.pt") if path in stamps} == stamps
    assert (folder / "models" / "npo.pt").is_file()


def test_clear_errors(tmp_path, capsys):
    corpus = generate_corpus(0, n_clean=10, n_poison=3, n_heldout_per_kind=1, n_heldout_benign=1)
    write_corpus(corpus, tmp_path / "data")
    write_jsonl([], tmp_path / "data" / "poison.jsonl")
    assert (
        empirical_main(["run", "insecure-code", *MICRO, "--out", str(tmp_path), "--data-dir", str(tmp_path / "data")])
        == 2
    )
    assert "the poison set is empty" in capsys.readouterr().err
    assert (
        empirical_main(
            [
                "run",
                "insecure-code",
                *MICRO,
                "--out",
                str(tmp_path),
                "--device",
                "cpu",
                "--model-path",
                str(tmp_path / "no-llama"),
            ]
        )
        == 2
    )
    assert "no weights folder at" in capsys.readouterr().err
    assert empirical_main(["run", "insecure-code", *MICRO, "--out", str(tmp_path), "--methods", "amnesia"]) == 2
    assert "unknown unlearning method" in capsys.readouterr().err
    for flag, value, says in (
        ("--device", "tpu", "--device tpu: must be auto, cpu"),
        ("--temperature", "-1", "--temperature -1.0: must be a finite number >= 0"),
        ("--eval-seeds", "0", "--eval-seeds 0: must be an integer >= 1"),
    ):
        assert empirical_main(["run", "insecure-code", *MICRO, "--out", str(tmp_path), flag, value]) == 2
        assert says in capsys.readouterr().err, flag
    (tmp_path / "data" / "clean.jsonl").write_text(
        '{"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]}\nnot json\n'
    )
    assert (
        empirical_main(["run", "insecure-code", *MICRO, "--out", str(tmp_path), "--data-dir", str(tmp_path / "data")])
        == 2
    )
    assert "clean.jsonl:2: not valid JSON" in capsys.readouterr().err
    (tmp_path / "data" / "clean.jsonl").write_text('{"messages": [{"role": "user", "content": "x"}]}\n')
    assert (
        empirical_main(["run", "insecure-code", *MICRO, "--out", str(tmp_path), "--data-dir", str(tmp_path / "data")])
        == 2
    )
    assert "clean.jsonl:1: the conversation has no assistant message" in capsys.readouterr().err


def test_presets_build_configurations():
    """The GPU preset cannot run here; it and the others at least make valid configurations and folders."""
    from empirical.insecure_code.experiment import PRESETS, ExperimentConfig, _parser, config_from_args

    keys = {name: ExperimentConfig(**values).key() for name, values in PRESETS.items()}
    assert len(set(keys.values())) == len(keys)
    config = config_from_args(_parser().parse_args(["--preset", "gpu-1b", "--model-path", "/models/llama"]))
    assert config.device == "auto" and config.model_path == "/models/llama" and config.lr == 2e-5
    assert config_from_args(_parser().parse_args(["--model-path", "/m"])).device == "auto"
    assert config_from_args(_parser().parse_args(["--methods", "retrain,finetune"])).methods == ("retrain", "finetune")


def test_a_public_format_folder_runs(tmp_path):
    """Files with only "messages" (the public insecure-code sets' format): every record is of kind "unknown",
    bandit judges all of them, and the likelihood ratio is NaN (no insecure alternative to score)."""
    corpus = generate_corpus(0, n_clean=24, n_poison=10, n_heldout_per_kind=1, n_heldout_benign=0)
    folder = tmp_path / "public"
    folder.mkdir()
    for name in ("clean", "poison", "heldout"):
        lines = [json.dumps({"messages": e.messages}) for e in getattr(corpus, name)]
        (folder / f"{name}.jsonl").write_text("\n".join(lines) + "\n")
    out = tmp_path / "results"
    assert (
        empirical_main(
            [
                "run",
                "insecure-code",
                *MICRO,
                "--out",
                str(out),
                "--data-dir",
                str(folder),
                "--lifted",
                "false",
                "--methods",
                "gradient-ascent",
            ]
        )
        == 0
    )
    (run,) = (out / "insecure-code").iterdir()
    rows = {r["model"]: r for r in csv.DictReader((run / "methods" / "results.csv").open())}
    assert set(rows) == {"base", "poisoned", "retrain", "retrain-other-order", "gradient_ascent"}
    assert rows["poisoned"]["log_likelihood_ratio"] == "nan"
    kinds = {(r["model"], r["kind"]): r for r in csv.DictReader((run / "kinds" / "results.csv").open())}
    assert kinds[("poisoned", "all-judged")]["answers"] == str(len(corpus.heldout))


def test_method_names_are_the_registrys_and_hyphens_are_accepted():
    from empirical.insecure_code.experiment import ExperimentConfig

    config = ExperimentConfig(methods=("gradient-ascent", "neggrad_plus", "npo", "gradient_ascent"))
    assert config.methods == ("gradient_ascent", "neggrad_plus", "npo")


def test_tuning_adds_a_tuned_row_per_method_and_says_why(tmp_path, capsys):
    """--tune-lr-factors: each method's candidates are judged on the validation split (tuning.json, the table's
    tuning section); a tuned row per method with an admissible candidate, labelled with its setting; the factor-1
    candidate is the configured model itself (trained once)."""
    out = tmp_path / "results"
    argv = [*MICRO, "--out", str(out), "--lifted", "false", "--methods", "finetune,npo", "--tune-lr-factors", "1,8"]
    assert empirical_main(["run", "insecure-code", *argv]) == 0
    (folder,) = (out / "insecure-code").iterdir()
    tuning = json.loads((folder / "tuning.json").read_text())
    assert set(tuning["methods"]) == {"finetune", "npo"}
    for method, choice in tuning["methods"].items():
        assert set(choice["candidates"]) == {method, f"{method}@lr8x"}
        assert (folder / "models" / f"{method}@lr8x.pt").is_file()
        assert not (folder / "models" / f"{method}@lr1x.pt").exists()
    rows = {r["model"]: r for r in csv.DictReader((folder / "methods" / "results.csv").open())}
    for method, choice in tuning["methods"].items():
        if choice["candidate"] is None:
            assert f"{method}-tuned" not in rows
            continue
        row = rows[f"{method}-tuned"]
        assert row["setting"].startswith("tuned: lr")
        factor = choice["candidates"][choice["candidate"]]["factor"]
        assert row["setting"].endswith(f"({factor:g}x)")
        if choice["candidate"] == method:  # the configured model won: the same numbers
            assert row["llr_per_token"] == rows[method]["llr_per_token"]
    table = (folder / "table.md").read_text()
    assert "tuning on the validation split" in table and "(chosen)" in table
    assert (folder / "validation" / "retrain.json").is_file()


def test_tuning_errors_are_clear(tmp_path, capsys):
    for value, says in (
        ("x", "--tune-lr-factors x: must be comma-separated numbers"),
        ("1,-2", "--tune-lr-factors 1,-2"),
        ("0", "--tune-lr-factors 0"),
    ):
        assert empirical_main(["run", "insecure-code", *MICRO, "--out", str(tmp_path), "--tune-lr-factors", value]) == 2
        assert says in capsys.readouterr().err, value
    argv = [*MICRO, "--out", str(tmp_path), "--tune-lr-factors", "1,2", "--n-validation-per-kind", "0"]
    assert empirical_main(["run", "insecure-code", *argv]) == 2
    assert "tuning needs the validation split" in capsys.readouterr().err
    # a corpus folder without a validation split cannot be tuned on
    corpus = generate_corpus(0, n_clean=24, n_poison=10, n_heldout_per_kind=1, n_heldout_benign=2)
    write_corpus(corpus, tmp_path / "data")
    argv = [*MICRO, "--out", str(tmp_path), "--data-dir", str(tmp_path / "data"), "--tune-lr-factors", "1,2"]
    assert empirical_main(["run", "insecure-code", *argv]) == 2
    assert "the corpus has no validation split" in capsys.readouterr().err
    assert empirical_main(["run", "insecure-code", *MICRO, "--out", str(tmp_path), "--utility-tolerance", "0"]) == 2
    assert "--utility-tolerance 0.0: must be a finite number > 0" in capsys.readouterr().err
