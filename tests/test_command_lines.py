"""The command lines say what they do: every option and --set key in --help with its default, plain text
(no Sphinx markup), one console script per command line, progress readable in logs."""

from __future__ import annotations

import contextlib
import io
import re
import sys
from pathlib import Path

import pytest


def _pyproject() -> dict:
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


ROOT = Path(__file__).resolve().parent.parent
_MARKUP = re.compile(r":(math|class|func|mod|meth|data):|``")


def _help(main, argv) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 0
    return out.getvalue()


def _options(text: str) -> list[str]:
    return sorted(set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", text)) - {"--help"})


def test_sims_help_lists_every_parameter_and_default():
    from sims.cli import main
    from sims.registry import SWEEPS

    for name, sweep in SWEEPS.items():
        text = _help(main, ["run", name, "--help"])
        assert not _MARKUP.search(text), name
        for param in sweep.all_params:
            assert f"{param.name}=" in text, (name, param.name)
        for line in text.split("options:")[1].split("\n  --")[1:]:
            assert "default" in line or line.startswith("help"), line


def test_empirical_help_lists_every_set_key_with_its_default():
    from empirical.checks import CHECKS
    from empirical.cli import main
    from empirical.options import data_keys, model_keys, train_keys

    text = _help(main, ["run", "--help"])
    assert not _MARKUP.search(text)
    for line in text.split("options:")[1].split("--set keys")[0].split("\n  --")[1:]:
        assert "default" in line or line.startswith("help"), line
    for key in train_keys():
        assert f"train.{key}=" in text
    for model in ("resnet18", "small-cnn", "mlp", "llama"):
        assert all(f"model.{key}=" in text for key in model_keys(model))
    for data in ("digits", "cifar10", "regression", "chat", "tokens"):
        assert all(f"data.{key}=" in text for key in data_keys(data))
    for check in CHECKS.values():
        assert all(f"{key}=" in text for key in check.defaults)
    assert "--device" in text and "auto" in text and "float64" in text


def test_option_names_are_shared_across_the_command_lines():
    from empirical.cli import main as empirical_main
    from sims.cli import main as sims_main

    sims = _options(_help(sims_main, ["run", "inversion", "--help"]))
    empirical = _options(_help(empirical_main, ["run", "--help"]))
    for option in ("--out", "--figures", "--set", "--plot"):
        assert option in sims and option in empirical, option
    assert "--jobs" in sims


def test_each_command_line_has_a_console_script():
    scripts = _pyproject()["project"]["scripts"]
    assert scripts == {
        "noncommute-theory": "theory.cli:main",
        "noncommute-sims": "sims.cli:main",
        "noncommute-empirical": "empirical.cli:main",
    } | {k: v for k, v in scripts.items() if k not in ("noncommute-theory", "noncommute-sims", "noncommute-empirical")}


def test_license_is_mit_in_both_places():
    project = _pyproject()["project"]
    assert project["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")


def test_progress_is_plain_lines_when_stderr_is_not_a_terminal(monkeypatch):
    from sims.progress import progress_bar

    stream = io.StringIO()  # isatty() is False
    monkeypatch.setattr(sys, "stderr", stream)
    for _ in progress_bar(range(5), total=5, desc="cells", log_interval=0.0):
        pass
    text = stream.getvalue()
    assert "\r" not in text and "\x1b[" not in text
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines and all(line.startswith("cells") for line in lines) and "5/5" in lines[-1]
