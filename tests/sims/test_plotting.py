"""Figures of every sweep from tiny runs, in the paper style of theory.support.figure_style: print width, text >= 7 pt,
legends outside the axes, fixed colours, exact zeros marked instead of plotted at a tiny number."""

from __future__ import annotations

import numpy as np
import pytest

from sims.plotting import load_frame
from sims.registry import get_sweep
from sims.runner import run_sweep
from tests.sims.test_registry import TINY
from theory.support import figure_style


@pytest.mark.parametrize("name", sorted(TINY))
def test_every_sweep_draws_a_paper_sized_figure(name, tmp_path, monkeypatch):
    sweep = get_sweep(name)
    run_sweep(sweep, sweep.resolve({**TINY[name], "seeds": "1"}), tmp_path, jobs=1, progress=False)
    drawn = []
    original = figure_style.save

    def capture(fig, folder, stem, formats=("pdf", "png")):
        figure_style.wrap_labels(fig)
        fig.canvas.draw()
        drawn.append(
            {
                "width": fig.get_size_inches()[0],
                "sizes": [
                    text.get_fontsize()
                    for text in fig.findobj(lambda a: hasattr(a, "get_fontsize"))
                    if getattr(text, "get_text", lambda: "")() and text.get_visible()
                ],
                # legends sit in the legend row (axes without axis lines), not over a panel's data
                "legends_outside": all(ax.get_legend() is None or not ax.axison for ax in fig.axes),
                "look_alikes": _look_alikes(fig),
            }
        )
        return original(fig, folder, stem, formats)

    monkeypatch.setattr(figure_style, "save", capture)
    paths = sweep.plot(load_frame(tmp_path, name), tmp_path / "figures")
    assert [path.suffix for path in paths] == [".pdf", ".png"] and all(path.stat().st_size > 1000 for path in paths)
    (info,) = drawn
    assert info["width"] in (figure_style.SINGLE_COLUMN, figure_style.DOUBLE_COLUMN)
    assert info["sizes"] and min(info["sizes"]) >= figure_style.MIN_FONT_PT
    assert info["legends_outside"]
    assert not info["look_alikes"], f"legend entries drawn alike: {info['look_alikes']}"


def _look_alikes(fig) -> list[tuple[str, str]]:
    """Pairs of differently labelled legend entries of one legend that a reader cannot tell apart: the same
    colour, line style and marker."""
    from matplotlib.colors import to_hex

    pairs = []
    for axis in fig.axes:
        legend = axis.get_legend()
        if legend is None:
            continue
        seen: dict[tuple, str] = {}
        for handle, text in zip(legend.legend_handles, legend.get_texts()):
            if hasattr(handle, "get_linestyle") and hasattr(handle, "get_marker"):
                look = (
                    to_hex(handle.get_color()),
                    handle.get_alpha(),
                    str(handle.get_linestyle()),
                    str(handle.get_marker()),
                )
            else:  # patches and collections: their face colour
                face = handle.get_facecolor()
                look = (to_hex(face[0] if np.ndim(face) == 2 else face),)
            label = text.get_text()
            if look in seen and seen[look] != label:
                pairs.append((seen[look], label))
            seen.setdefault(look, label)
    return pairs


def test_exact_zeros_are_marked_not_plotted_at_a_tiny_number():
    fig, axes = figure_style.figure(1)
    axis = axes[0, 0]
    figure_style.log_plot(axis, [0.1, 1.0, 10.0], [1e-3, 0.0, 1e-1], "o-", color=figure_style.colour("linear"))
    lines = axis.get_lines()
    assert np.isnan(lines[0].get_ydata()[1])  # the zero is not on the log curve
    assert [line.get_label() for line in lines[1:]] == ["exact 0"]
    assert list(lines[1].get_xdata()) == [1.0]  # marked where it is, on the axis floor
    figure_style.pyplot().close(fig)


def test_colours_are_fixed_per_name():
    assert figure_style.colour("mean") == figure_style.colour("mean") != figure_style.colour("median")
    assert figure_style.colour("some new method") == figure_style.colour("some new method")
    assert figure_style.training_state(0).startswith("untrained")
    assert figure_style.training_state(5, 0.904) == "trained 5 epochs, test accuracy 90 %"


def test_names_sharing_a_colour_get_different_markers():
    names = [
        "rewind_replay",
        "gradient_ascent",
        "amnesiac",
        "finetune",
        "neggrad_plus",
        "inversion_closed",
        "inversion_neumann",
        "inversion_fixed_point",
        "retrain",
        "ascent",
    ]
    looks = figure_style.styles(names)
    pairs = [(look["color"], look["marker"]) for look in looks.values()]
    assert len(set(pairs)) == len(names)  # every name distinguishable in one legend
    assert looks["rewind_replay"] == {"color": figure_style.colour("rewind_replay"), "marker": "o"}
    assert figure_style.colour("gradient_ascent") == figure_style.colour("ascent")  # one colour, two markers
    assert looks["gradient_ascent"]["marker"] == "o" and looks["ascent"]["marker"] != "o"
    assert figure_style.markers(["a", "a", "b"]) == figure_style.markers(["a", "b"])  # repeats counted once


def test_log_axes_under_two_decades_get_plain_ticks_not_overlapping_minor_labels():
    fig, axes = figure_style.figure(1)
    axis = axes[0, 0]
    figure_style.log_plot(axis, [5, 20, 80], [1e-3, 1e-2, 1e-1], "o-")  # x spans 16x: under two decades
    figure_style.wrap_labels(fig)
    fig.canvas.draw()
    low, high = axis.get_xlim()
    labels = [tick.get_text() for tick in axis.get_xticklabels() if low <= tick.get_position()[0] <= high]
    assert labels == ["5", "10", "20", "50"]
    assert not any(tick.get_text() for tick in axis.get_xticklabels(minor=True))
    figure_style.pyplot().close(fig)
