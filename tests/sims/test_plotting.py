"""Figures of every sweep from tiny runs, in the paper style of theory.figure_style: print width, text >= 7 pt,
legends outside the axes, fixed colours, exact zeros marked instead of plotted at a tiny number."""

from __future__ import annotations

import numpy as np
import pytest

from sims.registry import get_sweep
from sims.runner import run_sweep
from sims.plotting import load_frame
from tests.sims.test_registry import TINY
from theory import figure_style


@pytest.mark.parametrize("name", sorted(TINY))
def test_every_sweep_draws_a_paper_sized_figure(name, tmp_path, monkeypatch):
    sweep = get_sweep(name)
    run_sweep(sweep, sweep.resolve({**TINY[name], "seeds": "1"}), tmp_path, jobs=1, progress=False)
    drawn = []
    original = figure_style.save

    def capture(fig, folder, stem, formats=("pdf", "png")):
        figure_style.wrap_labels(fig)
        fig.canvas.draw()
        drawn.append({"width": fig.get_size_inches()[0],
                      "sizes": [text.get_fontsize() for text in fig.findobj(lambda a: hasattr(a, "get_fontsize"))
                                if getattr(text, "get_text", lambda: "")() and text.get_visible()],
                      # legends sit in the legend row (axes without axis lines), not over a panel's data
                      "legends_outside": all(ax.get_legend() is None or not ax.axison for ax in fig.axes)})
        return original(fig, folder, stem, formats)

    monkeypatch.setattr(figure_style, "save", capture)
    paths = sweep.plot(load_frame(tmp_path, name), tmp_path / "figures")
    assert [path.suffix for path in paths] == [".pdf", ".png"] and all(path.stat().st_size > 1000 for path in paths)
    (info,) = drawn
    assert info["width"] in (figure_style.SINGLE_COLUMN, figure_style.DOUBLE_COLUMN)
    assert info["sizes"] and min(info["sizes"]) >= figure_style.MIN_FONT_PT
    assert info["legends_outside"]


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
    assert figure_style.training_state(0) .startswith("untrained")
    assert figure_style.training_state(5, 0.904) == "trained 5 epochs, test accuracy 90 %"
