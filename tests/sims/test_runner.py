"""Runner (sims.runner): resume after an interruption, one run per folder, workers that end with the run, the
Dask path on a real LocalCluster, bad arguments."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sims.registry import get_sweep
from sims.results import read_table
from sims.runner import run_sweep
from theory.support.run_folder import FolderBusy, Interrupted, lock_holder

_REPOSITORY = Path(__file__).resolve().parents[2]

_PROVENANCE = ("git_commit", "versions", "created_utc")
SMALL = {
    "lr_Ls": "0.5,1.5",
    "terms_list": "3",
    "batch_sizes": "1",
    "n_points": "4",
    "forward_steps": "2",
    "models": "linear",
}


def _table(path):
    return [{k: v for k, v in row.items() if k not in _PROVENANCE} for row in read_table(path)]


class Interrupting:
    """A cell function that dies after ``limit`` cells, as a killed run would."""

    def __init__(self, limit: int) -> None:
        self.limit, self.calls = limit, 0

    def __call__(self, cell):
        if self.calls >= self.limit:
            raise KeyboardInterrupt("simulated kill")
        self.calls += 1
        return get_sweep("inversion").cell(cell)


def test_resume_gives_the_uninterrupted_table(tmp_path):
    sweep = get_sweep("inversion")
    values = sweep.resolve(SMALL)
    n_cells = len(sweep.cells(values))
    assert n_cells == 4
    with pytest.raises(Interrupted) as interrupted:
        run_sweep(sweep, values, tmp_path / "a", jobs=1, progress=False, cell_function=Interrupting(2))
    assert interrupted.value.kept == 2
    assert len(read_table(tmp_path / "a" / "inversion" / "results.csv")) == 2  # finished cells kept
    counter = Interrupting(10**6)
    run_sweep(sweep, values, tmp_path / "a", jobs=1, progress=False, cell_function=counter)
    assert counter.calls == n_cells - 2  # repeats none
    run_sweep(sweep, values, tmp_path / "b", jobs=2, progress=False)
    assert _table(tmp_path / "a" / "inversion" / "results.csv") == _table(tmp_path / "b" / "inversion" / "results.csv")


def test_dask_local_cluster_gives_the_same_table(tmp_path):
    sweep = get_sweep("inversion")
    values = sweep.resolve(SMALL)
    run_sweep(sweep, values, tmp_path / "loky", jobs=1, progress=False)
    run_sweep(sweep, values, tmp_path / "dask", jobs=2, backend="dask", processes=False, progress=False)
    assert _table(tmp_path / "loky" / "inversion" / "results.csv") == _table(
        tmp_path / "dask" / "inversion" / "results.csv"
    )


def test_bad_runner_arguments(tmp_path):
    sweep = get_sweep("inversion")
    values = sweep.resolve(SMALL)
    with pytest.raises(ValueError, match="jobs"):
        run_sweep(sweep, values, tmp_path, jobs=0)
    with pytest.raises(ValueError, match="backend"):
        run_sweep(sweep, values, tmp_path, backend="ray", progress=False)
    with pytest.raises(ValueError, match="scheduler"):
        run_sweep(sweep, values, tmp_path / "c", scheduler="tcp://nowhere:1", progress=False)


# A run in another process whose cells sleep: each writes its worker's pid to PIDS/<pid> first.
_SLOW_RUN = """
import os, sys, time
from pathlib import Path
from sims.registry import get_sweep
from sims.runner import run_sweep

out, pids, jobs, seconds = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])

def cell(values):
    (pids / str(os.getpid())).write_text("")
    time.sleep(seconds)
    return get_sweep("inversion").cell(values)

sweep = get_sweep("inversion")
run_sweep(sweep, sweep.resolve({"lr_Ls": "0.5,1.5", "terms_list": "3", "batch_sizes": "1", "n_points": "4",
                                "forward_steps": "2", "models": "linear"}), out, jobs=jobs, progress=False,
          cell_function=cell)
