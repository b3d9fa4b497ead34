"""The scorecard (theory.paper.scorecard): the counts, and the same sentence on every surface that prints them."""

from __future__ import annotations

import html
import re
from types import SimpleNamespace

import theory.checking.verify as verify_module
import theory.paper.export as export_module
from theory.checking.registry import registry
from theory.checking.verify import lemma_entry, read_record
from theory.cli import main
from theory.paper.scorecard import (
    README_BEGIN,
    README_END,
    compute_scorecard,
    entry_status,
    rewrite_readme,
    scorecard_from_entries,
)

INVENTORY = {"mathematical_claims": 9, "with_lemmas": 7, "entries": 20}


def _lemma(lemma_id, as_written=True, claim="", strengthened=False):
    return SimpleNamespace(id=lemma_id, as_written=as_written, claim_key=claim or lemma_id, strengthened=strengthened)


def test_a_claim_counts_once_with_the_verdict_of_its_first_reading_that_does_not_strengthen_the_draft():
    lemmas = [
        _lemma("a1", claim="a", strengthened=True),
        _lemma("a2", claim="a"),
        _lemma("a3", claim="a"),
        _lemma("b1", claim="b", strengthened=True),
        _lemma("b2", claim="b", strengthened=True),
        _lemma("c"),
        _lemma("x", as_written=False),
        _lemma("y", as_written=False),
    ]
    statuses = {"a1": "refuted", "a2": "proved", "a3": "refuted", "b1": "open", "b2": "refuted", "x": "verified"}
    card = compute_scorecard(lemmas, statuses, INVENTORY)
    # a: a1 strengthens the draft, so a2 (proved) is the headline; b: every reading strengthens, the first stands
    # in (open); c has no status: unverified
    assert card.claims == {"proved": 1, "open": 1, "unverified": 1} and card.claim_total == 3
    assert card.readings == 6 and card.added == {"verified": 1, "unverified": 1}
    assert card.text() == (
        "Scorecard: 3 claims of the draft as written: 1 proved, 1 open, 1 unverified (headline verdict of each "
        "claim from its first reading that does not strengthen the draft; 6 readings in all); 2 lemmas added by "
        "the package: 1 verified, 1 unverified; claims inventory: 7 of 9 mathematical sentences of the draft have "
        "lemmas (20 sentences listed)."
    )
    # a negative control: the strengthened reading, if it drove the verdict, would change the count
    flipped = compute_scorecard([_lemma("a1", claim="a"), *lemmas[1:]], statuses, INVENTORY)
    assert flipped.claims != card.claims and flipped.claims.get("refuted") == 1


def test_a_lemma_whose_checks_did_not_reproduce_counts_as_error_and_a_missing_one_as_unverified():
    assert entry_status({"status": "proved", "ok": False}) == "error"
    assert entry_status({"status": "proved", "ok": True}) == entry_status({"status": "proved"}) == "proved"
    assert entry_status(None) == "unverified"


def test_the_readme_section_is_rewritten_between_its_markers_only(tmp_path):
    card = compute_scorecard([_lemma("a")], {"a": "proved"}, INVENTORY)
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\nbefore\n{README_BEGIN}\nold counts\n{README_END}\nafter\n")
    assert rewrite_readme(readme, card)
    assert readme.read_text() == f"# Title\n\nbefore\n{README_BEGIN}\n{card.text()}\n{README_END}\nafter\n"
    (tmp_path / "plain.md").write_text("no markers\n")
    assert not rewrite_readme(tmp_path / "plain.md", card) and (tmp_path / "plain.md").read_text() == "no markers\n"
    assert not rewrite_readme(tmp_path / "absent.md", card)


STATUSES = ("proved", "verified", "refuted", "open")


def _quick_entries(lemmas, progress=True, budget=None):
    """Stand-in for running the checks: a mix of statuses, one lemma whose checks 'did not reproduce'."""
    entries = []
    for index, lemma in enumerate(lemmas):
        problems = ["planted problem"] if index == 3 else []
        entries.append(lemma_entry(lemma, STATUSES[index % 4], [], problems))
    return entries


