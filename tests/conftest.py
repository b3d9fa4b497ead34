"""Test configuration: the Hypothesis profiles of theory.checking.profiles, and the draft under CI.

``pytest --hypothesis-profile thorough`` (Hypothesis' own option) overrides the default chosen here
from NONCOMMUTE_HYPOTHESIS_PROFILE / CI.

The draft-wording tests (quotes, claims inventory, annotate) read ``../shared/paper/draft.md``
(:func:`theory.paper.draft.default_draft_path`, or ``$NONCOMMUTE_DRAFT``). Outside CI they skip, with a
reason naming the path, when it is absent. Under CI (``CI`` set to anything but ``""``, ``0`` or ``false``)
a missing draft is an error before any test runs, and a test that skips for a reason naming the draft
fails instead (issue 19, item 6): a clone without the draft must never pass CI green.
"""

from __future__ import annotations

import os

import pytest

from theory.checking.profiles import load_profile

load_profile()


def running_under_ci() -> bool:
    """Whether ``CI`` is set to a true value (GitHub Actions and most CI systems set ``CI=true``)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def draft_skip_reason(reason: str) -> bool:
    """Whether a skip reason says the draft is absent (the wording of the draft-wording tests)."""
    lowered = reason.lower()
    return "draft" in lowered and ("absent" in lowered or "not here" in lowered or "missing" in lowered)


def pytest_sessionstart(session: pytest.Session) -> None:
    if not running_under_ci():
        return
    from theory.paper.draft import default_draft_path

    draft = default_draft_path()
    if not draft.is_file():
        raise pytest.UsageError(
            f"CI is set but the paper draft is missing at {draft}: check out ../shared/paper/draft.md "
            "beside the repository or set $NONCOMMUTE_DRAFT (CI must not skip the draft-wording tests)"
        )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    if not (report.skipped and running_under_ci()):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    if draft_skip_reason(str(reason)):
        report.outcome = "failed"
        report.longrepr = f"under CI a draft-wording test may not skip: {reason}"
