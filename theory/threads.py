r"""Thread policy of every command line: passive OpenMP waiting and a bounded thread count.

Why. torch's CPU kernels run on an OpenMP pool (libgomp) whose idle threads *spin* at each barrier by
default. On a machine whose cores are shared (CI, a laptop, several jobs), the spinning threads steal the
cores the working threads need: measured on a 2-core machine, ``python -m empirical.gpu_check --tiny``
took 382 s with spinning barriers and 55 s with ``OMP_WAIT_POLICY=PASSIVE`` (issue 12), and its ResNet part
133 s against 56 s at load average 3-5; on a nearly idle machine spinning was 8 % faster (25.7 s against
27.8 s). ``benchmarks/bench_thread_policy.py`` measures it; docs/performance.md has the numbers.

What. :func:`apply_thread_policy` sets, *only where the user has not set them*:

* ``OMP_WAIT_POLICY=PASSIVE`` (idle OpenMP threads sleep instead of spinning);
* ``OMP_NUM_THREADS``, ``MKL_NUM_THREADS``, ``OPENBLAS_NUM_THREADS`` to the thread count: the value of
  ``NONCOMMUTE_THREADS`` if set, else the number of cores this process may run on
  (``os.sched_getaffinity``, which honours ``taskset`` and CPU sets).

Overrides, strongest first: a library's own variable (``OMP_NUM_THREADS=8 python -m ...``), then
``NONCOMMUTE_THREADS=N`` (all three libraries at once), then the default. ``OMP_WAIT_POLICY=ACTIVE``
restores spinning (faster only on a machine whose cores are all yours).

When. The OpenMP and BLAS pools read these variables once, when they start (on the first parallel region
after ``import torch`` / ``import numpy``), so every entry point calls this function *before* importing
numpy or torch. If torch is already imported, the thread count is also applied through
``torch.set_num_threads`` (the wait policy can then no longer change: a warning says so).
"""

from __future__ import annotations

import os
import sys
import warnings

__all__ = ["THREAD_VARIABLES", "OVERRIDE_VARIABLE", "apply_thread_policy", "default_threads"]

#: The per-library thread-count variables the policy fills in.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
#: The project's own override of the thread count (a positive integer).
OVERRIDE_VARIABLE = "NONCOMMUTE_THREADS"


def default_threads() -> int:
    """``NONCOMMUTE_THREADS`` if set, else the cores this process may run on (at least 1)."""
    text = os.environ.get(OVERRIDE_VARIABLE, "").strip()
    if text:
        try:
            value = int(text)
        except ValueError:
            value = 0
        if value < 1:
            raise ValueError(
                f"{OVERRIDE_VARIABLE} must be a positive integer, got {text!r}: "
                f"unset it or give a thread count such as {OVERRIDE_VARIABLE}=2"
            )
        return value
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def apply_thread_policy(exit_on_error: bool = True) -> dict[str, str]:
    """Fill in the wait policy and thread counts the user left unset (module docstring); return the values in force.

    Idempotent; never overwrites a variable that is already set. A bad ``NONCOMMUTE_THREADS`` ends the
    program with a one-line error and exit code 2 (``exit_on_error=False``: raise ``ValueError`` instead).
    """
    try:
        threads = str(default_threads())
    except ValueError as error:
        if not exit_on_error:
            raise
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    filled = [name for name in ("OMP_WAIT_POLICY",) + THREAD_VARIABLES if name not in os.environ]
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, threads)
    torch = sys.modules.get("torch")
    if filled and torch is not None and hasattr(torch, "set_num_threads"):
        if "OMP_NUM_THREADS" in filled:
            torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
        if "OMP_WAIT_POLICY" in filled:
            warnings.warn(
                "torch was imported before the thread policy was applied, so its OpenMP threads keep "
                "the spinning wait policy; call theory.threads.apply_thread_policy() before importing "
                "torch, or set OMP_WAIT_POLICY=PASSIVE in the environment",
                RuntimeWarning,
                stacklevel=2,
            )
    return {name: os.environ[name] for name in ("OMP_WAIT_POLICY",) + THREAD_VARIABLES}
