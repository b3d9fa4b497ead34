"""CI fails when the draft is missing (issue 19, item 6): tests/conftest.py under CI=true.

Each case runs pytest in a subprocess on a one-test file, with tests/conftest.py loaded as a plugin.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import draft_skip_reason, running_under_ci

ROOT = Path(__file__).resolve().parents[2]
SKIPPING = """
import pytest

def test_wording():
    pytest.skip("the paper draft is absent (looked for /nowhere/draft.md; set $NONCOMMUTE_DRAFT to its path)")
"""


def _pytest(tmp_path: Path, ci: str | None, draft: Path) -> subprocess.CompletedProcess:
    (tmp_path / "test_wording.py").write_text(SKIPPING, encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if key != "CI"}
    env.update(PYTHONPATH=str(ROOT), NONCOMMUTE_DRAFT=str(draft))
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "tests.conftest",
            "-p",
            "no:cacheprovider",
            "-q",
            str(tmp_path / "test_wording.py"),
            "--rootdir",
            str(tmp_path),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_ci_switch_and_the_skip_reasons(monkeypatch):
    for value, expected in (("true", True), ("1", True), ("false", False), ("0", False), ("", False)):
        monkeypatch.setenv("CI", value)
        assert running_under_ci() is expected, value
    monkeypatch.delenv("CI")
    assert not running_under_ci()
    assert draft_skip_reason("the paper draft is absent (looked for x)")
    assert draft_skip_reason(
        "the draft (shared/paper/draft.md beside the repository) is not here; set NONCOMMUTE_DRAFT"
    )
    assert not draft_skip_reason("pdflatex not installed") and not draft_skip_reason("chromium is not installed")


def test_outside_ci_a_missing_draft_skips_with_its_reason(tmp_path):
    result = _pytest(tmp_path, None, tmp_path / "missing.md")
    assert result.returncode == 0 and "1 skipped" in result.stdout, result.stdout + result.stderr


def test_under_ci_a_missing_draft_is_an_error_before_any_test(tmp_path):
    result = _pytest(tmp_path, "true", tmp_path / "missing.md")
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout + result.stderr
    assert "CI is set but the paper draft is missing" in result.stdout + result.stderr


def test_under_ci_a_draft_wording_test_that_skips_fails(tmp_path):
    draft = tmp_path / "draft.md"
    draft.write_text("# a draft\n", encoding="utf-8")
    result = _pytest(tmp_path, "true", draft)
    assert result.returncode == pytest.ExitCode.TESTS_FAILED and "1 failed" in result.stdout, result.stdout
    assert "under CI a draft-wording test may not skip" in result.stdout
