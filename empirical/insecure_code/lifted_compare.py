r"""The lifted checks of several insecure-code runs side by side (e.g. the tiny model against SmolLM2), with the
theory's prediction and each run's gap to it.

Input: the ``lifted-<key>.json`` files the experiment writes (a JSON list of the rows of
:func:`empirical.insecure_code.lifted.lifted_checks`); only the summary rows (``"role": "summary"``, one
``value`` per ``(check, group, metric)``) are compared.

Predictions, per ``(check, metric)``, where a quantity :math:`E(\lambda)` of two gradient steps of rate
:math:`\lambda` is measured on a log grid and ``median_exponent`` is the median over points of the slope of
:math:`\log|E|` against :math:`\log\lambda` where :math:`E` matches :math:`\lambda^2 P` within the tolerance
(:mod:`empirical.checks.second_order`):

* ``ascent-error`` (lemma ascent-error-logistic): :math:`E = \theta_2 - \theta_0`, one descent then one ascent
  step on z. The draft, "Gradient ascent does not revert gradient descent / Approximation error in the linear
  case", writes :math:`\theta_2 - \theta_0 = -\lambda^2 (\theta_0\cdot x - y)|x|^2 x = -\lambda^2 H g` exactly;
  for a smooth loss the lemma (section "Towards the general case", not as written: issue 2) gives
  :math:`-\lambda^2 H g + O(\lambda^3)`. Predicted: exponent **2**, and the ratio
  :math:`\langle E, \lambda^2 P\rangle/|\lambda^2 P|^2` at the smallest rate above rounding **1**.
* ``commutator`` (lemma commutator-logistic): :math:`E = \Phi_B\Phi_A(\theta) - \Phi_A\Phi_B(\theta)`. The draft's
  section "Inverting many gradient steps is hard since they don't commute" states that the steps do not
  commute, without an order in :math:`\lambda`; the project's lemma (same section, not as written: issue 2;
  exact for quadratic losses, commutator-quadratic) gives :math:`\lambda^2 (H_B g_A - H_A g_B) + O(\lambda^3)`.
  Predicted: exponent **2**, ratio **1**.
* ``gradient-cosine`` (hypothesis span-dim-large, Experiment 1): the draft reports observations (near 1 for an
  untrained model, 0.3-0.5 after 2 epochs of pretraining), not a prediction: none is given.

The valid-rate bounds (``median_lr_valid_min``/``_max``) depend on the dtype's rounding and on the size of the
third-order terms; no prediction. The gap is :math:`|value - prediction|` (NaN where either is absent).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from theory.threads import apply_thread_policy

# An entry point: the policy comes before numpy / torch start their thread pools (only the standard library is
# imported above, so the imports stay at the top of the file).
apply_thread_policy()

__all__ = ["Prediction", "PREDICTIONS", "SUMMARY_KEYS", "load_lifted", "compare_lifted", "comparison_table", "main"]

#: The keys every summary row needs.
SUMMARY_KEYS = ("check", "group", "metric", "value")

_ASCENT = "draft: Gradient ascent does not revert gradient descent (linear case exact; lemma ascent-error-logistic)"
_COMMUTE = "lemma commutator-logistic (draft: Inverting many gradient steps is hard since they don't commute)"


@dataclass(frozen=True)
class Prediction:
    """The value the theory predicts for one summary metric, and where it comes from."""

    value: float
    source: str


#: ``(check, metric) -> prediction``; checks and metrics not listed have none.
PREDICTIONS: Mapping[tuple[str, str], Prediction] = {
    ("ascent-error", "median_exponent"): Prediction(2.0, _ASCENT),
    ("ascent-error", "median_ratio_smallest_clean_lr"): Prediction(1.0, _ASCENT),
    ("commutator", "median_exponent"): Prediction(2.0, _COMMUTE),
    ("commutator", "median_ratio_smallest_clean_lr"): Prediction(1.0, _COMMUTE),
}

_FIX = "give the lifted-<key>.json of an insecure-code run folder"


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def load_lifted(path: str | Path) -> list[dict]:
    """The rows of a lifted-checks file, checked: a JSON list of objects, at least one summary row, each summary row
    with a text ``check``/``group``/``metric`` and a numeric ``value`` (NaN allowed: no valid rate), no
    ``(check, group, metric)`` twice. Raises :class:`FileNotFoundError` or :class:`ValueError` (one line)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file; {_FIX}")
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path}: not JSON ({error}); {_FIX}") from None
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise ValueError(f"{path}: not a JSON list of objects; {_FIX}")
    seen: set[tuple[str, str, str]] = set()
    for index, row in enumerate(rows):
        if row.get("role") != "summary":
            continue
        missing = [key for key in SUMMARY_KEYS if key not in row]
        if missing:
            raise ValueError(f"{path}: summary row {index} lacks {', '.join(missing)}; {_FIX}")
        if not all(isinstance(row[key], str) for key in SUMMARY_KEYS[:3]) or not _number(row["value"]):
            raise ValueError(f"{path}: summary row {index} needs text check/group/metric and a numeric value; {_FIX}")
        key = (row["check"], row["group"], row["metric"])
        if key in seen:
            raise ValueError(f"{path}: {'/'.join(key)} appears twice (files mixed?); {_FIX}")
        seen.add(key)
    if not seen:
        raise ValueError(f"{path}: no summary rows (role 'summary'); {_FIX}")
    return rows


