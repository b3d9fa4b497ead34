"""What every lifted check shares: its declaration, its settings, and how its rows become result records.

A check is a function ``run(setup, settings) -> list[Row]``. A :class:`Row` is one measurement (a data
point, a learning rate, ...) or one summary (``role="summary"``: a named ``metric`` and its ``value``; the
check's headline summary has ``key=True``). :func:`write_rows` stores the rows with
:class:`sims.results.ResultStore` (the format ``sims`` uses) under ``<out>/<check>/``, every row carrying the
lemma id of `theory` it measures in the ``lemma_id`` column, the model, the data, the seed and the settings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from tqdm.auto import tqdm

from sims.results import ResultStore

__all__ = ["Row", "Check", "resolve_settings", "summary", "write_rows", "progress"]


def progress(items: Iterable, description: str) -> Iterable:
    """A tqdm progress bar over the points of a check (shown on a terminal only)."""
    return tqdm(list(items), desc=description, leave=False, disable=None)


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


def resolve_settings(check: Check, settings: Mapping[str, Any] | None) -> dict[str, Any]:
    """The check's defaults overridden by ``settings`` (strings from the command line are converted)."""
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
    return resolved


def summary(lemma_id: str, metric: str, value: float, key: bool = False, **extra: Any) -> Row:
    """A summary row: ``metric`` = ``value`` for ``lemma_id`` (``key`` marks the headline number)."""
    return Row({"lemma_id": lemma_id, "role": "summary", "metric": metric, **extra},
               {"value": float(value), "key": bool(key)})


def write_rows(rows: list[Row], check: Check, setup: Any, settings: Mapping[str, Any], out_dir: str) -> ResultStore:
    """Store ``rows`` of ``check`` run on ``setup`` as result cells and rebuild the table."""
    store = ResultStore(out_dir, check.name)
    context = {"check": check.name, "model": setup.model_name, "data": setup.data_name,
               "bn_mode": setup.bn_mode, "setup": json.dumps(setup.describe, sort_keys=True, default=str),
               "settings": json.dumps(dict(settings), sort_keys=True, default=str)}
    store.record_run({**context, "rows": len(rows)}, seed=setup.seed)
    for row in rows:
        if "lemma_id" not in row.params:
            raise ValueError(f"row of {check.name} without a lemma_id: {row.params}")
        params = {"role": "measurement", **context, **row.params}
        store.write_cell(params, row.metrics, seed=setup.seed)
    store.write_table()
    return store
