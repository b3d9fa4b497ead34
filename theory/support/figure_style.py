"""One figure style for `sims` and `empirical`: paper sizes, readable text, fixed colours, marked zeros.

* Sizes: :data:`SINGLE_COLUMN` (3.3 in) and :data:`DOUBLE_COLUMN` (6.8 in) wide, the column widths of the
  usual two-column paper formats; figures are drawn at print size, so the font sizes below are the printed
  ones: no text under :data:`MIN_FONT_PT` (7 pt).
* Colours: :func:`colour` gives every method, problem, model and setting name one colour (Okabe-Ito, safe for
  colour-blind readers), the same in every figure; names not in :data:`COLOURS` get a stable colour from a
  hash of the name. Six readable colours cannot tell eight methods apart: :func:`markers` gives the names
  of one legend that share a colour different markers (and :func:`styles` the pair), so no two entries of
  a legend look alike (tests/sims/test_plotting.py checks every sweep's figure for that).
* Legends go outside the axes (:func:`legend_outside`), so they never cover data.
* Exact zeros: on a log axis a value of exactly 0 has no place; :func:`log_plot` draws the positive values
  and marks the exact zeros with a hollow triangle on the axis floor, labelled "exact 0", instead of
  clipping them to 1e-17.
* Labels are mathtext (``$\\lambda$``); :func:`training_state` writes the model's training state (epochs,
  accuracy) for a title or caption.

Importing this module imports numpy only; matplotlib (Agg backend, with :data:`RC` applied) is imported on
first use by :func:`pyplot`, so that a command line's ``--help`` does not pay for it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TypedDict

import numpy as np

__all__ = [
    "SINGLE_COLUMN",
    "DOUBLE_COLUMN",
    "MIN_FONT_PT",
    "RC",
    "COLOURS",
    "MARKERS",
    "colour",
    "markers",
    "Style",
    "styles",
    "use",
    "figure",
    "legend_outside",
    "log_plot",
    "training_state",
    "save",
    "pyplot",
]

SINGLE_COLUMN = 3.3  # inches
DOUBLE_COLUMN = 6.8  # inches
MIN_FONT_PT = 7.0

RC: dict[str, Any] = {
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.labelsize": 8,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "figure.titlesize": 8,
    "legend.title_fontsize": 7,
    "lines.linewidth": 1.2,
    "lines.markersize": 3.5,
    "axes.linewidth": 0.6,
    "grid.linewidth": 0.4,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    "figure.dpi": 150,
    "savefig.dpi": 300,
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.02,
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "mathtext.fontset": "dejavusans",
    "axes.spines.top": False,
    "axes.spines.right": False,
}

# Okabe-Ito palette: blue, vermillion, bluish green, reddish purple, orange, sky blue, yellow, black
_PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")

#: The fixed colour of each name used in the figures (models, problems, methods, aggregates, positions).
COLOURS: dict[str, str] = {
    # engines / models
    "linear": _PALETTE[0],
    "logistic": _PALETTE[1],
    "mlp": _PALETTE[2],
    "small-cnn": _PALETTE[3],
    "resnet18": _PALETTE[4],
    "llama": _PALETTE[5],
    # problems of order-dependence
    "consistent": _PALETTE[0],
    "inconsistent": _PALETTE[4],
    "logistic-problem": _PALETTE[1],
    # unlearning and inversion methods
    "retrain": _PALETTE[7],
    "ascent": _PALETTE[1],
    "gradient_ascent": _PALETTE[1],
    "neggrad_plus": _PALETTE[3],
    "finetune": _PALETTE[2],
    "rewind_replay": _PALETTE[0],
    "inversion": _PALETTE[4],
    "neumann": _PALETTE[4],
    "fixed_point": _PALETTE[5],
    "exact": _PALETTE[7],
    "closed": _PALETTE[7],
    "newton": _PALETTE[3],
    "inversion_closed": _PALETTE[7],
    "inversion_neumann": _PALETTE[4],
    "inversion_fixed_point": _PALETTE[5],
    # aggregates and positions
    "mean": _PALETTE[0],
    "median": _PALETTE[1],
    "interleaved": _PALETTE[2],
    "early": _PALETTE[5],
    "late": _PALETTE[3],
    # data orders; kinds of points
    "shuffled": _PALETTE[0],
    "sorted": _PALETTE[1],
    "data points": _PALETTE[0],
    "fgsm": _PALETTE[1],
}


def colour(name: Any) -> str:
    """The colour of ``name`` in every figure (:data:`COLOURS`, else a stable hash into the palette)."""
    key = str(name)
    if key in COLOURS:
        return COLOURS[key]
    readable = _PALETTE[:6]  # yellow and black are kept for named roles: yellow is faint on white
    return readable[int(hashlib.sha256(key.encode()).hexdigest(), 16) % len(readable)]


#: Markers in the order they are handed to names that share a colour within one legend.
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def markers(names: Iterable[Any]) -> dict[str, str]:
    """A marker per name such that names of the same :func:`colour` get different markers: the first name of a
    colour (in the given order) gets ``"o"``, the next ``"s"``, and so on through :data:`MARKERS`."""
    used: dict[str, int] = {}
    out: dict[str, str] = {}
    for name in dict.fromkeys(str(name) for name in names):
        shade = colour(name)
        out[name] = MARKERS[used.get(shade, 0) % len(MARKERS)]
        used[shade] = used.get(shade, 0) + 1
    return out


class Style(TypedDict):
    """One legend entry's look: keyword arguments of ``plot``."""

    color: str
    marker: str


