"""The bad-input corpus of runs, caches and interrupts (issue 20, items 3-5), in the format of tests.test_bad_inputs.

Each case is one fault a user meets while running: a second run on a busy results folder, a full disk or a
read-only folder under every command line's writers, Ctrl-C in every command line, a bad cell or attack cache
file. A clear answer is what tests.test_bad_inputs calls clear (exit 2 and one ``error:`` line naming the value or
file; a recoverable fault named on stderr with the run succeeding), and in addition: Ctrl-C gives exactly one line
``interrupted; ...`` with exit status 130, and a failed write leaves no temporary file in the output folder.

``python -m tests.test_bad_inputs_runs`` prints the table tried / clear / ...; pytest asserts every case is clear.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.test_bad_inputs import (
    _TINY_LINEAR,
    Outcome,
    _call_cli,
    _cli_error,
    _cli_recovers,
    _emp,
    _run_sims,
    main,
)

_REPOSITORY = Path(__file__).resolve().parent.parent


# ----------------------------------------------------------------------------- faults
@contextlib.contextmanager
def _disk_full() -> Iterator[None]:
    """Every atomic write fails as on a full disk: the flush to disk raises OSError(ENOSPC)."""
    import theory.support.run_folder as run_folder

    original = run_folder.os.fsync

    def fsync(descriptor):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    run_folder.os.fsync = fsync
    try:
        yield
    finally:
        run_folder.os.fsync = original


@contextlib.contextmanager
def _read_only() -> Iterator[None]:
    """Creating any file in the output folder fails as on a read-only file system (EROFS); the tests run as
    root on some machines, where chmod does not stop a write."""
    import theory.support.run_folder as run_folder

    original_open = run_folder.os.open

    def open_(path, *args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))

    run_folder.os.open = open_
    try:
        yield
    finally:
        run_folder.os.open = original_open


@contextlib.contextmanager
def _patched(target: object, name: str, value: object) -> Iterator[None]:
    original = getattr(target, name)
    setattr(target, name, value)
    try:
        yield
    finally:
        setattr(target, name, original)


def _ctrl_c(*args, **kwargs):
    raise KeyboardInterrupt


def _temporaries(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.name.endswith(".tmp"))


def _write_fails(
    main: Callable, argv: list[str], folder: Path, fault=_disk_full, needle: str | None = None, seconds: int = 300
) -> Outcome:
    """exit 2, one line naming a path under ``folder`` (or ``needle``), and no temporary file left there."""
    with fault():
        outcome = _cli_error(main, argv, needle or str(folder), seconds)
    left = _temporaries(folder) if folder.exists() else []
    if outcome.verdict == "clear" and left:
        return Outcome("unclear", f"temporary files left: {left[:3]}")
    return outcome


def _interrupted(main: Callable, argv: list[str], needle: str = "interrupted", seconds: int = 300) -> Outcome:
    """Ctrl-C: exit 130 and exactly one line ``interrupted; ...``, no traceback."""
    status, _, err = _call_cli(main, argv, seconds)
    lines = [line for line in err.strip().splitlines() if line.strip()]
    if status == "hang":
        return Outcome("hang", f"no answer in {seconds} s")
    if isinstance(status, BaseException) or "Traceback" in err:
        return Outcome("traceback", f"{type(status).__name__}: {status}"[:200])
    if status == 130 and len(lines) == 1 and lines[0].startswith("interrupted") and needle in lines[0]:
        return Outcome("clear", lines[0])
    return Outcome("unclear", f"exit {status}: {err.strip()[:200]!r}")


def _theory(argv):
    from theory.cli import main

    return main, argv


_DRAFT = "# A draft\n\nThe draft says that gradient ascent reverts a step, with $x^2$ inline.\n"


def _record(tmp: Path) -> Path:
    """A verification record of the tracked docs, copied (annotate and export read it instead of checking)."""
    target = tmp / "record.json"
    target.write_text((_REPOSITORY / "docs" / "verification.json").read_text(encoding="utf-8"), encoding="utf-8")
    return target


# ----------------------------------------------------------------------------- one writer per results folder
_HOLDER = """
import sys, time
from theory.support.run_folder import hold_folder
with hold_folder(sys.argv[1]):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


