r"""Draft, opening notes: the median as an aggregator, its streaming version, and unlearning through it.

The draft's notes: "possible suboptimality of the median as an aggregator (we discard lots of info
depending on batch size)" and "Efficient streaming median: good explanation [here](https://arxiv.org/pdf/1802.10116)";
section "Poisoned batches" (poisons as Byzantine gradients). The statements:

* efficiency of the median against the mean, :math:`e(n) = \mathrm{Var}(\bar x)/\mathrm{Var}(\mathrm{med})`
  (:mod:`theory.models.aggregation.efficiency`): below 1 for Gaussian noise and :math:`n \ge 3`, decreasing to
  :math:`2/\pi`; above 1 for Laplace noise already at :math:`n = 3` (so "suboptimal" depends on the noise);
* breakdown points of every aggregator of :mod:`theory.models.aggregation.robust`, checked on the implementation
  itself at 60 digits (:mod:`theory.models.aggregation.breakdown`);
* unlearning through the median (:mod:`theory.models.aggregation.order_stats`): the stored median does not
  determine the median after a removal (:math:`n \ge 3`); the :math:`r + 1` or :math:`r + 2` order statistics
  around it do, and no fewer ranks;
* streaming: an exact one-pass median needs memory growing with the stream; a fixed-bin histogram
  (:mod:`theory.models.aggregation.streaming`) has a stated error in fixed memory.
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy
from hypothesis import strategies as st

from theory.checking.building_blocks import (
    all_hold,
    at_least,
    compare,
    exactly_equal,
    is_nonzero,
    is_zero,
    strictly_below,
)
from theory.checking.oracle import precision
from theory.checking.registry import (
    Counterexample,
    Lemma,
    OracleCheck,
    Outcome,
    PropertyCheck,
    SympyProof,
    every_size,
    fixed_sizes,
    register,
)
from theory.models.aggregation import breakdown, efficiency
from theory.models.aggregation.order_stats import median_after_removal, window_ranks, window_ranks_used
from theory.models.aggregation.streaming import HistogramMedian

SECTION = "Opening notes / Poisoned batches"
NOTE_MEDIAN = "possible suboptimality of the median as an aggregator (we discard lots of info depending on batch size)"
NOTE_STREAMING = "Efficient streaming median"
ODD_SIZES = (3, 5, 7, 9, 11, 13, 15, 19, 25, 31, 41)
#: attackers sit this far out (honest points have coordinates in [-1, 1])
FAR = mpmath.mpf(10) ** 20


# -------------------------------------------------------------------------------------------- efficiency
def _efficiency_cases():
    for noise in efficiency.NOISES:
        for n in ODD_SIZES:
            yield {"noise": noise, "n": n}


def _median_worse(case):
    """The median's variance exceeds the mean's: e(n) < 1, by more than the quadrature's error (1e-40)."""
    n = case["n"]
    if n < 3:
        return Outcome(True, 0.0, "n <= 2: the median is the mean", premises_met=False)
    with precision():
        e = efficiency.median_efficiency(n, case["noise"])
        return strictly_below(e, 1 - mpmath.mpf(10) ** -40, f"e({n}) = {mpmath.nstr(e, 12)} ({case['noise']} noise)")


def _gaussian_only(case):
    return (
        _median_worse(case) if case["noise"] == "gaussian" else Outcome(True, 0.0, "not Gaussian", premises_met=False)
    )


def _finite_efficiency(case):
    """e(3) = pi / (3 (pi - sqrt 3)) exactly; 2/pi < e(n') < e(n) < 1 for the next size n' (Gaussian)."""
    n = case["n"]
    n_next = ODD_SIZES[ODD_SIZES.index(n) + 1] if n != ODD_SIZES[-1] else n + 2
    with precision():
        e, e_next = efficiency.median_efficiency(n), efficiency.median_efficiency(n_next)
        detail = f"e({n}) = {mpmath.nstr(e, 15)}, e({n_next}) = {mpmath.nstr(e_next, 15)}"
        parts = [
            strictly_below(2 / mpmath.pi, e_next, detail),
            strictly_below(e_next, e, detail),
            strictly_below(e, 1, detail),
        ]
        if n == 3:
            closed = mpmath.pi / (3 * (mpmath.pi - mpmath.sqrt(3)))
            parts.append(
                compare(
                    float(abs(e - closed)),
                    1e-45,
                    f"|e(3) - pi / (3 (pi - sqrt 3))| = {mpmath.nstr(abs(e - closed), 5)}",
                )
            )
        return all_hold(*parts)


