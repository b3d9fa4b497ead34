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
