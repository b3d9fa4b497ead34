"""Provenance of a run: git commit, package versions, platform, seed and parameters.

Every result the package writes (the verification record of `theory`, the tables of `sims`, the
records of `empirical`) carries this dictionary, so that a number in the paper can be traced to the
code and the environment that produced it (guide: "Reproducible").
"""

from __future__ import annotations

import datetime as _dt
import importlib.metadata
import platform
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["git_commit", "package_versions", "provenance"]

_REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
_TRACKED_PACKAGES = (
    "noncommute",
    "numpy",
    "scipy",
    "sympy",
    "mpmath",
    "hypothesis",
    "matplotlib",
    "torch",
    "transformers",
    "scikit-learn",
    "pandas",
)


@lru_cache(maxsize=1)
def git_commit() -> str:
    """Return the commit of the working tree, suffixed ``-dirty`` when it has local changes.

    Returns ``"unknown"`` outside a git checkout (an installed wheel, say).
    """
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=_REPOSITORY_ROOT, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=_REPOSITORY_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{commit}-dirty" if dirty else commit


@lru_cache(maxsize=1)
def package_versions() -> dict[str, str]:
    """Versions of Python and of the scientific packages the results depend on (absent ones omitted)."""
    versions = {"python": platform.python_version()}
    for name in _TRACKED_PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def provenance(seed: int | None = None, parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the provenance record of a run: seed, parameters, git commit, versions, machine, time (UTC)."""
    return {
        "seed": seed,
        "parameters": dict(parameters or {}),
        "git_commit": git_commit(),
        "versions": package_versions(),
        "machine": platform.platform(),
        "created_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