def _prove_asymptotic() -> bool:
    """n Var(med) -> 1/(4 f(m)^2) (van der Vaart 1998, Cor. 21.5), Var(mean) = v/n: the ratio's limit."""
    x, sigma, b = sympy.symbols("x sigma b", positive=True)
    gaussian = sympy.exp(-(x**2) / (2 * sigma**2)) / (sigma * sympy.sqrt(2 * sympy.pi))
    laplace = sympy.exp(-x / b) / (2 * b)
    gaussian_limit = sigma**2 / (1 / (4 * gaussian.subs(x, 0) ** 2))
    laplace_limit = 2 * b**2 / (1 / (4 * laplace.subs(x, 0) ** 2))
    variance = sympy.integrate(x**2 * gaussian, (x, -sympy.oo, sympy.oo))
    return is_zero(gaussian_limit - 2 / sympy.pi) and is_zero(laplace_limit - 2) and is_zero(variance - sigma**2)


# --------------------------------------------------------------------------------------------- breakdown
@st.composite
def _attacked_batches(draw, name: str, side: str):
    n = draw(st.integers(3, 9))
    dim = draw(st.integers(1, 3))
    f_max = (n - 3) // 2 if name in ("krum", "multi_krum") else (n - 1) // 2
    f = 0 if name in ("mean", "median", "geometric_median") else draw(st.integers(0, f_max))
    a = breakdown.survives(name, n, f) if side == "survives" else breakdown.breaks_at(name, n, f)
    coordinate = st.floats(-1, 1, allow_nan=False, width=32)
    honest = [[draw(coordinate) for _ in range(dim)] for _ in range(n - a)]
    if side == "survives":  # anywhere: near the honest points or far out, each coordinate independently
        attack = [
            [draw(coordinate) * (float(FAR) if draw(st.booleans()) else 1.0) for _ in range(dim)] for _ in range(a)
        ]
    else:  # the cluster construction: a identical points at FAR u, |u|_inf >= 1/2
        u = [draw(st.sampled_from([-1.0, 1.0])) * draw(st.floats(0.5, 1, width=32))]
        u += [draw(coordinate) for _ in range(dim - 1)]
        attack = [[float(FAR) * v for v in u]] * a
    return {"aggregator": name, "n": n, "f": f, "honest": honest, "attack": attack}


def _collinear(points) -> bool:
    """Exact (rational) test that the points lie on one line."""
    rows = [[sympy.Rational(v) for v in point] for point in points]
    return sympy.Matrix([[v - w for v, w in zip(row, rows[0])] for row in rows[1:]]).rank() <= 1


def _mp(rows):
    return np.array([[mpmath.mpf(v) for v in row] for row in rows], dtype=object).reshape(len(rows), -1)


def _survival(case):
    name, n, f = case["aggregator"], case["n"], case["f"]
    with precision():
        honest, attack = _mp(case["honest"]), _mp(case["attack"]) if case["attack"] else None
        batch = honest if attack is None else np.concatenate([attack, honest])
        output, certificate = breakdown.run(name, batch, f, n)
        ok, detail = breakdown.honest_bound_holds(name, output, honest, len(case["attack"]), n, f, certificate)
    return exactly_equal(int(bool(ok)), 1, f"{name}, n={n}, f={f}, a={len(case['attack'])}: {detail}")


