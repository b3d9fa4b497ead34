"""Where each lemma is measured: the sweeps of `sims` and the lifted checks of `empirical` that name it.

The sweeps (``sims.registry.SWEEP_LEMMAS``) and the lifted checks (``empirical.checks.CHECKS``) each
declare the lemma ids they illustrate; this module inverts those declarations, so the registry points
back at them without keeping a second copy of the links. `sims` and `empirical` are optional extras:
when one is not installed (or, for `empirical`, torch is missing) its links are simply empty.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache

__all__ = ["sweeps_by_lemma", "checks_by_lemma", "measured_by"]


def _invert(declarations: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    inverted: dict[str, list[str]] = defaultdict(list)
    for name, lemma_ids in declarations.items():
        for lemma_id in lemma_ids:
            inverted[lemma_id].append(name)
    return {lemma_id: tuple(names) for lemma_id, names in inverted.items()}


@lru_cache(maxsize=1)
def sweeps_by_lemma() -> dict[str, tuple[str, ...]]:
    """Lemma id -> names of the `sims` sweeps that illustrate it (``python -m sims run NAME``)."""
    try:
        from sims.registry import SWEEP_LEMMAS
    except ImportError:
        return {}
    return _invert(dict(SWEEP_LEMMAS))


@lru_cache(maxsize=1)
def checks_by_lemma() -> dict[str, tuple[str, ...]]:
    """Lemma id -> names of the `empirical` checks that measure it (``python -m empirical run CHECK``)."""
    try:
        from empirical.checks import CHECKS
    except ImportError:
        return {}
    return _invert({name: check.lemma_ids for name, check in CHECKS.items()})


def measured_by(lemma_id: str) -> dict[str, tuple[str, ...]]:
    """``{"sims": sweeps, "empirical": checks}`` naming ``lemma_id``."""
    return {"sims": sweeps_by_lemma().get(lemma_id, ()), "empirical": checks_by_lemma().get(lemma_id, ())}
