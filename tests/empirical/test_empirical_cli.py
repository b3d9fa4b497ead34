"""python -m empirical list | run | plot | show."""

from __future__ import annotations

from empirical.cli import main, parse_sets


def test_parse_sets_routes_prefixes():
    model, data, train, check = parse_sets(["model.width=8", "data.root=/x", "train.epochs=2", "n_points=3"])
    assert model == {"width": 8} and data == {"root": "/x"} and train == {"epochs": 2} and check == {"n_points": "3"}


def test_list_run_plot_show(tmp_path, capsys):
    assert main(["list"]) == 0
    listing = capsys.readouterr().out
    assert "inversion-contraction" in listing and "psi-contraction-iff" in listing
    out, figures = str(tmp_path / "results"), str(tmp_path / "figures")
    code = main(
        [
            "run",
            "commutator",
            "--model",
            "linear",
            "--data",
            "regression",
            "--set",
            "data.dim=4",
            "--set",
            "n_pairs=1",
            "--set",
            "n_lrs=4",
            "--out",
            out,
            "--plot",
            "--fig-dir",
            figures,
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "lr-commutator-formula" in printed and "median_exponent" in printed
    assert (tmp_path / "figures" / "commutator_linear_regression.png").is_file()
    assert main(["plot", "commutator", "--out", out, "--fig-dir", figures]) == 0
    assert main(["show", "--out", out]) == 0
    assert "lr-commutator-formula" in capsys.readouterr().out


def test_errors_are_reported_not_raised(tmp_path, capsys):
    assert main(["run", "ascent-error", "--model", "mlp", "--data", "regression", "--out", str(tmp_path)]) == 2
    assert "regression data needs --model linear" in capsys.readouterr().err
    assert main(["run", "ascent-error", "--data", "cifar10", "--set", f"data.root={tmp_path}"]) == 2
    assert "cifar-10-python.tar.gz" in capsys.readouterr().err
    assert main(["plot", "hard-points", "--out", str(tmp_path)]) == 2
