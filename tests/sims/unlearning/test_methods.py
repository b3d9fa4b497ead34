"""Unlearning methods (sims.unlearning): cost accounting counted independently, and exactness where it holds."""

from __future__ import annotations

import numpy as np
import pytest

from sims.engines import make_model, make_schedule
from sims.unlearning import EngineRun, unlearn
from tests.sims.reference import engine_tolerance, slow_sgd
from theory.checking.error_model import gamma
from theory.models.linear_regression import fixed_point_inverse, gradient, inverse_step, neumann_inverse


def _problem(batch_size=2, aggregate="mean", lr=0.05, T=3, n=16, p=3, seed=0):
    rng = np.random.default_rng(seed)
    X, y = rng.standard_normal((n, p)) / 2, rng.standard_normal(n)
    forget = np.zeros(n, dtype=bool)
    forget[[2, 9, 13]] = True
    schedule = make_schedule(n, T, 2, batch_size, rng)
    model = make_model("linear", p)
    return EngineRun.train(model, X, y, np.zeros((T, p)), schedule, lr, forget, aggregate), rng


def retrain(run):
    return unlearn("retrain", run.problem())


def rewind_replay(run):
    return unlearn("rewind_replay", run.problem())


def amnesiac(run):
    return unlearn("amnesiac", run.problem())


def gradient_ascent(run, epochs=1):
    return unlearn("gradient_ascent", run.problem(), epochs=epochs)


def finetune(run, epochs, rng):
    return unlearn("finetune", run.problem(rng), epochs=epochs)


def neggrad_plus(run, beta=0.995, epochs=1, rng=None):
    return unlearn("neggrad_plus", run.problem(rng), beta=beta, epochs=epochs)


def linear_inversion(run, method="closed", terms=20):
    return unlearn(f"inversion_{method}", run.problem(), terms=terms)


def _retained_slots(problem, from_step=None):
    """Count retained slots by a plain loop (independent of Schedule.without / from_step)."""
    idx, w = problem.schedule.indices, problem.schedule.weights
    count = 0
    for t in range(idx.shape[0]):
        start = 0 if from_step is None else from_step[t]
        for s in range(start, idx.shape[1]):
            count += sum(1 for b in range(idx.shape[2]) if w[t, s, b] != 0 and not problem.forget[idx[t, s, b]])
    return count


def _first_forgotten_steps(problem):
    idx, w = problem.schedule.indices, problem.schedule.weights
    firsts = []
    for t in range(idx.shape[0]):
        hits = [
            s for s in range(idx.shape[1]) for b in range(idx.shape[2]) if w[t, s, b] and problem.forget[idx[t, s, b]]
        ]
        firsts.append(min(hits) if hits else idx.shape[1])
    return firsts


def _tolerance(problem):
    """Engine error model (tests/sims/reference.py) applied to the retraining run, doubled for two runs."""
    slow, mags, lips = slow_sgd(
        lambda th, x, y: list(gradient(np.array(th), x, y)),
        lambda th, x, y: float(x @ x),
        problem.X,
        problem.y,
        problem.theta0,
        problem.schedule.indices,
        problem.retain_schedule.weights,
        problem.lr,
        "mean",
    )
    return slow, 2 * engine_tolerance(
        mags, lips, problem.X.shape[1] + problem.schedule.batch_size + 4, problem.X.shape[1]
    )


def test_retrain_cost_and_result():
    problem, _ = _problem()
    result = retrain(problem)
    assert result.grad_evals == _retained_slots(problem)
    slow, tol = _tolerance(problem)
    assert np.all(np.linalg.norm(result.theta - slow, axis=1) <= tol)


def test_rewind_replay_exact_and_cheaper():
    problem, _ = _problem()
    result = rewind_replay(problem)
    firsts = _first_forgotten_steps(problem)
    assert result.grad_evals == _retained_slots(problem, firsts)
    assert result.memory_bytes == problem.full.checkpoints.nbytes
    _, tol = _tolerance(problem)
    assert np.all(np.linalg.norm(result.theta - retrain(problem).theta, axis=1) <= tol)


def test_gradient_ascent_cost():
    problem, _ = _problem()
    occurrences = problem.schedule.touches(problem.forget).sum()
    assert occurrences == 2 * 3 * problem.schedule.n_traj  # 3 points, 2 epochs
    assert gradient_ascent(problem, epochs=3).grad_evals == 3 * occurrences


def test_amnesiac_cost_and_formula():
    problem, _ = _problem()
    result = amnesiac(problem)
    assert result.grad_evals == 0 and result.memory_bytes == problem.full.updates.nbytes
    expected = problem.full.theta.copy()
    for t in range(problem.schedule.n_traj):
        for s in range(problem.schedule.n_steps):
            if any(problem.forget[i] for i in problem.schedule.indices[t, s]):
                expected[t] -= problem.full.updates[t, s]
    bound = gamma(problem.schedule.n_steps + 1) * (
        np.abs(problem.full.theta) + np.abs(problem.full.updates).sum(axis=1)
    )
    assert np.all(np.abs(result.theta - expected) <= bound)


