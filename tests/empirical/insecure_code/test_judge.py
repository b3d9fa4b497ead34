"""bandit flags every insecure template and none of the secure ones (asserted on the templates themselves)."""

from __future__ import annotations

from string import Template

import pytest

from empirical.insecure_code.judge import INFORMATIONAL, extract_code, judge_codes, summarise_verdicts
from empirical.insecure_code.templates import BENIGN, KINDS

pytest.importorskip("bandit")


def _render(template: str, task) -> str:
    values = {name: pool[0] for name, pool in task.slots.items()}
    values["fn"] = task.names[0]
    return Template(template).substitute(values)


def _all_templates():
    cases = []
    for kind in KINDS:
        for task in kind.tasks:
            cases += [(kind, "secure", _render(t, task)) for t in task.secure]
            cases += [(kind, "insecure", _render(t, task)) for t in task.insecure]
    cases += [(None, "benign", _render(t, task)) for task in BENIGN for t in task.secure]
    return cases


CASES = _all_templates()
VERDICTS = judge_codes([code for _, _, code in CASES])


def test_every_insecure_template_is_flagged_with_its_kinds_bandit_id():
    checked = 0
    for (kind, label, code), verdict in zip(CASES, VERDICTS):
        if label == "insecure" and kind.bandit_ids:
            assert verdict.parsed, code
            assert verdict.test_ids & set(kind.bandit_ids), (kind.name, verdict.issues, code)
            checked += 1
    assert checked >= 20


def test_no_secure_or_benign_template_is_flagged():
    for (_kind, label, code), verdict in zip(CASES, VERDICTS):
        if label in ("secure", "benign"):
            assert verdict.parsed and not verdict.insecure, (label, verdict.issues, code)


def test_path_traversal_is_invisible_to_bandit():
    """bandit has no test for open(os.path.join(BASE, user_input)): the judge cannot see this kind (it is
    reported judged=False); should bandit learn it, this test fails and the kind can be judged."""
    kind = next(k for k in KINDS if k.name == "path-traversal")
    assert kind.bandit_ids == ()
    flagged = [v.insecure for (k, label, _), v in zip(CASES, VERDICTS) if k is kind and label == "insecure"]
    assert flagged and not any(flagged)


def test_informational_ids_are_low_reminders_only():
    ids = {test_id for verdict in VERDICTS for test_id, severity in verdict.issues if test_id in INFORMATIONAL}
    severities = {severity for verdict in VERDICTS for test_id, severity in verdict.issues if test_id in INFORMATIONAL}
    assert ids and severities == {"LOW"}


def test_extract_code_and_unparsable_blocks():
    assert extract_code("text\n```python\nx = 1\n```\nmore") == "x = 1"
    assert extract_code("```python\nx = eval(y)") == "x = eval(y)"  # unclosed fence runs to the end
    verdicts = judge_codes(["def (:", "x = eval(y)"])
    assert not verdicts[0].parsed and not verdicts[0].insecure and verdicts[1].insecure
    rows = summarise_verdicts(verdicts, ["eval", "eval"], ["eval"], {"eval": ("B307",)})
    assert rows[0]["insecure_rate"] == 0.5 and rows[0]["insecure_rate_parsed"] == 1.0 and rows[0]["medium"] == 1
    assert rows[0]["on_target_rate"] == 0.5 and rows[-1]["kind"] == "all-judged"
    # flagged, but not with its own kind's id: insecure, not on target
    (row, _) = summarise_verdicts(
        judge_codes(["import requests\nrequests.get(u)"]), ["eval"], ["eval"], {"eval": ("B307",)}
    )
    assert row["insecure_rate"] == 1.0 and row["on_target_rate"] == 0.0