def styles(names: Iterable[Any]) -> dict[str, Style]:
    """``{name: {"color": ..., "marker": ...}}`` for the names of one legend (:func:`colour`, :func:`markers`)."""
    chosen = markers(names)
    return {name: {"color": colour(name), "marker": marker} for name, marker in chosen.items()}


def pyplot() -> Any:
    """``matplotlib.pyplot`` with the Agg backend and :data:`RC` applied, imported on first call."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # ignore: matplotlib's stubs accept only literal rc keys; rcParams validates RC's keys at run time
    plt.rcParams.update(RC)  # type: ignore[arg-type]
    return plt


def use() -> None:
    """Apply :data:`RC` to matplotlib (importing it)."""
    pyplot()


def figure(
    ncols: int = 1,
    nrows: int = 1,
    width: str | float = "auto",
    height: float | None = None,
    legend_row: bool = True,
    **kwargs,
):
    """(figure, 2-d ``(nrows, ncols)`` array of axes) at print size: single column for one panel, double column
    otherwise. With ``legend_row`` (one row of panels only), an empty row under the panels receives their
    legends (:func:`legend_outside`), so that legends take their own space and never cover data."""
    if width == "auto":
        width = SINGLE_COLUMN if ncols == 1 else DOUBLE_COLUMN
    elif width == "single":
        width = SINGLE_COLUMN
    elif width == "double":
        width = DOUBLE_COLUMN
    panel = float(width) / ncols
    height = height if height is not None else nrows * max(1.9, min(2.6, 0.85 * panel))
    if not legend_row or nrows != 1:
        return pyplot().subplots(
            nrows, ncols, figsize=(float(width), height), squeeze=False, layout="constrained", **kwargs
        )
    fig, grid = pyplot().subplots(
        2,
        ncols,
        figsize=(float(width), height + 0.9),
        squeeze=False,
        layout="constrained",
        height_ratios=[height, 0.9],
        **kwargs,
    )
    for spare in grid[1]:
        spare.axis("off")
    fig._legend_axes = dict(zip(grid[0], grid[1]))
    return fig, grid[:1]


def legend_outside(axis, ncols: int | None = None, **kwargs):
    """``axis``' legend in the legend row under it (see :func:`figure`), else to its right, outside the data
    area; None when nothing is labelled."""
    handles, labels = axis.get_legend_handles_labels()
    if not handles:
        return None
    target = getattr(axis.figure, "_legend_axes", {}).get(axis)
    options = dict(handlelength=1.6, columnspacing=0.8, borderaxespad=0.0, **kwargs)
    if target is not None:
        return target.legend(handles, labels, loc="upper center", ncols=ncols or 1, **options)
    return axis.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.02, 1.0), ncols=ncols or 1, **options)


def log_plot(axis, x: Iterable[float], y: Iterable[float], fmt: str = "o-", logx: bool = True, **kwargs) -> None:
    """Plot ``y`` against ``x`` on a log y axis (log x too with ``logx``); exact zeros of ``y`` are marked
    with a hollow triangle on the axis floor (label "exact 0") instead of being drawn at a tiny number."""
    x, y = np.asarray(list(x), dtype=float), np.asarray(list(y), dtype=float)
    positive = np.where(y > 0, y, np.nan)
    axis.plot(x, positive, fmt, **kwargs)
    axis.set_yscale("log")
    if logx:
        axis.set_xscale("log")
    zeros = y == 0
    if zeros.any():
        labels = axis.get_legend_handles_labels()[1]
        axis.plot(
            x[zeros],
            np.zeros(zeros.sum()),
            "v",
            transform=axis.get_xaxis_transform(),
            clip_on=False,
            markerfacecolor="none",
            color=kwargs.get("color", "black"),
            markersize=5,
            label=None if "exact 0" in labels else "exact 0",
        )


def training_state(epochs: Any = None, accuracy: Any = None) -> str:
    """'untrained', 'trained 5 epochs' or 'trained 5 epochs, test accuracy 90 %' for titles and captions."""
    try:
        epochs = int(float(epochs)) if epochs is not None and str(epochs) != "" else None
    except ValueError:
        epochs = None
    if not epochs:
        return "untrained (random initialisation)" if epochs == 0 else "training state not recorded"
    text = f"trained {epochs} epoch{'s' if epochs != 1 else ''}"
    try:
        if accuracy is not None and np.isfinite(float(accuracy)):
            text += f", test accuracy {100 * float(accuracy):.0f} %"
    except (TypeError, ValueError):
        pass
    return text


def _wrap(text: str, width: int) -> str:
    """``text`` broken into lines of about ``width`` characters, never inside a $...$ mathtext group."""
    if len(text) <= width or "\n" in text:
        return text
    words = re.findall(r"\S*\$[^$]*\$\S*|\S+", text)
    lines, current = [], ""
    for word in words:
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    return "\n".join(lines + [current])


def _tidy_log_ticks(axis) -> None:
    """On a log axis spanning less than two decades, matplotlib labels minor ticks too ("2 x 10^1", "3 x 10^1",
    ...) and the labels overlap: use three plain ticks below a decade, and plain ticks at 1, 2, 5 times the
    powers of ten below two decades."""
    from matplotlib import ticker

    for which, limits in ((axis.xaxis, axis.get_xlim()), (axis.yaxis, axis.get_ylim())):
        low, high = sorted(limits)
        if which.get_scale() != "log" or low <= 0 or high / low >= 100:
            continue
        if high / low < 10:
            which.set_major_locator(ticker.MaxNLocator(nbins=3))
        else:
            which.set_major_locator(ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        which.set_major_formatter(ticker.FormatStrFormatter("%.3g"))
        which.set_minor_formatter(ticker.NullFormatter())


def wrap_labels(fig) -> None:
    """Wrap titles and axis labels to their panel's width (text stays >= 7 pt instead of overflowing); tidy
    the ticks of short log axes."""
    width_in, height_in = fig.get_size_inches()
    for axis in fig.axes:
        if axis.axison:
            _tidy_log_ticks(axis)
        box = axis.get_position()
        # an average glyph of an 8 pt font is about 0.55 x 8 pt wide: 72 / 4.4 = 16 characters per inch
        chars_x = max(12, int(box.width * width_in * 16))
        chars_y = max(12, int(box.height * height_in * 16))
        axis.set_title(_wrap(axis.get_title(), chars_x))
        axis.set_xlabel(_wrap(axis.get_xlabel(), chars_x))
        axis.set_ylabel(_wrap(axis.get_ylabel(), chars_y))


def save(fig, folder: str | Path, name: str, formats: Sequence[str] = ("pdf", "png")) -> list[Path]:
    """Write ``name.<format>`` for each format into ``folder`` (created) and close the figure."""
    wrap_labels(fig)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{name}.{suffix}" for suffix in formats]
    for path in paths:
        fig.savefig(path)
    pyplot().close(fig)
    return paths
