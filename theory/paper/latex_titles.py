r"""LaTeX forms of the registry's titles that carry ASCII formulas (``lr |x|^2 != 1``), for the typeset lemmas.

The registry's titles are plain text, read in terminals and Markdown; a paper wants maths. The table maps a
title, exactly as registered, to its LaTeX form, so a changed title is never typeset with an old form: it is
escaped as text (:func:`theory.paper.record_text.latex_prose`) until it gets an entry, and a test fails on
every registered title with an ASCII formula (``lr |x|^2``, ``theta_1``) that has none.
"""

from __future__ import annotations

from theory.paper.record_text import latex_prose

__all__ = ["LATEX_TITLES", "latex_title"]

#: the registry's title -> its LaTeX form (titles as registered on this branch and on main after issue 19)
LATEX_TITLES: dict[str, str] = {
    "The linear-regression gradient is affine in theta": r"The linear-regression gradient is affine in $\theta$",
    "The linear-regression loss is convex: its Hessian x x^T is positive semi-definite": r"The linear-regression loss is convex: its Hessian $xx^\top$ is positive semi-definite",
    "The gradient at theta_1 does not determine theta_0 (omniscient defender)": r"The gradient at $\theta_1$ does not determine $\theta_0$ (omniscient defender)",
    "The value of the gradient at theta_1 alone does not determine theta_0": r"The value of the gradient at $\theta_1$ alone does not determine $\theta_0$",
    "Ascent at the rate lr/(1 - lr|x|^2) is the inverse step; T steps are reverted exactly": r"Ascent at the rate $\lambda/(1 - \lambda|x|^2)$ is the inverse step; $T$ steps are reverted exactly",
    "The training-rate ascent replay is affine with slope prod (1 - q_t^2) (p = 1)": r"The training-rate ascent replay is affine with slope $\prod_t (1 - q_t^2)$ ($p = 1$)",
    "One step of linear regression is invertible iff lr |x|^2 != 1 (Sherman-Morrison)": r"One step of linear regression is invertible iff $\lambda|x|^2 \ne 1$ (Sherman--Morrison)",
    "The Neumann series converges iff lr |x|^2 < 1 or theta~ . x = 0": r"The Neumann series converges iff $\lambda|x|^2 < 1$ or $\tilde\theta\cdot x = 0$",
    "At lr |x|^2 = 1 the step is not injective": r"At $\lambda|x|^2 = 1$ the step is not injective",
    "Psi is affine with Lipschitz constant exactly lr |x|^2": r"$\Psi$ is affine with Lipschitz constant exactly $\lambda|x|^2$",
    "Psi is not a contraction for some z and lr (existence only)": r"$\Psi$ is not a contraction for some $z$ and $\lambda$ (existence only)",
    "Psi is a contraction iff lr |x|^2 < 1; fixed-point iteration converges at rate lr |x|^2": r"$\Psi$ is a contraction iff $\lambda|x|^2 < 1$; fixed-point iteration converges at rate $\lambda|x|^2$",
    "The step map never contracts in dimension p >= 2": r"The step map never contracts in dimension $p \ge 2$",
    "A regularizing step brings Phi_z closer to a contraction (weight decay, linear regression)": r"A regularizing step brings $\Phi_z$ closer to a contraction (weight decay, linear regression)",
    "The linear-regression gradient points from the hyperplane to theta, along x (geometry reading)": r"The linear-regression gradient points from the hyperplane to $\theta$, along $x$ (geometry reading)",
    "Inconsistent least squares: the order changes the limit by O(lr)": r"Inconsistent least squares: the order changes the limit by $O(\lambda)$",
    "GUS's statistic on the FGSM variant's noise has mean sqrt(2/pi)<sign(g0), g>/|g| and variance 1 - 2/pi": r"GUS's statistic on the FGSM variant's noise has mean $\sqrt{2/\pi}\,\langle \mathrm{sign}(g_0), "
    r"g\rangle/|g|$ and variance $1 - 2/\pi$",
    "Identifying poisons by delta-influence costs O(N_train N_test n_transformations d)": r"Identifying poisons by delta-influence costs $O(N_{\mathrm{train}} N_{\mathrm{test}} "
    r"n_{\mathrm{transformations}}\, d)$",
    "Inverting a step is finding a fixed point of Psi": r"Inverting a step is finding a fixed point of $\Psi$",
    "Psi is not continuous, so Brouwer's theorem does not apply (every model)": r"$\Psi$ is not continuous, so Brouwer's theorem does not apply (every model)",
    "For some models Psi is not continuous, so Brouwer's theorem cannot be applied in general": r"For some models $\Psi$ is not continuous, so Brouwer's theorem cannot be applied in general",
    "Psi is likely not a contraction for networks with irregular gradients": r"$\Psi$ is likely not a contraction for networks with irregular gradients",
    "A regularizing step brings Psi, the map inverted by the fixed-point theorems, closer to a contraction": r"A regularizing step brings $\Psi$, the map inverted by the fixed-point theorems, closer to a contraction",
    "The median's asymptotic efficiency: 2/pi for Gaussian noise, 2 for Laplace noise": r"The median's asymptotic efficiency: $2/\pi$ for Gaussian noise, $2$ for Laplace noise",
    "The attacker's cost has no N_train factor": r"The attacker's cost has no $N_{\mathrm{train}}$ factor",
    "The Neumann series converges iff |lr| |x|^2 < 1 or theta~ . x = 0 (lr in R)": r"The Neumann series converges iff $|\lambda|\,|x|^2 < 1$ or $\tilde\theta\cdot x = 0$ ($\lambda \in "
    r"\mathbb{R}$)",
    "Psi is affine with Lipschitz constant exactly |lr| |x|^2 (lr in R)": r"$\Psi$ is affine with Lipschitz constant exactly $|\lambda|\,|x|^2$ ($\lambda \in \mathbb{R}$)",
    "Psi is a contraction iff |lr| |x|^2 < 1; fixed-point iteration converges at rate lr |x|^2": r"$\Psi$ is a contraction iff $|\lambda|\,|x|^2 < 1$; fixed-point iteration converges at rate "
    r"$\lambda|x|^2$",
    "A sparsity (L1) regularizing step brings Phi_z to a contraction": r"A sparsity ($L^1$) regularizing step brings $\Phi_z$ to a contraction",
    "The linear-regression gradient is theta's orthogonal displacement from the hyperplane (geometry reading)": r"The linear-regression gradient is $\theta$'s orthogonal displacement from the hyperplane (geometry "
    r"reading)",
    "GUS's statistic on the FGSM variant's noise has mean sqrt(2/pi)<s, g>/|g|, s = copysign(1, g0), and variance "
    "1 - 2/pi": r"GUS's statistic on the FGSM variant's noise has mean $\sqrt{2/\pi}\,\langle s, g\rangle/|g|$, $s = "
    r"\mathrm{copysign}(1, g_0)$, and variance $1 - 2/\pi$",
    "The draft's attackers' cost has no N_train factor": r"The draft's attackers' cost has no $N_{\mathrm{train}}$ factor",
    "Across data points at one rate, stable steps: the ascent error is at most 4 sqrt(lr L)": r"Across data points at one rate, stable steps: the ascent error is at most $4\sqrt{\lambda L}$",
    "A small model shift makes the Neumann series of the inverse converge to theta (operator-norm reading, the "
    "draft's theta~)": r"A small model shift makes the Neumann series of the inverse converge to $\theta$ (operator-norm reading, "
    r"the draft's $\tilde\theta$)",
    "Under the operator-norm premise the Neumann series of the corrected theta~ converges to theta_t": r"Under the operator-norm premise the Neumann series of the corrected $\tilde\theta$ converges to "
    r"$\theta_t$",
    "The Neumann series converges iff lr |x|^2 < 1, the sign of lr unsaid (read over lr in R)": r"The Neumann series converges iff $\lambda|x|^2 < 1$, the sign of $\lambda$ unsaid (read over $\lambda "
    r"\in \mathbb{R}$)",
    "Psi has Lipschitz constant lr |x|^2, the sign of lr unsaid (read over lr in R)": r"$\Psi$ has Lipschitz constant $\lambda|x|^2$, the sign of $\lambda$ unsaid (read over $\lambda \in "
    r"\mathbb{R}$)",
    "Psi is a contraction iff lr |x|^2 < 1, the sign of lr unsaid (read over lr in R)": r"$\Psi$ is a contraction iff $\lambda|x|^2 < 1$, the sign of $\lambda$ unsaid (read over $\lambda \in "
    r"\mathbb{R}$)",
    "Weight decay (not L1) brings Phi_z to a contraction (linear regression)": r"Weight decay (not $L^1$) brings $\Phi_z$ to a contraction (linear regression)",
    "The linear-regression gradient is |x|^2 times theta's displacement from the hyperplane": r"The linear-regression gradient is $|x|^2$ times $\theta$'s displacement from the hyperplane",
    "Every attacker's cost has no N_train factor (the influence attack included)": r"Every attacker's cost has no $N_{\mathrm{train}}$ factor (the influence attack included)",
    "Forming the Hessian costs 2d gradients and d^2 memory": r"Forming the Hessian costs $2d$ gradients and $d^2$ memory",
    "Experiment 2's equation as notation: the right side rewrites the objective with g_z": r"Experiment 2's equation as notation: the right side rewrites the objective with $g_z$",
}


def latex_title(title: str) -> str:
    """The LaTeX form of a registered title (:data:`LATEX_TITLES`), else the title escaped as text."""
    return LATEX_TITLES.get(title) or latex_prose(title)
