r"""The registry of unlearning methods: what each needs, its default settings per family, its tuning grid.

Adding a method is one module in ``sims/unlearning/``: a function ``name(problem, **settings) -> StepCost | Outcome``
written against :class:`~sims.unlearning.protocol.UnlearnableModel`, decorated with :func:`register` (the module is
found and imported by :func:`methods`, no other file changes)::

    @register("my_method", requires=("distillation",), grid={"lr": LR_GRID, "epochs": (1, 2, 4)},
              defaults={"lr": FromTraining(10), "epochs": 1})
    def my_method(problem, lr, epochs): ...

``defaults`` apply to every family unless ``family_defaults[kind]`` overrides them (``kind`` is the family's
``UnlearnableModel.kind``: ``"numpy"``, ``"torch"``, ``"lm"``). :class:`FromTraining` is a rate relative to
training's. ``grid`` is what the poisoning protocol's tuning searches (learning rates over at least four decades, epochs,
:math:`\beta` or temperature; the first value of each other axis is the one the ``small`` grid keeps):
:func:`grid_points` lists its settings. The draft's setting of a method on a family is
:func:`draft_setting`, the family's defaults on the grid's axes, so a grid point equal to it is the same setting.
"""

from __future__ import annotations

import importlib
import itertools
import pkgutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sims.unlearning.problem import UnlearningProblem, UnlearningResult
from sims.unlearning.protocol import CAPABILITIES, StepCost

__all__ = [
    "MethodSpec",
    "FromTraining",
    "register",
    "methods",
    "method_names",
    "method_spec",
    "unlearn",
    "resolve_settings",
    "grid_points",
    "draft_setting",
    "GRID_SIZES",
    "LR_GRID",
    "EPOCH_GRID",
]

#: Learning rates of the tuning grids: five decades, 1e-5 to 1e-1.
LR_GRID = (1e-5, 1e-4, 1e-3, 1e-2, 1e-1)
EPOCH_GRID = (1, 2, 4)
#: The grids :func:`grid_points` builds: ``full`` (every axis) and ``small`` (every learning rate, the first value
#: of every other axis).
GRID_SIZES = ("full", "small")

#: Modules of this package that hold no method.
_INFRASTRUCTURE = {"protocol", "problem", "registry", "engine", "common"}


@dataclass(frozen=True)
class FromTraining:
    """A default rate: training's learning rate divided by ``divisor``."""

    divisor: float = 1.0

    def resolve(self, training_lr: Any) -> Any:
        return training_lr / self.divisor


@dataclass(frozen=True)
class MethodSpec:
    """One registered method (module docstring). ``exact``: its result is retraining's up to rounding."""

    name: str
    function: Callable[..., StepCost]
    requires: tuple[str, ...] = ()
    defaults: Mapping[str, Any] = field(default_factory=dict)
    family_defaults: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    grid: Mapping[str, tuple] = field(default_factory=dict)
    exact: bool = False
    summary: str = ""

    def defaults_for(self, kind: str) -> dict[str, Any]:
        return {**self.defaults, **self.family_defaults.get(kind, {})}

    def missing(self, capabilities: frozenset[str]) -> list[str]:
        return [need for need in self.requires if need not in capabilities]


_REGISTRY: dict[str, MethodSpec] = {}
_LOADED = False


def register(
    name: str,
    *,
    requires: tuple[str, ...] = (),
    defaults: Mapping[str, Any] | None = None,
    family_defaults: Mapping[str, Mapping[str, Any]] | None = None,
    grid: Mapping[str, tuple] | None = None,
    exact: bool = False,
) -> Callable[[Callable[..., StepCost]], Callable[..., StepCost]]:
    """Decorator that registers ``function`` as method ``name`` (module docstring)."""
    unknown = [need for need in requires if need not in CAPABILITIES]
    if unknown:
        raise ValueError(f"method {name}: unknown capabilities {unknown}; known: {', '.join(CAPABILITIES)}")

    def decorate(function: Callable[..., StepCost]) -> Callable[..., StepCost]:
        if name in _REGISTRY and _REGISTRY[name].function is not function:
            raise ValueError(f"unlearning method {name!r} is registered twice")
        summary = (function.__doc__ or "").strip().splitlines()[0] if function.__doc__ else ""
        _REGISTRY[name] = MethodSpec(
            name,
            function,
            tuple(requires),
            dict(defaults or {}),
            {k: dict(v) for k, v in (family_defaults or {}).items()},
            dict(grid or {}),
            exact,
            summary,
        )
        return function

    return decorate