def _breaking(case):
    name, n, f = case["aggregator"], case["n"], case["f"]
    if name == "geometric_median" and n % 2 == 0 and _collinear(case["honest"] + case["attack"][:1]):
        return Outcome(
            True, 0.0, "all points on one line with a = n/2: the minimisers form a segment", premises_met=False
        )
    with precision():
        batch = np.concatenate([_mp(case["attack"]), _mp(case["honest"])])
        output, _ = breakdown.run(name, batch, f, n)
        size = max(abs(v) for v in output)
    threshold = FAR / (8 * n)
    return at_least(
        size,
        threshold,
        f"{name}, n={n}, f={f}, a={len(case['attack'])}: "
        f"|output|_inf = {mpmath.nstr(size, 6)} vs FAR/(8n) = {mpmath.nstr(threshold, 6)}",
    )


BREAKDOWN_RANGES = (
    "n in [3, 9], P in [1, 3], honest coordinates in [-1, 1] (float32 grid); f in [0, (n-1)/2] "
    "((n-3)/2 for Krum); survive: a = f* corrupted points, each coordinate in [-1, 1] or 1e20 times "
    "it; break: a cluster of the breaking count at 1e20 u; evaluated in 60-digit mpmath"
)


def _breakdown_checks():
    checks = []
    for name in breakdown.AGGREGATOR_NAMES:
        checks.append(
            PropertyCheck(
                f"{name}-survives", _attacked_batches(name, "survives"), _survival, BREAKDOWN_RANGES, oracle=True
            )
        )
        checks.append(
            PropertyCheck(f"{name}-breaks", _attacked_batches(name, "breaks"), _breaking, BREAKDOWN_RANGES, oracle=True)
        )
    return tuple(checks)


