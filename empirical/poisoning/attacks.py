r"""Poisons against gradient-based unlearning: the draft's attacks, batched through ``torch.func``.

Draft, "Towards the general case": gradient ascent is hypothesised to err most on points of high loss,
large gradient or large Hessian. One attack per kind, plus the baselines the draft cites:

=================  ============================================================================================
``fgsm-variant``   the draft's: :math:`x + \varepsilon\,\mathrm{copysign}(\eta, \nabla_x l(h_\theta(x), y))`,
                   :math:`\eta \sim N(0, I_d)`, :math:`\varepsilon = 0.05` (high loss)
``fgsm``           Goodfellow et al. 2015: :math:`x + \varepsilon\,\mathrm{sign}(\nabla_x l)`
``gaussian``       Pawelczyk et al. 2024: :math:`x + \xi`, :math:`\xi \sim N(0, \varepsilon^2 I)`
``influence``      Koh & Liang 2017 §5.2: :math:`z \leftarrow \Pi(z + \alpha\,\mathrm{sign}(\mathcal I_{\mathrm{pert,loss}}(z, z_{\mathrm{test}})))`
``hessian``        the draft's :math:`\mathcal L(z) = -\alpha \|H_z\|^2 + (1-\alpha)\|g_z\|^2`, Adam + projection
``gradnorm``       the second kind: maximise :math:`\|g_z\|^2` (Adam + projection)
=================  ============================================================================================

Every poison is clean-label (it keeps its source's label), stays in the valid range
``[data.lower, data.upper]`` (the draft's :math:`\|z\|_{\infty, Z} \le M`) and, for the iterative attacks,
in the :math:`\ell_\infty` ball of radius ``eps`` around its source (``eps=inf``: the valid range only, as the
draft writes the Hessian attack). :class:`Poisons` keeps the clean sources, labels, budget and the noise
actually drawn (``eta`` of the FGSM variant, ``xi`` of the Gaussian attack).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import torch
from torch import Tensor
from torch.func import grad, vmap

from empirical.functional import Objective, Tree
from empirical.poisoning.influence import inverse_hvp, perturbation_influence
from empirical.poisoning.measures import (
    MEASURES,
    example_loss,
    hessian_probes,
    input_gradients,
    measure_values,
    top_eigenvectors,
)

__all__ = ["ATTACKS", "Poisons", "craft", "project", "check_attack", "DEFAULT_EPS"]

ATTACKS = ("fgsm-variant", "fgsm", "gaussian", "influence", "hessian", "gradnorm")
#: How the Hessian attack weighs its two terms (:func:`_curvature`): as the draft writes it, or each term
#: relative to its value at the clean source.
BALANCES = ("none", "source")
#: Budgets: the draft's eps = 0.05 for the one-shot attacks; the draft's Hessian attack is bounded only by the range.
DEFAULT_EPS = {
    "fgsm-variant": 0.05,
    "fgsm": 0.05,
    "gaussian": 0.05,
    "influence": 0.05,
    "hessian": math.inf,
    "gradnorm": math.inf,
}


@dataclass
class Poisons:
    """A batch of poisons: ``inputs`` (poisoned), their clean ``sources``, ``targets`` (the sources' labels).

    ``noise`` is what was drawn (``eta`` for fgsm-variant, ``xi`` for gaussian, zeros otherwise); ``delta``
    is what was actually added after projection, ``inputs - sources``. ``source_index`` indexes the split the
    sources came from; ``info`` holds attack diagnostics (CG residual, objective trace, ...).
    """

    attack: str
    inputs: Tensor
    targets: Tensor
    sources: Tensor
    source_index: Tensor
    eps: float
    noise: Tensor
    info: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.inputs.shape[0])

    @property
    def delta(self) -> Tensor:
        return self.inputs - self.sources

    def subset(self, indices: Tensor) -> Poisons:
        return replace(
            self,
            inputs=self.inputs[indices],
            targets=self.targets[indices],
            sources=self.sources[indices],
            source_index=self.source_index[indices],
            noise=self.noise[indices],
        )


def check_attack(attack: str, eps: float) -> float:
    """Validate an attack name and its budget; return the budget as a float."""
    if attack not in ATTACKS:
        raise ValueError(f"unknown attack {attack!r}; known: {', '.join(ATTACKS)}")
    eps = float(eps)
    if not eps > 0:
        raise ValueError(f"the budget eps of attack {attack} must be > 0, got {eps}")
    return eps


def project(candidate: Tensor, sources: Tensor, eps: float, lower: Tensor, upper: Tensor) -> Tensor:
    """Projection onto the l_inf ball of radius ``eps`` around ``sources`` intersected with ``[lower, upper]``."""
    if math.isfinite(eps):
        candidate = torch.maximum(torch.minimum(candidate, sources + eps), sources - eps)
    return torch.maximum(torch.minimum(candidate, upper), lower)


def craft(
    attack: str,
    objective: Objective,
    params: Mapping[str, Tensor],
    sources: Tensor,
    targets: Tensor,
    source_index: Tensor,
    lower: Tensor,
    upper: Tensor,
    eps: float | None = None,
    generator: torch.Generator | None = None,
    **options: Any,
) -> Poisons:
    """Craft one poison per source with ``attack`` against the model ``(objective, params)``.

    ``options`` per attack: ``clamp`` (bool, fgsm/fgsm-variant/gaussian: project onto the range, default
    True); influence: ``train_batch``, ``test_batch`` (the targets z_test), ``steps`` (10), ``step_size``
    (eps/4), ``damping`` (0.01), ``cg_iters`` (100); hessian/gradnorm: ``alpha`` (0.5), ``measure``
    (spectral/trace/diagonal), ``steps`` (30), ``lr`` (0.05, Adam), ``probes`` (4), ``power_iters`` (10),
    ``balance`` (``none`` = the draft's objective; ``source`` = each term relative to the source, see
    :func:`_curvature`).
    """
    eps = check_attack(attack, DEFAULT_EPS.get(attack, 1.0) if eps is None else eps)
    if sources.shape[0] != targets.shape[0] or sources.shape[0] == 0:
        raise ValueError(
            f"sources and targets must share a non-zero length, got {sources.shape[0]} and {targets.shape[0]}"
        )
    params = {name: value.detach() for name, value in params.items()}
    lower, upper = lower.to(sources), upper.to(sources)
    generator = generator if generator is not None else torch.Generator().manual_seed(0)
    zeros = torch.zeros_like(sources)
    clamp = bool(options.pop("clamp", True))
    box = (lambda z: torch.maximum(torch.minimum(z, upper), lower)) if clamp else (lambda z: z)

    def make(inputs: Tensor, noise: Tensor, **info: Any) -> Poisons:
        return Poisons(attack, inputs.detach(), targets, sources, source_index, eps, noise.detach(), info)

    if attack in ("fgsm", "fgsm-variant"):
        if options:
            raise ValueError(f"unknown option(s) {sorted(options)} for attack {attack}")
        direction = input_gradients(objective, params, sources, targets)
        if attack == "fgsm":
            return make(box(sources + eps * torch.sign(direction)), zeros, eps_is="l_inf radius")
        eta = torch.randn(sources.shape, generator=generator, dtype=torch.float64).to(sources)
        return make(box(sources + eps * torch.copysign(eta, direction)), eta, eps_is="noise scale")
    if attack == "gaussian":
        if options:
            raise ValueError(f"unknown option(s) {sorted(options)} for attack {attack}")
        xi = eps * torch.randn(sources.shape, generator=generator, dtype=torch.float64).to(sources)
        return make(box(sources + xi), xi, eps_is="noise standard deviation")
    if attack == "influence":
        return _influence(objective, params, sources, targets, eps, lower, upper, make, **options)
    return _curvature(attack, objective, params, sources, targets, eps, lower, upper, generator, make, **options)


def _influence(
    objective: Objective,
    params: Tree,
    sources: Tensor,
    targets: Tensor,
    eps: float,
    lower: Tensor,
    upper: Tensor,
    make,
    train_batch: tuple | None = None,
    test_batch: tuple | None = None,
    steps: int = 10,
    step_size: float | None = None,
    damping: float = 0.01,
    cg_iters: int = 100,
    cg_tol: float = 1e-6,
) -> Poisons:
    if train_batch is None or test_batch is None:
        raise ValueError("the influence attack needs train_batch (for H) and test_batch (the targets z_test)")
    if steps < 1:
        raise ValueError(f"influence attack steps must be >= 1, got {steps}")
    step_size = eps / 4 if step_size is None else float(step_size)
    test_gradient = grad(lambda p: objective.loss(p, test_batch))(params)
    solve = inverse_hvp(objective, params, train_batch, test_gradient, damping=damping, tol=cg_tol, max_iter=cg_iters)
    z = sources.clone()
    for _ in range(steps):
        direction = perturbation_influence(objective, params, z, targets, solve.solution)
        z = project(z + step_size * torch.sign(direction), sources, eps, lower, upper)
    return make(
        z,
        torch.zeros_like(sources),
        cg_residual=solve.residual,
        cg_iterations=solve.iterations,
        cg_hvps=solve.hvps,
        damping=damping,
        steps=steps,
        step_size=step_size,
    )


def _curvature(
    attack: str,
    objective: Objective,
    params: Tree,
    sources: Tensor,
    targets: Tensor,
    eps: float,
    lower: Tensor,
    upper: Tensor,
    generator: torch.Generator,
    make,
    alpha: float = 0.5,
    measure: str = "spectral",
    steps: int = 30,
    lr: float = 0.05,
    probes: int = 4,
    power_iters: int = 10,
    balance: str = "none",
) -> Poisons:
    r"""``balance="none"``: the draft's objective as written, :math:`-\alpha\|H_z\|^2 + (1-\alpha)\|g_z\|^2`.
    Adam's step is invariant to a common scale, so when :math:`\|H_z\|^2 \gg \|g_z\|^2` (a factor ~ 4000 on the
    small CNN, issue 17) every alpha in (0, 1) gives nearly the same poisons. ``balance="source"`` (a labelled
    reading, not the draft's text) divides each term by its value at the clean source, so that alpha weighs two
    quantities of the same order: :math:`-\alpha\|H_z\|^2/\|H_{z_0}\|^2 + (1-\alpha)\|g_z\|^2/\|g_{z_0}\|^2`."""
    if attack == "hessian" and not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must lie in (0, 1) (the draft's hyperparameter), got {alpha}")
    if balance not in BALANCES:
        raise ValueError(f"balance must be one of {BALANCES}, got {balance!r}")
    if measure not in MEASURES:
        raise ValueError(f"Hessian measure must be one of {MEASURES}, got {measure!r}")
    if steps < 1:
        raise ValueError(f"{attack} attack steps must be >= 1, got {steps}")
    z = sources.clone().requires_grad_(True)
    optimizer = torch.optim.Adam([z], lr=lr)
    history = []
    hessian_measure = measure if attack == "hessian" else "trace"

    def terms(x: Tensor, y: Tensor, vector: Tree | None, probe_list: list[Tree] | None) -> dict[str, Tensor]:
        return (
            measure_values(objective, params, x, y, hessian_measure, vector, probe_list)
            if attack == "hessian"
            else {"grad_sq": grad_sq(x, y)}
        )

    def objective_of(
        x: Tensor, y: Tensor, vector: Tree | None, probe_list: list[Tree] | None, h_unit: Tensor, g_unit: Tensor
    ) -> Tensor:
        values = terms(x, y, vector, probe_list)
        if attack == "gradnorm":
            return -values["grad_sq"]
        return -alpha * values["hessian"] ** 2 / h_unit + (1 - alpha) * values["grad_sq"] / g_unit

    def grad_sq(x: Tensor, y: Tensor) -> Tensor:
        gradient = grad(lambda p: example_loss(objective, p, x, y))(params)
        return sum((value**2).sum() for value in gradient.values())

    def directions(current: Tensor) -> tuple[Tree | None, list[Tree] | None]:
        if attack == "hessian" and measure == "spectral":
            return top_eigenvectors(objective, params, current, targets, power_iters, generator), None
        return None, (hessian_probes(params, probes, generator) if attack == "hessian" else None)

    ones = torch.ones(sources.shape[0], dtype=sources.dtype, device=sources.device)
    h_unit, g_unit = ones, ones
    if balance == "source" and attack == "hessian":
        vectors, probe_list = directions(sources)
        at_source = vmap(
            lambda x, y, v: terms(x, y, v, probe_list), in_dims=(0, 0, 0 if vectors is not None else None)
        )(sources, targets, vectors)
        tiny = torch.finfo(sources.dtype).tiny
        h_unit = (at_source["hessian"].detach() ** 2).clamp_min(tiny)
        g_unit = at_source["grad_sq"].detach().clamp_min(tiny)
    for _ in range(steps):
        current = z.detach()
        vectors, probe_list = directions(current)
        value_and_grad = vmap(
            lambda x, y, v, hu, gu: (
                objective_of(x, y, v, probe_list, hu, gu),
                grad(objective_of)(x, y, v, probe_list, hu, gu),
            ),
            in_dims=(0, 0, 0 if vectors is not None else None, 0, 0),
        )
        values, gradients = value_and_grad(current, targets, vectors, h_unit, g_unit)
        history.append(float(values.mean()))
        optimizer.zero_grad(set_to_none=True)
        z.grad = gradients.detach()
        optimizer.step()
        with torch.no_grad():
            z.copy_(project(z, sources, eps, lower, upper))
    return make(
        z.detach(),
        torch.zeros_like(sources),
        objective_history=history,
        alpha=alpha,
        measure=hessian_measure if attack == "hessian" else "none",
        steps=steps,
        lr=lr,
        balance=balance,
    )
