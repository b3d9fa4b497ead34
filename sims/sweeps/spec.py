"""Declarative sweep specifications: documented parameters, the grid of cells, the cell and plot functions.

A parameter whose kind is a list (``floats``, ``ints``, ``strs``) is a grid axis: the cells are the
Cartesian product of all axes (each cell gets the axis' singular name, ``axis``) times the seeds
``seed0 .. seed0 + seeds - 1``; scalar parameters are copied into every cell, so that a cell's parameters
identify everything it depends on (and a changed parameter never reuses a stale cell).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

__all__ = ["Param", "Sweep", "SEED_PARAMS", "plain_text"]

_SCALAR_KINDS = {"int": int, "float": float, "str": str}
_LIST_KINDS = {"ints": int, "floats": float, "strs": str}


def plain_text(text: str) -> str:
    """A docstring as plain text for --help: Sphinx roles (:math:`x`, :func:`~m.f`), double backquotes and
    ``.. math::`` directives removed, their content kept (``:func:`~m.f``` becomes ``f``)."""
    text = re.sub(r":math:`([^`]*)`", r"\1", text)
    text = re.sub(r":[a-z]+:`~?(?:[\w.]*\.)?([^`]*)`", r"\1", text)
    text = text.replace("``", "").replace(".. math::", "")
    text = re.sub(r"\\(mathrm|operatorname|text)\{([^}]*)\}", r"\2", text)
    return text


@dataclass(frozen=True)
class Param:
    """One documented parameter: name, kind, small default, paper-scale value, help, constraints."""

    name: str
    kind: str
    default: Any
    help: str
    paper: Any = None
    axis: str | None = None  # singular cell name of a list parameter
    choices: tuple = ()
    minimum: float | None = None
    maximum: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in _SCALAR_KINDS and self.kind not in _LIST_KINDS:
            raise ValueError(f"unknown parameter kind {self.kind!r} for {self.name}")
        if self.kind in _LIST_KINDS and not self.axis:
            raise ValueError(f"list parameter {self.name} needs an axis name")

    @property
    def is_axis(self) -> bool:
        return self.kind in _LIST_KINDS

    def parse(self, text: str) -> Any:
        """Parse ``--set name=text`` (lists are comma-separated) and validate; errors name the parameter."""
        convert = _SCALAR_KINDS.get(self.kind) or _LIST_KINDS[self.kind]
        pieces = [piece.strip() for piece in text.split(",")] if self.is_axis else [text.strip()]
        try:
            values = [convert(piece) for piece in pieces if piece != ""]
        except ValueError:
            raise ValueError(f"parameter {self.name!r} expects {self.describe_kind()}, got {text!r}") from None
        return self.validate(values if self.is_axis else values[0] if values else "")

    def validate(self, value: Any) -> Any:
        values = list(value) if self.is_axis else [value]
        if self.is_axis and not values:
            raise ValueError(f"parameter {self.name!r} needs at least one value")
        for item in values:
            if isinstance(item, float) and not math.isfinite(item):
                raise ValueError(f"parameter {self.name!r} must be a finite number, got {item!r}")
            if self.choices and item not in self.choices:
                raise ValueError(f"parameter {self.name!r} must be among {list(self.choices)}, got {item!r}")
            if self.minimum is not None and not item >= self.minimum:
                raise ValueError(f"parameter {self.name!r} must be >= {self.minimum}, got {item!r}")
            if self.maximum is not None and not item <= self.maximum:
                raise ValueError(f"parameter {self.name!r} must be <= {self.maximum}, got {item!r}")
        return values if self.is_axis else value

    def describe_kind(self) -> str:
        base = {
            "int": "an integer",
            "float": "a number",
            "str": "a string",
            "ints": "comma-separated integers",
            "floats": "comma-separated numbers",
            "strs": "comma-separated strings",
        }[self.kind]
        return base + (f" from {list(self.choices)}" if self.choices else "")

    def help_line(self) -> str:
        def show(value):
            return ",".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)

        paper = f"; paper: {show(self.paper)}" if self.paper is not None else ""
        return f"{self.name}={show(self.default)}  ({self.describe_kind()}{paper}) {self.help}"


SEED_PARAMS = (
    Param("seeds", "int", 2, "number of independent seeds per configuration", paper=5, minimum=1),
    Param("seed0", "int", 0, "first seed", minimum=0),
)


@dataclass(frozen=True)
class Sweep:
    """A named experiment (see module docstring). ``cell(params) -> metrics``; ``plot(frame, out) -> files``."""

    name: str
    title: str
    description: str
    lemmas: tuple[str, ...]
    params: tuple[Param, ...]
    cell: Callable[[dict[str, Any]], dict[str, Any]]
    plot: Callable[[Any, Any], list]
    keep: Callable[[dict[str, Any]], bool] | None = None  # drops meaningless grid points
    all_params: tuple[Param, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "all_params", tuple(self.params) + SEED_PARAMS)
        names = [param.name for param in self.all_params]
        if len(names) != len(set(names)):
            raise ValueError(f"sweep {self.name} declares a parameter twice")

    def param(self, name: str) -> Param:
        for param in self.all_params:
            if param.name == name:
                return param
        known = ", ".join(p.name for p in self.all_params)
        raise ValueError(f"sweep {self.name!r} has no parameter {name!r}; its parameters are: {known}")

    def resolve(self, overrides: dict[str, str] | None = None, paper: bool = False) -> dict[str, Any]:
        """Defaults (or paper values), then ``--set`` overrides parsed from text."""
        values = {p.name: (p.paper if paper and p.paper is not None else p.default) for p in self.all_params}
        for name, text in (overrides or {}).items():
            values[name] = self.param(name).parse(text)
        return values

    def cells(self, values: dict[str, Any]) -> list[dict[str, Any]]:
        """The grid (module docstring), in a deterministic order."""
        for param in self.all_params:
            param.validate(values[param.name])
        axes = [p for p in self.all_params if p.is_axis]
        scalars = {
            p.name: values[p.name] for p in self.all_params if not p.is_axis and p.name not in ("seeds", "seed0")
        }
        seeds = range(values["seed0"], values["seed0"] + values["seeds"])
        cells = []
        for combo in itertools.product(*(values[p.name] for p in axes), seeds):
            # cast: a list parameter always has its axis name (Param.__post_init__ refuses one without)
            cell: dict[str, Any] = {
                **scalars,
                **{cast(str, p.axis): value for p, value in zip(axes, combo[:-1])},
                "seed": combo[-1],
            }
            if self.keep is None or self.keep(cell):
                cells.append(cell)
        return cells

    def help_text(self) -> str:
        lines = [
            plain_text(self.description),
            "",
            f"lemmas: {', '.join(self.lemmas)}",
            "",
            "parameters (--set name=value):",
        ]
        lines += [f"  {param.help_line()}" for param in self.all_params]
        return "\n".join(lines)
