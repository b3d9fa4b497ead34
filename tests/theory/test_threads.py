"""The thread policy reaches every command line, in a spawned process, and the user's own values win."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VARIABLES = ("OMP_WAIT_POLICY", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")

# Runs an entry point as `python -m MODULE --help` would, and prints the environment it left at exit.
PROBE = (
    "import atexit, os, runpy, sys\n"
    "atexit.register(lambda: print('|'.join(os.environ.get(k, '-') for k in {variables!r})))\n"
    "sys.argv = [{module!r}, '--help']\n"
    "runpy.run_module({module!r}, run_name='__main__', alter_sys=True)\n"
)
ENTRY_POINTS = ("theory", "sims", "empirical", "empirical.gpu_check")


def _clean_environment(**extra: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if k not in VARIABLES and k != "NONCOMMUTE_THREADS"}
    environment["PYTHONPATH"] = str(ROOT)
    environment.update(extra)
    return environment


def _probe(module: str, **extra: str) -> dict[str, str]:
    code = PROBE.format(variables=VARIABLES, module=module)
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_clean_environment(**extra),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return dict(zip(VARIABLES, done.stdout.strip().splitlines()[-1].split("|")))


@pytest.mark.parametrize("module", ENTRY_POINTS)
def test_entry_point_sets_passive_policy_and_thread_count(module):
    values = _probe(module, NONCOMMUTE_THREADS="3")
    assert values == {
        "OMP_WAIT_POLICY": "PASSIVE",
        "OMP_NUM_THREADS": "3",
        "MKL_NUM_THREADS": "3",
        "OPENBLAS_NUM_THREADS": "3",
    }


@pytest.mark.parametrize("module", ("sims", "empirical.gpu_check"))
def test_explicit_user_values_win(module):
    values = _probe(module, OMP_WAIT_POLICY="ACTIVE", OMP_NUM_THREADS="2", NONCOMMUTE_THREADS="3")
    assert values["OMP_WAIT_POLICY"] == "ACTIVE"
    assert values["OMP_NUM_THREADS"] == "2"  # the library's own variable beats NONCOMMUTE_THREADS
    assert values["MKL_NUM_THREADS"] == "3"


def test_default_count_is_the_usable_cores():
    values = _probe("theory")
    assert values["OMP_NUM_THREADS"] == str(len(os.sched_getaffinity(0)))


def test_torch_imported_after_the_policy_uses_its_thread_count():
    code = "import theory.cli, torch; print(torch.get_num_threads())"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_clean_environment(NONCOMMUTE_THREADS="1"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1"


def test_bad_override_is_one_line_error():
    done = subprocess.run(
        [sys.executable, "-m", "theory", "--help"],
        cwd=ROOT,
        env=_clean_environment(NONCOMMUTE_THREADS="many"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "NONCOMMUTE_THREADS" in done.stderr


def test_library_call_raises_on_bad_override(monkeypatch):
    from theory.threads import apply_thread_policy

    monkeypatch.setenv("NONCOMMUTE_THREADS", "0")
    with pytest.raises(ValueError, match="NONCOMMUTE_THREADS"):
        apply_thread_policy(exit_on_error=False)