def compare_lifted(runs: Mapping[str, Sequence[dict]]) -> list[dict]:
    """One row per ``(check, group, metric)`` of the summary rows of any run, in order of first appearance:
    ``values`` (run name -> value, NaN where the run lacks it), ``prediction`` (NaN where none, see the module
    docstring), ``source`` and ``gaps`` (run name -> ``|value - prediction|``)."""
    values: dict[tuple[str, str, str], dict[str, float]] = {}
    for name, rows in runs.items():
        for row in rows:
            if row.get("role") == "summary":
                key = (row["check"], row["group"], row["metric"])
                values.setdefault(key, {})[name] = float(row["value"])
    out = []
    for (check, group, metric), found in values.items():
        prediction = PREDICTIONS.get((check, metric))
        predicted = prediction.value if prediction else math.nan
        side_by_side = {name: found.get(name, math.nan) for name in runs}
        out.append(
            {
                "check": check,
                "group": group,
                "metric": metric,
                "values": side_by_side,
                "prediction": predicted,
                "source": prediction.source if prediction else "",
                "gaps": {name: abs(value - predicted) for name, value in side_by_side.items()},
            }
        )
    return out


def _cell(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.4g}"


def comparison_table(rows: Sequence[dict], names: Sequence[str]) -> str:
    """A Markdown table of :func:`compare_lifted`'s rows: check, group, metric, each run's value, the prediction,
    each run's gap; "–" marks NaN (absent, or no prediction). The prediction sources follow as notes."""
    header = ["check", "group", "metric", *names, "prediction", *(f"gap {name}" for name in names)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [row["check"], row["group"], row["metric"]]
        cells += [_cell(row["values"][name]) for name in names]
        cells += [_cell(row["prediction"])] + [_cell(row["gaps"][name]) for name in names]
        lines.append("| " + " | ".join(cells) + " |")
    sources = sorted({row["source"] for row in rows if row["source"]})
    return "\n".join(lines + ([""] + [f"Prediction source: {source}." for source in sources] if sources else []))


def _named_path(text: str) -> tuple[str, str]:
    name, sep, path = text.partition("=")
    if not sep or not name.strip() or not path:
        raise ValueError(f"{text!r}: expected NAME=PATH, e.g. tiny=results/insecure-code/<run>/lifted-<key>.json")
    return name.strip(), path


def main(argv: Sequence[str] | None = None) -> int:
    """The command line, ``python -m empirical.insecure_code.lifted_compare NAME=PATH [NAME=PATH]* [--out FILE]``:
    print the table (and write it to FILE)."""
    parser = argparse.ArgumentParser(
        prog="python -m empirical.insecure_code.lifted_compare", description=__doc__.splitlines()[0]
    )
    parser.add_argument("runs", nargs="+", metavar="NAME=PATH", help="a run's name and its lifted-<key>.json")
    parser.add_argument("--out", default=None, help="also write the Markdown table to this file (default: none)")
    args = parser.parse_args(argv)
    try:
        runs: dict[str, list[dict]] = {}
        for text in args.runs:
            name, path = _named_path(text)
            if name in runs:
                raise ValueError(f"{text!r}: the name {name!r} is given twice; give each run its own name")
            runs[name] = load_lifted(path)
    except (ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    table = comparison_table(compare_lifted(runs), list(runs))
    print(table)
    if args.out is not None:
        from theory.support.run_folder import atomic_write_text

        atomic_write_text(args.out, table + "\n")
    return 0


if __name__ == "__main__":
    from theory.support.run_folder import guarded_main

    raise SystemExit(guarded_main(main))