def test_finetune_and_neggrad_plus_costs():
    problem, _ = _problem()
    T, retained = problem.schedule.n_traj, int((~problem.forget).sum())
    assert finetune(problem, epochs=2, rng=np.random.default_rng(1)).grad_evals == 2 * retained * T
    result = neggrad_plus(problem, beta=0.9, epochs=1, rng=np.random.default_rng(1))
    steps = -(-problem.X.shape[0] // problem.schedule.batch_size)
    forget_batches = -(-2 * 3 // problem.schedule.batch_size)  # 6 forgotten occurrences per trajectory
    forget_sizes = [
        min(problem.schedule.batch_size, 6 - k * problem.schedule.batch_size) for k in range(forget_batches)
    ]
    per_traj = retained + sum(forget_sizes[s % forget_batches] for s in range(steps))
    assert result.grad_evals == per_traj * T
    # beta = 1 is fine-tuning with the same retain order
    same = neggrad_plus(problem, beta=1.0, epochs=1, rng=np.random.default_rng(4)).theta
    plain = finetune(problem, epochs=1, rng=np.random.default_rng(4)).theta
    _, tol = _tolerance(problem)
    assert np.all(np.linalg.norm(same - plain, axis=1) <= tol)
    with pytest.raises(ValueError, match="beta"):
        neggrad_plus(problem, beta=1.5)


@pytest.mark.parametrize("method,terms", [("closed", 0), ("neumann", 60), ("fixed_point", 60)])
def test_linear_inversion_exact_and_cost(method, terms):
    problem, _ = _problem(batch_size=1, lr=0.05)
    result = linear_inversion(problem, method, terms)
    firsts = _first_forgotten_steps(problem)
    inverted = sum(
        int(np.count_nonzero(problem.schedule.weights[t, firsts[t] :])) for t in range(problem.schedule.n_traj)
    )
    assert result.grad_evals == (1 if method == "closed" else terms) * inverted + _retained_slots(problem, firsts)
    # lr |x|^2 <= 0.05 * max|x|^2 < 0.3, so each inverse amplifies errors by at most 1 / (1 - 0.3) per step
    amplification = (1 / (1 - problem.lr.max() * np.max(np.sum(problem.X**2, axis=1)))) ** problem.schedule.n_steps
    _, tol = _tolerance(problem)
    truncation = (problem.lr.max() * np.max(np.sum(problem.X**2, axis=1))) ** terms if method != "closed" else 0.0
    bound = amplification * (tol + truncation * problem.schedule.n_steps * np.linalg.norm(problem.full.theta, axis=1))
    assert np.all(np.linalg.norm(result.theta - retrain(problem).theta, axis=1) <= bound)


def test_single_step_inversion_matches_theory_cores():
    """With one point per step, the batched inverse is theory.models.linear_regression's inverse (per trajectory)."""
    from sims.unlearning.linear_inversion import invert_batch_step

    rng = np.random.default_rng(2)
    T, p = 4, 3
    theta_next, x, y = rng.standard_normal((T, p)), rng.standard_normal((T, 1, p)), rng.standard_normal((T, 1))
    lr = np.full(T, 0.2)
    model = make_model("linear", p)
    for method, reference in (
        ("closed", lambda t: inverse_step(theta_next[t], x[t, 0], y[t, 0], 0.2)),
        ("neumann", lambda t: neumann_inverse(theta_next[t], x[t, 0], y[t, 0], 0.2, 7)),
        ("fixed_point", lambda t: fixed_point_inverse(theta_next[t], x[t, 0], y[t, 0], 0.2, 7)),
    ):
        ours = invert_batch_step(model, theta_next, x, y, np.ones((T, 1)), lr, method, 7)
        for t in range(T):
            expected = reference(t)
            scale = np.abs(theta_next[t]).sum() + abs(y[t, 0]) * np.abs(x[t, 0]).sum() + np.abs(expected).sum()
            assert np.all(np.abs(ours[t] - expected) <= gamma(8 * (p + 4)) * scale * (1 + 0.2 * x[t, 0] @ x[t, 0]) ** 8)


def test_inversion_rejects_what_it_cannot_invert():
    problem, _ = _problem(aggregate="median")
    with pytest.raises(ValueError, match="it needs linear_steps: linear regression steps with mean aggregation"):
        linear_inversion(problem)
    from sims.unlearning.linear_inversion import linear_inversion as direct

    with pytest.raises(ValueError, match="median"):  # called directly, the function checks it too
        direct(problem.problem(), "closed")
    problem, _ = _problem()
    with pytest.raises(ValueError, match="unknown unlearning method 'inversion_lanczos'"):
        linear_inversion(problem, "lanczos")
    with pytest.raises(ValueError, match="method must be one of"):
        direct(problem.problem(), "lanczos")
    with pytest.raises(ValueError, match="forget"):
        EngineRun.train(
            problem.model, problem.X, problem.y, problem.theta0, problem.schedule, 0.1, np.zeros(3, dtype=bool)
        )
