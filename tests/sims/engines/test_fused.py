"""The compiled SGD kernel (sims.engines.fused) against the numpy engine, its reference.

Error model: both compute the same steps in a different order of floating-point operations, and each is
within ``engine_tolerance`` (tests/sims/reference.py: gamma(p + B + 4) times the step's absolute-value
magnitude, carried through later steps by their Lipschitz constants, in Euclidean norm) of the exact
steps, so they are within twice that bound of each other.
"""

from __future__ import annotations

import numpy as np
import pytest

from sims.engines import fused, make_model, make_schedule, run_sgd
from sims.engines.schedule import Schedule
from tests.sims.engines.test_glm import REFERENCES, _data
from tests.sims.reference import engine_tolerance, slow_sgd
from theory.checking.error_model import gamma

pytestmark = pytest.mark.skipif(not fused.numba_available(), reason="numba (the sims extra) is not installed")


@pytest.mark.parametrize("name", ["linear", "logistic"])
@pytest.mark.parametrize("aggregate", ["mean", "sum"])
@pytest.mark.parametrize("batch_size", [1, 3])
@pytest.mark.parametrize("l2", [0.0, 0.1])
def test_fused_matches_numpy_reference(name, aggregate, batch_size, l2):
    rng = np.random.default_rng(11)
    X, y = _data(name, rng)
    T, p = 6, X.shape[1]
    schedule = make_schedule(len(y), T, 3, batch_size, rng).without(rng.random(len(y)) < 0.25)
    lr = rng.uniform(0.05, 0.5, size=T)
    theta0 = rng.standard_normal((T, p))
    model = make_model(name, p, l2=l2)
    record = ("checkpoints", "updates")
    for sign in (1.0, -1.0):
        reference = run_sgd(model, X, y, theta0, schedule, lr, aggregate, record, sign, engine="numpy")
        compiled = run_sgd(model, X, y, theta0, schedule, lr, aggregate, record, sign, engine="fused")
        assert compiled.grad_evals == reference.grad_evals and compiled.memory_bytes == reference.memory_bytes
        if l2 == 0 and aggregate == "mean" and sign == 1.0:
            grad_fn, hess_fn = REFERENCES[name]
            _, mags, lips = slow_sgd(grad_fn, hess_fn, X, y, theta0, schedule.indices, schedule.weights, lr, aggregate)
            tol = 2 * engine_tolerance(mags, lips, depth=p + batch_size + 4, n_params=p)
            assert np.all(np.linalg.norm(compiled.theta - reference.theta, axis=1) <= tol)
            checkpoint_error = np.linalg.norm(compiled.checkpoints - reference.checkpoints, axis=2).max(axis=1)
            assert np.all(checkpoint_error <= tol)
        else:  # ascent, ridge, sum: the same error model with a uniform bound on magnitudes and Lipschitz constants
            steps = schedule.n_steps
            terms = batch_size if aggregate == "sum" else 1
            smoothness = model.link_derivative_bound * np.einsum("ij,ij->i", X, X).max() + l2
            lipschitz = 1 + lr.max() * terms * smoothness  # |D Phi| <= 1 + lr |H| for descent and ascent alike
            magnitude = np.linalg.norm(reference.checkpoints, axis=2).max() + np.linalg.norm(
                reference.updates, axis=2
            ).max() * (1 + p)
            carried = sum(lipschitz**k for k in range(steps))
            bound = 2 * np.sqrt(p) * gamma(p + batch_size + 4) * magnitude * carried
            assert np.linalg.norm(compiled.theta - reference.theta, axis=1).max() <= bound
            assert np.abs(compiled.updates - reference.updates).max() <= bound


def test_unsupported_runs_use_numpy_or_say_why():
    rng = np.random.default_rng(0)
    X, y = _data("linear", rng)
    schedule = make_schedule(len(y), 3, 1, 2, rng)
    model = make_model("linear", X.shape[1])
    theta0 = np.zeros((3, X.shape[1]))
    assert not fused.supports(model, "median", ())
    assert not fused.supports(model, "mean", ("per_example",))
    median = run_sgd(model, X, y, theta0, schedule, 0.1, "median")  # auto: the numpy engine
    assert median.theta.shape == theta0.shape
    with pytest.raises(ValueError, match="engine='numpy'"):
        run_sgd(model, X, y, theta0, schedule, 0.1, "median", engine="fused")
    with pytest.raises(ValueError, match="engine must be"):
        run_sgd(model, X, y, theta0, schedule, 0.1, engine="gpu")


def _rows(schedule: Schedule, trajectories) -> Schedule:
    return Schedule(schedule.indices[trajectories], schedule.weights[trajectories])


@pytest.mark.parametrize("name", ["linear", "logistic"])
@pytest.mark.parametrize("p", [3, 7, 20])
def test_each_trajectory_is_computed_the_same_in_any_company(name, p):
    """Bit for bit: a trajectory run alone, or in a block of others, or in reversed order, gives the same
    checkpoints. The margin's four partial sums have a fixed order (module docstring), so nothing depends on
    the layout; rewind-replay's exactness (the sweeps compare it with retraining bit for bit) rests on this."""
    rng = np.random.default_rng(5)
    X = rng.standard_normal((30, p))
    y = rng.standard_normal(30) if name == "linear" else (rng.random(30) < 0.5).astype(float)
    T = 7
    schedule = make_schedule(len(y), T, 2, 2, rng).without(rng.random(len(y)) < 0.2)
    lr = rng.uniform(0.05, 0.5, size=T)
    theta0 = rng.standard_normal((T, p))
    model = make_model(name, p, l2=0.05)
    together = run_sgd(model, X, y, theta0, schedule, lr, "mean", ("checkpoints",), engine="fused").checkpoints
    reverse = np.arange(T)[::-1]
    reversed_run = run_sgd(
        model, X, y, theta0[reverse], _rows(schedule, reverse), lr[reverse], "mean", ("checkpoints",), engine="fused"
    ).checkpoints
    assert np.array_equal(reversed_run[reverse], together)
    for t in range(T):
        alone = run_sgd(
            model,
            X,
            y,
            theta0[t : t + 1],
            _rows(schedule, [t]),
            lr[t : t + 1],
            "mean",
            ("checkpoints",),
            engine="fused",
        ).checkpoints
        assert np.array_equal(alone[0], together[t])