@contextlib.contextmanager
def _held_elsewhere(folder: Path, seconds: float = 120) -> Iterator[subprocess.Popen]:
    """Another process holding ``folder``'s lock, as a concurrent run does."""
    env = {**os.environ, "PYTHONPATH": str(_REPOSITORY)}
    process = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(folder), str(seconds)], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert process.stdout.readline().strip() == "held"
        yield process
    finally:
        process.kill()
        process.wait()


def case_sims_second_run_on_a_busy_folder(tmp):
    main, argv = _run_sims(tmp)
    with _held_elsewhere(tmp / "out" / "inversion") as holder:
        outcome = _cli_error(main, argv, f"pid {holder.pid}")
    if outcome.verdict == "clear" and (tmp / "out" / "inversion" / "cells").exists():
        return Outcome("unclear", "the refused run wrote cells")
    return outcome


def case_emp_second_run_on_a_busy_folder(tmp):
    with _held_elsewhere(tmp / "ascent-error") as holder:
        return _cli_error(*_emp(["run", "ascent-error", *_TINY_LINEAR, "--out", str(tmp)]), f"pid {holder.pid}")


def case_sims_folder_free_again_after_a_killed_run(tmp):
    with _held_elsewhere(tmp / "out" / "inversion"):
        pass  # the holder is SIGKILLed: the kernel releases its lock
    main, argv = _run_sims(tmp)
    status, _, err = _call_cli(main, argv, 120)
    return (
        Outcome("clear", "rerun after a killed holder succeeds")
        if status in (0, None)
        else Outcome("unclear", f"exit {status}: {err[:200]!r}")
    )


# ----------------------------------------------------------------------------- full disk, read-only folder
def case_sims_disk_full(tmp):
    return _write_fails(*_run_sims(tmp), tmp / "out")


def case_sims_read_only(tmp):
    return _write_fails(*_run_sims(tmp), tmp / "out", fault=_read_only, needle="read-only")


def case_theory_verify_disk_full(tmp):
    return _write_fails(
        *_theory(
            [
                "verify",
                "--only",
                "ga-exact-iff",
                "--record",
                str(tmp / "r" / "v.json"),
                "--no-progress",
                "--budget",
                "60",
            ]
        ),
        tmp / "r",
    )


def case_theory_export_disk_full(tmp):
    record = _record(tmp)
    return _write_fails(*_theory(["export", "--record", str(record), "--out", str(tmp / "docs")]), tmp / "docs")


def case_theory_annotate_disk_full(tmp):
    draft = tmp / "draft.md"
    draft.write_text(_DRAFT, encoding="utf-8")
    record = _record(tmp)
    return _write_fails(
        *_theory(
            [
                "annotate",
                str(draft),
                "--record",
                str(record),
                "--out",
                str(tmp / "ann"),
                "--results",
                str(tmp / "none"),
                "--no-progress",
            ]
        ),
        tmp / "ann",
    )


def case_emp_run_disk_full(tmp):
    return _write_fails(*_emp(["run", "ascent-error", *_TINY_LINEAR, "--out", str(tmp / "o")]), tmp / "o")


def case_emp_insecure_code_disk_full(tmp):
    return _write_fails(
        *_emp(["run", "insecure-code", "--preset", "tiny", "--out", str(tmp / "o"), "--quiet"]), tmp / "o"
    )


def case_emp_insecure_code_read_only(tmp):
    return _write_fails(
        *_emp(["run", "insecure-code", "--preset", "tiny", "--out", str(tmp / "o"), "--quiet"]),
        tmp / "o",
        fault=_read_only,
        needle="read-only",
    )


