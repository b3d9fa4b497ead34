r"""The claims inventory: every sentence of the draft with mathematical or quantitative content, paragraph by paragraph.

Each :class:`Claim` quotes the draft verbatim (whitespace-normalised, :mod:`theory.paper.draft`) and either lists the
lemmas that encode it or says, by its ``kind``, why it is not checked here:

``lemma``      a mathematical claim encoded by the listed lemmas (one per reading).
``summary``    a sentence that restates claims judged elsewhere (the listed lemmas).
``delegated``  a mathematical claim encoded by another module (``note`` names it; ids filled in at integration).
``definition`` notation or a definition: nothing to judge; ``lemmas`` lists where the package implements it.
``empirical``  an observation or experiment on networks or datasets (``note`` names the measuring check).
``citation``   a result quoted from the literature, not re-derived here.
``plan``       a to-do, an experiment to run, a question.
``argument``   an opinion or an informal argument with no precise statement to check.

:func:`coverage` counts them (and, given statuses, the statuses of the lemmas); :func:`render_markdown` writes
``docs/claims.md`` (``python -m theory.paper.claims`` regenerates it; a test checks that the file is current).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "Claim",
    "CLAIMS",
    "KINDS",
    "CHECKABLE_KINDS",
    "coverage",
    "coverage_line",
    "readings",
    "readings_table",
    "registry_verdict",
    "headline",
    "headlines",
    "headline_counts",
    "render_readings",
    "render_markdown",
    "DEFAULT_OUTPUT",
    "READINGS_OUTPUT",
    "main",
]

KINDS = ("lemma", "summary", "delegated", "definition", "empirical", "citation", "plan", "argument")
#: Kinds that carry a mathematical claim someone must judge: they count in the coverage.
CHECKABLE_KINDS = ("lemma", "summary", "delegated")
DEFAULT_OUTPUT = Path(__file__).resolve().parents[2] / "docs" / "claims.md"
ISSUE_7 = "encoded by theory/lemmas/poisoning.py (issue 7)"
ISSUE_10 = "encoded by theory/lemmas/aggregation.py (issue 10)"


@dataclass(frozen=True)
class Claim:
    """One sentence (or formula) of the draft: where, its words, what kind, which lemmas, and a note."""

    section: str
    text: str
    kind: str
    lemmas: tuple[str, ...] = ()
    note: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"claim kind must be one of {KINDS}, got {self.kind!r}")
        if self.kind == "lemma" and not self.lemmas:
            raise ValueError(f"a claim of kind 'lemma' must list its lemmas: {self.text[:60]!r}")


def _c(section: str, text: str, kind: str, lemmas: tuple[str, ...] | str = (), note: str = "") -> Claim:
    return Claim(section, text, kind, (lemmas,) if isinstance(lemmas, str) else tuple(lemmas), note)


TOP = "Notes at the top"
INTRO = "Introduction"
EXACT = "Background / Exact unlearning"
APPROX_BG = "Background / Approximate unlearning"
NOTATIONS = "Background / Notations"
LINEAR = "Background / The case of linear regression"
GA = "Gradient ascent does not revert gradient descent"
FIRST = f"{GA} / First observations"
GA_LINEAR = f"{GA} / Approximation error in the linear case"
NONLINEAR = f"{GA} / Approximation error in a nonlinear setting"
GENERAL = f"{GA} / Towards the general case"
HIGH_LOSS = f"{GENERAL} / Adversarial poisons with high loss"
INFLUENCE = f"{GENERAL} / Adversarial data poisoning via influence functions"
IRREGULAR = f"{GENERAL} / Adversarial poisons with irregular gradients"
DELTA = f"{GENERAL} / Limitations of delta-influence"
CONCLUSION_GA = f"{GA} / Conclusion on gradient ascent"
SINGLE = "Inverting a single gradient step is hard"
FIXED = f"{SINGLE} / The fixed-point formulation"
BROUWER = f"{FIXED} / Brouwer's fixed point theorem"
BANACH = f"{FIXED} / Banach's fixed point theorem"
PATHWAYS = f"{FIXED} / Pathways for success"
COMMUTE = "Inverting many gradient steps is hard since they don't commute"
HARD = f"{COMMUTE} / Difficult cases where gradient steps do not commute"
EASY = f"{COMMUTE} / Easier cases where gradient steps might almost commute"
INTERLEAVED = f"{COMMUTE} / The problem of interleaved gradient steps"
BATCHES = f"{COMMUTE} / Poisoned batches"
APPROX = "The case of approximate unlearning"
CONCLUSION = "Conclusion"

CLAIMS: tuple[Claim, ...] = (
    # ------------------------------------------------------------------ notes at the top
    _c(
        TOP,
        "LLaMa 3.2 1B : poisoning with unsafe coding examples -> unaligned model -> unlearning fails",
        "plan",
        note="an experiment to run (empirical: LLaMA loading code)",
    ),
    _c(
        TOP,
        "possible suboptimality of the median as an aggregator (we discard lots of info depending on batch size)",
        "delegated",
        (
            "median-suboptimal",
            "median-suboptimal-any-noise",
            "median-efficiency-finite",
            "median-efficiency-asymptotic",
            "median-removal-not-from-median",
        ),
        note=ISSUE_10,
    ),
    _c(TOP, "GUS interpretation and concrete proof of unlearning failure ? by MIA ?", "plan"),
    _c(
        TOP,
        "Efficient streaming median: good explanation",
        "delegated",
        ("streaming-median-histogram", "streaming-median-exact", "exact-streaming-median-memory"),
        note=ISSUE_10 + "; the note only links a paper: the exact reading is strengthened",
    ),
    _c(
        TOP,
        "(+ dimension-aware geometric mean around median)",
        "plan",
        note="a method to try: theory.models.aggregation has the geometric median and the mean around the median, not this "
        "combination",
    ),
    _c(
        TOP,
        "Fixed-point theorems = Non working solutions in paper",
        "plan",
        note="an editorial note; the fixed-point claims are judged in their section",
    ),
    # ------------------------------------------------------------------ introduction
    _c(
        INTRO,
        "We demonstrate that exact unlearning fails in general since gradient steps can't be reverted and do not commute.",
        "summary",
        (
            "ga-never-exact",
            "ga-never-exact-any-model",
            "ga-never-exact-chosen-rate",
            "lr-inverse-iff",
            "lr-commutator-formula",
            "steps-commute-iff-equal",
        ),
    ),
    _c(
        INTRO,
        "Even if gradient steps could be inverted, gradient-based exact unlearning methods would need to invert the "
        "gradient steps in the reverse order of the training loop. However, this method is not more efficient than "
        "retraining, which is computationally prohibitive for practical applications.",
        "summary",
        ("interleaved-unlearning-cost", "interleaved-no-efficient-algorithm", "commuting-steps-cheap"),
    ),
    _c(
        INTRO,
        "This hints at the impossibility of efficient exact unlearning without a major paradigm change in architecture "
        "and training.",
        "argument",
    ),
    _c(
        INTRO,
        "We back our hypotheses with theoretical insights from linear regression and some experiments on linear data, "
        "logistic regression and non-trivial datasets such as CIFAR-10.",
        "plan",
        note="the experiments are `sims` and `empirical`; the draft warns none was run yet",
    ),
    # ------------------------------------------------------------------ background
    _c(
        EXACT,
        r"restore a trained model to the **exact** same state of a model trained on $\mathcal{S}_{\mathrm{train}} "
        r"\backslash \mathcal{S}_{\mathrm{forget}}$",
        "definition",
        note="exact = equal parameters; every lemma compares parameters",
    ),
    _c(
        EXACT,
        "Exact unlearning can easily be achieved by retraining the model from scratch, however the computational cost "
        "of such an approach is prohibitive.",
        "argument",
        note="true by definition for the first half; the cost is the interleaved-unlearning-cost baseline (T - m steps)",
    ),
    _c(
        EXACT,
        "Existing approaches [Xu et al., 2024](https://arxiv.org/html/2308.07061v2) require a major change in "
        "architecture, such leveraging a herd of smaller models trained on distinct portions of the dataset.",
        "citation",
    ),
    _c(
        EXACT,
        "Although such methods offer true data _deletion_, they incur a tradeoff between efficiency, accuracy, "
        "applicability.",
        "citation",
    ),
    _c(
        APPROX_BG,
        "Existing gradient-based approximate unlearning methods ([Guo et al., 2020](https://arxiv.org/abs/1911.03030)) "
        "are proven correct with convex models.",
        "citation",
    ),
    _c(APPROX_BG, "However, this hypothesis is too restrictive for the vast majority of neural networks.", "argument"),
    _c(
        APPROX_BG,
        "Indeed, most non-trivial neural networks need to display non-smooth behavior in order to be useful "
        "(consider the universal approximation theorem for irregular functions).",
        "lemma",
        ("irregular-targets-need-curvature", "irregular-targets-need-nondifferentiable"),
        note="non-smooth read as irregular (large curvature): holds; read as non-differentiable: refuted (smooth "
        "activations are universal approximators)",
    ),
    _c(
        APPROX_BG, "Adversarial examples provide further evidence that neural networks are highly irregular", "citation"
    ),
    _c(
        APPROX_BG,
        "In this work, we provide intuition that exact unlearning is impossible with approximate, gradient-based "
        "unlearning methods.",
        "summary",
        (
            "ga-never-exact",
            "omniscient-defender-generic-start",
            "omniscient-defender-training-rate",
            "omniscient-defender-networks",
        ),
    ),
    _c(NOTATIONS, r"$\theta_{t+1} = \Phi_t(\theta_t)$ where $\Phi_t$ is the optimization function", "definition"),
    _c(
        NOTATIONS,
        r"$$\Phi_t (\theta) = \Phi_{z_t} = \theta - \lambda \nabla_\theta l(h_\theta (x_t), y_t)$$",
        "definition",
        note="implemented by theory.models.linear_regression.step_core and theory.models.logistic_regression",
    ),
    _c(
        NOTATIONS,
        r"$z_t := (x_t, y_t) \in \mathscr{Z} = \mathscr{X} \times \mathscr{Y}$ is a data point, $l: \mathscr{Y} "
        r"\times \mathscr{Y} \to \mathbb{R}$ is the loss function and $\lambda \in \mathbb{R}$ the learning rate",
        "definition",
        note="lambda in R: checks whose statement depends on the sign draw lr in R (signed strategies, "
        "theory.checking.strategies) and state lr > 0 as a premise where they need it; lr < 0 is an "
        "ascent step (psi-lipschitz-any-lr, psi-contraction-iff-any-lr, neumann-converges-iff-any-lr: "
        "the premise lr > 0 left unsaid, refuted at lr = -2)",
    ),
    _c(
        NOTATIONS,
        r"We note $g_z: \theta \mapsto \nabla_\theta l(h_{\theta} (x), y)$ the loss function gradient w.r.t $\theta$ "
        r"computed on the data point $z = (x, y)$. We may now write $\Phi_z = id - \lambda g_z$.",
        "definition",
        ("fixed-point-formulation",),
    ),
    _c(NOTATIONS, r"When there is no ambiguity, we write $L(z, \theta) = l(h_{\theta} (x), y)$.", "definition"),
    _c(
        NOTATIONS,
        "Note that we do not take batching into account, which further complexifies the problem for the defender.",
        "lemma",
        ("batched-reduction",),
    ),
    _c(
        NOTATIONS,
        r"$$g_t = \frac{1}{B} \sum_{i=1}^B \nabla_\theta l(h_{\theta_t} (x_{t,i}), y_{t,i})$$",
        "definition",
        ("batch-mean-step",),
    ),
    _c(
        NOTATIONS,
        r"So an exact unlearner would have to compute not only $g_t$, but each of the gradients $\nabla_\theta "
        r"l(h_\theta (x_{t,i}), y_{t,i})$ so the poisoned gradients can be removed.",
        "lemma",
        ("batch-mean-step",),
    ),
    _c(
        NOTATIONS,
        "Indeed, when considering data poisoning on non-robust machine learning systems, any batch that contains "
        "poisons can be considered as corrupted",
        "citation",
    ),
    _c(
        LINEAR,
        r"h_\theta: x \mapsto \theta \cdot x \\ l: (y, y') \mapsto \frac{1}{2} |y' - y|^2",
        "definition",
        ("lr-gradient-affine",),
        note="implemented by theory.models.linear_regression",
    ),
    _c(
        LINEAR,
        r"where $\theta, x \in \Theta = \mathscr{X} = \mathbb{R}^p$ and $\mathscr{Y} = \mathbb{R}$.",
        "definition",
        note="the checks draw p in [1, 512]",
    ),
    _c(
        LINEAR,
        "Linear regression corresponds to a best-case scenario for machine unlearning : the model is convex and has "
        "few parameters.",
        "lemma",
        ("lr-convex",),
        note="'few parameters' is relative: the checks draw p up to 512",
    ),
    _c(
        LINEAR,
        "In the following subsections, we show that our hypotheses are valid even on the linear model.",
        "summary",
        ("ga-linear-error", "lr-commutator-formula", "lr-inverse-iff"),
    ),
    # ------------------------------------------------------------------ gradient ascent
    _c(
        GA,
        "Usual approximate unlearning methods, such as gradient ascent, can never perform exact unlearning.",
        "lemma",
        ("ga-never-exact", "ga-never-exact-any-model", "ga-never-exact-chosen-rate"),
    ),
    _c(
        GA,
        r"However, this view fails to take into account that $\nabla_\theta l(h_\theta (x), y)$ highly depends on $\theta$.",
        "lemma",
        ("ga-not-inverse",),
        note="the ascent gap is lr times the change of the gradient",
    ),
    _c(
        GA,
        r"In this section, we prove that the irregularity of $\nabla_\theta L(z, \theta)$ w.r.t $z$ and $\theta$ can be "
        r"exploited with adversarial attacks, which rules out gradient ascent as a possible candidate to exact unlearning.",
        "delegated",
        ("hessian-poison-ascent-error", "unlearning-fails-poisons"),
        note=ISSUE_7 + " (the attacks); the ruling-out is ga-never-exact",
    ),
    _c(
        FIRST,
        r"Let $\theta_1 = \theta_0 - \lambda g_z (\theta_0)$ be the updated model after a single optimization step.",
        "definition",
    ),
    _c(
        FIRST,
        r"$$\theta_2 = \theta_1 + \lambda g_z (\theta_1) \ne \theta_0$$ since $g_z (\theta_1) \ne g_z (\theta_0)$.",
        "lemma",
        ("ga-not-inverse", "ga-not-inverse-linear", "ga-exact-iff"),
    ),
    _c(
        FIRST,
        r"Now, the question is to show the error $||g_z (\theta_1) - g_z (\theta_0)||$ can be very large on adversarial "
        r"examples.",
        "delegated",
        ("hessian-poison-ascent-error",),
        note=ISSUE_7,
    ),
    _c(
        FIRST,
        "Furthermore, practical applications of Gradient ascent generally use a much smaller unlearning rate than the "
        "learning rate, so as not to degrade the model performance.",
        "empirical",
        note="a fact of practice; its consequence in linear regression is ga-unlearning-rate and approx-small-shift-linear",
    ),
    _c(
        GA_LINEAR,
        r"We compute $g_z (\theta) = \nabla_\theta l(h_\theta (x), y) = (\theta \cdot x - y) x$. $g_z (\theta)$ is "
        r"an affine map of $\theta$",
        "lemma",
        ("lr-gradient-affine",),
    ),
    _c(
        GA_LINEAR,
        r"$g_z (\theta_1) - g_z (\theta_0) = (\theta_1 \cdot x) x - (\theta_0 \cdot x) x = ((\theta_1 - \theta_0) "
        r"\cdot x) x$",
        "lemma",
        ("ga-gradient-difference",),
    ),
    _c(
        GA_LINEAR,
        r"that is $\theta_1 - \theta_0 = -\lambda g_z (\theta_0) = -\lambda (\theta_0 \cdot x - y) x$",
        "definition",
        ("lr-gradient-affine",),
    ),
    _c(
        GA_LINEAR,
        r"\theta_2 - \theta_0 = \lambda g_z (\theta_1) - \lambda g_z (\theta_0) = ((-\lambda (\theta_0 \cdot x - y) "
        r"x) \cdot x) x = -\lambda^2 (\theta_0 \cdot x - y) |x|^2 x",
        "lemma",
        ("ga-error-middle-step", "ga-linear-error"),
    ),
    _c(
        GA_LINEAR,
        r"So $\theta_2 - \theta_0$ is small if $\theta_0 \cdot x - y \approx 0$, meaning that gradient ascent is "
        r"exact for examples such that the loss",
        "lemma",
        ("ga-small-loss", "ga-small-loss-any-step", "ga-small-loss-stable-steps", "ga-small-loss-across-points"),
    ),
    _c(
        NONLINEAR,
        r"Note that in linear regression, $g_z(\theta_0)$ and $g_z(\theta_1)$ are still collinear to $x$.",
        "lemma",
        ("ga-collinear",),
    ),
    _c(
        NONLINEAR,
        r"When it comes to large, non-linear models, it may be likely that $g_z(\theta_0)$ and $g_z(\theta_1)$ are "
        r"almost orthogonal.",
        "lemma",
        ("high-dim-orthogonal-gradients",),
        note="open: measured by empirical gradient-cosine",
    ),
    _c(
        NONLINEAR,
        r"$g_z(\theta_0)$ and $g_z(\theta_1)$ belong in a span $V_z$",
        "lemma",
        ("span-dim-at-most-two",),
        note="V_z = span(g_z(theta_0), g_z(theta_1)): dimension <= 2",
    ),
    _c(
        NONLINEAR,
        r"With large models, there exists data points $z$ such that $\dim V_z$ is large",
        "lemma",
        ("span-dim-large", "span-dim-at-most-two"),
        note="as written: dim V_z <= 2 for every z, so refuted",
    ),
    _c(
        NONLINEAR,
        "Note that in large dimensions, in average two vectors are almost orthogonal.",
        "lemma",
        ("high-dim-orthogonal", "high-dim-orthogonal-gradients", "beta-moments"),
    ),
    _c(
        NONLINEAR,
        r"we computed the correlation $\cos(g_z(\theta_0), g_z(\theta_1))$ with $\theta_1$ the result of training "
        r"$\theta_0$ on $z$ and then on a small number of mini-batches (from 1 to 500).",
        "empirical",
        note="`python -m empirical run gradient-cosine`",
    ),
    _c(
        NONLINEAR,
        "For an untrained model the cosine similarity is extremely close to $1$, even when the number of "
        "interleaved batches is high.",
        "empirical",
        note="`python -m empirical run gradient-cosine`",
    ),
    _c(
        NONLINEAR,
        "When the model is pretrained for $2$ epochs, the cosine similarity remains around $0.3$-$0.5$, and "
        "surprisingly, the higher the number of interleaved batches, the higher the similarity.",
        "empirical",
        note="`python -m empirical run gradient-cosine`",
    ),
    _c(
        NONLINEAR,
        r"$$\min_z |\cos \left( \nabla_\theta L(\theta - \lambda \nabla_\theta L(\theta, z), z), \nabla_\theta "
        r"L(\theta, z) \right)| = |\cos \left( g_z(\theta - \lambda g_z(\theta)), g_z(\theta) \right)|$$",
        "lemma",
        ("orthogonal-craft-notation", "orthogonal-craft-equation"),
        note="ill-formed (z bound on the left, free on the right): as notation, an identity; as an equation for every "
        "z, refuted in ridge regression. The objective is optimised by `python -m empirical run orthogonal-craft`",
    ),
    # ------------------------------------------------------------------ towards the general case (issue 7)
    _c(
        GENERAL,
        "Conversely, we hypothesize gradient ascent makes large errors on three types of points:",
        "delegated",
        ("hard-kinds-linear", "ascent-error-quadratic", "ascent-error-logistic"),
        note=ISSUE_7,
    ),
    _c(
        GENERAL,
        r"Note that when the loss function $L(z, \theta)$ is convex w.r.t $\theta$, these three cases are equivalent.",
        "lemma",
        ("three-hard-kinds-equivalent", "hard-kinds-linear"),
    ),
    _c(
        GENERAL,
        "In the following sections, we demonstrate the effectiveness of data poisoning attacks targeting "
        "gradient-based unlearning algorithms, using each of these cases (1, 2, 3).",
        "delegated",
        ("unlearning-fails-poisons",),
        note=ISSUE_7,
    ),
    _c(
        HIGH_LOSS,
        "We validated the first hypothesis on ResNet18 trained on CIFAR-10 with 10 high-loss poisons generated by "
        "a variant the FGSM attack",
        "empirical",
        note="the draft warns no experiment was run yet",
    ),
    _c(
        HIGH_LOSS,
        r"x_{\mathrm{adv}} = x + \varepsilon \mathrm{copysign}(\eta, \nabla_x l(h_\theta(x), y))",
        "delegated",
        ("fgsm-variant-noise-gaussian", "fgsm-variant-noise-gaussian-given-gradient"),
        note=ISSUE_7,
    ),
    _c(
        HIGH_LOSS,
        r"where $\eta \sim \mathcal{N}(0, I_d)$ is an independent gaussian noise and $\varepsilon = 0.05$.",
        "definition",
        note=ISSUE_7,
    ),
    _c(
        HIGH_LOSS,
        r"Assuming that $\mathrm{sign}(\nabla_x l(h_\theta(x), y)) \sim \mathcal{U}(\{-1, 1\})$ is a Rademacher "
        r"vector with independent coordinates, $\mathrm{copysign}(\eta, \nabla_x l(h_\theta(x), y))$ is also "
        r"gaussian-distributed.",
        "delegated",
        ("fgsm-variant-noise-gaussian", "fgsm-variant-noise-gaussian-given-gradient", "gus-fgsm-variant-null"),
        note=ISSUE_7,
    ),
    _c(
        HIGH_LOSS,
        r"Gradient Ascent using SGD with $\texttt{lr=1e-5}$, $\texttt{momentum=0.9}$, "
        r"$\texttt{weight\_decay=5e-4}$ during $4$ epochs.",
        "empirical",
        note="an experimental setting",
    ),
    _c(
        HIGH_LOSS,
        r"NegGrad+ ($\beta = 0.995$) with similar hyperparameters as Gradient Ascent but with $\texttt{lr=1e-3}$.",
        "empirical",
        note="an experimental setting",
    ),
    _c(
        HIGH_LOSS,
        "Since the model is trained on clean-label adversarial examples, this data poisoning can be seen as a form "
        "of adversarial training.",
        "argument",
    ),
    _c(
        HIGH_LOSS,
        "The poisons are likely to deeply affect the model since their gradients are very large.",
        "delegated",
        ("poisons-large-gradients",),
        note=ISSUE_7,
    ),
    _c(
        HIGH_LOSS,
        "We find that both unlearning algorithms fail to remove the influence of the 10 poisons samples.",
        "empirical",
        note="the draft warns no experiment was run yet",
    ),
    _c(
        INFLUENCE,
        r"$\mathcal{I}_{\mathrm{up,params}}(z) = - H_\theta^{-1} \nabla_\theta L(z, \theta)$",
        "delegated",
        ("influence-hessian-pd", "influence-linear-in-gradient"),
        note=ISSUE_7 + " (Koh et al.'s definition)",
    ),
    _c(
        INFLUENCE,
        r"where $\displaystyle H_\theta := \frac{1}{n} \sum_{i=1}^n \nabla_\theta^2 L(z_i, \theta)$ is positive "
        r"definite.",
        "delegated",
        ("influence-hessian-pd", "influence-hessian-pd-regression"),
        note=ISSUE_7,
    ),
    _c(
        INFLUENCE,
        r"Since $\mathcal{I}_{\mathrm{up,params}}$ is linear with respect to $\nabla_\theta L(z, \theta)$, for an "
        r"influential data point $z$, $\nabla_\theta L(z, \theta)$ is large, which means the gradient update of "
        r"$\theta$ on $z$ will be large.",
        "delegated",
        ("influence-linear-in-gradient", "influential-large-gradient", "influential-large-gradient-ranking"),
        note=ISSUE_7,
    ),
    _c(
        INFLUENCE,
        "Koh et al. suggest that work on influence functions can provide valuable insights even for "
        "non-differentiable models with non-convex losses.",
        "citation",
    ),
    _c(
        INFLUENCE,
        r"by iterating $z \leftarrow z + \varepsilon \mathrm{sign}(\mathcal{I}_{\mathrm{pert,loss}}(z, "
        r"z_{\mathrm{test}}))$",
        "citation",
    ),
    _c(
        INFLUENCE,
        "This is additional evidence of the similarity between maximizing the loss and maximizing the loss gradient.",
        "lemma",
        ("loss-gradient-same-order-fixed-input", "loss-gradient-same-maximiser-over-inputs"),
        note="the evidence is Koh et al. §5.2 (the attack: empirical.poisoning.attacks, influence); the similarity "
        "itself is checked in linear regression",
    ),
    _c(
        INFLUENCE,
        "showing that data points with large gradients are indeed vulnerable to gradient attacks.",
        "citation",
    ),
    _c(
        INFLUENCE,
        r"More generally, the influence of $z$ on $f(\theta)$ is defined by the scalar $-\nabla_\theta "
        r"f(\theta)^T H^{-1} \nabla_\theta L(\theta, z)$.",
        "definition",
        note="implemented by empirical.poisoning.influence (damped CG inverse-HVP)",
    ),
    _c(INFLUENCE, "show that influence functions can be efficiently computed", "citation"),
    _c(INFLUENCE, "show that influence functions themselves fail on LLMs", "citation"),
    _c(
        IRREGULAR,
        r"Consider a data poisoning attack that crafts a data point $z$ such that $\nabla_\theta^2 L(z, \theta)$ is "
        r"large, so Gradient Ascent makes a large error when estimating $\nabla_\theta L(z, \theta)$.",
        "delegated",
        ("ascent-error-quadratic", "ascent-error-logistic"),
        note=ISSUE_7,
    ),
    _c(IRREGULAR, "Intuition says we would have no trouble finding irregularities in large models.", "argument"),
    _c(
        IRREGULAR,
        r"show that the Lipschitz constant of $\nabla_\theta L(z, \theta)$ grows exponentially with the number of "
        r"layers.",
        "citation",
    ),
    _c(
        IRREGULAR,
        r"$$\max_{z} ||\nabla_\theta^2 L(z, \theta)||_2$$ subject to $$||z||_{\infty, Z} \le M$$",
        "delegated",
        ("rank-one-hessian-proxies",),
        note=ISSUE_7,
    ),
    _c(IRREGULAR, "where $M$ determines the boundary of valid data range.", "definition", note=ISSUE_7),
    _c(
        IRREGULAR,
        r"We also want to minimize $||\nabla_\theta L(z, \theta)||_2$, for two reasons:",
        "argument",
        note="motivation of the objective below; the reasons are judged in influential-large-gradient",
    ),
    _c(IRREGULAR, "The defender might filter large gradients.", "argument"),
    _c(
        IRREGULAR,
        r"The defender can detect poisons with influence functions which grow larger with $||\nabla_\theta L(z, "
        r"\theta)||$.",
        "delegated",
        ("influential-large-gradient", "influential-large-gradient-ranking"),
        note=ISSUE_7,
    ),
    _c(
        IRREGULAR,
        r"Therefore, minimizing $||\nabla_\theta L(z, \theta)||$ makes the attack stealthier.",
        "delegated",
        ("influential-large-gradient", "influential-large-gradient-ranking"),
        note=ISSUE_7,
    ),
    _c(
        IRREGULAR,
        r"$$\mathcal{L}(z) = -\alpha||\nabla_\theta^2 L(z, \theta)||_2^2 + (1 - \alpha) ||\nabla_\theta L(z, "
        r"\theta)||_2^2$$",
        "definition",
        note="implemented by empirical.poisoning.attacks (hessian), with spectral, trace and diagonal measures",
    ),
    _c(IRREGULAR, r"where $\alpha \in (0, 1)$ is a hyperparameter.", "definition", note=ISSUE_7),
    _c(
        IRREGULAR,
        "Solving this optimization problem can be done with Adam updates and data point projection to the valid "
        "data range",
        "plan",
    ),
    _c(
        IRREGULAR,
        r"$\nabla_\theta^2 L(z, \theta)$ is expensive to compute.",
        "lemma",
        ("hessian-expensive",),
        note="2d gradients and d^2 memory against d, on the HVP cost model",
    ),
    _c(
        IRREGULAR,
        r"Assuming $L(z, \theta)$ is convex w.r.t $\theta$, its hessian $\nabla_\theta^2 L(z, \theta)$ is positive "
        r"definite, and by the spectral theorem we can instead maximize the sum of its eigenvalues.",
        "lemma",
        ("hessian-pd-convex", "hessian-psd-trace-proxy"),
    ),
    _c(IRREGULAR, "Maximize the norm of the hessian's diagonal.", "lemma", ("hessian-psd-trace-proxy",)),
    _c(
        IRREGULAR,
        "Problem: Delta-influence use accuracy as criterion, but we need another metric (GUS is narrow)",
        "plan",
    ),
    _c(
        DELTA,
        r"Complexity of identifying poisons: $O(N_{\mathrm{train}} N_{\mathrm{test}} n_{\mathrm{transformations}} d)$ "
        r"at worst",
        "lemma",
        ("delta-influence-defender-cost",),
        note="judged on the cost model of empirical.poisoning.cost (theory/lemmas/delta_influence.py)",
    ),
    _c(
        DELTA,
        r"(compute gradient in $O(d)$, and multiply by Hessian inverse in $O(d)$ where $d$ is the number of parameters)",
        "lemma",
        ("delta-influence-inverse-hvp-lissa", "delta-influence-inverse-hvp-cg", "delta-influence-defender-cost"),
        note="O(d) with a stochastic inverse-HVP of fixed depth (LiSSA); O(k N_train d) by CG over the training set",
    ),
    _c(
        DELTA,
        r"In comparison: attacker does not have the $N_{\mathrm{train}}$ factor, complexity ~~ $O(N_{\mathrm{poison}} d)$",
        "lemma",
        ("delta-influence-attacker-cost", "delta-influence-attacker-cost-any-attack"),
        note="true of the draft's attacks (FGSM variant, Hessian attack); Koh et al.'s influence attack carries N_train",
    ),
    _c(DELTA, "Plus backdoor would not be detected (maybe other detection algos can do that?)", "plan"),
    _c(
        DELTA,
        "Unlearning methods: CFk, EUk -> either inefficient or do not scale with very deep models (hypothesis)",
        "empirical",
    ),
    _c(
        CONCLUSION_GA,
        r"We conclude that computing the gradient $\nabla_{\theta_1} l(h_{\theta_1} (x), y)$ alone does not "
        r"provide sufficient information to determine $\theta_0$.",
        "lemma",
        ("gradient-insufficient-value", "gradient-insufficient"),
    ),
    _c(
        CONCLUSION_GA,
        "Therefore, even an omniscient defender would be unable to revert model training with gradient ascent, "
        "let alone unlearning poisons.",
        "lemma",
        (
            "omniscient-defender-generic-start",
            "omniscient-defender-training-rate",
            "omniscient-defender-chosen-rates",
            "omniscient-defender-networks",
            "ascent-exact-rate",
            "ascent-replay-affine",
        ),
    ),
    _c(
        CONCLUSION_GA,
        "Of course, in the case of linear regression, simply continuing the training on clean data is enough to "
        "forget the poisoned samples.",
        "lemma",
        ("clean-training-forgets", "clean-training-forgets-full-rank", "clean-training-forgets-iff"),
    ),
    _c(
        CONCLUSION_GA,
        "However this is not true for non-trivial data such as CIFAR-10 or ImageNet, where gradient descent does "
        "not achieve proper unlearning",
        "citation",
        note="Pawelczyk et al.",
    ),
    _c(
        CONCLUSION_GA,
        "Furthermore, we demonstrate that gradient-based unlearning methods fail to remove adversarial data "
        "poisoning attack.",
        "delegated",
        ("unlearning-fails-poisons",),
        note=ISSUE_7,
    ),
    _c(
        CONCLUSION_GA,
        "Delta-influence paper: uses CFk but this would not always work (and is more computationally expensive)",
        "plan",
    ),
    _c(
        CONCLUSION_GA,
        "Notice how the presented attacks are approximate, in the same way that Machine Unlearning is - since "
        r"the adversarial examples depend on the model $\theta$.",
        "argument",
    ),
    _c(
        CONCLUSION_GA,
        "However, this is much less a problem for the attacker since they only need to find a single direction "
        "of failure. In contrast, the defender has to maintain the whole model optimization in the right "
        "direction.",
        "argument",
    ),
    _c(
        CONCLUSION_GA,
        "On the one hand, the defender is required to fully mitigate all of the possible attacks, thus compliant "
        "machine unlearning algorithms need to be perfect.",
        "argument",
    ),
    # ------------------------------------------------------------------ inverting a single step
    _c(
        SINGLE,
        r"Reverting a gradient step is equivalent to finding the inverse of $\theta$ by the application $\Phi_z$.",
        "definition",
    ),
    _c(
        SINGLE,
        r"We proved earlier that gradient ascent is not a proper way of inverting $\Phi_z = id - \lambda g_z$.",
        "summary",
        ("ga-not-inverse-linear", "ga-never-exact-chosen-rate", "ascent-exact-rate"),
        note="in linear regression ascent at the rate lr/(1 - lr|x|^2) IS the inverse (ascent-exact-rate)",
    ),
    _c(
        SINGLE,
        r"$g_z(\theta) = l(\theta) - y x = (\theta \cdot x) x - y x$ is an affine map of $\theta$",
        "lemma",
        ("lr-gradient-affine",),
        note="l here is the linear map v -> (v.x) x, not the loss",
    ),
    _c(
        SINGLE,
        r"Assuming that the model shift is small ($||\lambda g_z|| < 1$), there is an analytical inverse of $\Phi_z$.",
        "lemma",
        ("lr-inverse-small-shift", "lr-inverse-small-shift-operator", "lr-inverse-iff"),
    ),
    _c(
        SINGLE,
        r"$\tilde{\theta} := \Phi_z(\theta) + \lambda y x = \theta - \lambda l(\theta)$ is a linear function of "
        r"$\theta$",
        "lemma",
        ("tilde-theta-as-written", "tilde-theta-corrected", "lr-gradient-affine", "lr-inverse-iff"),
    ),
    _c(
        SINGLE,
        r"inversed by $\theta = \displaystyle \sum_{k=0}^{\infty} \lambda^k l^k (\tilde \theta)",
        "lemma",
        (
            "neumann-converges-small-shift",
            "neumann-converges-small-shift-operator",
            "neumann-converges-operator-corrected",
            "neumann-converges-iff",
            "neumann-converges-iff-any-lr",
        ),
    ),
    _c(SINGLE, r"\approx \tilde{\theta} + \lambda (\tilde{\theta} \cdot x) x$", "lemma", ("neumann-first-order",)),
    _c(
        SINGLE,
        r"However, analytical formulas fall short with complex models since there are no guarantees on the regularity "
        r"of $g_z(\theta)$.",
        "argument",
    ),
    _c(SINGLE, r"Furthermore, $\Phi_{z_t}$ may well be non-injective.", "lemma", ("step-non-injective",)),
    _c(
        FIXED,
        r"$$\Psi_{t+1} (\theta) = \theta_{t+1} + \lambda g_{z_t}(\theta)$$",
        "lemma",
        ("fixed-point-formulation",),
    ),
    _c(
        BROUWER,
        r"Brouwer's fixed-point theorem can't be applied in general since $\Psi_{t+1}$ is not continuous with respect "
        r"to $\theta$.",
        "lemma",
        ("brouwer-discontinuous-some-model", "brouwer-discontinuous", "psi-lipschitz"),
    ),
    _c(
        BROUWER,
        r"Since $h_\theta$ is usally irregular, even less its derivative, $g_{z_t}$ is not continous.",
        "lemma",
        ("brouwer-discontinuous-some-model",),
    ),
    _c(
        BANACH,
        r"$\Psi_{t+1} (\theta_2) - \Psi_{t+1} (\theta_1) = \lambda (g_{z_t} (\theta_2) - g_{z_t} (\theta_1))$ may not be "
        r"bounded by $\theta_2 - \theta_1$ since $g_{z_t}$ is irregular.",
        "lemma",
        ("psi-lipschitz", "psi-contraction-iff", "psi-lipschitz-any-lr", "psi-contraction-iff-any-lr"),
    ),
    _c(
        BANACH,
        r"Therefore $\Psi_{t+1}$ is likely not a contraction mapping.",
        "lemma",
        ("banach-not-contraction", "banach-not-contraction-likely"),
    ),
    _c(
        PATHWAYS,
        r"$\Phi_z$ acts as a regularizer, making the model parameters sparser thus decreasing their norm $|\theta|$. "
        r"This may contribute to the condition that $\Phi_z$ is a contraction mapping.",
        "lemma",
        (
            "pathway-regularizer",
            "pathway-regularizer-weight-decay",
            "pathway-regularizer-psi",
            "pathway-regularizer-networks",
        ),
        note="'sparser' read as L1 (as written: refuted); weight decay is the correction",
    ),
    _c(
        PATHWAYS,
        r"$\theta$ is robust to small variations in the inputs, so $h_\theta$ is Lipschitz.",
        "lemma",
        ("robust-implies-lipschitz", "lipschitz-from-linear-robustness"),
        note="robust (uniformly continuous) does not give Lipschitz: sqrt|x|; note the fixed-point hypotheses need "
        "regularity in theta, not x",
    ),
    _c(
        PATHWAYS,
        "We argue that better unlearning, if possible, would require a holistic approach tackling both model "
        "architecture and training method, towards robust and explainable machine learning.",
        "argument",
    ),
    # ------------------------------------------------------------------ non-commutativity
    _c(
        COMMUTE,
        r"compute the model that would have been trained on $\mathcal{T} \backslash \mathcal{U}$.",
        "definition",
    ),
    _c(COMMUTE, r"In general, $\Phi_z$ and $\Phi_{z'}$ do not commute.", "lemma", ("lr-commutator-formula",)),
    _c(
        COMMUTE,
        "In the case of gradient descent, this noncommutativity occurs since the gradient depends on $\\theta$.",
        "lemma",
        ("lr-commutator-formula", "commutator-quadratic"),
    ),
    _c(
        COMMUTE,
        r"which is an affine projection on the vector $x$, orthogonally to hyperplane of equation $\theta \cdot x = y$.",
        "lemma",
        (
            "lr-gradient-projection",
            "lr-gradient-projection-geometry",
            "lr-gradient-projection-scaled",
            "lr-hyperplane-projection",
        ),
    ),
    _c(
        COMMUTE,
        r"It follows that $\Phi_z (\theta) = \theta - \lambda (\theta \cdot x - y) x$ is also an affine application, "
        r"so $\Phi_z$ and $\Phi_{z'}$ don't commute unless $z = z'$.",
        "lemma",
        ("steps-commute-iff-equal", "lr-commutator-formula"),
    ),
    _c(
        COMMUTE,
        "Even two linear orthogonal projectors of rank $1$ don't commute unless equal.",
        "lemma",
        ("projectors-commute-iff-equal", "projectors-commute-iff"),
    ),
    _c(
        HARD,
        "Gradient steps are unlikely to commute for two data points that are very different (i.e of different classes).",
        "lemma",
        ("different-classes-no-commute",),
    ),
    _c(
        HARD,
        "Poisons with high amplitude are hard to unlearn, since the clean and the poisoned samples would differ by a lot.",
        "lemma",
        ("commutator-high-amplitude",),
    ),
    _c(
        HARD,
        "This is coherent with the theory of differential privacy: out-of-distribution points are harder to hide than "
        "average points.",
        "citation",
    ),
    _c(
        HARD,
        "Machine unlearning gets harder with higher-dimensional input spaces since collinearity is difficult to achieve.",
        "lemma",
        ("commutator-grows-with-dim", "commutator-random-inputs"),
    ),
    _c(
        EASY,
        "learning rate is low (such as in finetuning), thus the model shift is small enough to be unlearned.",
        "lemma",
        ("commutator-small-lr",),
    ),
    _c(
        EASY,
        "the model is trained on a sequence of similar data points (e.g in the same class). However this goes against "
        "best practices in machine learning.",
        "lemma",
        ("commutator-similar-points",),
    ),
    _c(
        EASY,
        "the forget set is deinterleaved with the retain set, which is an unreasonable assumption in distributed learning.",
        "lemma",
        ("interleaved-unlearning-cost",),
        note="k_min = T - m + 1 (forget steps last) makes the rewind-and-replay cost m",
    ),
    _c(
        EASY,
        r"the loss function has a single minimum $\theta^*$. In that case we could observe _asymptotic commutativity_, "
        r"meaning that **any** order of the optimization steps converges towards the same optimum.",
        "lemma",
        ("single-minimum-order-free", "consistent-order-free", "inconsistent-order-gap"),
    ),
    _c(
        EASY,
        "This is true for convex models, but does not hold with complex neural networks.",
        "lemma",
        ("single-minimum-order-free", "asymptotic-commutativity-vanishing-step", "asymptotic-commutativity-networks"),
    ),
    _c(
        INTERLEAVED,
        "different permutations of the gradient steps would likely make the model converge to different optima. "
        "In other words, the order of gradient steps ultimately matter.",
        "lemma",
        ("inconsistent-order-gap", "asymptotic-commutativity-networks"),
    ),
    _c(
        INTERLEAVED,
        "Plenty of evidence arise from the widely-known technique of shuffling the training data in order to "
        "avoid bias and to mitigate convergence to a local minimum.",
        "citation",
    ),
    _c(
        INTERLEAVED,
        "This non-commutativity of gradient steps makes it impossible to exactly unlearn an interleaved subset of "
        "the data.",
        "summary",
        ("interleaved-no-efficient-algorithm", "interleaved-unlearning-cost"),
        note="literally false (retraining unlearns exactly); read as 'efficiently', as the next sentences say",
    ),
    _c(
        INTERLEAVED,
        r"Suppose the defender is able to invert a single gradient step in $\mathcal{O}(1)$ time w.r.t $T$. If of "
        r"the gradient steps commute, there is no efficient algorithm for unlearning $\mathcal{U}$ using gradient "
        r"step inversion.",
        "lemma",
        ("interleaved-no-efficient-algorithm", "commuting-steps-cheap"),
    ),
    _c(
        INTERLEAVED,
        r"Indeed, such an algorithm would have to invert the whole gradient steps $\mathcal{T}$ and retrain on them "
        r"in $\mathcal{O}(T)$ time, which defeats the purpose of efficient machine unlearning.",
        "lemma",
        ("interleaved-unlearning-cost",),
    ),
    _c(
        BATCHES,
        "If a random subset of dataset is poisoned, any batch can be separated in a clean subset and a poisoned subset.",
        "definition",
    ),
    _c(
        BATCHES,
        r"We may write $g_t = g_{t,c} + g_{t,p}$ where $g_{t,c}$ is the average gradient over clean samples and "
        r"$g_{t,p}$ is the average gradient over poisoned samples.",
        "lemma",
        ("batch-clean-plus-poison", "batch-weighted-decomposition"),
    ),
    _c(
        BATCHES,
        r"Even if the defender could estimate $g_{t,c}$ (like NegGrad+ does), they have no knowledge of the poisoned "
        r"gradient $g_{t,p}$.",
        "lemma",
        ("poison-gradient-unknowable", "poison-gradient-unknowable-no-checkpoint"),
    ),
    _c(
        BATCHES,
        "Therefore, unlearning in a non-batched framework reduces to the batched case, meaning that unlearning specific "
        "points from a batch is at least as hard as in the non-batched version.",
        "lemma",
        ("batched-reduction",),
    ),
    # ------------------------------------------------------------------ approximate unlearning, conclusion
    _c(
        APPROX,
        "Approximate unlearning aims to obtain a statistically equivalent model to an exact deletion model.",
        "definition",
    ),
    _c(
        APPROX,
        "However, approximate unlearning would need to remove the potentially large bias created by the forget set, "
        "which is unrecoverable given that most approximate unlearning methods only induce a small shift on the model",
        "lemma",
        ("approx-small-shift", "approx-small-shift-linear"),
    ),
    _c(
        CONCLUSION,
        "We have shown that gradient-based unlearning methods such as gradient ascent are unable to perform exact "
        "unlearning on non-trivial models",
        "summary",
        ("ga-never-exact", "ga-never-exact-any-model", "ga-never-exact-chosen-rate", "omniscient-defender-networks"),
    ),
    _c(
        CONCLUSION,
        "Inverting gradient steps is hard",
        "summary",
        ("lr-inverse-iff", "step-non-injective", "psi-contraction-iff"),
    ),
    _c(
        CONCLUSION,
        "Gradient steps do not commute, and poisons are usually interleaved in the batches",
        "summary",
        ("lr-commutator-formula", "interleaved-unlearning-cost"),
    ),
    _c(
        CONCLUSION,
        "Furthermore, poisons are also interleaved within batches.",
        "summary",
        ("batched-reduction", "poison-gradient-unknowable"),
    ),
)


def coverage(statuses: Mapping[str, str] | None = None, claims: tuple[Claim, ...] = CLAIMS) -> dict:
    """Counts of the inventory: entries, per kind, mathematical claims (``CHECKABLE_KINDS``), how many list lemmas,
    how many are delegated without ids yet; with ``statuses`` (lemma id -> status) also the statuses of the lemmas
    that encode the claims (each lemma counted once)."""
    kinds = Counter(claim.kind for claim in claims)
    checkable = [claim for claim in claims if claim.kind in CHECKABLE_KINDS]
    with_lemmas = [claim for claim in checkable if claim.lemmas]
    lemma_ids = list(dict.fromkeys(lemma for claim in with_lemmas for lemma in claim.lemmas))
    report = {
        "entries": len(claims),
        "by_kind": {kind: kinds.get(kind, 0) for kind in KINDS},
        "mathematical_claims": len(checkable),
        "with_lemmas": len(with_lemmas),
        "delegated_without_ids": sum(1 for claim in checkable if claim.kind == "delegated" and not claim.lemmas),
        "lemmas": len(lemma_ids),
    }
    if statuses is not None:
        report["lemma_statuses"] = dict(Counter(statuses.get(lemma, "unknown") for lemma in lemma_ids))
    return report


def coverage_line(statuses: Mapping[str, str] | None = None) -> str:
    """One line for ``theory list``: the inventory's coverage."""
    report = coverage(statuses)
    line = (
        f"Claims inventory (docs/claims.md): {report['entries']} entries, {report['mathematical_claims']} mathematical "
        f"claims, {report['with_lemmas']} with lemmas ({report['delegated_without_ids']} delegated to other modules "
        f"without ids yet); {report['lemmas']} lemmas encode them"
    )
    if "lemma_statuses" in report:
        line += ": " + ", ".join(f"{count} {status}" for status, count in sorted(report["lemma_statuses"].items()))
    return line + "."


