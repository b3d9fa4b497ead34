r"""Claims about the scope of unlearning: asymptotic commutativity for convex models ("Easier cases where gradient
steps might almost commute"), the batched-vs-non-batched reduction ("Poisoned batches") and the small shift of
approximate unlearning ("The case of approximate unlearning").

* Cyclic steps on least squares, one epoch in any order: the epoch map is
  :math:`\theta \mapsto M\theta + c` with :math:`M = I - \lambda S + \lambda^2 R`, :math:`c = \lambda b + \lambda^2 s`,
  where :math:`S = \sum_i x_ix_i^\top` and :math:`b = \sum_i y_ix_i` do not depend on the order (induction on the
  number of points). The epoch-end limit solves :math:`(S - \lambda R)\theta = b + \lambda s`, so when the minimiser
  is unique (:math:`S` invertible) every order's limit tends to it, :math:`S^{-1}b`, as :math:`\lambda \to 0`.
* A mean-aggregated batch step with :math:`B = 1` is the per-example step (lemma batch-mean-step), so non-batched
  training is the special case :math:`B = 1` of batched training.
* Gradient ascent at a rate :math:`\mu \le \lambda` after a step with :math:`0 < q = \lambda|x|^2 < 1` moves the model
  by :math:`\mu/\mu^\ast \le 1 - q` times the shift that exact unlearning needs (ascent-exact-rate).
"""

from __future__ import annotations

import sympy

from theory.checking.building_blocks import is_zero
from theory.checking.registry import Lemma, SympyProof, every_size, fixed_sizes, register

COMMUTE = "Inverting many gradient steps is hard since they don't commute"
EASY = f"{COMMUTE} / Easier cases where gradient steps might almost commute"
BATCHES = f"{COMMUTE} / Poisoned batches"
APPROXIMATE = "The case of approximate unlearning"
CONVEX_QUOTE = "This is true for convex models, but does not hold with complex neural networks."
SHIFT_QUOTE = "most approximate unlearning methods only induce a small shift on the model"


def _prove_epoch_expansion() -> bool:
    """Induction on the points of an epoch, noncommutative symbols: if after k points M = 1 - lr S + lr^2 R and
    c = lr b + lr^2 s, one more step (1 - lr P) . + lr v gives M' = 1 - lr (S + P) + lr^2 (R + P S - lr P R) and
    c' = lr (b + v) + lr^2 (s - P b - lr P s): the first-order terms are sums, the same for every order."""
    theta, s_op, r_op, proj, b, s, v = sympy.symbols("theta S R P b s v", commutative=False)
    lr = sympy.Symbol("lambda", real=True)
    before = theta - lr * s_op * theta + lr**2 * r_op * theta + lr * b + lr**2 * s  # M theta + c
    after = before - lr * proj * before + lr * v
    expected = (
        theta
        - lr * (s_op + proj) * theta
        + lr**2 * (r_op + proj * s_op - lr * proj * r_op) * theta
        + lr * (b + v)
        + lr**2 * (s - proj * b - lr * proj * s)
    )
    # base: one point is theta - lr P theta + lr v, the form with S = P, b = v, R = s = 0
    first = theta - lr * proj * theta + lr * v
    base = is_zero(first - (theta - lr * proj * theta + lr**2 * 0 * theta + lr * v + lr**2 * 0))
    return is_zero(after - expected) and base


def _prove_vanishing_step_limit() -> bool:
    """p = 2 written out: (S - lr R)^{-1} (b + lr s) -> S^{-1} b as lr -> 0 for invertible S (generic symbols); in every
    p this is the continuity of matrix inversion at an invertible S. S^{-1} b solves the normal equations S theta = b."""
    lr = sympy.Symbol("lambda", real=True)
    s_mat = sympy.Matrix(2, 2, sympy.symbols("S_0:4", real=True))
    r_mat = sympy.Matrix(2, 2, sympy.symbols("R_0:4", real=True))
    b, s = sympy.Matrix(sympy.symbols("b_0:2", real=True)), sympy.Matrix(sympy.symbols("s_0:2", real=True))
    limit = (s_mat - lr * r_mat).adjugate() * (b + lr * s) / (s_mat - lr * r_mat).det()
    target = s_mat.adjugate() * b / s_mat.det()
    return all(is_zero(sympy.limit(sympy.cancel(entry), lr, 0) - goal) for entry, goal in zip(limit, target))


