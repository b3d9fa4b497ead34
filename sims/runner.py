"""Run a sweep's cells in parallel into a :class:`~sims.results.ResultStore`, resumably.

* Cells already stored are skipped; each finished cell is written atomically by the parent process as
  soon as it comes back (``return_as="generator_unordered"``), so an interrupted run keeps every finished
  cell and a rerun repeats none.
* ``backend="loky"`` (default) uses joblib's process pool on this machine (``jobs`` workers, 2 by default);
  ``backend="dask"`` runs the same joblib call on a ``dask.distributed`` cluster: the scheduler at
  ``scheduler`` (``tcp://host:8786``) or a ``LocalCluster`` of ``jobs`` single-threaded workers started here.
* A tqdm bar shows cells done and the time left; ``run.json`` records provenance and parameters.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any, Callable, Iterator

from sims.results import ResultStore
from sims.sweeps.spec import Sweep

__all__ = ["run_sweep", "BACKENDS"]

BACKENDS = ("loky", "dask")


def _execute(cell_function: Callable[[dict[str, Any]], dict[str, Any]], cell: dict[str, Any]):
    return cell, cell_function(dict(cell))


@contextlib.contextmanager
def _backend(backend: str, jobs: int, scheduler: str | None, processes: bool) -> Iterator[int]:
    """Yield the ``n_jobs`` to use inside the chosen joblib backend."""
    from joblib import parallel_config  # joblib and tqdm are imported on use: --help needs neither

    if backend == "loky":
        if scheduler is not None:
            raise ValueError("--scheduler needs --backend dask")
        with parallel_config(backend="loky", n_jobs=jobs):
            yield jobs
        return
    if backend != "dask":
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    from dask.distributed import Client, LocalCluster

    with contextlib.ExitStack() as stack:
        if scheduler is None:
            cluster = stack.enter_context(LocalCluster(n_workers=jobs, threads_per_worker=1, processes=processes,
                                                       dashboard_address=None))
            client = stack.enter_context(Client(cluster))
        else:
            client = stack.enter_context(Client(scheduler))
        workers = max(1, sum(client.nthreads().values()))
        with parallel_config(backend="dask", n_jobs=workers):
            yield workers


def run_sweep(sweep: Sweep, values: dict[str, Any], out_dir: str | Path = "results", jobs: int = 2,
              backend: str = "loky", scheduler: str | None = None, progress: bool = True,
              processes: bool = True, cell_function: Callable | None = None) -> Path:
    """Run every missing cell of ``sweep`` with parameters ``values``; return the results table's path.

    ``cell_function`` replaces ``sweep.cell`` (tests use it to interrupt a run after some cells).
    """
    from joblib import Parallel, delayed
    from tqdm.auto import tqdm

    if not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be an integer >= 1, got {jobs!r}")
    store = ResultStore(out_dir, sweep.name)
    cells = sweep.cells(values)
    store.record_run({**values, "sweep": sweep.name, "lemmas": list(sweep.lemmas), "backend": backend})
    todo = [cell for cell in cells if not store.is_done(cell)]
    function = sweep.cell if cell_function is None else cell_function
    bar = tqdm(total=len(cells), initial=len(cells) - len(todo), desc=sweep.name, unit="cell", disable=not progress)
    try:
        if todo:
            with _backend(backend, jobs, scheduler, processes) as n_jobs:
                results = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
                    delayed(_execute)(function, cell) for cell in todo)
                for cell, metrics in results:
                    store.write_cell(cell, metrics, seed=cell["seed"])
                    bar.update(1)
    finally:
        bar.close()
        store.write_table()
    return store.table_path
