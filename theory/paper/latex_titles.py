r"""LaTeX forms of the registry's titles that carry ASCII formulas (``lr |x|^2 != 1``), for the typeset lemmas.

The registry's titles are plain text, read in terminals and Markdown; a paper wants maths. Each entry holds
the title as registered and its LaTeX form: :func:`latex_title` uses the LaTeX form only while the registered
title is unchanged (a test fails on an entry whose title changed, so that it is rewritten, never stale), and
every other title is escaped as text (:func:`theory.paper.record_text.latex_prose`).
"""

from __future__ import annotations

from theory.paper.record_text import latex_prose

__all__ = ["LATEX_TITLES", "latex_title"]

#: lemma id -> (title as registered, LaTeX title)
LATEX_TITLES: dict[str, tuple[str, str]] = {
    "lr-gradient-affine": ("The linear-regression gradient is affine in theta",
                           r"The linear-regression gradient is affine in $\theta$"),
    "lr-convex": ("The linear-regression loss is convex: its Hessian x x^T is positive semi-definite",
                  r"The linear-regression loss is convex: its Hessian $xx^\top$ is positive semi-definite"),
    "gradient-insufficient": ("The gradient at theta_1 does not determine theta_0 (omniscient defender)",
                              r"The gradient at $\theta_1$ does not determine $\theta_0$ (omniscient defender)"),
    "gradient-insufficient-value": ("The value of the gradient at theta_1 alone does not determine theta_0",
                                    r"The value of the gradient at $\theta_1$ alone does not determine $\theta_0$"),
    "ascent-exact-rate": ("Ascent at the rate lr/(1 - lr|x|^2) is the inverse step; T steps are reverted exactly",
                          r"Ascent at the rate $\lambda/(1 - \lambda|x|^2)$ is the inverse step; $T$ steps are "
                          r"reverted exactly"),
    "ascent-replay-affine": ("The training-rate ascent replay is affine with slope prod (1 - q_t^2) (p = 1)",
                             r"The training-rate ascent replay is affine with slope $\prod_t (1 - q_t^2)$ ($p = 1$)"),
    "lr-inverse-iff": ("One step of linear regression is invertible iff lr |x|^2 != 1 (Sherman-Morrison)",
                       r"One step of linear regression is invertible iff $\lambda|x|^2 \ne 1$ (Sherman--Morrison)"),
    "neumann-converges-iff": ("The Neumann series converges iff lr |x|^2 < 1 or theta~ . x = 0",
                              r"The Neumann series converges iff $\lambda|x|^2 < 1$ or $\tilde\theta\cdot x = 0$"),
    "step-non-injective": ("At lr |x|^2 = 1 the step is not injective",
                           r"At $\lambda|x|^2 = 1$ the step is not injective"),
    "psi-lipschitz": ("Psi is affine with Lipschitz constant exactly lr |x|^2",
                      r"$\Psi$ is affine with Lipschitz constant exactly $\lambda|x|^2$"),
    "banach-not-contraction": ("Psi is not a contraction for some z and lr (existence only)",
                               r"$\Psi$ is not a contraction for some $z$ and $\lambda$ (existence only)"),
    "psi-contraction-iff": ("Psi is a contraction iff lr |x|^2 < 1; fixed-point iteration converges at rate lr |x|^2",
                            r"$\Psi$ is a contraction iff $\lambda|x|^2 < 1$; fixed-point iteration converges at "
                            r"rate $\lambda|x|^2$"),
    "phi-lipschitz": ("The step map never contracts in dimension p >= 2",
                      r"The step map never contracts in dimension $p \ge 2$"),
    "pathway-regularizer": ("A regularizing step brings Phi_z closer to a contraction (weight decay, linear regression)",
                            r"A regularizing step brings $\Phi_z$ closer to a contraction (weight decay, linear "
                            r"regression)"),
    "lr-gradient-projection-geometry": ("The linear-regression gradient points from the hyperplane to theta, along x "
                                        "(geometry reading)",
                                        r"The linear-regression gradient points from the hyperplane to $\theta$, "
                                        r"along $x$ (geometry reading)"),
    "inconsistent-order-gap": ("Inconsistent least squares: the order changes the limit by O(lr)",
                               r"Inconsistent least squares: the order changes the limit by $O(\lambda)$"),
    "gus-fgsm-variant-null": ("GUS's statistic on the FGSM variant's noise has mean sqrt(2/pi)<sign(g0), g>/|g| and "
                              "variance 1 - 2/pi",
                              r"GUS's statistic on the FGSM variant's noise has mean "
                              r"$\sqrt{2/\pi}\,\langle \mathrm{sign}(g_0), g\rangle/|g|$ and variance $1 - 2/\pi$"),
    "delta-influence-defender-cost": ("Identifying poisons by delta-influence costs O(N_train N_test n_transformations d)",
                                      r"Identifying poisons by delta-influence costs "
                                      r"$O(N_{\mathrm{train}} N_{\mathrm{test}} n_{\mathrm{transformations}}\, d)$"),
    "fixed-point-formulation": ("Inverting a step is finding a fixed point of Psi",
                                r"Inverting a step is finding a fixed point of $\Psi$"),
    "brouwer-discontinuous": ("Psi is not continuous, so Brouwer's theorem does not apply (every model)",
                              r"$\Psi$ is not continuous, so Brouwer's theorem does not apply (every model)"),
    "brouwer-discontinuous-some-model": ("For some models Psi is not continuous, so Brouwer's theorem cannot be "
                                         "applied in general",
                                         r"For some models $\Psi$ is not continuous, so Brouwer's theorem cannot be "
                                         r"applied in general"),
    "banach-not-contraction-likely": ("Psi is likely not a contraction for networks with irregular gradients",
                                      r"$\Psi$ is likely not a contraction for networks with irregular gradients"),
    "pathway-regularizer-psi": ("A regularizing step brings Psi, the map inverted by the fixed-point theorems, closer "
                                "to a contraction",
                                r"A regularizing step brings $\Psi$, the map inverted by the fixed-point theorems, "
                                r"closer to a contraction"),
    "median-efficiency-asymptotic": ("The median's asymptotic efficiency: 2/pi for Gaussian noise, 2 for Laplace noise",
                                     r"The median's asymptotic efficiency: $2/\pi$ for Gaussian noise, $2$ for Laplace "
                                     r"noise"),
    "delta-influence-attacker-cost": ("The attacker's cost has no N_train factor",
                                      r"The attacker's cost has no $N_{\mathrm{train}}$ factor"),
}


def latex_title(lemma_id: str, title: str) -> str:
    """The LaTeX title of a lemma: its LaTeX form while the registered title is unchanged, else the escaped title."""
    registered, latex = LATEX_TITLES.get(lemma_id, (None, ""))
    return latex if registered == title else latex_prose(title)
