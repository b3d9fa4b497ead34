"""`python -m theory cite-check PAPER.tex`: citations found, and uncitable lemmas named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from theory.checking.verify import run_verification, write_record
from theory.cli import main
from theory.paper.cite_check import Citation, citation_problems, find_citations, strip_comments
from theory.paper.export import export_entries, latex_header
from theory.paper.latex_export import write_latex
from theory.paper.lemma_graph import graph_statuses

REFUTED, PROVED, PROVED_TOO = "ga-error-middle-step", "ga-linear-error", "ga-exact-iff"
OPEN = "high-dim-orthogonal-gradients"  # needs a network: open


@pytest.fixture(scope="module")
def paper_folder(tmp_path_factory):
    """A folder with a verification record and the exported LaTeX files, as a paper would have them."""
    folder = tmp_path_factory.mktemp("paper")
    record = run_verification((REFUTED, PROVED, PROVED_TOO, OPEN), "dev", progress=False)
    write_record(record, folder / "verification.json")
    entries = export_entries(record)  # only the LaTeX files are needed: no graph drawing
    write_latex(entries, graph_statuses(entries), folder, latex_header(record, "verification.json"))
    return folder


def _paper(folder, name, body, typeset=None):
    """A paper that typesets the whole catalog (\\input{lemmas}), or only the lemmas in ``typeset``."""
    lemmas = "\\input{lemmas}" if typeset is None else "".join(f"\\noncommutecite{{{i}}}\n" for i in typeset)
    path = folder / name
    path.write_text(
        "\\documentclass{article}\n\\usepackage{noncommute}\n\\begin{document}\n"
        + lemmas
        + "\n"
        + body
        + "\n\\end{document}\n"
    )
    return str(path)


def _check(paper, folder, *extra):
    return main(["cite-check", paper, "--record", str(folder / "verification.json"), "--no-progress", *extra])


def test_citable_lemmas_pass_and_are_counted(paper_folder, capsys):
    paper = _paper(
        paper_folder,
        "ok.tex",
        f"By \\cref{{lem:{PROVED},lem:{PROVED_TOO}}} and \\ref{{lem:{PROVED}}}.\n"
        f"\\label{{lem:{REFUTED}}} % \\ref{{lem:{REFUTED}}} in a comment",
    )
    assert _check(paper, paper_folder) == 0
    out = capsys.readouterr().out
    assert "OK: 2 cited lemma(s), 3 citation(s)" in out  # \label and the comment are not citations
    assert "generated lemma file" in out  # the \input lemmas.tex, whose refs include refuted claims, is skipped


def test_an_unknown_id_is_named_with_a_suggestion(paper_folder, capsys):
    paper = _paper(paper_folder, "unknown.tex", f"\\Cref{{lem:{PROVED}x}} and \\autoref{{lem:{PROVED}}}")
    assert _check(paper, paper_folder) == 1
    err = capsys.readouterr().err
    assert f"lem:{PROVED}x: unknown lemma id '{PROVED}x'; did you mean {PROVED}" in err and "unknown.tex:5" in err
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
    text = (
        "\\ref{lem:a} \\cref{lem:b, lem:c,eq:x} \\Cref*{lem:d} % \\ref{lem:comment}\n"
        "50\\% \\autoref{lem:e} \\eqref{lem:f} \\label{lem:g} \\crefrange{lem:h}{lem:i} \\hyperref[lem:j]{see}"
    )
    assert [(c.lemma_id, c.line) for c in find_citations(text)] == [
        ("a", 1),
        ("b", 1),
        ("c", 1),
        ("d", 1),
        ("e", 2),
        ("f", 2),
        ("h", 2),
        ("i", 2),
        ("j", 2),
    ]


@pytest.mark.parametrize(
    "command",
    [
        "namecref",
        "nameCref",
        "lcnamecref",
        "vpageref",
        "Vpageref",
        "labelcpageref",
        "zcref",
        "zcpageref",
        "cref",
        "Cref",
        "autoref",
        "Autoref",
        "pageref",
        "eqref",
        "nameref",
        "vref",
        "Vref",
        "cpageref",
        "Cpageref",
        "labelcref",
        "fullref",
    ],
)
def test_every_reference_command_of_cleveref_varioref_hyperref_and_zref_is_a_citation(command):
    assert [c.lemma_id for c in find_citations(f"\\{command}{{lem:a}} \\{command}*{{lem:b}}")] == ["a", "b"]
    assert [c.lemma_id for c in find_citations(f"\\{command}[opt][more]{{lem:c,lem:d}}")] == ["c", "d"]
    assert find_citations(f"\\{command}x{{lem:e}}") == []  # another command that starts the same way


def test_comments_follow_tex_rules_for_escaped_percent_and_line_breaks():
    # \% is a percent sign (the \ref counts); \\% is a line break, then a comment (the \ref does not)
    assert [c.lemma_id for c in find_citations("50\\% \\ref{lem:a}\nx \\\\% \\ref{lem:b}\ny\\\\\\% \\ref{lem:c}")] == [
        "a",
        "c",
    ]
    assert strip_comments("a\\\\%b\nc\\%d%e\n%f") == "a\\\\\nc\\%d\n"


def test_a_binary_or_non_utf8_file_is_a_clear_error_not_zero_citations(tmp_path, capsys):
    binary = tmp_path / "paper.pdf"
    binary.write_bytes(b"%PDF-1.5\n\x00\x01\x02 \\ref{lem:a}")
    assert main(["cite-check", str(binary), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "binary file" in err and str(binary) in err and "Traceback" not in err
    latin = tmp_path / "latin.tex"
    latin.write_bytes("caf\u00e9 \\ref{lem:a}".encode("latin-1"))
    assert main(["cite-check", str(latin), "--no-progress"]) == 2
    assert "not UTF-8" in capsys.readouterr().err
    assert main(["cite-check", str(tmp_path), "--no-progress"]) == 2  # a folder
    assert "no LaTeX file" in capsys.readouterr().err


def test_a_ref_to_a_lemma_the_paper_does_not_typeset_fails(paper_folder, capsys):
    ok = _paper(paper_folder, "typeset.tex", f"By \\ref{{lem:{PROVED}}}.", typeset=[PROVED])
    assert _check(ok, paper_folder) == 0
    capsys.readouterr()
    missing = _paper(
        paper_folder, "missing.tex", f"By \\ref{{lem:{PROVED}}} and \\cref{{lem:{PROVED_TOO}}}.", typeset=[PROVED]
    )
    assert _check(missing, paper_folder) == 1
    err = capsys.readouterr().err
    assert f"lem:{PROVED_TOO} is cited but not defined" in err and f"\\noncommutecite{{{PROVED_TOO}}}" in err
    assert f"lem:{PROVED} " not in err


def test_typesetting_a_refuted_claim_defines_its_correction_and_is_only_a_note(paper_folder, capsys):
    paper = _paper(
        paper_folder, "claim.tex", f"The draft's claim fails; \\ref{{lem:{PROVED}}} corrects it.", typeset=[REFUTED]
    )
    assert _check(paper, paper_folder) == 0
    assert "typesets a refuted claim" in capsys.readouterr().out
    unknown = _paper(paper_folder, "unknown-typeset.tex", "", typeset=[PROVED + "x"])
    assert _check(unknown, paper_folder) == 1
    err = capsys.readouterr().err
    assert f"lem:{PROVED}x: unknown lemma id" in err and "unknown-typeset.tex:4" in err


def test_open_crashed_and_troubled_lemmas_are_not_citable():
    entries = {
        "o": {"status": "open", "corrected_by": []},
        "e": {"status": "error", "corrected_by": []},
        "v": {"status": "verified", "corrected_by": [], "ok": True},
        "p": {"status": "proved", "corrected_by": [], "ok": False, "problems": ["p: proof 'x' did not go through"]},
    }
    citations = [Citation(i, "p.tex", 1) for i in ("o", "e", "v", "p")]
    problems = citation_problems(citations, entries)
    assert [problem.split(" -- ")[0][:14] for problem in problems] == [
        "lem:o is open;",
        "lem:e is error",
        "lem:p is prove",
    ]
    assert "did not go through" in problems[2]


def test_an_open_lemma_fails_cited_or_typeset_unless_the_paper_opts_in(paper_folder, capsys):
    cited = _paper(paper_folder, "open-cited.tex", f"By Conjecture~\\ref{{lem:{OPEN}}}.", typeset=[OPEN, PROVED])
    assert _check(cited, paper_folder) == 1
    assert f"lem:{OPEN} is open" in capsys.readouterr().err
    typeset_only = _paper(paper_folder, "open-typeset.tex", f"By \\ref{{lem:{PROVED}}}.", typeset=[OPEN, PROVED])
    assert _check(typeset_only, paper_folder) == 1  # presented to the reader without a \ref: the same rule
    assert f"lem:{OPEN} is open" in capsys.readouterr().err
    for opt_in in ("\\noncommuteallowopen", "\\usepackage[appendix, allowopen]{noncommute}"):
        text = Path(cited).read_text().replace("\\begin{document}", opt_in + "\n\\begin{document}")
        allowed = paper_folder / "open-allowed.tex"
        allowed.write_text(text)
        assert _check(str(allowed), paper_folder) == 0
        out = capsys.readouterr().out
        assert "opts in to open claims" in out and OPEN in out and "or open by the paper's opt-in" in out
    commented = paper_folder / "open-commented.tex"
    commented.write_text(
        Path(cited).read_text().replace("\\begin{document}", "% \\noncommuteallowopen\n\\begin{document}")
    )
    assert _check(str(commented), paper_folder) == 1  # an opt-in in a comment is no opt-in
    capsys.readouterr()
    assert citation_problems([Citation("o", "a.tex", 1)], {"o": {"status": "open", "corrected_by": []}}, True) == []
    assert citation_problems([Citation("r", "a.tex", 1)], {"r": {"status": "refuted", "corrected_by": []}}, True) == [
        "lem:r is refuted -- cited at a.tex:1"
    ]  # the opt-in is for open claims only


def test_every_place_of_a_citation_is_named_and_messages_say_what_to_do():
    citations = [
        Citation("r", "a.tex", 3),
        Citation("r", "b.tex", 7),
        Citation("o", "a.tex", 9),
        Citation("ga-exact-iff", "a.tex", 1),
        Citation("v", "a.tex", 2),
    ]
    entries = {
        "r": {"status": "refuted", "corrected_by": ["f", "g"]},
        "o": {"status": "open", "corrected_by": []},
        "v": {"status": "verified", "corrected_by": [], "ok": False, "problems": []},
    }
    assert citation_problems(citations, entries) == [
        "lem:r is refuted; cite the correction lem:f, lem:g -- cited at a.tex:3, b.tex:7",
        "lem:o is open; it is stated but not checked here (to cite it as a conjecture, add \\noncommuteallowopen to "
        "the preamble) -- cited at a.tex:9",
        "lem:ga-exact-iff: has no status -- cited at a.tex:1",
        "lem:v is verified but its checks did not reproduce the registry (see `python -m theory show`) -- cited at a.tex:2",
    ]
    assert citation_problems([Citation("r", "a.tex", 1)], {"r": {"status": "refuted", "corrected_by": []}}) == [
        "lem:r is refuted -- cited at a.tex:1"
    ]


def test_includes_are_followed_once_with_or_without_extension_and_missing_ones_are_noted(tmp_path):
    from theory.paper.cite_check import read_paper

    (tmp_path / "a.tex").write_text("\\input{b}\n\\ref{lem:x}\n% \\input{commented}\n")
    (tmp_path / "b.tex").write_text("\\include{a.tex}\n\\cref{lem:y}\n\\subfile{absent}\n")
    (tmp_path / "main.tex").write_text("\\input{a}\\input{a.tex}\n\\noncommutecite{z}\n\\label{lem:w}\n")
    paper = read_paper(tmp_path / "main.tex")
    assert [(c.lemma_id, c.path.split("/")[-1], c.line) for c in paper.citations] == [
        ("x", "a.tex", 2),
        ("y", "b.tex", 2),
    ]
    assert [c.lemma_id for c in paper.typeset] == ["z"] and paper.labels == {"w"}
    assert paper.notes == [f"{tmp_path / 'b.tex'}: included file 'absent' not found, not checked"]


def test_typeset_labels_follow_corrections_of_refuted_claims_transitively():
    from theory.checking.registry import registry
    from theory.paper.cite_check import typeset_labels, undefined_problems

    lemmas = registry()
    refuted = next(i for i, lemma in lemmas.items() if lemma.counterexample is not None)
    defined = typeset_labels([Citation(refuted, "p.tex", 1), Citation("not-a-lemma", "p.tex", 2)])
    assert refuted in defined and set(lemmas[refuted].corrected_by) <= defined and "not-a-lemma" not in defined
    proved = next(i for i, lemma in lemmas.items() if lemma.counterexample is None and lemma.uses)
    assert typeset_labels([Citation(proved, "p.tex", 1)]) == {proved}  # what it uses is not typeset
    assert undefined_problems(
        [Citation("a", "p.tex", 1), Citation("a", "q.tex", 2), Citation("b", "p.tex", 3)], {"b"}
    ) == [
        "lem:a is cited but not defined in the paper (LaTeX would print ??): typeset "
        "it with \\noncommutecite{a} (noncommute.sty) -- cited at p.tex:1, q.tex:2"
    ]


def test_the_profile_asked_for_decides_whether_the_record_stands_in(paper_folder, capsys):
    paper = _paper(paper_folder, "profile.tex", f"\\ref{{lem:{PROVED}}}")
    assert _check(paper, paper_folder, "--profile", "ci") == 0  # the fixture's record was made under dev
    assert "made under profile dev, not ci" in capsys.readouterr().out
    assert _check(paper, paper_folder) == 0
    assert "status(es) from" in capsys.readouterr().out


def test_a_paper_that_cites_nothing_reads_no_record(tmp_path, capsys):
    (tmp_path / "stale.json").write_text(
        json.dumps(
            {
                "schema": 1,
                "lemmas": [],
                "registry": {"source_sha256": "0"},
                "profile": {"name": "dev"},
                "provenance": {},
            }
        )
    )
    (tmp_path / "plain.tex").write_text("\\documentclass{article}\\begin{document}Nothing cited.\\end{document}\n")
    assert (
        main(["cite-check", str(tmp_path / "plain.tex"), "--record", str(tmp_path / "stale.json"), "--no-progress"])
        == 0
    )
    out = capsys.readouterr().out
    assert "OK: 0 cited lemma(s), 0 citation(s)" in out and "statuses:" not in out


def test_an_input_without_extension_finds_the_file_as_named_first(tmp_path):
    from theory.paper.cite_check import read_paper

    (tmp_path / "chapter").write_text("\\ref{lem:x}\n")  # TeX would also read a file without extension
    (tmp_path / "main.tex").write_text("\\input{chapter}\n")
    paper = read_paper(tmp_path / "main.tex")
    assert [c.lemma_id for c in paper.citations] == ["x"] and paper.notes == []