def methods() -> dict[str, MethodSpec]:
    """Every registered method, after importing every method module of this package (once)."""
    global _LOADED
    if not _LOADED:
        for module in pkgutil.iter_modules([str(Path(__file__).parent)]):
            if module.name not in _INFRASTRUCTURE:
                importlib.import_module(f"sims.unlearning.{module.name}")
        _LOADED = True
    return dict(_REGISTRY)


def method_names(model: Any = None) -> tuple[str, ...]:
    """Registered names; with ``model``, only those its family supports."""
    return tuple(
        name for name, spec in methods().items() if model is None or not spec.missing(frozenset(model.capabilities))
    )


def method_spec(method: str) -> MethodSpec:
    """The spec of ``method`` (hyphens accepted for underscores); a clear error for an unknown name."""
    name = method.replace("-", "_")
    known = methods()
    if name not in known:
        raise ValueError(f"unknown unlearning method {method!r}; known: {', '.join(known)}")
    return known[name]


def resolve_settings(spec: MethodSpec, model: Any, settings: Mapping[str, Any]) -> dict[str, Any]:
    """The family's defaults updated by ``settings``; rates given as :class:`FromTraining` resolved."""
    resolved = {**spec.defaults_for(model.kind), **{k: v for k, v in settings.items() if v is not None}}
    for key, value in resolved.items():
        if isinstance(value, FromTraining):
            resolved[key] = value.resolve(model.training_lr())
    return resolved


def grid_points(method: str, size: str = "full") -> list[dict[str, Any]]:
    """The settings of ``method``'s tuning grid (module docstring), in the order of its axes' product."""
    if size not in GRID_SIZES:
        raise ValueError(f"grid must be one of {', '.join(GRID_SIZES)}, got {size!r}")
    axes = dict(method_spec(method).grid)
    if size == "small":
        axes = {key: (values if key == "lr" else values[:1]) for key, values in axes.items()}
    return [dict(zip(axes, values)) for values in itertools.product(*axes.values())]


def draft_setting(method: str, kind: str) -> dict[str, Any]:
    """The draft's setting of ``method`` on the ``kind`` family: its defaults there, on the grid's axes."""
    spec = method_spec(method)
    defaults = spec.defaults_for(kind)
    missing = [key for key in spec.grid if key not in defaults]
    if missing:
        raise ValueError(f"method {spec.name} has no {kind} default for its grid axes {missing}")
    return {key: defaults[key] for key in spec.grid}


def unlearn(method: str, problem: UnlearningProblem, **settings: Any) -> UnlearningResult:
    """Run ``method`` on ``problem`` with ``settings`` over the family's defaults; the result with its cost.

    A method the family cannot run is a ValueError naming what is missing and why the method needs it.
    """
    spec = method_spec(method)
    missing = spec.missing(frozenset(problem.model.capabilities))
    if missing:
        why = "; ".join(f"{need}: {CAPABILITIES[need]}" for need in missing)
        raise ValueError(
            f"method {spec.name} cannot run on the {problem.model.kind} models: it needs {why}, which "
            f"they do not provide; methods they support: {', '.join(method_names(problem.model))}"
        )
    resolved = resolve_settings(spec, problem.model, settings)
    began = time.perf_counter()
    try:
        cost = spec.function(problem, **resolved)
    except TypeError as error:
        if "unexpected keyword" in str(error):
            known = ", ".join(spec.defaults_for(problem.model.kind)) or "none"
            raise ValueError(
                f"method {spec.name}: {error}; its settings on the {problem.model.kind} models: {known}"
            ) from None
        raise
    state = problem.model.copy_state()
    info = dict(cost.info)
    if problem.budget is not None and cost.grad_evals > problem.budget:
        info["over_budget"] = True
    return UnlearningResult(
        spec.name,
        state,
        int(cost.grad_evals),
        problem.model.retrain_evals(problem),
        resolved,
        int(cost.memory_bytes),
        int(cost.steps),
        int(cost.forward_evals),
        time.perf_counter() - began,
        info,
    )
