"""Command line (sims.cli) smoke test in a temporary folder, and clear errors naming bad parameters."""

from __future__ import annotations

import pytest

from sims.cli import main
from sims.registry import SWEEPS


def test_run_then_plot(tmp_path, capsys):
    out, figures = tmp_path / "results", tmp_path / "figures"
    args = [
        "--set",
        "lr_Ls=0.5,1.5",
        "--set",
        "terms_list=3",
        "--set",
        "batch_sizes=1",
        "--set",
        "n_points=4",
        "--set",
        "models=linear",
        "--set",
        "seeds=1",
        "--out",
        str(out),
        "--jobs",
        "1",
        "--no-progress",
    ]
    assert main(["run", "inversion", *args]) == 0
    assert (out / "inversion" / "results.csv").is_file() and (out / "inversion" / "run.json").is_file()
    assert main(["plot", "inversion", "--out", str(out), "--figures", str(figures)]) == 0
    for suffix in ("pdf", "png"):
        assert (figures / f"inversion.{suffix}").stat().st_size > 1000


def test_list_names_every_sweep_and_parameter(capsys):
    assert main(["list"]) == 0
    text = capsys.readouterr().out
    for name, sweep in SWEEPS.items():
        assert name in text
        assert all(param.name in text for param in sweep.all_params)


@pytest.mark.parametrize(
    "setting,needle",
    [
        ("bogus=1", "bogus"),
        ("lr_Ls=fast", "lr_Ls"),
        ("terms_list=-1", "terms_list"),
        ("models=svm", "models"),
        ("n_points", "name=value"),
    ],
)
def test_bad_set_names_the_parameter(tmp_path, capsys, setting, needle):
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "inversion", "--set", setting, "--out", str(tmp_path), "--no-progress"])
    assert exit_info.value.code == 2
    assert needle in capsys.readouterr().err


def test_plot_without_results_says_what_to_do(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["plot", "inversion", "--out", str(tmp_path)])
    assert "python -m sims run" in capsys.readouterr().err
