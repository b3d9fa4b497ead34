"""The empirical figures in the paper style of theory.support.figure_style (as the sims figures are: see
tests/sims/test_plotting.py): print width, text >= 7 pt, legends outside the panels, and no two legend entries
drawn alike, from small synthetic result rows of each check."""

from __future__ import annotations

import pytest

from empirical.plots import _PLOTTERS
from tests.sims.test_plotting import _look_alikes
from theory.support import figure_style

LRS = (1e-6, 1e-4, 1e-2)
#: four names that share colours in the palette's hash (as the documented runs' points and epochs do)
POINTS = (1273, 404, 954, 766)


def _sweep_rows() -> list[dict]:
    return [
        {
            "role": "measurement",
            "point": point,
            "case": f"z={point}",
            "lr": lr,
            "error_norm": lr**2,
            "prediction_norm": lr**2,
            "ratio": 1.0,
            "roundoff_floor": 1e-15,
        }
        for point in POINTS
        for lr in LRS
    ]


ROWS = {
    "ascent-error": _sweep_rows,
    "commutator": _sweep_rows,
    "gradient-cosine": lambda: [
        {"role": "measurement", "pretrain_epochs": epochs, "interleaved": k, "cosine": c}
        for epochs in (0, 1, 2, 5)
        for k in (1, 10, 100)
        for c in (0.1, 0.2)
    ],
    "orthogonal-craft": lambda: [
        {"role": "measurement", "point": point, "step": step, "abs_cosine": 0.5 / (1 + step)}
        for point in POINTS
        for step in (0, 5, 10)
    ],
    "hard-points": lambda: [
        {
            "role": "measurement",
            "kind": "fgsm" if i % 2 else "data",
            "loss": 0.1 + i,
            "grad_norm": 1.0 + i,
            "hessian_norm": 2.0 + i,
            "ascent_error": 0.5 + i,
        }
        for i in range(6)
    ],
}


@pytest.mark.parametrize("name", sorted(ROWS))
def test_each_check_draws_a_paper_figure_with_distinct_legend_entries(name):
    assert set(ROWS) <= set(_PLOTTERS)
    figure = _PLOTTERS[name](ROWS[name]())
    figure_style.wrap_labels(figure)
    figure.canvas.draw()
    assert figure.get_size_inches()[0] in (figure_style.SINGLE_COLUMN, figure_style.DOUBLE_COLUMN)
    sizes = [
        text.get_fontsize()
        for text in figure.findobj(lambda a: hasattr(a, "get_fontsize"))
        if getattr(text, "get_text", lambda: "")() and text.get_visible()
    ]
    assert sizes and min(sizes) >= figure_style.MIN_FONT_PT
    assert all(axis.get_legend() is None or not axis.axison for axis in figure.axes)  # legends outside the panels
    assert not _look_alikes(figure), f"legend entries drawn alike: {_look_alikes(figure)}"


def test_the_look_alike_check_can_fail():
    shared = [name for name in (f"z={point}" for point in POINTS)]
    colours = [figure_style.colour(name) for name in shared]
    assert len(set(colours)) < len(colours)  # the synthetic names do share colours, so the test above bites
    plt = figure_style.pyplot()
    figure, axis = plt.subplots()
    for name in shared:
        axis.plot([0, 1], [0, 1], "o-", color=figure_style.colour(name), label=name)
    axis.legend()
    assert _look_alikes(figure)
    plt.close(figure)
