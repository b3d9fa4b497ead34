"""Check declarations: settings from the command line, summaries, and the records they write."""

from __future__ import annotations

import pytest

from empirical.checks import CHECKS, get_check, resolve_settings, run_check
from sims.results import read_table


def test_settings_are_converted_to_the_types_of_the_defaults():
    check = CHECKS["gradient-cosine"]
    settings = resolve_settings(check, {"pretrain_epochs": "0,2", "lr": "0.5", "n_points": "7"})
    assert settings["pretrain_epochs"] == [0, 2] and settings["lr"] == 0.5 and settings["n_points"] == 7
    assert resolve_settings(CHECKS["commutator"], {"same_class": "true"})["same_class"] is True
    with pytest.raises(ValueError, match="unknown setting"):
        resolve_settings(check, {"epochs": 3})
    with pytest.raises(ValueError, match="invalid"):
        resolve_settings(check, {"n_points": "many"})
    with pytest.raises(ValueError, match="unknown check"):
        get_check("fourier")


def test_every_check_names_lemma_ids_of_theory():
    """Lemma ids are bound verbatim: each is registered in theory (theory.checking.links derives the way back)."""
    from theory.checking.registry import registry

    lemmas = registry()
    for check in CHECKS.values():
        missing = [lemma_id for lemma_id in check.lemma_ids if lemma_id not in lemmas]
        assert not missing, f"{check.name} names lemma ids unknown to theory: {missing}"


def test_rows_are_stored_with_lemma_id_model_and_provenance(linear_setup, tmp_path):
    rows = run_check("ascent-error", linear_setup, {"n_points": 1, "n_lrs": 3}, out_dir=str(tmp_path))
    table = read_table(tmp_path / "ascent-error" / "results.csv")
    assert len(table) == len(rows)
    for row in table:
        assert row["lemma_id"] == "ga-linear-error" and row["model"] == "linear" and row["data"] == "regression"
        assert row["git_commit"] and row["created_utc"] and row["seed"] == "0"
    assert (tmp_path / "ascent-error" / "run.json").is_file()


@pytest.mark.parametrize(
    "check, setting, value, words",
    [
        ("poison-unlearning", "eps", "-1", "must be >= 0 (0 takes each attack's own budget)"),
        ("poison-unlearning", "epochs", "0", "must be >= 1"),
        ("poison-unlearning", "n_shadow", "1", "must be 0 or >= 2"),
        ("aggregation", "epochs", "0", "must be >= 1"),
        ("aggregation", "poison_fraction", "1.0", "must lie in (0.0, 1.0)"),
        ("hessian-poisons", "alphas", "0.5,1", "must lie in (0.0, 1.0)"),
    ],
)
def test_each_check_refuses_values_outside_its_rules_and_keeps_the_boundary_values(check, setting, value, words):
    from empirical.checks import CHECKS, resolve_settings

    with pytest.raises(ValueError) as error:
        resolve_settings(CHECKS[check], {setting: value})
    assert f"setting {setting}=" in str(error.value) and words in str(error.value)
    accepted = {"eps": "0", "epochs": "1", "n_shadow": "0", "poison_fraction": "0.5", "alphas": "0.5"}[setting]
    assert resolve_settings(CHECKS[check], {setting: accepted})[setting] is not None
    if setting == "n_shadow":
        assert resolve_settings(CHECKS[check], {setting: "2"})[setting] == 2
