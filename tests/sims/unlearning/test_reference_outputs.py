"""The shared methods on the numpy engines, and every unlearning sweep, reproduce the outputs recorded before the
three implementations were merged (reference_problems.py; issue 22).

Tolerance: none. The merge keeps every floating-point operation and its order (one SGD call over the concatenated
epochs instead of one per epoch runs the same per-step arithmetic), so the results are compared bit for bit; a
difference of one rounding would show the arithmetic changed and must be explained, not absorbed.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from sims.unlearning import EngineRun, unlearn
from tests.sims.unlearning.reference_problems import (
    NUMPY_CASES,
    SWEEP_CELLS,
    SWEEP_FIXTURE,
    load_reference,
    numpy_run_inputs,
    run_sweep_cell,
)

REFERENCE = load_reference()


#: every recorded numpy case; the inversions need mean aggregation (recorded for mean only)
CASES = [
    (aggregate, *case)
    for aggregate in ("mean", "median")
    for case in NUMPY_CASES
    if aggregate == "mean" or case[1] != "linear_inversion"
]


@pytest.mark.parametrize("aggregate,case,method,options", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_numpy_methods_reproduce_the_recorded_outputs(aggregate, case, method, options):
    options = dict(options)
    if method == "linear_inversion":
        method = f"inversion_{options.pop('method')}"
    run = EngineRun.train(**numpy_run_inputs(aggregate))
    result = unlearn(method, run.problem(np.random.default_rng(options.pop("rng_seed", 0))), **options)
    key = f"numpy-{aggregate}/{case}"
    assert np.array_equal(result.state, REFERENCE[f"{key}/state/theta"])
    assert result.grad_evals == int(REFERENCE[f"{key}/grad_evals"])
    assert result.retrain_evals == run.retain_schedule.evaluations()


def test_a_perturbed_setting_changes_the_output():
    """Negative control: the comparison above is sharp (another epoch count is not the recorded output)."""
    run = EngineRun.train(**numpy_run_inputs("mean"))
    result = unlearn("finetune", run.problem(np.random.default_rng(1)), epochs=1)
    assert not np.array_equal(result.state, REFERENCE["numpy-mean/finetune_e2/state/theta"])


@pytest.mark.parametrize("index", range(len(SWEEP_CELLS)), ids=[f"{m}-{i}" for i, (m, _) in enumerate(SWEEP_CELLS)])
def test_every_unlearning_sweep_reproduces_its_recorded_cell(index):
    recorded = json.loads(SWEEP_FIXTURE.read_text())[index]
    module, params = SWEEP_CELLS[index]
    assert recorded["sweep"] == module and recorded["params"] == params
    metrics = run_sweep_cell(module, params)
    assert set(metrics) == set(recorded["metrics"])
    for name, value in recorded["metrics"].items():
        both_nan = isinstance(value, float) and math.isnan(value) and math.isnan(metrics[name])
        assert both_nan or metrics[name] == value, name
