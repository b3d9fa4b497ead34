"""The registry of named sweeps and the lemma ids of ``theory`` each one illustrates.

``SWEEP_LEMMAS`` maps a sweep name to the lemma ids (``/work/notes/lemma_ids.md``, verbatim) it measures,
so that ``theory``'s registry can point back at the sweep. Importing this module imports no torch: the
network engine is loaded by the cells that use it.
"""

from __future__ import annotations

from importlib import import_module

from sims.sweeps.spec import Sweep

__all__ = ["SWEEPS", "SWEEP_LEMMAS", "get_sweep", "sweep_names"]

_MODULES = {
    "ascent-error": "sims.sweeps.ascent_error",
    "order-dependence": "sims.sweeps.order_dependence",
    "interleaved-unlearning": "sims.sweeps.interleaved_unlearning",
    "inversion": "sims.sweeps.inversion",
    "gradient-cosine": "sims.sweeps.gradient_cosine",
    "poisoned-batches": "sims.sweeps.poisoned_batches",
    "aggregator-efficiency": "sims.sweeps.aggregator_efficiency",
    "aggregator-poisoning": "sims.sweeps.aggregator_poisoning",
    "streaming-median": "sims.sweeps.streaming_median",
}

SWEEPS: dict[str, Sweep] = {name: import_module(module).SWEEP for name, module in _MODULES.items()}
SWEEP_LEMMAS: dict[str, tuple[str, ...]] = {name: sweep.lemmas for name, sweep in SWEEPS.items()}


def sweep_names() -> list[str]:
    return list(SWEEPS)


def get_sweep(name: str) -> Sweep:
    """The sweep called ``name``; a ValueError lists the known names otherwise."""
    try:
        return SWEEPS[name]
    except KeyError:
        raise ValueError(f"unknown sweep {name!r}; known sweeps: {', '.join(SWEEPS)}") from None
