r"""Draft section "Poisoned batches" (mean-aggregated mini-batch steps, any loss).

A batch of size :math:`B` holds :math:`n_c` clean and :math:`n_p = B - n_c` poisoned points, with per-example
gradients :math:`g_1, \dots, g_B` at :math:`\theta_t`. With the averages
:math:`\bar g_c = \frac1{n_c}\sum_{\text{clean}} g_i` and :math:`\bar g_p = \frac1{n_p}\sum_{\text{poisoned}} g_i`:

.. math::
    g_t = \frac1B \sum_{i=1}^B g_i = \frac{n_c}{B}\,\bar g_c + \frac{n_p}{B}\,\bar g_p,
    \qquad \bar g_p = \frac{B\,g_t - n_c\,\bar g_c}{n_p},

not :math:`g_t = \bar g_c + \bar g_p` as the draft writes; and :math:`g_t = (\theta_t - \theta_{t+1})/\lambda` is known
whenever consecutive checkpoints (or the step itself) are stored, so the poisoned average is determined
by the clean gradients. The statements are about averages of arbitrary vectors, so the checks draw
arbitrary per-example gradients.
"""

from __future__ import annotations

import sympy
from hypothesis import strategies as st

from theory.checking.building_blocks import is_zero, oracle_identity
from theory.checking.oracle import abs_vector, mp_max_abs, mp_vector, precision
from theory.checking.registry import (
    Counterexample,
    Lemma,
    Outcome,
    PropertyCheck,
    SympyProof,
    every_size,
    fixed_sizes,
    register,
)
from theory.checking.strategies import dimensions, scales, vectors

SECTION = "Inverting many gradient steps is hard since they don't commute / Poisoned batches"
MAX_BATCH = 8
RANGES = (
    f"batch size B in [2, {MAX_BATCH}], n_p in [1, B - 1] poisoned; p in [1, 512]; each per-example gradient "
    "with its own scale log-uniform in [1e-3, 1e3]"
)
#: A readable, non-degenerate batch of the draft's simplification (B = 2, one clean and one poisoned point).
DRAFT_BATCH = {"gradients": [[1.0, 2.0], [3.0, -1.0]], "n_clean": 1}


def _prove_weighted_decomposition() -> bool:
    # The identity is linear and holds coordinatewise, so scalar gradients (dimension 1) suffice.
    for batch in range(2, MAX_BATCH + 1):
        gradients = sympy.symbols(f"g_0:{batch}", real=True)
        for n_clean in range(1, batch):
            n_poison = batch - n_clean
            mean = sum(gradients) / batch
            clean = sum(gradients[:n_clean]) / n_clean
            poison = sum(gradients[n_clean:]) / n_poison
            if not (
                is_zero(mean - (n_clean * clean + n_poison * poison) / batch)
                and is_zero(poison - (batch * mean - n_clean * clean) / n_poison)
            ):
                return False
    return True


def _prove_weighted_decomposition_any_size() -> bool:
    """Every batch size: with S_c, S_p the sums of the clean and poisoned gradients, n_c + n_p = B, averages
    gbar_c = S_c / n_c, gbar_p = S_p / n_p and g_t = (S_c + S_p) / B (symbolic n_c, n_p >= 1; coordinatewise)."""
    n_clean, n_poison = sympy.symbols("n_c n_p", positive=True, integer=True)
    sum_clean, sum_poison = sympy.symbols("S_c S_p", real=True)
    batch = n_clean + n_poison
    mean, clean, poison = (sum_clean + sum_poison) / batch, sum_clean / n_clean, sum_poison / n_poison
    return is_zero(mean - (n_clean * clean + n_poison * poison) / batch) and is_zero(
        poison - (batch * mean - n_clean * clean) / n_poison
    )


@st.composite
def _batches(draw):
    batch = draw(st.integers(2, MAX_BATCH))
    dim = draw(dimensions())
    return {
        "gradients": [draw(vectors(dim, draw(scales()))) for _ in range(batch)],
        "n_clean": draw(st.integers(1, batch - 1)),
    }


