"""theory.checking.registry's own API on synthetic lemmas: register, get, check, claim_key and the validation messages.

(tests/theory/test_registry.py checks the registered lemmas themselves; these tests kill the mutants
that mutation testing found surviving in theory/checking/registry.py.)
"""

from __future__ import annotations

import difflib

import pytest

import theory.checking.registry as registry_module
from theory.checking.registry import Lemma, Outcome, SympyProof, get, register, registry


def _lemma(lemma_id: str, *checks, **fields) -> Lemma:
    return Lemma(id=lemma_id, title="t", statement="s", source="test", as_written=False, checks=checks, **fields)


@pytest.fixture
def isolated(monkeypatch):
    """The registry as it is, in a copy that the test may change."""
    registry()  # load the lemma modules first
    monkeypatch.setattr(registry_module, "_REGISTRY", dict(registry_module._REGISTRY))


def test_register_adds_each_lemma_once(isolated):
    first, second = _lemma("zz-first"), _lemma("zz-second")
    register(first, second)
    assert registry()["zz-first"] is first and get("zz-second") is second
    assert list(registry())[-2:] == ["zz-first", "zz-second"]  # registration order
    with pytest.raises(ValueError, match="lemma id 'zz-first' is registered twice"):
        register(_lemma("zz-first"))
    assert get("zz-first") is first


def test_get_suggests_at_most_three_close_ids_or_points_to_list(isolated):
    register(*(_lemma(f"zz-close-{i}") for i in range(5)))
    with pytest.raises(KeyError) as error:
        get("zz-close-9")
    message = error.value.args[0]
    close = difflib.get_close_matches("zz-close-9", list(registry()), n=3)
    assert len(close) == 3 and message == f"unknown lemma id 'zz-close-9'; did you mean {', '.join(close)}?"
    with pytest.raises(KeyError) as error:
        get("qqqqqqqqqqqqqqqqqq")
    assert error.value.args[0] == "unknown lemma id 'qqqqqqqqqqqqqqqqqq'; `python -m theory list` shows all ids"


def test_check_finds_a_check_by_name_and_names_the_others():
    proof = SympyProof("p", lambda: True, "d")
    lemma = _lemma("zz-check", proof)
    assert lemma.check("p") is proof
    with pytest.raises(KeyError) as error:
        lemma.check("q")
    assert error.value.args[0] == "lemma zz-check has no check 'q'; it has ['p']"


def test_check_names_must_be_unique():
    with pytest.raises(ValueError) as error:
        _lemma("zz-dup", SympyProof("p", lambda: True, "d"), SympyProof("p", lambda: True, "e"))
    assert error.value.args[0] == "lemma zz-dup: check names must be unique, got ['p', 'p']"


def test_claim_key_label_and_outcome_defaults():
    assert _lemma("zz-a").claim_key == "zz-a" and _lemma("zz-a", claim="shared").claim_key == "shared"
    assert _lemma("zz-a").label == "lem:zz-a"
    assert Outcome(True) == Outcome(True, 0.0, "", True)
