"""Runner (sims.runner): resume after an interruption, the Dask path on a real LocalCluster, bad arguments."""

from __future__ import annotations

import pytest

from sims.registry import get_sweep
from sims.results import read_table
from sims.runner import run_sweep

_PROVENANCE = ("git_commit", "versions", "created_utc")
SMALL = {"lr_Ls": "0.5,1.5", "terms_list": "3", "batch_sizes": "1", "n_points": "4", "forward_steps": "2",
         "models": "linear"}


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
    with pytest.raises(KeyboardInterrupt):
        run_sweep(sweep, values, tmp_path / "a", jobs=1, progress=False, cell_function=Interrupting(2))
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
    assert _table(tmp_path / "loky" / "inversion" / "results.csv") == _table(tmp_path / "dask" / "inversion" / "results.csv")


def test_bad_runner_arguments(tmp_path):
    sweep = get_sweep("inversion")
    values = sweep.resolve(SMALL)
    with pytest.raises(ValueError, match="jobs"):
        run_sweep(sweep, values, tmp_path, jobs=0)
    with pytest.raises(ValueError, match="backend"):
        run_sweep(sweep, values, tmp_path, backend="ray", progress=False)
    with pytest.raises(ValueError, match="scheduler"):
        run_sweep(sweep, values, tmp_path / "c", scheduler="tcp://nowhere:1", progress=False)