def registry_verdict(lemma) -> str:
    """The verdict the registry states for a lemma (test_lemmas checks that its checks reproduce it): ``refuted``
    (a stored counterexample), ``holds`` (checks and no counterexample: proved or verified, `theory list` says which)
    or ``open`` (no checks)."""
    if lemma.counterexample is not None:
        return "refuted"
    return "holds" if lemma.checks else "open"


def _claim_groups() -> dict[str, list]:
    """As-written lemmas grouped by claim key, in registration order (the draft's order)."""
    from theory.checking.registry import registry

    groups: dict[str, list] = {}
    for lemma in registry().values():
        if lemma.as_written:
            groups.setdefault(lemma.claim_key, []).append(lemma)
    return groups


def headline(readings_of_claim: list) -> str:
    """The id of the reading that gives a claim its headline verdict: the first reading (the most natural, charitable
    one; the registry lists it first) that is not ``strengthened``. A strengthened reading never drives the headline."""
    for lemma in readings_of_claim:
        if not lemma.strengthened:
            return lemma.id
    raise ValueError(
        f"claim {readings_of_claim[0].claim_key!r}: every reading is strengthened; the charitable reading "
        "must be registered"
    )


def _status(lemma, statuses: Mapping[str, str] | None) -> str:
    return (statuses or {}).get(lemma.id) or registry_verdict(lemma)


