"""Figure helpers shared by the sweeps: the paper style of :mod:`theory.support.figure_style` (print sizes, fixed
colours, legends outside the data, exact zeros marked), PDF + PNG output, stored results as a DataFrame.

Plots read only the stored table (``<out>/<sweep>/results.csv``), never rerun a cell.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sims.results import read_table
from theory.support import figure_style
from theory.support.figure_style import colour, legend_outside, log_plot, pyplot, styles

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "load_frame",
    "save_figure",
    "power_law_fit",
    "pyplot",
    "subplots",
    "colour",
    "styles",
    "legend_outside",
    "log_plot",
]


def load_frame(out_dir: str | Path, sweep: str) -> pd.DataFrame:
    """The stored results of ``sweep`` with numeric columns converted.

    Raises ``FileNotFoundError`` when the sweep has not run, ``ValueError`` when the table is empty or is not
    this sweep's (it lacks the columns of the sweep's cells).
    """
    import pandas as pd

    from sims.registry import get_sweep

    path = Path(out_dir) / sweep / "results.csv"
    rows = read_table(path)
    if not rows:
        raise ValueError(f"{path} holds no results; run `python -m sims run {sweep}` (with the same --out) first")
    definition = get_sweep(sweep)
    required = set(definition.cells(definition.resolve())[0])
    missing = sorted(required - set(rows[0]))
    if missing:
        raise ValueError(
            f"{path} is not a results table of the sweep {sweep} (no column {', '.join(missing[:5])}); "
            f"point --out at the folder of a `python -m sims run {sweep}`"
        )
    frame = pd.DataFrame(rows)
    for column in frame.columns:
        converted = pd.to_numeric(frame[column], errors="coerce")
        failed = converted.isna() & ~frame[column].isin(["", "nan", "NaN", "None"])
        if not failed.any():
            frame[column] = converted
    return frame


def subplots(ncols: int, height: float = 2.9):
    """One row of ``ncols`` panels at print size (two-column width 6.8 in, or 3.3 in for one panel), with a
    constrained layout (labels never overlap) and room below each panel for its legend."""
    return figure_style.figure(ncols, height=height)


def save_figure(fig, figures_dir: str | Path, name: str) -> list[Path]:
    """Write ``name.pdf`` and ``name.png`` into ``figures_dir`` and close the figure."""
    return figure_style.save(fig, figures_dir, name)


#: relative values below this are float64 round-off (10^4 ulps: sums over up to ~10^4 rounded steps), not a trend
ROUNDOFF_RELATIVE = 1e4 * float(np.finfo(np.float64).eps)


def slope_label(x, y, relative: bool = True) -> str:
    """``"fit slope 1.50"`` for a power law fitted to ``y`` against ``x``, or ``"round-off level"`` when every
    ``y`` (a relative quantity) lies below :data:`ROUNDOFF_RELATIVE`: a slope fitted to round-off noise means
    nothing and is not printed."""
    values = np.abs(np.asarray(y, dtype=float))
    if relative and np.all(values[np.isfinite(values)] < ROUNDOFF_RELATIVE):
        return "round-off level"
    return f"fit slope {power_law_fit(x, y)[0]:.2f}"


def power_law_fit(x, y) -> tuple[float, float]:
    """Least-squares slope and intercept of ``log10 y`` against ``log10 x`` (positive finite points only)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    if keep.sum() < 2:
        return float("nan"), float("nan")
    slope, intercept = np.polyfit(np.log10(x[keep]), np.log10(y[keep]), 1)
    return float(slope), float(intercept)
