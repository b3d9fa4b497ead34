"""The claims inventory (theory.paper.claims): quotes occur in the draft, lemma ids exist, every as-written lemma is
listed, docs/claims.md is current, and coverage() counts what the inventory says."""

from __future__ import annotations

import pytest

from theory.checking.registry import registry
from theory.paper.claims import CHECKABLE_KINDS, CLAIMS, DEFAULT_OUTPUT, Claim, coverage, coverage_line, render_markdown
from theory.paper.draft import contains_quote, default_draft_path, read_draft

DRAFT = default_draft_path()
LEMMAS = registry()


@pytest.mark.skipif(
    not DRAFT.is_file(), reason=f"the paper draft is absent (looked for {DRAFT}; set $NONCOMMUTE_DRAFT)"
)
def test_every_inventory_entry_quotes_the_draft():
    text = read_draft(DRAFT)
    missing = [claim.text for claim in CLAIMS if not contains_quote(text, claim.text)]
    assert not missing, f"not found verbatim in {DRAFT}: {missing}"


def test_inventory_names_only_registered_lemmas():
    unknown = sorted({lemma for claim in CLAIMS for lemma in claim.lemmas if lemma not in LEMMAS})
    assert not unknown, f"the inventory names unknown lemma ids: {unknown}"


def test_every_as_written_lemma_is_in_the_inventory():
    listed = {lemma for claim in CLAIMS for lemma in claim.lemmas}
    missing = [lemma.id for lemma in LEMMAS.values() if lemma.as_written and lemma.id not in listed]
    assert not missing, f"as-written lemmas missing from theory/paper/claims.py: {missing}"


def test_a_lemma_claim_must_list_lemmas_and_kinds_are_known():
    with pytest.raises(ValueError, match="must list its lemmas"):
        Claim("s", "t", "lemma")
    with pytest.raises(ValueError, match="kind"):
        Claim("s", "t", "rumour")


def test_docs_claims_md_is_current():
    assert DEFAULT_OUTPUT.is_file(), "docs/claims.md is missing: run `python -m theory.paper.claims`"
    assert DEFAULT_OUTPUT.read_text(encoding="utf-8") == render_markdown(), (
        "docs/claims.md is stale: run `python -m theory.paper.claims` and commit it"
    )


def test_coverage_counts():
    report = coverage({lemma: "proved" for lemma in LEMMAS})
    checkable = [claim for claim in CLAIMS if claim.kind in CHECKABLE_KINDS]
    assert report["entries"] == len(CLAIMS) and report["mathematical_claims"] == len(checkable)
    assert report["with_lemmas"] == sum(1 for claim in checkable if claim.lemmas)
    assert sum(report["by_kind"].values()) == len(CLAIMS)
    assert report["lemma_statuses"] == {"proved": report["lemmas"]}
    tiny = (Claim("s", "a", "lemma", ("x",)), Claim("s", "b", "delegated"), Claim("s", "c", "citation"))
    assert coverage({"x": "refuted"}, tiny) == {
        "entries": 3,
        "by_kind": {**{kind: 0 for kind in report["by_kind"]}, "lemma": 1, "delegated": 1, "citation": 1},
        "mathematical_claims": 2,
        "with_lemmas": 1,
        "delegated_without_ids": 1,
        "lemmas": 1,
        "lemma_statuses": {"refuted": 1},
    }
    assert "mathematical claims" in coverage_line()


def test_readings_table_lists_each_reading_with_its_verdict():
    from theory.paper.claims import readings, readings_table

    rows = readings({"lr-inverse-small-shift": "refuted"})
    keys = {row[0] for row in rows}
    assert {"lr-inverse-small-shift", "ga-not-inverse", "pathway-regularizer"} <= keys
    assert (
        "lr-inverse-small-shift",
        "lr-inverse-small-shift",
        "vector norm: the update lr g_z(theta_t)",
        "refuted",
        False,
    ) in rows
    assert ("median-suboptimality", "median-suboptimal-any-noise", "any-noise", "refuted", True) in rows
    table = readings_table()
    assert table.count("\n") == len(rows) + 1
    assert "| `median-suboptimal-any-noise` | strengthened | refuted |" in table
    assert "| `median-suboptimal` | **headline** (charitable) | holds |" in table


def test_headline_counts_use_the_charitable_readings():
    from theory.paper.claims import headline_counts, headlines

    heads = headlines()
    assert heads["median-suboptimality"] == ("median-suboptimal", "holds")
    assert headlines({"median-suboptimal": "verified"})["median-suboptimality"] == ("median-suboptimal", "verified")
    counts = headline_counts()
    assert sum(counts.values()) == len(heads) and set(counts) <= {"holds", "refuted", "open"}


def test_docs_readings_md_is_current():
    from theory.paper.claims import READINGS_OUTPUT, render_readings

    assert READINGS_OUTPUT.is_file(), "docs/readings.md is missing: run `python -m theory.paper.claims`"
    assert READINGS_OUTPUT.read_text(encoding="utf-8") == render_readings(), (
        "docs/readings.md is stale: run `python -m theory.paper.claims` and commit it"
    )


def test_inventory_sentences_issue_19_are_lemmas():
    """The mathematical sentences once marked otherwise are lemmas now (issue 19's inventory points)."""
    for start in (
        r"$\theta$ is robust to small variations",
        r"$\nabla_\theta^2 L(z, \theta)$ is expensive",
        "This is additional evidence of the similarity",
        "Indeed, most non-trivial neural networks",
        r"$$\min_z |\cos",
        "Complexity of identifying poisons",
        "(compute gradient in",
        "In comparison: attacker",
        "With large models, there exists",
    ):
        (claim,) = [claim for claim in CLAIMS if claim.text.startswith(start)]
        assert claim.kind == "lemma" and claim.lemmas, start