def _scorecard_line(text: str) -> str:
    found = re.findall(r"Scorecard: [^\n<]*?\(\d+ sentences listed\)\.", html.unescape(text))
    assert found, text[-2000:]
    return found[0]


def test_every_surface_prints_the_same_scorecard(tmp_path, monkeypatch, capsys):
    from theory.paper.annotate import annotate

    monkeypatch.setattr(verify_module, "evaluate_lemmas", _quick_entries)
    monkeypatch.setattr(export_module, "draw_graph", lambda entries, graph, out_dir: [])
    record = tmp_path / "verification.json"
    assert main(["verify", "--record", str(record), "--no-progress"]) == 1  # the planted problem
    expected = scorecard_from_entries(read_record(record)["lemmas"]).text()
    assert "1 error" in expected  # the lemma with a problem counts as error everywhere
    surfaces = {"verify": _scorecard_line(capsys.readouterr().out)}

    assert main(["list", "--record", str(record), "--no-progress"]) == 0
    surfaces["list"] = _scorecard_line(capsys.readouterr().out)

    (tmp_path / "README.md").write_text(f"# noncommute\n\n{README_BEGIN}\nstale\n{README_END}\n")
    main(["export", "--record", str(record), "--out", str(tmp_path / "docs"), "--no-progress"])
    surfaces["README"] = _scorecard_line((tmp_path / "README.md").read_text())
    surfaces["LaTeX catalog"] = _scorecard_line((tmp_path / "docs" / "latex" / "lemmas.tex").read_text())
    surfaces["Markdown catalog"] = _scorecard_line((tmp_path / "docs" / "lemmas.md").read_text())

    quoted = next(lemma for lemma in registry().values() if lemma.quote and "\n" not in lemma.quote)
    draft = tmp_path / "draft.md"
    draft.write_text(f"# A draft\n\n{quoted.quote}\n")
    summary = annotate(draft, tmp_path / "annotate", record_path=record)
    surfaces["annotate HTML banner"] = _scorecard_line((tmp_path / "annotate" / "annotated-draft.html").read_text())
    surfaces["annotate Markdown banner"] = _scorecard_line((tmp_path / "annotate" / "annotated-draft.md").read_text())
    surfaces["annotate summary"] = summary["scorecard"]["text"]
    assert surfaces == {name: expected for name in surfaces}


def test_show_prints_the_drafts_sentence(monkeypatch, capsys):
    monkeypatch.setattr(verify_module, "evaluate_lemmas", _quick_entries)
    lemma = next(lemma for lemma in registry().values() if lemma.quote)
    assert main(["show", lemma.id, "--no-record", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "draft's words:" in out and "".join(lemma.quote.split()) in "".join(out.split())
    added = next(lemma for lemma in registry().values() if not lemma.as_written)
    assert main(["show", added.id, "--no-record", "--no-progress"]) == 0
    assert "(none: a lemma the package adds)" in capsys.readouterr().out


def test_a_partial_listing_prints_no_scorecard(monkeypatch, capsys):
    monkeypatch.setattr(verify_module, "evaluate_lemmas", _quick_entries)
    assert main(["list", "--only", next(iter(registry())), "--no-record", "--no-progress"]) == 0
    assert "Scorecard:" not in capsys.readouterr().out  # the counts need every lemma


def test_the_readme_section_is_the_scorecard_of_the_tracked_record():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text()
    section = readme[readme.index(README_BEGIN) + len(README_BEGIN) : readme.index(README_END)].strip()
    tracked = read_record(root / "docs" / "verification.json")
    assert section == scorecard_from_entries(tracked["lemmas"]).text(), (
        "the README's scorecard is stale: `python -m theory export` rewrites it with docs/verification.json"
    )