# ------------------------------------------------------------------------------------ unlearning via median
def _exact_median(values):
    ordered = sorted(values)
    m = len(ordered)
    return (ordered[(m - 1) // 2] + ordered[m // 2]) / 2


def _median_pair(n: int):
    """Two batches of size n >= 3 with one median and one common point z whose medians without z differ."""
    half = sympy.Rational(1, 2)
    first = [sympy.Integer(v) for v in range(1, n + 1)]
    second = list(first)
    k = n // 2
    if n % 2:  # median x_(k+1); move x_(k) down, remove the maximum
        second[k - 1] -= half
        z = first[-1]
    else:  # median (x_(k) + x_(k+1))/2; move both apart keeping their sum, remove the minimum
        second[k - 1] -= half
        second[k] += half
        z = first[0]
    return first, second, z


def _prove_not_from_median() -> bool:
    for n in range(3, 65):
        first, second, z = _median_pair(n)
        if not is_zero(sympy.Rational(_exact_median(first) - _exact_median(second))) or z not in second:
            return False
        left_first, left_second = list(first), list(second)
        left_first.remove(z)
        left_second.remove(z)
        if not is_nonzero(sympy.Rational(_exact_median(left_first) - _exact_median(left_second))):
            return False
    a, b = sympy.symbols("a b", real=True)  # n = 2: the other point is 2 m - z
    return is_zero(2 * ((a + b) / 2) - a - b)


@st.composite
def _removals(draw):
    n = draw(st.integers(1, 15))
    values = st.one_of(st.integers(-3, 3).map(float), st.floats(-1e6, 1e6, allow_nan=False))
    batch = [draw(values) for _ in range(n)]
    removed = draw(st.lists(st.integers(0, n - 1), unique=True, max_size=n - 1))
    return {"batch": batch, "removed": removed}


def _window_recovers(case):
    batch, removed = case["batch"], case["removed"]
    n, r = len(batch), len(removed)
    with precision():
        values = [mpmath.mpf(v) for v in batch]
        gone = [values[i] for i in removed]
        left = [v for i, v in enumerate(values) if i not in set(removed)]
        a, b = window_ranks(n, r)
        window = sorted(values)[a - 1 : b]
        recovered = median_after_removal(window, n, gone)
        exact = _exact_median(left)
    needed = window_ranks_used(n, r) == set(range(a, b + 1))
    detail = (
        f"n={n}, r={r}: window of {b - a + 1} values gives {mpmath.nstr(recovered, 17)}, exact "
        f"{mpmath.nstr(exact, 17)}; every window rank needed: {needed}"
    )
    return all_hold(exactly_equal(recovered, exact, detail), exactly_equal(int(needed), 1, detail))


# ------------------------------------------------------------------------------------------------ streaming
@st.composite
def _first_halves(draw):
    k = draw(st.integers(1, 8))
    value = st.integers(-5, 5).map(float)
    first = sorted(draw(st.lists(value, min_size=k + 1, max_size=k + 1)))
    other = sorted(draw(st.lists(value, min_size=k + 1, max_size=k + 1)))
    return {"first": first, "other": other}


def _continuation_medians(case):
    """For sorted first halves S, S' (k+1 values) and each rank q, the continuation of k - (q - 1)... values
    below and q - 1 above both makes the median of the n = 2k+1 values the q-th of each half."""
    first, other = case["first"], case["other"]
    k = len(first) - 1
    low, high = min(first + other) - 1, max(first + other) + 1
    pairs = []
    for q in range(1, k + 2):
        continuation = [low] * (k + 1 - q) + [high] * (q - 1)
        pairs.append((_exact_median(first + continuation), _exact_median(other + continuation)))
    return pairs


def _one_state_suffices(case):
    """As written (exact reading): two first halves can share a bounded state only if every continuation gives
    them the same median; holds when no continuation of the construction separates them."""
    pairs = _continuation_medians(case)
    separated = [pair for pair in pairs if pair[0] != pair[1]]
    detail = (
        f"medians after the separating continuation: {separated[:1]}"
        if separated
        else "no continuation separates the two first halves (they are equal)"
    )
    return all_hold(*(exactly_equal(left, right, detail) for left, right in pairs))


def _state_determines_half(case):
    """Different sorted first halves are separated by a continuation; equal ones are never separated."""
    separated = any(pair[0] != pair[1] for pair in _continuation_medians(case))
    different = case["first"] != case["other"]
    outcome = exactly_equal(int(separated), int(different), f"first halves differ: {different}, separated: {separated}")
    return Outcome(outcome.holds, outcome.score, outcome.detail, premises_met=different)


@st.composite
def _streams(draw):
    n_params = draw(st.integers(1, 4))
    bins = draw(st.integers(1, 512))
    centre = draw(st.floats(-1e3, 1e3, allow_nan=False))
    width = draw(st.floats(1e-3, 1e3, allow_nan=False))
    low, high = centre - width, centre + width
    value = st.one_of(st.floats(low, high, allow_nan=False), st.floats(-1e4, 1e4, allow_nan=False))
    length = draw(st.integers(1, 200))
    stream = [[draw(value) for _ in range(n_params)] for _ in range(length)]
    chunks = draw(st.integers(1, 5))
    return {"low": low, "high": high, "bins": bins, "stream": stream, "chunks": chunks}


def _histogram_within_bound(case):
    stream = np.asarray(case["stream"])
    n_params = stream.shape[1]
    sketch = HistogramMedian(n_params, case["low"], case["high"], case["bins"])
    before = HistogramMedian.memory_bytes(n_params, case["bins"])
    for chunk in np.array_split(stream, case["chunks"]):
        if len(chunk):
            sketch.update(chunk)
    estimate, inside, bound = sketch.estimate(), sketch.in_range(), sketch.error_bound()
    if not inside.any():
        return Outcome(True, 0.0, "no coordinate has its medians in range", premises_met=False)
    with precision():
        worst = max(
            abs(mpmath.mpf(float(estimate[j])) - _exact_median([mpmath.mpf(v) for v in stream[:, j]]))
            for j in range(n_params)
            if inside[j]
        )
    outcome = compare(
        float(worst),
        bound,
        f"error {mpmath.nstr(worst, 6)} vs bound {bound:.6e}; memory {sketch.nbytes} bytes, stated {before}",
    )
    return Outcome(outcome.holds and sketch.nbytes == before, outcome.score, outcome.detail)


STREAM_RANGES = (
    "P in [1, 4]; K in [1, 512] bins; range centre in [-1e3, 1e3], half-width in [1e-3, 1e3]; 1 to 200 "
    "gradients, half of the entries inside the range, others in [-1e4, 1e4]; 1 to 5 chunks; exact median "
    "in mpmath"
)
HALVES_RANGES = "k in [1, 8]; first halves of k + 1 integers in [-5, 5]; exact rational medians"


register(
    Lemma(
        id="median-suboptimal",
        title="The median is a less efficient aggregator than the mean (Gaussian noise)",
        statement=r"For $n \ge 3$ i.i.d. Gaussian per-example gradient noises, $\mathrm{Var}(\mathrm{med}_n) > "
        r"\mathrm{Var}(\bar x_n)$: the efficiency $e(n) = \mathrm{Var}(\bar x_n)/\mathrm{Var}(\mathrm{med}_n) < 1$, "
        r"and it depends on $n$.",
        source=SECTION,
        as_written=True,
        quote=NOTE_MEDIAN,
        reading="gaussian-noise",
        claim="median-suboptimality",
        assumptions=(
            "i.i.d. Gaussian per-example gradient noise",
            "batch size n >= 3 odd (n <= 2: the median is the mean)",
        ),
        interpretation="The charitable reading of 'possible suboptimality': there is a common noise (Gaussian) for "
        "which the median loses statistical efficiency against the mean. For n <= 2 the median is the "
        "mean (no loss).",
        checks=(
            OracleCheck(
                "exact-efficiency",
                _efficiency_cases,
                _gaussian_only,
                "60-digit mpmath order-statistic integrals of Var(med_n), n in (3, 5, ..., 15, 19, 25, 31, 41)",
            ),
        ),
        uses=("median-efficiency-finite",),
    ),
    Lemma(
        id="median-suboptimal-any-noise",
        title="The median is a less efficient aggregator than the mean, whatever the noise",
        statement=r"For every noise distribution and $n \ge 3$, $\mathrm{Var}(\mathrm{med}_n) > \mathrm{Var}(\bar x_n)$.",
        source=SECTION,
        as_written=True,
        quote=NOTE_MEDIAN,
        reading="any-noise",
        claim="median-suboptimality",
        strengthened=True,
        assumptions=("any i.i.d. noise distribution with a density", "batch size n >= 3 odd"),
        interpretation="A strengthened reading: the draft writes 'possible suboptimality'; this reading claims it for "
        "every noise. Refuted by Laplace noise: e(3) = 24/23 > 1 (the median is the better estimator), "
        "and e(n) -> 2. It does not drive the claim's headline (median-suboptimal does).",
        checks=(
            OracleCheck(
                "exact-efficiency",
                _efficiency_cases,
                _median_worse,
                "60-digit mpmath order-statistic integrals, Gaussian and Laplace noise, n in (3, 5, ..., 15, 19, 25, 31, 41)",
            ),
        ),
        corrected_by=("median-suboptimal", "median-efficiency-asymptotic"),
        counterexample=Counterexample("exact-efficiency", {"noise": "laplace", "n": 3}, found_by="mpmath"),
    ),
    Lemma(
        id="median-efficiency-finite",
        title="The median's finite-batch efficiency for Gaussian noise",
        statement=r"$e(n) = \frac{1/n}{\int x^2 \frac{n!}{k!^2}\Phi^k(1-\Phi)^k\varphi\,dx}$ for $n = 2k+1$; "
        r"$e(3) = \frac{\pi}{3(\pi - \sqrt 3)} \approx 0.743$, and $e$ decreases strictly over odd $n$ towards $2/\pi$.",
        source=SECTION,
        as_written=False,
        assumptions=("i.i.d. Gaussian noise", "odd n = 2k + 1 >= 3"),
        interpretation="Even n: e(2) = 1, e(4) = 0.838, e(8) = 0.743, e(32) = 0.665 (float64, theory.models.aggregation."
        "efficiency.median_variance_even); the sweep aggregator-efficiency measures them.",
        checks=(
            OracleCheck(
                "odd-sizes",
                lambda: ({"n": n} for n in ODD_SIZES),
                _finite_efficiency,
                "60-digit mpmath: e(3) against its closed form within 1e-45; 2/pi < e(n') < e(n) < 1 for consecutive sizes n < n' of (3, 5, ..., 15, 19, 25, 31, 41)",
            ),
        ),
    ),
    Lemma(
        id="median-efficiency-asymptotic",
        title="The median's asymptotic efficiency: 2/pi for Gaussian noise, 2 for Laplace noise",
        statement=r"$n\,\mathrm{Var}(\mathrm{med}_n) \to \frac{1}{4 f(m)^2}$, so $e(n) \to \frac{2}{\pi}$ for "
        r"$N(0, \sigma^2)$ noise ($n \mathrm{Var} \to \pi\sigma^2/2$) and $e(n) \to 2$ for Laplace noise.",
        source=SECTION,
        as_written=False,
        assumptions=(
            "asymptotic normality of the sample median, n Var(med_n) -> 1/(4 f(m)^2) for a density f "
            "continuous and positive at the median m (van der Vaart 1998, Cor. 21.5)",
        ),
        checks=(
            SympyProof(
                "limit-ratio",
                _prove_asymptotic,
                "sympy: sigma^2 / (1/(4 f(0)^2)) = 2/pi for the Gaussian density, 2 b^2 / (1/(4 f(0)^2)) = 2 "
                "for the Laplace density, and the Gaussian's variance is sigma^2",
                coverage=every_size("size-free: limits of closed-form densities"),
            ),
        ),
    ),
    Lemma(
        id="aggregator-breakdown",
        title="Breakdown points of the mean, median, trimmed mean, mean-around-median, geometric median and Krum",
        statement=r"With $n$ gradients and $f = \lfloor \beta n \rfloor$: the output stays bounded by the honest points "
        r"under $a$ corrupted ones for $a \le 0$ (mean), $\lfloor (n-1)/2 \rfloor$ (median, geometric median), "
        r"$f$ (trimmed mean, mean-around-median, Krum and Multi-Krum with $n - 2f - 2 > 0$), and a cluster of "
        r"$a = 1$, $\lfloor (n-1)/2 \rfloor + 1$, $f + 1$, resp. $n - f - 1$ corrupted points drives it to infinity.",
        source=SECTION,
        as_written=False,
        assumptions=("n gradients, f = floor(beta n) declared corruptions", "honest points bounded"),
        interpretation="Bounds and constructions in theory.models.aggregation.breakdown; checked on the package's aggregators "
        "at 60 digits. Krum between f and n - f - 1 corruptions is left undecided.",
        checks=_breakdown_checks(),
    ),
    Lemma(
        id="median-removal-not-from-median",
        title="The median without a forgotten point is not a function of the stored median",
        statement=r"For every $n \ge 3$ there are batches $A, A'$ of $n$ reals with $\mathrm{med}(A) = \mathrm{med}(A')$ and a "
        r"common point $z$ with $\mathrm{med}(A \setminus z) \ne \mathrm{med}(A' \setminus z)$; for $n = 2$, "
        r"$\mathrm{med}(A \setminus z) = 2\,\mathrm{med}(A) - z$.",
        source=SECTION,
        as_written=False,
        assumptions=("batches of n >= 2 reals",),
        interpretation="So exact unlearning of one point from a median-aggregated step needs more than the stored "
        "median (coordinate-wise, so also in R^P). Construction: A = (1..n); n odd: lower x_(k) by 1/2 "
        "and remove the maximum; n even: move x_(k), x_(k+1) apart by 1/2 and remove the minimum.",
        checks=(
            SympyProof(
                "explicit-pairs",
                _prove_not_from_median,
                "exact sympy rationals: the construction for every n in [3, 64], and the n = 2 identity",
                coverage=fixed_sizes("n <= 64"),
            ),
        ),
    ),
    Lemma(
        id="median-window-suffices",
        title="The order statistics around the median suffice, and are needed, to remove r points",
        statement=r"Removing $r$ of $n$ values, the new median is determined by the removed values and the batch's "
        r"order statistics of ranks $\lceil m/2 \rceil .. \lfloor m/2 \rfloor + 1 + r$, $m = n - r$ "
        r"($r + 1$ values for odd $m$, $r + 2$ for even $m$); each of those ranks is the new median's for "
        r"some removal.",
        source=SECTION,
        as_written=False,
        assumptions=("n reals, r < n removed", "the order statistics of the batch known"),
        interpretation="Memory to unlearn up to r points per step from median aggregation: r + 2 values per coordinate "
        "instead of the batch's n (theory.models.aggregation.order_stats.median_after_removal).",
        checks=(
            PropertyCheck(
                "window-recovers",
                _removals(),
                _window_recovers,
                "n in [1, 15]; values small integers (ties) or floats in [-1e6, 1e6]; any r < n removed; "
                "exact medians in mpmath",
                oracle=True,
            ),
        ),
    ),
    Lemma(
        id="streaming-median-histogram",
        title="A fixed-bin streaming median: error at most half a bin, memory fixed before the run",
        statement=r"The histogram estimate on $[l, h]$ with $K$ bins is within $w/2 + 16u(|l| + |h|)$, $w = (h-l)/K$, of "
        r"the exact median wherever both middle order statistics lie in $[l, h]$, in $8P(K+2) + 8$ bytes "
        r"whatever the number of gradients.",
        source=SECTION,
        as_written=True,
        quote=NOTE_STREAMING,
        reading="bounded-error",
        claim="efficient-streaming-median",
        assumptions=(
            "both middle order statistics lie in the histogram range [l, h]",
            "K >= 1 bins fixed before the run",
        ),
        interpretation="The charitable reading of a note that only links a paper: an efficient streaming median exists "
        "as an approximate median with a stated error in memory fixed before the run "
        "(theory.models.aggregation.streaming.HistogramMedian).",
        checks=(PropertyCheck("within-bound", _streams(), _histogram_within_bound, STREAM_RANGES, oracle=True),),
    ),
    Lemma(
        id="streaming-median-exact",
        title="An exact streaming median in memory independent of the stream",
        statement=r"The coordinate-wise median of a stream of gradients can be computed exactly in one pass with memory "
        r"independent of the number of gradients.",
        source=SECTION,
        as_written=True,
        quote=NOTE_STREAMING,
        reading="exact",
        claim="efficient-streaming-median",
        strengthened=True,
        assumptions=("one pass over the stream", "the exact coordinate-wise median"),
        interpretation="A strengthened reading: the draft only writes 'Efficient streaming median: good explanation "
        "here' and links a paper; it does not claim exactness. Refuted: the state after k + 1 values must determine their sorted multiset (a continuation "
        "separates any two), so it needs log2 of the number of (k+1)-multisets bits (Munro & Paterson 1980).",
        checks=(PropertyCheck("one-state", _first_halves(), _one_state_suffices, HALVES_RANGES, oracle=True),),
        corrected_by=("exact-streaming-median-memory", "streaming-median-histogram"),
        counterexample=Counterexample("one-state", {"first": [0.0, 0.0], "other": [0.0, 1.0]}),
    ),
    Lemma(
        id="exact-streaming-median-memory",
        title="An exact one-pass median must remember the sorted first half",
        statement=r"For sorted first halves $S \ne S'$ of $k+1$ values, the continuation of $k+1-q$ values below and "
        r"$q-1$ above both gives the $2k+1$ values the medians $S_{(q)}$ and $S'_{(q)}$, which differ for some "
        r"$q$: the state must determine $S$, hence needs memory growing with $k$.",
        source=SECTION,
        as_written=False,
        assumptions=("one pass, exact median", "2k + 1 values"),
        checks=(
            PropertyCheck(
                "continuation-separates", _first_halves(), _state_determines_half, HALVES_RANGES, oracle=True
            ),
        ),
    ),
)