# ----------------------------------------------------------------------------- Ctrl-C
def case_sims_ctrl_c(tmp):
    import sims.cli
    import sims.runner

    original = sims.runner.run_sweep

    def run_sweep(*args, **kwargs):
        return original(*args, **{**kwargs, "cell_function": _ctrl_c})

    with _patched(sims.cli, "run_sweep", run_sweep):
        outcome = _interrupted(*_run_sims(tmp), needle="0 cells kept, rerun to resume")
    if outcome.verdict == "clear" and not (tmp / "out" / "inversion" / "results.csv").is_file():
        return Outcome("unclear", "no results table after the interrupt")
    return outcome


def case_theory_ctrl_c(tmp):
    import theory.cli

    with _patched(theory.cli, "run_verification", _ctrl_c):
        return _interrupted(
            *_theory(["verify", "--only", "ga-exact-iff", "--record", str(tmp / "v.json"), "--no-progress"])
        )


def case_emp_ctrl_c(tmp):
    import empirical.checks

    with _patched(empirical.checks, "run_check", _ctrl_c):
        return _interrupted(
            *_emp(["run", "ascent-error", *_TINY_LINEAR, "--out", str(tmp)]), needle="0 cells kept, rerun to resume"
        )


def case_emp_insecure_code_ctrl_c(tmp):
    import empirical.insecure_code.experiment as experiment

    with _patched(experiment, "_run_experiment", _ctrl_c):
        return _interrupted(*_emp(["run", "insecure-code", "--preset", "tiny", "--out", str(tmp), "--quiet"]))


def case_sims_sigint_in_a_real_run(tmp):
    """A real SIGINT to a running `python -m sims run`: one line, status 130, no traceback, no temporary file."""
    env = {**os.environ, "PYTHONPATH": str(_REPOSITORY), "OMP_NUM_THREADS": "1"}
    argv = [
        sys.executable,
        "-m",
        "sims",
        "run",
        "order-dependence",
        "--out",
        str(tmp / "o"),
        "--paper",  # thousands of cells: the run cannot end between the first cell and the interrupt
        "--jobs",
        "1",
        "--no-progress",
    ]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    cells = tmp / "o" / "order-dependence" / "cells"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None and not any(cells.glob("*.json")):
        time.sleep(0.2)
    if process.poll() is not None:
        return Outcome("unclear", f"the run ended before the interrupt (exit {process.returncode})")
    process.send_signal(2)
    try:
        _, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        return Outcome("hang", "no exit within 60 s of SIGINT")
    lines = [line for line in err.strip().splitlines() if line.strip()]
    if "Traceback" in err:
        return Outcome("traceback", err[-200:])
    if (
        process.returncode == 130
        and len(lines) == 1
        and "cells kept, rerun to resume" in lines[0]
        and not _temporaries(tmp / "o")
    ):
        return Outcome("clear", lines[0])
    return Outcome("unclear", f"exit {process.returncode}: {err[-200:]!r}; temporaries left: {_temporaries(tmp / 'o')}")


# ----------------------------------------------------------------------------- bad cells and caches
def _one_sims_run(tmp: Path) -> tuple[Callable, list[str], Path] | Outcome:
    main, argv = _run_sims(tmp)
    if _call_cli(main, argv, 120)[0] != 0:
        return Outcome("traceback", "first run failed")
    return main, argv, sorted((tmp / "out" / "inversion" / "cells").glob("*.json"))[0]


def _cell_recomputed(tmp: Path, edit: Callable[[Path], None]) -> Outcome:
    first = _one_sims_run(tmp)
    if isinstance(first, Outcome):
        return first
    main, argv, cell = first
    before = json.loads(cell.read_text())
    edit(cell)
    outcome = _cli_recovers(main, argv, cell.name)
    after = json.loads(cell.read_text())
    if outcome.verdict == "clear":
        if not cell.with_name(cell.name + ".bad").is_file():
            return Outcome("unclear", "the bad cell was not set aside as .bad")
        if {k: v for k, v in after.items() if k not in ("created_utc", "cell_checksum")} != {
            k: v for k, v in before.items() if k not in ("created_utc", "cell_checksum")
        }:
            return Outcome("silent", "the cell was not recomputed to its value")
    return outcome