def _prove_resolvent_any_size() -> bool:
    """Every p, noncommutative symbols: with W = (S - lr R)^{-1} (W (S - lr R) = I, so S^{-1} b = W (S - lr R) S^{-1} b),
    theta(lr) - S^{-1} b = W (b + lr s) - S^{-1} b = lr W (s + R S^{-1} b). Near lr = 0, |W| <= |S^{-1}| / (1 - |lr|
    |S^{-1} R|) (Neumann series), so theta(lr) - S^{-1} b = O(lr)."""
    s_op, r_op, s_inv, w_op, b, s = sympy.symbols("S R Sinv W b s", commutative=False)
    lr = sympy.Symbol("lambda", real=True)
    gap = w_op * (b + lr * s) - w_op * (s_op - lr * r_op) * s_inv * b
    return is_zero(
        sympy.expand((sympy.expand(gap) - sympy.expand(lr * w_op * (s + r_op * s_inv * b))).subs(s_op * s_inv, 1))
    )


def _prove_batch_of_one() -> bool:
    """The mean-aggregated step of a batch of size B = 1 is the per-example step Phi_z (one coordinate)."""
    theta, lr = sympy.symbols("theta lambda", real=True)
    index = sympy.Symbol("i", integer=True)
    gradients = sympy.IndexedBase("g")
    batch_step = theta - lr * sympy.Sum(gradients[index], (index, 1, 1)) / 1
    return is_zero(batch_step.doit() - (theta - lr * gradients[1]))


def _prove_small_shift_fraction() -> bool:
    """mu / mu* = mu (1 - q) / lr <= 1 - q < 1 for 0 < mu <= lr and 0 < q < 1 (mu = lr t, t in (0, 1]; q = 1 - u)."""
    lr, t_frac, u = sympy.symbols("lambda t u", positive=True)
    q = 1 - u
    fraction = lr * t_frac * (1 - q) / lr
    return is_zero(fraction - t_frac * u) and is_zero((1 - q) - fraction - u * (1 - t_frac))


