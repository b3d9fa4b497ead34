"""Figure helpers shared by the sweeps: Agg backend, PDF + PNG output, stored results as a DataFrame.

Plots read only the stored table (``<out>/<sweep>/results.csv``), never rerun a cell.
"""

from __future__ import annotations

from pathlib import Path

from typing import TYPE_CHECKING, Any

import numpy as np

from sims.results import read_table

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["load_frame", "save_figure", "power_law_fit", "pyplot", "subplots"]

_RC = {"figure.dpi": 110, "savefig.bbox": "tight", "axes.grid": True, "grid.alpha": 0.3, "font.size": 9,
       "legend.fontsize": 7, "pdf.fonttype": 42}


def pyplot() -> Any:
    """``matplotlib.pyplot`` with the Agg backend and the house style, imported on first use (it takes ~1 s,
    which every ``--help`` would otherwise pay)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(_RC)
    return plt


def load_frame(out_dir: str | Path, sweep: str) -> pd.DataFrame:
    """The stored results of ``sweep`` with numeric columns converted (raises if it has not run)."""
    import pandas as pd

    frame = pd.DataFrame(read_table(Path(out_dir) / sweep / "results.csv"))
    for column in frame.columns:
        converted = pd.to_numeric(frame[column], errors="coerce")
        failed = converted.isna() & ~frame[column].isin(["", "nan", "NaN", "None"])
        if not failed.any():
            frame[column] = converted
    return frame


def subplots(ncols: int, width: float = 4.3, height: float = 3.4):
    """One row of ``ncols`` panels with a constrained layout (labels never overlap)."""
    return pyplot().subplots(1, ncols, figsize=(width * ncols, height), squeeze=False, layout="constrained")


def save_figure(fig, figures_dir: str | Path, name: str) -> list[Path]:
    """Write ``name.pdf`` and ``name.png`` into ``figures_dir`` and close the figure."""
    figures_dir = Path(figures_dir)
    figures_dir.mkdir(parents=True, exist_ok=True)
    paths = [figures_dir / f"{name}.pdf", figures_dir / f"{name}.png"]
    fig.savefig(paths[0])
    fig.savefig(paths[1], dpi=150)
    pyplot().close(fig)
    return paths


def power_law_fit(x, y) -> tuple[float, float]:
    """Least-squares slope and intercept of ``log10 y`` against ``log10 x`` (positive finite points only)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    if keep.sum() < 2:
        return float("nan"), float("nan")
    slope, intercept = np.polyfit(np.log10(x[keep]), np.log10(y[keep]), 1)
    return float(slope), float(intercept)
