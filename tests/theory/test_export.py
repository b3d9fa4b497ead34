"""Exports of a verification record: catalog, LaTeX (structure, and a compile where pdflatex exists), graph."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

import theory.cli as cli
from theory.checking.registry import registry
from theory.checking.verify import run_verification, status_counts, write_record
from theory.cli import main
from theory.paper.cite_check import strip_comments
from theory.paper.export import escape_latex, export_entries, latex_prose
from theory.paper.latex_export import STY_TEMPLATE
from theory.paper.lemma_graph import graph_statuses

CHECKED = (
    "ga-error-middle-step",
    "ga-exact-iff",
    "ga-linear-error",
)  # refuted, proved, proved with Hypothesis evidence
OPEN = "high-dim-orthogonal-gradients"  # needs a network: open


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    record_path = write_record(run_verification(CHECKED + (OPEN,), "dev", progress=False), folder / "verification.json")
    assert main(["export", "--record", str(record_path), "--out-dir", str(folder / "docs")]) == 0
    return folder / "docs", json.loads(record_path.read_text())


def _environments_balanced(tex: str) -> bool:
    stack = []
    for kind, name in re.findall(r"\\(begin|end)\{([^}]*)\}", tex):
        if kind == "begin":
            stack.append(name)
        elif not stack or stack.pop() != name:
            return False
    return not stack


def test_export_writes_the_record_the_catalog_the_graph_and_the_latex_folder(exported):
    docs, _ = exported
    assert sorted(path.name for path in docs.iterdir()) == [
        "claims.md",  # the claims inventory and the readings table: one command writes every tracked document
        "latex",
        "lemma-graph.png",
        "lemma-graph.svg",
        "lemmas.md",
        "readings.md",
        "verification.json",
    ]
    from theory.paper.claims import render_markdown, render_readings

    assert (docs / "claims.md").read_text() == render_markdown()
    assert (docs / "readings.md").read_text() == render_readings()
    assert (docs / "lemma-graph.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg_text = "".join(ElementTree.parse(docs / "lemma-graph.svg").getroot().itertext())
    assert all(lemma_id in svg_text for lemma_id in registry())  # every lemma is a node, labelled by its id
    expected = {"noncommute.sty", "lemmas.tex", *(f"noncommute-{lemma_id}.tex" for lemma_id in registry())}
    assert {path.name for path in (docs / "latex").iterdir()} == expected
    assert (docs / "latex" / "noncommute.sty").read_text() == STY_TEMPLATE.read_text()


def test_each_lemma_file_defines_its_label_and_a_refuted_claim_is_a_claim_followed_by_its_correction(exported):
    latex = exported[0] / "latex"
    lemmas = registry()
    for lemma_id in lemmas:
        tex = strip_comments((latex / f"noncommute-{lemma_id}.tex").read_text())
        assert re.findall(r"\\label\{lem:([^}]*)\}", tex) == [lemma_id]
        assert _environments_balanced(tex)
        unescaped = re.sub(r"\\[{}]", "", tex)
        assert unescaped.count("{") == unescaped.count("}")
        assert "\\ref{" not in tex  # references go through \noncommuteref: never "Lemma ??"
        assert not re.search(r"\.%$", tex, re.MULTILINE)  # no run-in fields ("ready.Interpretation.")
    refuted = strip_comments((latex / f"noncommute-{CHECKED[0]}.tex").read_text())
    assert "\\begin{noncommuteclaim}[{refuted: " in refuted and "Counterexample" in refuted
    for corrected in lemmas[CHECKED[0]].corrected_by:
        assert f"\\noncommutecite{{{corrected}}}" in refuted and f"\\noncommuteref{{{corrected}}}" in refuted
    proved = strip_comments((latex / f"noncommute-{CHECKED[1]}.tex").read_text())
    assert "\\begin{noncommutelemma}" in proved and "noncommuteclaim" not in proved
    catalog = strip_comments((latex / "lemmas.tex").read_text())
    assert re.findall(r"\\noncommutecite\{([^}]*)\}", catalog) == list(lemmas)


def _minimal_paper() -> str:
    """The minimal paper of docs/authors-guide.md (its first ```latex block)."""
    guide = (Path(__file__).resolve().parents[2] / "docs" / "authors-guide.md").read_text()
    return re.search(r"```latex\n(.*?)```", guide, re.DOTALL).group(1)


def _pdflatex_or_skip() -> str:
    found = shutil.which("pdflatex")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(
                "pdflatex is missing under CI: .ci/install installs texlive-latex-base and texlive-latex-recommended"
            )
        pytest.skip(
            "pdflatex not installed (apt-get install texlive-latex-base texlive-latex-recommended); "
            "CI installs it and runs this test"
        )
    return found


def _compile_twice(folder: Path, paper: str) -> str:
    (folder / "paper.tex").write_text(paper)
    for _ in range(2):  # the second run resolves the references written to paper.aux by the first
        run = subprocess.run(
            [_pdflatex_or_skip(), "-interaction=nonstopmode", "-halt-on-error", "paper.tex"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert run.returncode == 0, run.stdout[-3000:]
    assert (folder / "paper.pdf").exists()
    return (folder / "paper.log").read_text(errors="replace")


@pytest.mark.parametrize("paper", ["guide", "catalog", "catalog-appendix"])
def test_the_minimal_paper_of_the_guide_and_the_whole_catalog_compile_without_undefined_references(
    exported, tmp_path, paper
):
    _pdflatex_or_skip()
    for path in (exported[0] / "latex").iterdir():  # "copy docs/latex/ next to the paper" (the guide's route)
        shutil.copy(path, tmp_path / path.name)
    if paper == "guide":
        text = _minimal_paper()
        assert (
            main(
                [
                    "cite-check",
                    str(_write(tmp_path / "check.tex", text)),
                    "--record",
                    str(exported[0] / "verification.json"),
                    "--no-progress",
                ]
            )
            == 0
        )
    else:  # every lemma file, in a paper with its own lemma environment and amsthm loaded first
        option = "[appendix]" if paper == "catalog-appendix" else ""
        text = (
            "\\documentclass{article}\n\\usepackage{amsthm}\\newtheorem{lemma}{Lemma}\n"
            f"\\usepackage{option}{{noncommute}}\n"
            "\\begin{document}\n\\begin{lemma}An author's own lemma.\\end{lemma}\n\\input{lemmas}\n"
            f"By Lemma~\\ref{{lem:{CHECKED[1]}}}.\n\\end{{document}}\n"
        )
    log = _compile_twice(tmp_path, text)
    # (the catalog's page breaks move when "\texttt{id}" becomes "Lemma n" on the second run: a third
    # run would settle page numbers, which is not what this test is about)
    changed = "|Label\\(s\\) may have changed" if paper == "guide" else ""
    undefined = re.compile(
        r"(Reference|Citation|Label) .* undefined|undefined references|multiply.defined" + changed, re.IGNORECASE
    )
    assert not undefined.search(log), [line for line in log.splitlines() if undefined.search(line)]
    if paper != "guide" and shutil.which("pdftotext"):  # every title, statement and quote typeset as maths
        typeset = subprocess.run(
            ["pdftotext", "paper.pdf", "-"], cwd=tmp_path, capture_output=True, text=True, check=True
        ).stdout
        assert not re.findall(r"\\[A-Za-z]{2,}", typeset)  # no LaTeX command shows (\setminus is "\ ")
        assert ("Evidence." in typeset) == (paper == "catalog-appendix") and "Scorecard: " in typeset


def _pdftotext_or_skip() -> str:
    found = shutil.which("pdftotext")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("pdftotext is missing under CI: .ci/install installs poppler-utils with TeX")
        pytest.skip("pdftotext not installed (apt-get install poppler-utils); CI installs it and runs this test")
    return found


TWO_COLUMN = (
    r"""\documentclass[twocolumn]{article}
\usepackage[OPTIONS]{noncommute}
\noncommuteallowopen
\begin{document}
\section{Gradient ascent}
\noncommutecite{ga-exact-iff}
By Lemma~\ref{lem:ga-exact-iff}, one ascent step undoes a descent step only when the residual vanishes.
\noncommutecite{ga-error-middle-step}
The draft's middle step fails; Lemma~\ref{lem:ga-linear-error} corrects it.
\noncommutecite{"""
    + OPEN
    + r"""}
Conjecture~\ref{lem:"""
    + OPEN
    + r"""} is measured by the experiments.
\end{document}
"""
)


@pytest.mark.parametrize("options", ["", "appendix"])
def test_a_two_column_paper_typesets_compact_lemmas_conjectures_and_refuted_claims(exported, tmp_path, options):
    _pdflatex_or_skip()
    pdftotext = _pdftotext_or_skip()
    for path in (exported[0] / "latex").iterdir():
        shutil.copy(path, tmp_path / path.name)
    paper = TWO_COLUMN.replace("OPTIONS", options)
    assert (
        main(
            [
                "cite-check",
                str(_write(tmp_path / "check.tex", paper)),
                "--record",
                str(exported[0] / "verification.json"),
                "--no-progress",
            ]
        )
        == 0
    )  # the paper opts in to open claims
    _compile_twice(tmp_path, paper)
    text = subprocess.run(
        [pdftotext, "paper.pdf", "-"], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    assert re.search(r"Lemma 1 \(When one ascent step reverts", flat)
    assert re.search(r"Claim 2 \(refuted: The middle step", flat)
    assert re.search(r"Remark\. Counterexample: θ = \(0\), x = \(1\), y = 1, λ = 10\. Corrected by Lemma 3", flat)
    assert re.search(r"Lemma 3 \(Ascent error after one descent step", flat)
    assert re.search(r"Conjecture 4 \(In large models", flat)
    assert "[proved" in flat and "[refuted" in flat and "[open" in flat  # one status mark each
    assert "\\" not in text  # no LaTeX source leaks into the paper: the maths is typeset
    audit = ("Evidence.", "Used by.", "Status: proved.", "graph:")
    if options == "appendix":
        assert all(word in flat for word in audit)
    else:
        assert not any(word in flat for word in audit), [word for word in audit if word in flat]


def test_the_lemma_files_are_compact_with_the_audit_behind_the_appendix_option(exported):
    latex = exported[0] / "latex"
    opened = strip_comments((latex / f"noncommute-{OPEN}.tex").read_text())
    assert "\\begin{noncommuteconjecture}" in opened and f"\\noncommuteopen{{{OPEN}}}" in opened
    for lemma_id in (*CHECKED, OPEN):
        tex = strip_comments((latex / f"noncommute-{lemma_id}.tex").read_text())
        compact, audit = tex.split("\\ifnoncommuteappendix", 1)
        assert "\\noncommutemark{" in compact and "noncommutefield" not in compact and "Evidence" not in compact
        assert audit.split("\\fi")[0].count("\\begin{noncommuteevidence}") == 1
    marked = {"id": "x", "status": "proved", "coverage": "p ≤ 4", "ok": True}
    from theory.paper.latex_export import _status_mark

    assert _status_mark(marked) == "\\noncommutemark{proved}{p $\\le$ 4}{x}"  # the coverage (issue 19) when present
    assert _status_mark({**marked, "coverage": None}) == "\\noncommutemark{proved}{}{x}"
    catalog = (latex / "lemmas.tex").read_text()
    assert "\\noncommutescorecard{Scorecard: " in catalog


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_catalog_has_counts_anchors_statuses_and_counterexamples(exported):
    docs, record = exported
    markdown = (docs / "lemmas.md").read_text()
    entries = {entry["id"]: entry for entry in record["lemmas"]}
    for lemma_id in registry():
        assert f'<a id="{lemma_id}"></a>' in markdown
    for status, count in status_counts(export_entries(record)).items():
        assert f"{count} {status}" in markdown
    for lemma_id in CHECKED:
        section = markdown.split(f'<a id="{lemma_id}"></a>')[1].split("<a id=")[0]
        assert f"**{entries[lemma_id]['status']}**" in section
        if entries[lemma_id]["counterexample"] is not None:
            assert json.dumps(entries[lemma_id]["counterexample"]) in section and "reproduced" in section
    linear = markdown.split('<a id="ga-linear-error"></a>')[1].split("<a id=")[0]
    examples = next(e["examples"] for e in entries["ga-linear-error"]["evidence"] if e["kind"] == "hypothesis")
    assert f"{examples} examples" in linear  # the evidence table reports the Hypothesis run


def test_export_runs_the_ci_checks_and_writes_the_tracked_record_and_thorough_writes_only_its_record(
    tmp_path, monkeypatch
):
    import theory.paper.export

    real, profiles = cli.run_verification, []

    def small_run(only, profile, progress, budget=None):
        profiles.append(profile)
        return real(CHECKED[:1], "dev", progress, budget)  # a small run stands in for the whole registry

    monkeypatch.setattr(theory.paper.export, "draw_graph", lambda entries, graph, out_dir: [])  # drawn in the fixture
    monkeypatch.setattr(cli, "run_verification", small_run)
    docs = tmp_path / "docs"
    assert main(["export", "--out-dir", str(docs), "--no-progress"]) == 0
    assert profiles == ["ci"]  # the tracked record is made under the derandomized profile
    assert json.loads((docs / "verification.json").read_text())["lemmas"][0]["id"] == CHECKED[0]
    assert (docs / "lemmas.md").exists() and (docs / "latex" / "lemmas.tex").exists()
    assert not (docs / "verification-thorough.json").exists()

    thorough = tmp_path / "thorough"
    assert main(["export", "--thorough", "--out-dir", str(thorough), "--no-progress", "--budget", "60"]) == 0
    assert profiles[-1] == "thorough"
    assert sorted(path.name for path in thorough.iterdir()) == ["verification-thorough.json"]


def test_verify_writes_under_results_by_default_and_never_into_docs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["verify", "--only", CHECKED[1], "--profile", "dev", "--no-progress"]) == 0
    assert sorted(str(path.relative_to(tmp_path)) for path in tmp_path.rglob("*")) == [
        "results",
        "results/verification.json",
    ]
    assert (
        main(
            [
                "verify",
                "--only",
                CHECKED[1],
                "--profile",
                "dev",
                "--no-progress",
                "--record",
                str(tmp_path / "elsewhere.json"),
            ]
        )
        == 0
    )
    assert (tmp_path / "elsewhere.json").is_file()
    capsys.readouterr()
    main(["list", "--only", CHECKED[1], "--no-progress"])  # list reads results/verification.json
    assert "from results/verification.json" in capsys.readouterr().out


@pytest.mark.parametrize("budget", ["0", "-3", "soon", "inf", "nan"])
def test_a_bad_budget_is_a_usage_error(budget, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["verify", "--budget", budget, "--only", CHECKED[1]])
    assert exit_info.value.code == 2 and "--budget" in capsys.readouterr().err


def test_a_budget_that_runs_out_stops_the_search_and_names_the_lemmas_not_checked(tmp_path, capsys):
    record_path = tmp_path / "record.json"  # a budget of 1e-9 s has run out before the first lemma starts
    code = main(
        [
            "verify",
            "--only",
            CHECKED[2],
            CHECKED[1],
            "--profile",
            "dev",
            "--budget",
            "1e-9",
            "--record",
            str(record_path),
            "--no-progress",
        ]
    )
    assert code == 1
    record = json.loads(record_path.read_text())
    assert record["summary"]["budget_exhausted"] and record["summary"]["budget_s"] == 1e-9
    assert sorted(record["summary"]["unchecked"]) == sorted([CHECKED[1], CHECKED[2]])
    assert [entry["status"] for entry in record["lemmas"]] == ["unverified", "unverified"]
    assert all("time budget" in entry["problems"][0] for entry in record["lemmas"])
    assert "time budget" in capsys.readouterr().err


def _entry(lemma_id, status, uses=(), checks=True, ok=True):
    return {
        "id": lemma_id,
        "status": status,
        "uses": list(uses),
        "corrected_by": [],
        "as_written": False,
        "checks": [{"name": "c"}] if checks else [],
        "ok": ok,
    }


def test_graph_statuses_follow_leanblueprint():
    entries = [
        _entry("a", "proved"),
        _entry("b", "verified", ["a"]),
        _entry("c", "proved", ["a"]),
        _entry("d", "proved", ["b"]),
        _entry("e", "open", ["c"], checks=False),
        _entry("f", "proved", ["e"]),
        _entry("g", "proved", ["ghost"]),
        _entry("h", "proved", ok=False),
        _entry("i", "proved", ["h"]),
    ]
    graph = graph_statuses(entries)
    assert {i for i, g in graph.items() if g["fully_proved"]} == {"a", "c"}  # d rests on b, only verified
    # f uses open e, g a missing id, i a lemma whose proof did not go through (h: "proved" with a problem)
    assert {i for i, g in graph.items() if g["ready"]} == {"a", "b", "c", "d", "e", "h"}
    assert graph["g"]["missing_uses"] == ["ghost"]
    assert (graph["e"]["fill"], graph["e"]["border"]) == ("ready", "ready")
    assert (graph["a"]["fill"], graph["b"]["fill"], graph["h"]["fill"]) == ("fully proved", "verified", "error")


def test_latex_escaping_keeps_math_and_escapes_text():
    assert escape_latex("a_b & 50% #1 {x} ~ ^") == r"a\_b \& 50\% \#1 \{x\} \textasciitilde{} \textasciicircum{}"
    assert latex_prose(r"loss_1 is $\theta_0 \cdot x$, cost $5") == r"loss\_1 is $\theta_0 \cdot x$, cost \$5"
    assert latex_prose("λ|x|² < 1") == r"$\lambda$\textbar{}x\textbar{}$^2$ \textless{} 1"


ASCII_FORMULA = re.compile(r"\b(lr|theta\w*|Psi|Phi\w*|sqrt|pi)\b|\^|_|!=|>=|<=")


def test_titles_with_ascii_formulas_have_a_latex_form():
    from theory.paper.latex_titles import LATEX_TITLES, latex_title

    lemmas = registry()
    missing = {
        i: lemma.title
        for i, lemma in lemmas.items()
        if lemma.title not in LATEX_TITLES and ASCII_FORMULA.search(lemma.title)
    }
    assert not missing, f"titles with ASCII formulas need a LaTeX form in theory/paper/latex_titles.py: {missing}"
    assert latex_title(lemmas["lr-inverse-iff"].title).count("$") == 2
    assert latex_title("a changed title, lr_1") == "a changed title, lr\\_1"  # a title without an entry: escaped
    assert ASCII_FORMULA.search("invertible iff lr |x|^2 != 1")  # the check can fail
    for latex in LATEX_TITLES.values():  # every form is balanced maths
        assert latex.count("$") % 2 == 0 and latex.count("{") == latex.count("}"), latex
