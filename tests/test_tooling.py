"""Developer tooling (issue 21, item 6): mypy, configured in pyproject.toml's ``[tool.mypy]``, passes on theory, sims
and empirical.

Negative control: the same configuration rejects a module with a deliberate type error, so a mypy that checks
nothing (a wrong ``files`` list, a broken invocation) cannot pass green. Outside CI the test skips when mypy is not
installed; under CI (``CI`` set) a missing mypy is a failure: the ``dev`` extra installs it.
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
    return subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(cache), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=1200, env={**os.environ, "PYTHONPATH": str(ROOT)})


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