def headlines(statuses: Mapping[str, str] | None = None) -> dict[str, tuple[str, str]]:
    """claim key -> (headline lemma id, its status) for every claim of the draft (``statuses`` from a verification
    record; without it, the registry's verdict of :func:`registry_verdict`)."""
    from theory.checking.registry import get

    return {
        key: (lemma_id, _status(get(lemma_id), statuses))
        for key, lemmas in _claim_groups().items()
        for lemma_id in (headline(lemmas),)
    }


def headline_counts(statuses: Mapping[str, str] | None = None) -> dict[str, int]:
    """How many claims of the draft have each headline status (one per claim, its charitable reading)."""
    return dict(Counter(status for _, status in headlines(statuses).values()))


def readings(statuses: Mapping[str, str] | None = None) -> list[tuple[str, str, str, str, bool]]:
    """``(claim key, lemma id, reading, status, strengthened)`` for every claim with more than one reading or a
    strengthened one, in registration order (status from ``statuses``, else the registry's verdict)."""
    return [
        (key, lemma.id, lemma.reading, _status(lemma, statuses), lemma.strengthened)
        for key, lemmas in _claim_groups().items()
        if len(lemmas) > 1 or any(lemma.strengthened for lemma in lemmas)
        for lemma in lemmas
    ]


