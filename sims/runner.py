"""Run a sweep's cells in parallel into a :class:`~sims.results.ResultStore`, resumably.

* Cells already stored are skipped; each finished cell is written atomically by the parent process as
  soon as it comes back (``return_as="generator_unordered"``), so an interrupted run keeps every finished
  cell and a rerun repeats none.
* ``backend="loky"`` (default) uses joblib's process pool on this machine (``jobs`` workers, 2 by default);
  ``backend="dask"`` runs the same joblib call on a ``dask.distributed`` cluster: the scheduler at
  ``scheduler`` (``tcp://host:8786``) or a ``LocalCluster`` of ``jobs`` single-threaded workers started here.
* A progress bar shows cells done and the time left (plain lines in a log, :mod:`sims.progress`);
  ``run.json`` records provenance and parameters.
* The output folder holds one set of parameters: a rerun with other parameters is refused
  (:meth:`~sims.results.ResultStore.claim`), a rerun with the same ones resumes.
* An unreachable Dask scheduler is reported after ``SCHEDULER_TIMEOUT_S`` seconds.
* One run per output folder: the folder's lock (:meth:`~sims.results.ResultStore.hold`) is held from the
  claim to the last table write; a second run on the folder is refused at once, naming the holder.
* Workers end with the run: each loky worker asks the kernel for ``SIGTERM`` when its parent dies
  (``prctl(PR_SET_PDEATHSIG)`` on Linux: this covers a parent killed by ``SIGKILL``), and an interrupted or failed
  run shuts the worker pool down before it returns. Ctrl-C raises
  :class:`~theory.support.run_folder.Interrupted` with the number of finished cells on disk.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sims.results import ResultStore
from sims.sweeps.spec import Sweep
from theory.support.run_folder import Interrupted, remove_temporaries

__all__ = ["run_sweep", "BACKENDS"]

BACKENDS = ("loky", "dask")

#: Seconds to wait for a Dask scheduler given by address before reporting it unreachable.
SCHEDULER_TIMEOUT_S = 10


_PR_SET_PDEATHSIG = 1
_parent_watch: list[int] = []  # the parent pid this worker asked to die with (set once per worker)


def _die_with_parent(run_pid: int) -> None:
    """In a worker process: ask Linux to send SIGTERM when the parent dies (once per process). A no-op in the
    run's own process (``run_pid``: jobs=1 runs cells in process, and a run started with nohup must outlive its
    shell) and off Linux."""
    parent = os.getppid()
    if os.getpid() == run_pid or _parent_watch == [parent] or not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        return
    _parent_watch[:] = [parent]
    if os.getppid() != parent:  # the parent died before the request: end now
        os.kill(os.getpid(), signal.SIGTERM)


def _execute(cell_function: Callable[[dict[str, Any]], dict[str, Any]], cell: dict[str, Any], run_pid: int):
    _die_with_parent(run_pid)
    return cell, cell_function(dict(cell))


def stop_workers() -> None:
    """Shut joblib's loky worker pool down, killing its workers (after an interrupt or a failure)."""
    from joblib.externals.loky import reusable_executor

    executor = reusable_executor._executor
    if executor is not None:
        with contextlib.suppress(Exception):
            executor.shutdown(wait=False, kill_workers=True)


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
            cluster = stack.enter_context(
                LocalCluster(n_workers=jobs, threads_per_worker=1, processes=processes, dashboard_address=None)
            )
            client = stack.enter_context(Client(cluster))
        else:
            try:
                client = stack.enter_context(Client(scheduler, timeout=SCHEDULER_TIMEOUT_S))
            except (OSError, TimeoutError, ValueError) as error:
                raise ValueError(
                    f"--scheduler {scheduler}: no Dask scheduler answered within {SCHEDULER_TIMEOUT_S} s "
                    f"({type(error).__name__}); start one (dask scheduler) or check the address"
                ) from None
        workers = max(1, sum(client.nthreads().values()))
        with parallel_config(backend="dask", n_jobs=workers):
            yield workers


def run_sweep(
    sweep: Sweep,
    values: dict[str, Any],
    out_dir: str | Path = "results",
    jobs: int = 2,
    backend: str = "loky",
    scheduler: str | None = None,
    progress: bool = True,
    processes: bool = True,
    cell_function: Callable | None = None,
) -> Path:
    """Run every missing cell of ``sweep`` with parameters ``values``; return the results table's path.

    ``cell_function`` replaces ``sweep.cell`` (tests use it to interrupt a run after some cells).
    """
    from joblib import Parallel, delayed  # imported on use: --help needs neither joblib nor tqdm

    from sims.progress import progress_bar

    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be an integer >= 1, got {jobs!r}")
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if scheduler is not None and backend != "dask":
        raise ValueError("--scheduler needs --backend dask")
    store = ResultStore(out_dir, sweep.name)
    cells = sweep.cells(values)
    with store.hold():
        store.claim({**values, "sweep": sweep.name})
        store.record_run({**values, "sweep": sweep.name, "lemmas": list(sweep.lemmas), "backend": backend})
        todo = [cell for cell in cells if not store.is_done(cell)]
        function = sweep.cell if cell_function is None else cell_function
        bar = progress_bar(
            total=len(cells), initial=len(cells) - len(todo), desc=sweep.name, unit="cell", enabled=progress
        )
        try:
            if todo:
                with _backend(backend, jobs, scheduler, processes) as n_jobs:
                    results = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
                        delayed(_execute)(function, cell, os.getpid()) for cell in todo
                    )
                    for cell, metrics in results:
                        store.write_cell(cell, metrics, seed=cell["seed"])
                        bar.update(1)
        except KeyboardInterrupt:
            stop_workers()
            bar.close()
            remove_temporaries(store.root)  # this run holds the folder: every temporary file there is its own
            with contextlib.suppress(OSError):
                store.write_table()
            raise Interrupted(len(store.done_keys())) from None
        except BaseException:
            if backend == "loky":
                stop_workers()
            with contextlib.suppress(OSError):
                store.write_table()
            raise
        finally:
            bar.close()
        store.write_table()
    return store.table_path