def _averages(case):
    """Batch mean, clean mean, poisoned mean (mpmath) and a bound on every absolute-value evaluation."""
    gradients = [mp_vector(gradient) for gradient in case["gradients"]]
    n_clean = case["n_clean"]
    mean = sum(gradients[1:], gradients[0]) / len(gradients)
    clean = sum(gradients[1:n_clean], gradients[0]) / n_clean
    poison = sum(gradients[n_clean + 1 :], gradients[n_clean]) / (len(gradients) - n_clean)
    magnitude = len(gradients) * max(mp_max_abs(abs_vector(gradient)) for gradient in gradients)
    return mean, clean, poison, magnitude


def _mean_is_sum_of_means(case):
    """Draft: g_t = g_{t,c} + g_{t,p} with both terms averages."""
    with precision():
        mean, clean, poison, magnitude = _averages(case)
        return oracle_identity(mean, clean + poison, 2 * magnitude, depth=2 * len(case["gradients"]) + 4)


def _poison_not_determined(case):
    """Draft, read as: the batch mean g_t and the clean average do not determine the poisoned average.
    Holds on a case when the reconstruction (B g_t - n_c gbar_c) / n_p misses the true poisoned average."""
    with precision():
        mean, clean, poison, magnitude = _averages(case)
        batch, n_clean = len(case["gradients"]), case["n_clean"]
        reconstructed = (batch * mean - n_clean * clean) / (batch - n_clean)
        recovered = oracle_identity(reconstructed, poison, 2 * batch * magnitude, depth=4 * batch + 8)
        if recovered.holds:
            return Outcome(
                False, 2.0, f"the poisoned average is recovered from g_t and the clean average ({recovered.detail})"
            )
        return Outcome(True, 0.0, f"the reconstruction misses the poisoned average ({recovered.detail})")


def _prove_no_checkpoint_witness() -> bool:
    """Witness: B = 2, one clean and one poisoned point. Two batches with the same clean gradient g_c and poisoned
    gradients g_p != g_p', from theta_t and theta_t' = theta_t + lr (g_p' - g_p)/2, end at the same theta_{t+1}: a
    defender who knows theta_{t+1}, lr and g_c (not theta_t, not the batch mean) cannot tell g_p from g_p'."""
    theta, lr, clean, poison, other = sympy.symbols("theta lambda g_c g_p g_q", real=True)
    start_other = theta + lr * (other - poison) / 2
    end = theta - lr * (clean + poison) / 2
    end_other = start_other - lr * (clean + other) / 2
    return is_zero(end - end_other) and sympy.simplify(other - poison) != 0