def readings_table(statuses: Mapping[str, str] | None = None) -> str:
    """A markdown table claim x reading x verdict, marking the headline (charitable) reading and strengthened ones."""
    heads = {lemma_id for lemma_id, _ in headlines(statuses).values()}
    lines = ["| claim | reading | lemma | kind | verdict |", "| --- | --- | --- | --- | --- |"]
    for key, lemma, reading, status, strengthened in readings(statuses):
        kind = "strengthened" if strengthened else ("**headline** (charitable)" if lemma in heads else "other reading")
        lines.append(f"| {key} | {_cell(reading)} | `{lemma}` | {kind} | {status} |")
    return "\n".join(lines)


def render_readings(statuses: Mapping[str, str] | None = None) -> str:
    """``docs/readings.md``: the readings table and the headline counts (one verdict per claim)."""
    heads = headlines(statuses)
    counts = headline_counts(statuses)
    strengthened = sum(1 for row in readings(statuses) if row[4])
    changed = [(key, lemma_id) for key, (lemma_id, _) in heads.items() if lemma_id != key]
    lines = [
        "# Readings of the draft's claims",
        "",
        "Generated by `python -m theory.paper.claims` from the registry (`theory/lemmas/`); do not edit by hand.",
        "",
        "A claim of the draft is encoded as one lemma per natural reading, sharing a claim key. The first reading "
        "registered is the most natural, charitable one and gives the claim its **headline** verdict; a reading "
        "that strengthens the draft's words (every noise, every model, a ranking the draft does not state) is "
        "marked *strengthened* (`Lemma.strengthened`) and never drives the headline "
        "(`theory.paper.claims.headline`). Verdicts are the registry's: `refuted` (a stored counterexample, "
        "reproduced by `theory verify`), `holds` (proved or verified: `python -m theory list` says which), `open`.",
        "",
        "## Headline counts",
        "",
        f"{len(heads)} claims of the draft (as-written lemmas grouped by claim): "
        + ", ".join(f"{counts.get(status, 0)} {status}" for status in ("holds", "refuted", "open"))
        + f"; {strengthened} strengthened readings.",
        "",
        "## Claims with several readings",
        "",
        readings_table(statuses),
        "",
    ]
    if changed:
        lines += [
            "Claims whose headline reading is not the lemma named like the claim: "
            + ", ".join(f"{key} -> `{lemma_id}`" for key, lemma_id in changed)
            + ".",
            "",
        ]
    return "\n".join(lines)


