"""Developer tooling (issue 21, item 6): mypy (``[tool.mypy]``) passes on theory, sims and empirical; ruff's lint
and format checks (``[tool.ruff]``) pass on the whole tree.

Negative controls: the same configurations reject a module with a deliberate type error, an unused import and a
misformatted line, so a tool that checks nothing (a wrong ``files`` list, a broken invocation) cannot pass green.
Outside CI the tests skip when the tool is not installed; under CI (``CI`` set) a missing tool is a failure: the
``dev`` extra installs both.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import running_under_ci

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def mypy_installed() -> None:
    if importlib.util.find_spec("mypy") is None:
        if running_under_ci():
            pytest.fail("mypy is missing under CI: the `dev` extra installs it (pip install -e '.[dev]')")
        pytest.skip("mypy is not installed (pip install -e '.[dev]')")


def _mypy(*args: str, cache: Path) -> subprocess.CompletedProcess:
    """``python -m mypy`` from the repository root (it reads pyproject.toml there), its cache outside the tree."""
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(cache), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


@pytest.mark.slow
def test_mypy_passes_on_the_packages(mypy_installed, tmp_path):
    run = _mypy(cache=tmp_path / "cache")
    assert run.returncode == 0, (run.stdout + run.stderr)[-6000:]
    assert "Success" in run.stdout


def test_mypy_rejects_a_type_error(mypy_installed, tmp_path):
    bad = tmp_path / "bad_module.py"
    bad.write_text("def half(x: int) -> int:\n    return x / 2\n")
    run = _mypy(str(bad), cache=tmp_path / "cache")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "bad_module.py:2: error" in run.stdout


@pytest.fixture(scope="module")
def ruff_installed() -> None:
    if importlib.util.find_spec("ruff") is None:
        if running_under_ci():
            pytest.fail("ruff is missing under CI: the `dev` extra installs it (pip install -e '.[dev]')")
        pytest.skip("ruff is not installed (pip install -e '.[dev]')")


def _ruff(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """``python -m ruff`` with pyproject.toml's ``[tool.ruff]`` configuration, writing no cache into the tree."""
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=600
    )


def test_ruff_lint_and_format_pass_on_the_tree(ruff_installed):
    lint = _ruff("check", ".")
    assert lint.returncode == 0, (lint.stdout + lint.stderr)[-6000:]
    layout = _ruff("format", "--check", ".")
    assert layout.returncode == 0, (layout.stdout + layout.stderr)[-6000:]


def test_ruff_rejects_an_unused_import_and_a_misformatted_line(ruff_installed, tmp_path):
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "bad_module.py").write_text("import os\nx = {'a':1}\n")
    assert _ruff("check", "bad_module.py", cwd=tmp_path).returncode == 1
    assert _ruff("format", "--check", "bad_module.py", cwd=tmp_path).returncode == 1
