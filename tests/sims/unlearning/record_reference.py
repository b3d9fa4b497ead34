"""Write reference_outputs.npz: every unlearning method on the fixed problems of reference_problems.py.

Run once at commit ca56f11, *before* the three implementations were merged (issue 22), with the methods of that
time (``sims.unlearning.UnlearningProblem.train``, ``empirical.poisoning.methods.UnlearningProblem.from_run``,
``empirical.insecure_code.unlearn.LMUnlearningProblem``, which no longer exist): ``git checkout ca56f11`` then
``PYTHONPATH=$PWD python tests/sims/unlearning/record_reference.py``. Kept as the record of how the fixture was
made; the tests (tests/sims/unlearning/test_reference_outputs.py, tests/empirical/test_unlearning_reference.py)
compare the shared methods against the files and never rewrite them.
"""

from __future__ import annotations

import numpy as np

from tests.sims.unlearning.reference_problems import (
    FIXTURE,
    LM_CASES,
    NUMPY_CASES,
    SWEEP_CELLS,
    SWEEP_FIXTURE,
    TORCH_CASES,
    flatten_state,
    lm_parts,
    numpy_run_inputs,
    run_sweep_cell,
    torch_run,
)


def record_numpy() -> dict:
    import sims.unlearning as old

    out = {}
    for aggregate in ("mean", "median"):
        problem = old.UnlearningProblem.train(**numpy_run_inputs(aggregate))
        for case, method, options in NUMPY_CASES:
            if method == "linear_inversion" and aggregate != "mean":
                continue
            options = dict(options)
            if "rng_seed" in options:
                options["rng"] = np.random.default_rng(options.pop("rng_seed"))
            if method == "gradient_ascent" and "lr" in options:
                options["ascent_lr"] = options.pop("lr")
            result = getattr(old, method)(problem, **options)
            out.update(flatten_state(f"numpy-{aggregate}/{case}", result.theta, result.grad_evals))
    return out


def record_torch() -> dict:
    from empirical.poisoning.methods import UnlearningProblem, unlearn

    out = {}
    for batchnorm in (False, True):
        run = torch_run(batchnorm)
        problem = UnlearningProblem.from_run(run, batch_size=16, seed=3)
        for case, method, options in TORCH_CASES:
            result = unlearn(method, problem, **options)
            out.update(flatten_state(f"torch-{'bn' if batchnorm else 'mlp'}/{case}", result.state, result.grad_evals))
    return out


def record_lm() -> dict:
    from empirical.insecure_code.unlearn import LMUnlearningProblem, unlearn

    make, state, clean, poison, config = lm_parts()
    problem = LMUnlearningProblem(make, state, clean, poison, config, progress=False)
    out = {}
    for case, method, options in LM_CASES:
        result = unlearn(method, problem, **options)
        out.update(flatten_state(f"lm/{case}", result.state, result.grad_evals))
    return out


def record_sweeps() -> list[dict]:
    return [
        {"sweep": module, "params": params, "metrics": run_sweep_cell(module, params)} for module, params in SWEEP_CELLS
    ]


if __name__ == "__main__":
    import json

    import torch

    torch.set_num_threads(1)
    np.savez_compressed(FIXTURE, **record_numpy(), **record_torch(), **record_lm())
    SWEEP_FIXTURE.write_text(json.dumps(record_sweeps(), indent=1, default=float))
    print(f"wrote {FIXTURE} and {SWEEP_FIXTURE}")