"""


def _start_slow_run(tmp_path: Path, jobs: int, seconds: float) -> tuple[subprocess.Popen, Path]:
    pids = tmp_path / "pids"
    pids.mkdir()
    env = {**os.environ, "PYTHONPATH": str(_REPOSITORY), "OMP_NUM_THREADS": "1"}
    process = subprocess.Popen(
        [sys.executable, "-c", _SLOW_RUN, str(tmp_path / "out"), str(pids), str(jobs), str(seconds)],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, pids


def _wait(condition, seconds: float = 120, process: subprocess.Popen | None = None) -> bool:
    """Poll ``condition`` until it holds or ``seconds`` pass; fail at once, with its stderr, if ``process``
    (the run the condition waits on) ends first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        if process is not None and process.poll() is not None:
            err = process.stderr.read() if process.stderr else ""
            pytest.fail(f"the run ended (exit {process.returncode}) before the condition held: {err[-2000:]}")
        time.sleep(0.1)
    return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (dead, not yet reaped) counts as ended
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_two_concurrent_runs_on_one_folder_the_second_is_refused(tmp_path):
    """The first run holds the folder; a second one with other parameters is refused at once, naming the
    first's pid and command, and writes nothing; the first's table holds only its own parameters."""
    process, pids = _start_slow_run(tmp_path, jobs=1, seconds=0.5)
    try:
        assert _wait(lambda: any(pids.iterdir()), 300, process), "the first run did not start"
        sweep = get_sweep("inversion")
        other = sweep.resolve({**SMALL, "n_points": "5"})
        started = time.monotonic()
        with pytest.raises(FolderBusy, match=f"pid {process.pid}: python -c"):
            run_sweep(sweep, other, tmp_path / "out", jobs=1, progress=False)
        assert time.monotonic() - started < 10  # refused at once, not after waiting for the first run
        assert lock_holder(tmp_path / "out" / "inversion")["pid"] == process.pid
    finally:
        _, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    rows = read_table(tmp_path / "out" / "inversion" / "results.csv")
    assert len(rows) == 4 and {row["n_points"] for row in rows} == {"4"}
    recorded = json.loads((tmp_path / "out" / "inversion" / "parameters.json").read_text())
    assert recorded["run"]["n_points"] == 4


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
def test_loky_workers_end_when_the_parent_is_killed(tmp_path):
    """SIGKILL leaves the parent no chance to clean up; the workers asked the kernel for SIGTERM at its death."""
    process, pids = _start_slow_run(tmp_path, jobs=2, seconds=120)
    try:
        assert _wait(lambda: len(list(pids.iterdir())) >= 2, 300, process), "the workers did not start"
        workers = [int(path.name) for path in pids.iterdir()]
        assert all(_alive(pid) for pid in workers)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert _wait(lambda: not any(_alive(pid) for pid in workers), seconds=30), "workers outlived their parent"


def test_workers_end_when_the_run_is_interrupted(tmp_path):
    process, pids = _start_slow_run(tmp_path, jobs=2, seconds=120)
    try:
        assert _wait(lambda: len(list(pids.iterdir())) >= 2, 300, process), "the workers did not start"
        workers = [int(path.name) for path in pids.iterdir()]
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
    finally:
        process.kill()
    assert _wait(lambda: not any(_alive(pid) for pid in workers), seconds=30), "workers outlived the interrupt"


def test_a_run_in_one_process_does_not_ask_to_die_with_its_own_parent(tmp_path, monkeypatch):
    """jobs=1 runs the cells in the run's own process: it must outlive its shell (nohup), so no PR_SET_PDEATHSIG."""
    import sims.runner

    calls = []
    monkeypatch.setattr(sims.runner, "_parent_watch", [])
    sims.runner._die_with_parent(os.getpid())
    assert sims.runner._parent_watch == []
    sweep = get_sweep("inversion")
    original = sims.runner._die_with_parent
    monkeypatch.setattr(sims.runner, "_die_with_parent", lambda run_pid: calls.append(run_pid) or original(run_pid))
    run_sweep(sweep, sweep.resolve(SMALL), tmp_path, jobs=1, progress=False)
    assert calls == [os.getpid()] * 4 and sims.runner._parent_watch == []
