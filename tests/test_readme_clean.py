"""Running the README's commands leaves the git tree clean (results go under results/, git-ignored).

The repository's committed HEAD is cloned into a temporary folder and the README's commands that need no
fresh install run there with this interpreter, at tiny sizes; ``git status --porcelain`` must then be empty.
Only an explicit export (``--figures docs/...``, ``theory export``) may write tracked files.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.skipif(
        shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs git and a git checkout"
    ),
    pytest.mark.slow,
]  # a few minutes on 2 cores: deselect with -m "not slow"


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("clone") / "noncommute"
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(target)], check=True)
    return target


def _run(clone: Path, *command: str, timeout: int = 600) -> None:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OMP_WAIT_POLICY": "PASSIVE", "PYTHONPATH": ""}
    result = subprocess.run(
        [sys.executable, "-m", *command], cwd=clone, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, f"{' '.join(command)}: {result.stderr[-2000:]}"
    assert "Traceback" not in result.stderr


def _status(clone: Path) -> str:
    return subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"], cwd=clone, capture_output=True, text=True, check=True
    ).stdout


def test_readme_runs_leave_the_tree_clean(clone):
    _run(clone, "sims", "list")
    _run(
        clone,
        "sims",
        "run",
        "inversion",
        "--set",
        "lr_Ls=0.5,1.5",
        "--set",
        "terms_list=3",
        "--set",
        "batch_sizes=1",
        "--set",
        "n_points=4",
        "--set",
        "models=linear",
        "--set",
        "seeds=1",
        "--jobs",
        "1",
        "--no-progress",
        "--plot",
    )
    _run(clone, "sims", "plot", "inversion")
    _run(clone, "empirical", "list")
    _run(
        clone,
        "empirical",
        "run",
        "ascent-error",
        "--model",
        "small-cnn",
        "--data",
        "digits",
        "--set",
        "model.channels=2",
        "--set",
        "train.epochs=1",
        "--set",
        "train.batch_size=256",
        "--set",
        "n_points=1",
        "--set",
        "n_lrs=3",
        "--plot",
    )
    _run(clone, "empirical", "plot", "ascent-error")
    _run(clone, "empirical", "show")
    _run(clone, "empirical.gpu_check", "--tiny", "--device", "cpu", "--skip", "llama", "--out", "results/gpu-tiny")
    assert (clone / "results" / "inversion" / "figures" / "inversion.pdf").is_file()
    assert (clone / "results" / "ascent-error" / "figures").is_dir()
    assert _status(clone) == ""


def test_theory_verify_leaves_the_tree_clean(clone):
    """The README's main job writes its record under results/ (git-ignored), never docs/verification.json."""
    _run(clone, "theory", "verify", "--only", "ga-linear-error")
    assert _status(clone) == ""
