"""Every run records seed, parameters, versions and git commit."""

from __future__ import annotations

import re

from theory.support.provenance import git_commit, provenance


def test_provenance_records_what_reproduces_a_run():
    record = provenance(seed=7, parameters={"lr": 0.1})
    assert record["seed"] == 7 and record["parameters"] == {"lr": 0.1}
    assert {"python", "numpy", "hypothesis"} <= set(record["versions"])
    assert re.fullmatch(r"[0-9a-f]{40}(-dirty)?|unknown", record["git_commit"])


def test_git_commit_is_the_checkout_head():
    commit = git_commit()
    assert commit == "unknown" or len(commit.split("-")[0]) == 40
