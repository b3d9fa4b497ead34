"""`python -m theory cite-check PAPER.tex`: citations found, and uncitable lemmas named."""

from __future__ import annotations

import pytest

from theory.cite_check import Citation, citation_problems, find_citations
from theory.cli import main
from theory.export import export_entries, render_latex
from theory.lemma_graph import graph_statuses
from theory.verify import run_verification, write_record

REFUTED, PROVED, PROVED_TOO = "ga-error-middle-step", "ga-linear-error", "ga-exact-iff"


@pytest.fixture(scope="module")
def paper_folder(tmp_path_factory):
    """A folder with a verification record and the exported lemmas.tex, as a paper would have them."""
    folder = tmp_path_factory.mktemp("paper")
    record = run_verification((REFUTED, PROVED, PROVED_TOO), "dev", progress=False)
    write_record(record, folder / "verification.json")
    entries = export_entries(record)  # only lemmas.tex is needed: no graph drawing
    (folder / "lemmas.tex").write_text(render_latex(record, entries, graph_statuses(entries), "verification.json"))
    return folder


def _paper(folder, name, body):
    path = folder / name
    path.write_text("\\documentclass{article}\n\\input{lemmas}\n\\begin{document}\n" + body + "\n\\end{document}\n")
    return str(path)


def _check(paper, folder, *extra):
    return main(["cite-check", paper, "--record", str(folder / "verification.json"), "--no-progress", *extra])


def test_citable_lemmas_pass_and_are_counted(paper_folder, capsys):
    paper = _paper(paper_folder, "ok.tex", f"By \\cref{{lem:{PROVED},lem:{PROVED_TOO}}} and \\ref{{lem:{PROVED}}}.\n"
                                           f"\\label{{lem:{REFUTED}}} % \\ref{{lem:{REFUTED}}} in a comment")
    assert _check(paper, paper_folder) == 0
    out = capsys.readouterr().out
    assert "OK: 2 cited lemma(s), 3 citation(s)" in out  # \label and the comment are not citations
    assert "generated lemma file" in out  # the \input lemmas.tex, whose refs include refuted claims, is skipped


def test_an_unknown_id_is_named_with_a_suggestion(paper_folder, capsys):
    paper = _paper(paper_folder, "unknown.tex", f"\\Cref{{lem:{PROVED}x}} and \\autoref{{lem:{PROVED}}}")
    assert _check(paper, paper_folder) == 1
    err = capsys.readouterr().err
    assert f"lem:{PROVED}x: unknown lemma id '{PROVED}x'; did you mean {PROVED}" in err and "unknown.tex:4" in err
    assert f"lem:{PROVED} " not in err  # the citable one is not named


def test_a_refuted_claim_is_named_with_its_correction(paper_folder, capsys):
    paper = _paper(paper_folder, "refuted.tex", f"As \\ref{{lem:{REFUTED}}} shows.")
    assert _check(paper, paper_folder) == 1
    assert f"lem:{REFUTED} is refuted; cite the correction lem:{PROVED}" in capsys.readouterr().err


def test_without_a_record_the_cited_lemmas_are_evaluated(paper_folder, capsys):
    paper = _paper(paper_folder, "evaluated.tex", f"\\ref{{lem:{REFUTED}}}")
    assert main(["cite-check", paper, "--no-progress"]) == 1
    captured = capsys.readouterr()
    assert f"lem:{REFUTED} is refuted" in captured.err and "evaluated now" in captured.err


def test_a_missing_paper_or_record_exits_2(tmp_path, paper_folder, capsys):
    assert main(["cite-check", str(tmp_path / "absent.tex")]) == 2
    assert "no LaTeX file" in capsys.readouterr().err
    paper = _paper(paper_folder, "norecord.tex", f"\\ref{{lem:{PROVED}}}")
    assert main(["cite-check", paper, "--record", str(tmp_path / "absent.json")]) == 2
    assert "no verification record" in capsys.readouterr().err


def test_included_files_are_followed(paper_folder, capsys):
    (paper_folder / "section.tex").write_text(f"see \\ref{{lem:{REFUTED}}}\n")
    paper = _paper(paper_folder, "main.tex", "\\input{section}")
    assert _check(paper, paper_folder) == 1
    assert "section.tex:1" in capsys.readouterr().err


def test_find_citations_reads_every_reference_command():
    text = ("\\ref{lem:a} \\cref{lem:b, lem:c,eq:x} \\Cref*{lem:d} % \\ref{lem:comment}\n"
            "50\\% \\autoref{lem:e} \\eqref{lem:f} \\label{lem:g} \\crefrange{lem:h}{lem:i} \\hyperref[lem:j]{see}")
    assert [(c.lemma_id, c.line) for c in find_citations(text)] == [
        ("a", 1), ("b", 1), ("c", 1), ("d", 1), ("e", 2), ("f", 2), ("h", 2), ("i", 2), ("j", 2)]


def test_open_crashed_and_troubled_lemmas_are_not_citable():
    entries = {"o": {"status": "open", "corrected_by": []}, "e": {"status": "error", "corrected_by": []},
               "v": {"status": "verified", "corrected_by": [], "ok": True},
               "p": {"status": "proved", "corrected_by": [], "ok": False, "problems": ["p: proof 'x' did not go through"]}}
    citations = [Citation(i, "p.tex", 1) for i in ("o", "e", "v", "p")]
    problems = citation_problems(citations, entries)
    assert [problem.split(" -- ")[0][:14] for problem in problems] == ["lem:o is open;", "lem:e is error", "lem:p is prove"]
    assert "did not go through" in problems[2]