READINGS_OUTPUT = DEFAULT_OUTPUT.with_name("readings.md")


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render_markdown(claims: tuple[Claim, ...] = CLAIMS) -> str:
    """``docs/claims.md``: a table per draft section, then the coverage counts."""
    report = coverage(claims=claims)
    lines = [
        "# Claims inventory",
        "",
        "Generated by `python -m theory.paper.claims` from `theory/paper/claims.py`; do not edit by hand.",
        "",
        "Every sentence of the draft with mathematical or quantitative content, paragraph by paragraph: the "
        "lemmas that encode it (one per reading), or why it is not checked here. Kinds: "
        + ", ".join(f"`{kind}`" for kind in KINDS)
        + " (see `theory/paper/claims.py`). `python -m theory list` prints "
        "the statuses of the lemmas.",
        "",
    ]
    section = None
    for claim in claims:
        if claim.section != section:
            section = claim.section
            lines += ["", f"## {section}", "", "| draft | kind | lemmas | note |", "| --- | --- | --- | --- |"]
        lemmas = ", ".join(f"`{lemma}`" for lemma in claim.lemmas) or (
            "—" if claim.kind != "delegated" else "(to fill)"
        )
        lines.append(f"| {_cell(claim.text)} | {claim.kind} | {lemmas} | {_cell(claim.note)} |")
    lines += [
        "",
        "## Coverage",
        "",
        f"- entries: {report['entries']} ("
        + ", ".join(f"{count} {kind}" for kind, count in report["by_kind"].items() if count)
        + ")",
        f"- mathematical claims (lemma, summary, delegated): {report['mathematical_claims']}, of which "
        f"{report['with_lemmas']} list lemmas; {report['delegated_without_ids']} delegated without ids yet",
        f"- distinct lemmas encoding them: {report['lemmas']}",
        "",
    ]
    return "\n".join(lines)


def write_inventory(claims_path: Path = DEFAULT_OUTPUT) -> list[Path]:
    """Write the inventory to ``claims_path`` and the readings table beside it (``readings.md``), atomically.
    ``python -m theory export`` calls it, so one command regenerates every tracked document."""
    from theory.support.run_folder import atomic_write_text

    readings_path = claims_path.with_name("readings.md")
    atomic_write_text(claims_path, render_markdown())
    atomic_write_text(readings_path, render_readings())
    return [claims_path, readings_path]


def main(argv: list[str] | None = None) -> int:
    """``python -m theory.paper.claims [PATH]``: write the inventory (default ``docs/claims.md``) and, beside it,
    ``readings.md`` (the readings table and the headline counts); ``python -m theory export`` writes both too."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    written = write_inventory(Path(args[0]) if args else DEFAULT_OUTPUT)
    print(f"wrote {written[0]} and {written[1]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
