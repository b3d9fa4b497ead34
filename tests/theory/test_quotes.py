"""Every as-written lemma quotes the draft, and every quote occurs in it (whitespace-normalised).

The draft is ``../shared/paper/draft.md`` from the repository root (:func:`theory.paper.draft.default_draft_path`,
or ``$NONCOMMUTE_DRAFT``); the occurrence tests skip, saying so, only when that file is absent.
"""

from __future__ import annotations

import pytest

from theory.checking.registry import registry
from theory.paper.draft import contains_quote, default_draft_path, find_quote, normalise, read_draft

LEMMAS = [lemma for lemma in registry().values() if lemma.as_written]
DRAFT = default_draft_path()
needs_draft = pytest.mark.skipif(
    not DRAFT.is_file(), reason=f"the paper draft is absent (looked for {DRAFT}; set $NONCOMMUTE_DRAFT to its path)"
)


def test_normalise_collapses_whitespace_only():
    assert normalise("  a\n\tb   c \n") == "a b c"
    assert normalise(r"$\theta \cdot x$") == r"$\theta \cdot x$"


def test_find_quote_returns_the_span_in_the_original_text():
    text = "First line.\nThe  model\n   is convex.\nEnd."
    start, end = find_quote(text, "The model is convex.")
    assert text[start:end] == "The  model\n   is convex."
    assert find_quote(text, "the model is convex.") is None  # case matters: verbatim
    assert find_quote(text, "   ") is None and not contains_quote(text, "")


@pytest.mark.parametrize("lemma", LEMMAS, ids=[lemma.id for lemma in LEMMAS])
def test_as_written_lemma_has_a_quote(lemma):
    assert lemma.quote.strip(), f"{lemma.id} is as written but has no quote= with the draft's words"


@needs_draft
@pytest.mark.parametrize("lemma", LEMMAS, ids=[lemma.id for lemma in LEMMAS])
def test_quote_occurs_in_the_draft(lemma):
    assert contains_quote(read_draft(DRAFT), lemma.quote), (
        f"{lemma.id}: quote not found verbatim (up to whitespace) in {DRAFT}: {lemma.quote!r}"
    )


def test_readings_of_one_claim_share_a_key_and_name_their_reading():
    by_claim: dict[str, list] = {}
    for lemma in registry().values():
        by_claim.setdefault(lemma.claim_key, []).append(lemma)
    for key, lemmas in by_claim.items():
        if len(lemmas) > 1:
            assert all(lemma.reading for lemma in lemmas), f"claim {key}: every reading must be named"
            assert len({lemma.reading for lemma in lemmas}) == len(lemmas), f"claim {key}: two readings share a name"
