"""The registry points back at the sweeps and lifted checks that name a lemma (theory.checking.links)."""

from __future__ import annotations

from empirical.checks import CHECKS
from sims.registry import SWEEP_LEMMAS
from theory.checking.links import checks_by_lemma, measured_by, sweeps_by_lemma
from theory.checking.registry import registry


def test_links_invert_the_declarations_of_sweeps_and_checks():
    for sweep, lemma_ids in SWEEP_LEMMAS.items():
        for lemma_id in lemma_ids:
            assert sweep in sweeps_by_lemma()[lemma_id]
    for name, check in CHECKS.items():
        for lemma_id in check.lemma_ids:
            assert name in checks_by_lemma()[lemma_id]
    declared = {lemma_id for ids in SWEEP_LEMMAS.values() for lemma_id in ids}
    assert set(sweeps_by_lemma()) == declared


def test_every_open_lemma_is_measured_somewhere():
    # an open lemma cannot be checked here: sims or empirical must measure it
    for lemma in registry().values():
        if not lemma.checks:
            links = measured_by(lemma.id)
            assert links["sims"] or links["empirical"], f"open lemma {lemma.id} is measured nowhere"