register(
    Lemma(
        id="batch-clean-plus-poison",
        title="A batch gradient is the clean average plus the poisoned average",
        statement=r"$g_t = g_{t,c} + g_{t,p}$ with $g_{t,c}$ ($g_{t,p}$) the average gradient over the clean (poisoned) "
        r"samples of the batch.",
        source=SECTION,
        as_written=True,
        assumptions=("a batch of B >= 2 points, n_c clean and n_p poisoned, both >= 1",),
        quote=r"We may write $g_t = g_{t,c} + g_{t,p}$ where $g_{t,c}$ is the average gradient over clean samples and $g_{t,p}$ is the average gradient over poisoned samples.",
        interpretation="With averages the two parts carry the weights n_c/B and n_p/B (for B = 2: g_t = (g_c + g_p)/2); "
        "the sum form holds for the sums of gradients divided by B, not for averages.",
        checks=(PropertyCheck("sum-of-averages", _batches(), _mean_is_sum_of_means, RANGES, oracle=True),),
        corrected_by=("batch-weighted-decomposition",),
        counterexample=Counterexample("sum-of-averages", {"gradients": [[0.0], [1.0]], "n_clean": 1}),
    ),
    Lemma(
        id="batch-weighted-decomposition",
        title="A batch gradient is the weighted mean of its clean and poisoned averages",
        statement=r"$g_t = \frac{n_c}{B}\,\bar g_c + \frac{n_p}{B}\,\bar g_p$, hence "
        r"$\bar g_p = \frac{B\,g_t - n_c\,\bar g_c}{n_p}$: the stored batch mean (or $\theta_t$, $\theta_{t+1}$ and "
        r"$\lambda$, as $g_t = (\theta_t - \theta_{t+1})/\lambda$) and the clean gradients determine the "
        r"poisoned average.",
        source=SECTION,
        as_written=False,
        assumptions=("a batch of B points, n_c + n_p = B, n_p >= 1", "lr != 0 for g_t from theta_t, theta_{t+1}"),
        interpretation="Only the poisoned average is determined, not the individual poisoned gradients when n_p >= 2; "
        "the retrained step theta_t - lr gbar_c needs neither. What stays hard is that every later step "
        "started from a poisoned theta (the commutation lemmas).",
        checks=(
            SympyProof(
                "weighted-mean-any-size",
                _prove_weighted_decomposition_any_size,
                "sympy identities for symbolic n_c, n_p >= 1 (every batch size), one coordinate",
                coverage=every_size("all n_c, n_p >= 1 (symbolic), all p (coordinatewise)"),
            ),
            SympyProof(
                "weighted-mean",
                _prove_weighted_decomposition,
                f"cross-check: sympy identities for every B in [2, {MAX_BATCH}] and n_c in [1, B - 1], scalar gradients "
                "(the identities are linear and coordinatewise)",
                coverage=fixed_sizes(f"B <= {MAX_BATCH}"),
                cross_check=True,
            ),
        ),
    ),
    Lemma(
        id="poison-gradient-unknowable",
        title="The defender cannot know the poisoned gradient of a batch",
        statement=r"Even knowing $g_{t,c}$, the defender has no knowledge of $g_{t,p}$.",
        source=SECTION,
        as_written=True,
        assumptions=("the batch mean g_t (or theta_t and theta_{t+1}) stored", "n_p >= 1"),
        quote=r"Even if the defender could estimate $g_{t,c}$ (like NegGrad+ does), they have no knowledge of the poisoned gradient $g_{t,p}$.",
        interpretation="Read as: g_{t,p} is not determined by g_t and g_{t,c}, where g_t is known from the stored batch "
        "mean or from theta_t, theta_{t+1} and lr. Without g_t (no checkpoint of the step) the claim "
        "holds: poison-gradient-unknowable-no-checkpoint.",
        claim="poison-gradient-unknowable",
        reading="the batch mean g_t (or theta_t and theta_{t+1}) is stored",
        checks=(
            PropertyCheck(
                "not-recoverable", _batches(), _poison_not_determined, RANGES, oracle=True, examples=(DRAFT_BATCH,)
            ),
        ),
        corrected_by=("batch-weighted-decomposition",),
        counterexample=Counterexample("not-recoverable", DRAFT_BATCH, found_by="example"),
    ),
    Lemma(
        id="poison-gradient-unknowable-no-checkpoint",
        title="Without the batch mean or the previous checkpoint, the poisoned gradient is undetermined",
        statement=r"A defender who knows $\theta_{t+1}$, $\lambda$ and the clean gradient $g_{t,c}$, but neither $g_t$ nor "
        r"$\theta_t$, cannot determine $g_{t,p}$: two batches with the same $g_{t,c}$ and different $g_{t,p}$ end at "
        r"the same $\theta_{t+1}$ ($B = 2$, one clean and one poisoned point).",
        source=SECTION,
        as_written=True,
        assumptions=(
            "B = 2, one clean and one poisoned point",
            "neither g_t nor theta_t stored",
            "lr != 0, known to the defender",
        ),
        quote=r"Even if the defender could estimate $g_{t,c}$ (like NegGrad+ does), they have no knowledge of the poisoned gradient $g_{t,p}$.",
        claim="poison-gradient-unknowable",
        reading="nothing of the step is stored: neither g_t nor theta_t",
        interpretation="The draft's setting B = 2. Proved by an exact witness (as the clean gradient is a given value, "
        "the witness treats the gradients as free vectors, as this module does). Whether the defender "
        "stores the step is a design choice of the training pipeline, not of the model.",
        checks=(
            SympyProof(
                "same-end-two-poisons",
                _prove_no_checkpoint_witness,
                "sympy identity with symbolic theta_t, lr, g_c, g_p, g_p' (one coordinate; the step is coordinatewise)",
                coverage=every_size("all p (coordinatewise witness)"),
            ),
        ),
    ),
)