register(
    Lemma(
        id="asymptotic-commutativity-vanishing-step",
        title="Convex least squares: with vanishing steps every order converges to the same optimum",
        statement=r"For least squares with a unique minimiser ($S = \sum_i x_ix_i^\top$ invertible) and cyclic steps in any "
        r"order, the epoch map is $M = I - \lambda S + O(\lambda^2)$, $c = \lambda b + O(\lambda^2)$ with "
        r"$b = \sum_i y_ix_i$ for every order, so every order's epoch-end limit tends to the minimiser "
        r"$S^{-1}b$ as $\lambda \to 0$.",
        source=EASY,
        as_written=True,
        assumptions=("least squares with S = sum x_i x_i^T invertible", "lr -> 0; cyclic orders"),
        quote=CONVEX_QUOTE,
        claim="single-minimum-order-free",
        reading="steps decaying to 0 (lr -> 0)",
        interpretation="'Asymptotic commutativity is true for convex models' read with step sizes that vanish, as in "
        "the convergence theory of SGD: holds for least squares with a unique minimiser. With a "
        "constant step it fails (single-minimum-order-free, inconsistent-order-gap: O(lr) apart).",
        uses=("inconsistent-order-gap", "consistent-order-free"),
        checks=(
            SympyProof(
                "epoch-expansion",
                _prove_epoch_expansion,
                "sympy, noncommutative symbols: induction step on the points of an epoch",
                coverage=every_size("all n, all p (induction; noncommutative operators)"),
            ),
            SympyProof(
                "resolvent-any-size",
                _prove_resolvent_any_size,
                "sympy, noncommutative symbols (every p): theta(lr) - S^{-1} b = lr W (s + R S^{-1} b), "
                "W = (S - lr R)^{-1} bounded near 0 by the Neumann series",
                coverage=every_size("all p (noncommutative operators)"),
            ),
            SympyProof(
                "vanishing-step-limit",
                _prove_vanishing_step_limit,
                "cross-check: sympy limit lr -> 0 in p = 2 with generic S, R, b, s",
                coverage=fixed_sizes("p = 2"),
                cross_check=True,
            ),
        ),
    ),
    Lemma(
        id="asymptotic-commutativity-networks",
        title="Asymptotic commutativity does not hold with complex neural networks",
        statement=r"For non-convex networks, different orders of the optimization steps converge to different optima.",
        source=EASY,
        as_written=True,
        assumptions=("non-convex networks",),
        quote=CONVEX_QUOTE,
        claim="single-minimum-order-free",
        reading="complex neural networks",
        interpretation="A claim about networks: open. `python -m sims run order-dependence` measures how far apart "
        "the models trained in different orders end.",
        uses=("asymptotic-commutativity-vanishing-step",),
    ),
    Lemma(
        id="batched-reduction",
        title="Unlearning from a batch is at least as hard as non-batched unlearning",
        statement=r"A mean-aggregated batch step with $B = 1$ is the per-example step $\Phi_z$, so non-batched training is "
        r"batched training with $B = 1$: an exact unlearner for every batched run is one for every "
        r"non-batched run.",
        source=BATCHES,
        as_written=True,
        assumptions=("mean-aggregated batch steps", "B = 1 gives the per-example step"),
        quote=r"Therefore, unlearning in a non-batched framework reduces to the batched case, meaning that unlearning "
        r"specific points from a batch is at least as hard as in the non-batched version.",
        interpretation="The reduction the sentence states, made explicit: the non-batched problem is the special case "
        "B = 1 of the batched one. That is all 'at least as hard' asserts; it does not say batches are "
        "strictly harder. (The sentence's 'Therefore' rests on poison-gradient-unknowable, judged there.)",
        uses=("batch-mean-step",),
        checks=(
            SympyProof(
                "batch-of-one",
                _prove_batch_of_one,
                "sympy Sum with B = 1, one coordinate",
                coverage=every_size("all p (the statement's B = 1, coordinatewise)"),
            ),
        ),
    ),
    Lemma(
        id="approx-small-shift",
        title="Most approximate unlearning methods only induce a small shift on the model",
        statement=r"Approximate unlearning methods move the trained model by little compared with the bias the forget set "
        r"created.",
        source=APPROXIMATE,
        as_written=True,
        assumptions=("approximate unlearning methods on networks",),
        quote=SHIFT_QUOTE,
        claim="approx-small-shift",
        reading="approximate unlearning methods on networks (empirical, cites Pawelczyk et al.)",
        interpretation="An empirical observation about methods on networks, cited from Pawelczyk et al.: open. "
        "`python -m empirical run ascent-error` measures ascent shifts on networks.",
        uses=("approx-small-shift-linear",),
    ),
    Lemma(
        id="approx-small-shift-linear",
        title="Gradient ascent at a small unlearning rate moves the model by a fraction of the shift needed",
        statement=r"Linear regression, $0 < q = \lambda|x|^2 < 1$: an ascent step at rate $0 < \mu \le \lambda$ moves "
        r"$\theta_1$ by $\mu\,g_z(\theta_1) = \frac{\mu}{\mu^\ast}(\theta_0 - \theta_1)$ with "
        r"$\frac{\mu}{\mu^\ast} = \frac{\mu(1-q)}{\lambda} \le 1 - q < 1$.",
        source=APPROXIMATE,
        as_written=True,
        assumptions=(
            "linear regression, theta, x in R^p, any p; y in R",
            "0 < q = lr|x|^2 < 1 (so lr > 0)",
            "0 < mu <= lr",
        ),
        quote=SHIFT_QUOTE,
        claim="approx-small-shift",
        reading="gradient ascent with an unlearning rate below the learning rate (linear regression)",
        interpretation="The draft's setting for gradient ascent ('a much smaller unlearning rate than the learning "
        "rate'): the shift is a fixed fraction, below 1 - q, of the one exact unlearning needs. Holds.",
        uses=("ascent-exact-rate",),
        checks=(
            SympyProof(
                "fraction-of-needed-shift",
                _prove_small_shift_fraction,
                "sympy: mu / mu* = mu (1 - q) / lr with mu = lr t, q = 1 - u (t in (0, 1], u in (0, 1)); "
                "the shift identity itself is ascent-exact-rate's partial-rate-shift",
                coverage=every_size("size-free: scalar identity"),
            ),
        ),
    ),
)
