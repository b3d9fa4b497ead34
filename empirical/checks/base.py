"""What every lifted check shares: its declaration, its settings, and how its rows become result records.

A check is a function ``run(setup, settings) -> list[Row]``. A :class:`Row` is one measurement (a data
point, a learning rate, ...) or one summary (``role="summary"``: a named ``metric`` and its ``value``; the
check's headline summary has ``key=True``). :func:`write_rows` stores the rows with
:class:`sims.results.ResultStore` (the format ``sims`` uses) under ``<out>/<check>/``, every row carrying the
lemma id of `theory` it measures in the ``lemma_id`` column, the model, the data, the seed and the settings.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sims.progress import progress_bar
from sims.results import ResultStore

__all__ = [
    "Row",
    "Check",
    "lazy_runner",
    "resolve_settings",
    "summary",
    "write_rows",
    "progress",
    "at_least",
    "zero_or_at_least",
    "between",
    "at_most_data",
]


def progress(items: Iterable, description: str) -> Iterable:
    """A progress bar over the points of a check (plain lines when stderr is not a terminal)."""
    items = list(items)
    return progress_bar(items, total=len(items), desc=description, unit="point", leave=False)


@dataclass
class Row:
    """One result: identifying ``params`` (with ``lemma_id``) and measured ``metrics``."""

    params: dict[str, Any]
    metrics: dict[str, Any]

    @property
    def role(self) -> str:
        """``"measurement"`` (default), ``"case-summary"`` or ``"summary"``."""
        return self.params.get("role", "measurement")


@dataclass(frozen=True)
class Check:
    """A lifted check: name, the lemma ids it can bind to, its default settings and its runner."""

    name: str
    lemma_ids: tuple[str, ...]
    description: str
    defaults: Mapping[str, Any]
    run: Callable[..., list[Row]] = field(repr=False)
    #: counts (``n_*``) for which 0 means "switch this part off" rather than "nothing to measure"
    optional_counts: frozenset[str] = frozenset()
    #: per setting, a rule returning what is wrong with a value (or None): :func:`at_least`, :func:`between`, ...
    rules: Mapping[str, Callable[[Any], str | None]] = field(default_factory=dict, repr=False)


def at_least(low: float, meaning: str = "") -> Callable[[Any], str | None]:
    """The rule ``value >= low``; ``meaning`` says what the boundary value means (``0 takes ...``)."""
    return lambda value: None if value >= low else f"must be >= {low}{f' ({meaning})' if meaning else ''}"


def zero_or_at_least(low: float, meaning: str) -> Callable[[Any], str | None]:
    """The rule ``value == 0 or value >= low`` (0 switches a part off; 1 .. low-1 cannot work: ``meaning``)."""
    return lambda value: None if value == 0 or value >= low else f"must be 0 or >= {low} ({meaning})"


def between(low: float, high: float, open_low: bool = True, open_high: bool = True) -> Callable[[Any], str | None]:
    """The rule ``low < value < high`` (a closed end with ``open_low`` / ``open_high`` False)."""

    def rule(value: Any) -> str | None:
        inside = (value > low if open_low else value >= low) and (value < high if open_high else value <= high)
        return None if inside else f"must lie in {'(' if open_low else '['}{low}, {high}{')' if open_high else ']'}"

    return rule


def at_most_data(name: str, value: int, available: int, what: str = "training examples of the dataset") -> None:
    """``ValueError`` when a size setting exceeds the data (never silently cut to it)."""
    if value > available:
        raise ValueError(f"setting {name}={value} exceeds the {available} {what}; give {name} <= {available}")


def lazy_runner(module: str, function: str = "run") -> Callable[..., list[Row]]:
    """``module.function``, imported on the first call: the registry of checks stays free of torch, so
    ``python -m empirical list`` and ``run --help`` start in a fraction of a second."""

    def run(setup: Any, settings: Mapping[str, Any]) -> list[Row]:
        from importlib import import_module

        return getattr(import_module(module), function)(setup, settings)

    run.__qualname__ = run.__name__ = f"{module}.{function}"
    return run


def _coerce(name: str, value: Any, default: Any) -> Any:
    if isinstance(default, (list, tuple)):
        items = value.split(",") if isinstance(value, str) else list(value)
        kind = type(default[0]) if default else float
        return [kind(item) for item in items]
    if isinstance(default, bool):
        if isinstance(value, str):
            if value.lower() not in ("true", "false", "1", "0"):
                raise ValueError(f"setting {name} must be true or false, got {value!r}")
            return value.lower() in ("true", "1")
        return bool(value)
    if default is None or isinstance(default, str):
        return value
    return type(default)(value)


def _check_setting(check: Check, name: str, value: Any) -> None:
    """Numbers finite; counts (``n_*``) >= 1 (>= 0 for the check's ``optional_counts``); seeds >= 0; learning rates, tolerances and steps > 0; lists
    not empty. A count of 0 would leave nothing to measure and NaN summaries."""
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    if isinstance(value, (list, tuple)) and not items:
        raise ValueError(f"setting {name} of check {check.name} needs at least one value")
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (int, float)):
            continue
        if not math.isfinite(item):
            raise ValueError(f"setting {name}={item} of check {check.name} must be a finite number")
        if name.startswith("n_") and item < (0 if name in check.optional_counts else 1):
            raise ValueError(f"setting {name}={item} of check {check.name} must be >= 1 (nothing to measure otherwise)")
        if (name.endswith("seed") or name in ("pretrain_epochs", "interleaved", "steps_per_epoch")) and item < 0:
            raise ValueError(f"setting {name}={item} of check {check.name} must be >= 0")
        if (
            name == "lr"
            or name.endswith("_lr")
            or name.startswith("lr_")
            or name.endswith("tol")
            or name.endswith("_eps")
            or name in ("tolerance", "batch_size", "train_batch_size", "record_every", "rho_targets")
        ) and item <= 0:
            raise ValueError(f"setting {name}={item} of check {check.name} must be > 0")
        problem = check.rules[name](item) if name in check.rules else None
        if problem:
            raise ValueError(f"setting {name}={item} of check {check.name} {problem}")


def resolve_settings(check: Check, settings: Mapping[str, Any] | None) -> dict[str, Any]:
    """The check's defaults overridden by ``settings`` (strings from the command line are converted and
    checked: see :func:`_check_setting`)."""
    settings = dict(settings or {})
    unknown = sorted(set(settings) - set(check.defaults))
    if unknown:
        raise ValueError(f"unknown setting(s) {unknown} for check {check.name}; known: {sorted(check.defaults)}")
    resolved = dict(check.defaults)
    for name, value in settings.items():
        try:
            resolved[name] = _coerce(name, value, check.defaults[name])
        except (TypeError, ValueError) as error:
            raise ValueError(f"setting {name}={value!r} of check {check.name} is invalid: {error}") from None
        _check_setting(check, name, resolved[name])
    return resolved


def summary(lemma_id: str, metric: str, value: float, key: bool = False, **extra: Any) -> Row:
    """A summary row: ``metric`` = ``value`` for ``lemma_id`` (``key`` marks the headline number)."""
    return Row(
        {"lemma_id": lemma_id, "role": "summary", "metric": metric, **extra}, {"value": float(value), "key": bool(key)}
    )


def _context(check: Check, setup: Any, settings: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "check": check.name,
        "model": setup.model_name,
        "data": setup.data_name,
        "bn_mode": setup.bn_mode,
        "setup": json.dumps(setup.describe, sort_keys=True, default=str),
        "settings": json.dumps(dict(settings), sort_keys=True, default=str),
    }


def claim_results(check: Check, setup: Any, settings: Mapping[str, Any], out_dir: str) -> ResultStore:
    """The result store of ``check`` under ``out_dir``, claimed for this (model, data) pair.

    One (model, data) pair of a check holds one set of parameters (settings, setup, seed): a run with other
    ones raises ``ValueError`` (before computing anything) instead of mixing into the same table and figure.
    """
    store = ResultStore(out_dir, check.name)
    store.claim(
        {**_context(check, setup, settings), "seed": setup.seed},
        scope=f"{setup.model_name}/{setup.data_name}",
        require_record=False,
    )
    return store


def write_rows(rows: list[Row], check: Check, setup: Any, settings: Mapping[str, Any], out_dir: str) -> ResultStore:
    """Store ``rows`` of ``check`` run on ``setup`` as result cells and rebuild the table."""
    store = claim_results(check, setup, settings, out_dir)
    context = _context(check, setup, settings)
    store.record_run({**context, "rows": len(rows)}, seed=setup.seed)
    for row in rows:
        if "lemma_id" not in row.params:
            raise ValueError(f"row of {check.name} without a lemma_id: {row.params}")
        params = {"role": "measurement", **context, **row.params}
        store.write_cell(params, row.metrics, seed=setup.seed)
    store.write_table()
    return store