def case_sims_tampered_cell(tmp):
    def tamper(cell: Path) -> None:
        row = json.loads(cell.read_text())
        name = next(k for k, v in row.items() if isinstance(v, float) and k != "seed")
        row[name] = row[name] * 1.5 + 1.0
        cell.write_text(json.dumps(row))

    return _cell_recomputed(tmp, tamper)


def case_sims_cell_is_a_list(tmp):
    return _cell_recomputed(tmp, lambda cell: cell.write_text("[]"))


def case_sims_cell_under_another_name(tmp):
    first = _one_sims_run(tmp)
    if isinstance(first, Outcome):
        return first
    main, argv, cell = first
    other = cell.with_name("0" * 20 + ".json")
    other.write_text(cell.read_text())
    outcome = _cli_recovers(main, argv, other.name)
    if outcome.verdict == "clear" and not other.with_name(other.name + ".bad").is_file():
        return Outcome("unclear", "the misplaced cell was not set aside")
    return outcome


_POISON_SETTINGS = {
    "attacks": ["gaussian"],
    "methods": ["gradient_ascent"],
    "n_poisons": 2,
    "epochs": 1,
    "gus_draws": 4,
    "n_clean": 2,
    "n_shadow": 0,
}


def _poison_cache(tmp: Path, edit: Callable[[Path], None]) -> Outcome:
    """A bad attack cache of poison-unlearning is named, set aside and recomputed (the rows come back equal)."""
    from empirical.poisoning.experiments import POISON_DEFAULTS, run_poison_unlearning
    from empirical.setup import prepare

    setup = prepare(
        "mlp",
        "digits",
        model_options={"hidden": 4},
        train_options={"epochs": 1},
        progress=False,
        checkpoint_dir=str(tmp / "checkpoints"),
    )
    settings = {**POISON_DEFAULTS, **_POISON_SETTINGS}
    first = run_poison_unlearning(setup, settings)
    cache = next((tmp / "checkpoints").rglob("gaussian.json"))
    edit(cache)
    err = tempfile.TemporaryFile(mode="w+")
    with contextlib.redirect_stderr(err):
        try:
            second = run_poison_unlearning(setup, settings)
        except Exception as error:
            return Outcome("traceback", f"{type(error).__name__}: {error}"[:200])
    err.seek(0)
    text = err.read()
    if cache.name not in text or not cache.with_name(cache.name + ".bad").is_file():
        return Outcome("silent", f"the bad cache was not named and set aside: {text[:150]!r}")
    strip = lambda rows: [(r.params, {k: v for k, v in r.metrics.items()}) for r in rows]
    if json.dumps(strip(first), default=str, sort_keys=True) != json.dumps(strip(second), default=str, sort_keys=True):
        return Outcome("silent", "the recomputed rows differ from the first run's")
    return Outcome("clear", text.strip().splitlines()[-1][:200])


def case_emp_poison_cache_truncated(tmp):
    return _poison_cache(tmp, lambda path: path.write_text(path.read_text()[: len(path.read_text()) // 2]))


def case_emp_poison_cache_empty_list(tmp):
    return _poison_cache(tmp, lambda path: path.write_text("[]"))


def case_emp_poison_cache_an_object(tmp):
    return _poison_cache(tmp, lambda path: path.write_text('{"rows": 3}'))


def case_emp_poison_cache_tampered(tmp):
    def tamper(path: Path) -> None:
        record = json.loads(path.read_text())
        metrics = record["payload"][0]["metrics"]
        name = next(k for k, v in metrics.items() if isinstance(v, float))
        metrics[name] += 1.0
        path.write_text(json.dumps(record))

    return _poison_cache(tmp, tamper)


CASES: dict[str, Callable[[Path], Outcome]] = {
    name[len("case_") :]: function for name, function in sorted(globals().items()) if name.startswith("case_")
}


@pytest.mark.parametrize("name", list(CASES))
def test_run_fault_gets_a_clear_answer(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    outcome = CASES[name](tmp_path)
    assert outcome.verdict == "clear", f"{name}: {outcome.verdict}: {outcome.detail}"


if __name__ == "__main__":
    sys.exit(main(CASES))
