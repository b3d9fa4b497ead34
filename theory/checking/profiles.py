"""Hypothesis settings profiles: ``dev``, ``ci`` (derandomized) and ``thorough`` (10,000 examples).

Chosen with pytest's ``--hypothesis-profile NAME``, with ``python -m theory verify --profile NAME``,
or with the environment variable ``NONCOMMUTE_HYPOTHESIS_PROFILE`` (default ``dev`` interactively,
``ci`` when the ``CI`` variable is set), following numpy's and scipy's conftest practice.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

__all__ = ["PROFILES", "register_profiles", "load_profile", "default_profile_name"]

_SLOW_DRAWS = (HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much)

PROFILES: dict[str, dict] = {
    # quick feedback while editing a lemma
    "dev": {"max_examples": 40, "deadline": None, "suppress_health_check": _SLOW_DRAWS},
    # reproducible: same examples every run, no example database, no deadline
    "ci": {
        "max_examples": 60,
        "derandomize": True,
        "database": None,
        "deadline": None,
        "print_blob": True,
        "suppress_health_check": _SLOW_DRAWS,
    },
    # the search behind a citation: 10k examples per property, target() has room to climb
    "thorough": {"max_examples": 10_000, "deadline": None, "suppress_health_check": _SLOW_DRAWS},
}


def register_profiles() -> None:
    """Register the three profiles with Hypothesis (idempotent)."""
    for name, options in PROFILES.items():
        settings.register_profile(name, **options)


def default_profile_name() -> str:
    """The profile named by NONCOMMUTE_HYPOTHESIS_PROFILE, else ``ci`` under CI, else ``dev``."""
    chosen = os.environ.get("NONCOMMUTE_HYPOTHESIS_PROFILE")
    if chosen:
        return chosen
    return "ci" if os.environ.get("CI") else "dev"


def load_profile(name: str | None = None) -> str:
    """Register and load a profile (default: :func:`default_profile_name`); returns its name."""
    register_profiles()
    name = name or default_profile_name()
    if name not in PROFILES:
        raise ValueError(f"unknown Hypothesis profile {name!r}; choose one of {sorted(PROFILES)}")
    settings.load_profile(name)
    return name
