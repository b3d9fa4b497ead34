"""Consistency of the lemma graph: ids, references, corrections (leanblueprint's checkdecls)."""

from __future__ import annotations

import pytest

from theory.checking.registry import Lemma, PropertyCheck, SympyProof, get, registry
from theory.checking.strategies import linear_points

LEMMAS = registry()


def test_every_reference_names_a_registered_lemma():
    for lemma in LEMMAS.values():
        for reference in (*lemma.uses, *lemma.corrected_by):
            assert reference in LEMMAS, f"{lemma.id} names unknown lemma {reference!r}"


def test_refuted_claims_point_to_a_lemma_that_is_not_itself_refuted():
    for lemma in LEMMAS.values():
        if lemma.counterexample is None:
            continue
        for corrected in lemma.corrected_by:
            target = LEMMAS[corrected]
            assert target.counterexample is None and target.checks, (
                f"{lemma.id} is corrected by {corrected}, which must be checkable and not refuted"
            )


def test_uses_graph_is_acyclic():
    import networkx as nx

    graph = nx.DiGraph((lemma.id, used) for lemma in LEMMAS.values() for used in lemma.uses)
    assert nx.is_directed_acyclic_graph(graph), nx.find_cycle(graph)


def test_each_claim_of_the_draft_is_marked():
    assert any(lemma.as_written for lemma in LEMMAS.values())
    assert any(not lemma.as_written for lemma in LEMMAS.values())


@pytest.mark.parametrize("bad_id", ["Upper", "under_score", "-leading", "trailing-", "two--dashes", ""])
def test_lemma_ids_are_latex_and_pytest_friendly(bad_id):
    with pytest.raises(ValueError, match="lemma id"):
        Lemma(id=bad_id, title="t", statement="s", source="x", as_written=False)


def test_a_counterexample_needs_a_correction_and_a_known_check():
    from theory.checking.registry import Counterexample, Outcome

    check = PropertyCheck("c", linear_points(), lambda case: Outcome(True), "r")
    with pytest.raises(ValueError, match="corrected_by"):
        Lemma(
            id="x",
            title="t",
            statement="s",
            source="x",
            as_written=True,
            checks=(check,),
            counterexample=Counterexample("c", {}),
        )
    with pytest.raises(ValueError, match="unknown check"):
        Lemma(
            id="x",
            title="t",
            statement="s",
            source="x",
            as_written=True,
            checks=(check,),
            counterexample=Counterexample("nope", {}),
            corrected_by=("y",),
        )


def test_get_suggests_close_ids():
    some_id = next(iter(LEMMAS))
    with pytest.raises(KeyError, match="did you mean"):
        get(some_id + "x")
    assert get(some_id).id == some_id


def test_a_failing_sympy_proof_is_a_problem_not_a_proof():
    from theory.checking.status import evaluate

    lemma = Lemma(
        id="false-identity",
        title="t",
        statement="s",
        source="x",
        as_written=False,
        checks=(SympyProof("p", lambda: False, "always fails"),),
    )
    verdict = evaluate(lemma)
    assert not verdict.ok and verdict.status != "proved"


def test_a_broken_property_yields_a_shrunk_counterexample():
    from theory.checking.registry import Outcome
    from theory.checking.status import evaluate

    # "every learning rate is below 1" is false; Hypothesis must find and shrink a counterexample
    check = PropertyCheck("lr-below-one", linear_points(), lambda case: Outcome(case["lr"] < 1.0, case["lr"]), "r")
    verdict = evaluate(Lemma(id="false-claim", title="t", statement="s", source="x", as_written=True, checks=(check,)))
    assert verdict.status == "refuted" and not verdict.ok
    assert verdict.counterexample["lr"] >= 1.0
