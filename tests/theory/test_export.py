"""Exports of a verification record: catalog, LaTeX (structure, and a compile where pdflatex exists), graph."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree

import pytest

import theory.cli as cli
from theory.cite_check import strip_comments
from theory.cli import main
from theory.export import escape_latex, export_entries, latex_prose
from theory.lemma_graph import graph_statuses
from theory.registry import registry
from theory.verify import run_verification, status_counts, write_record

CHECKED = ("ga-error-middle-step", "ga-exact-iff", "ga-linear-error")  # refuted, proved, proved with Hypothesis evidence


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    record_path = write_record(run_verification(CHECKED, "dev", progress=False), folder / "verification.json")
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


def test_export_writes_the_four_files(exported):
    docs, _ = exported
    assert sorted(path.name for path in docs.iterdir()) == ["lemma-graph.png", "lemma-graph.svg", "lemmas.md", "lemmas.tex"]
    assert (docs / "lemma-graph.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg_text = "".join(ElementTree.parse(docs / "lemma-graph.svg").getroot().itertext())
    assert all(lemma_id in svg_text for lemma_id in registry())  # every lemma is a node, labelled by its id


def test_latex_has_one_labelled_lemma_per_registered_id_and_balanced_structure(exported):
    tex = strip_comments((exported[0] / "lemmas.tex").read_text())
    labels = re.findall(r"\\label\{lem:([^}]*)\}", tex)
    assert sorted(labels) == sorted(registry())
    assert tex.count("\\begin{lemma}") == tex.count("\\end{lemma}") == len(registry())
    assert _environments_balanced(tex)
    assert set(re.findall(r"\\ref\{(lem:[^}]*)\}", tex)) <= {f"lem:{i}" for i in labels}
    unescaped = re.sub(r"\\[{}]", "", tex)
    assert unescaped.count("{") == unescaped.count("}")
    for guard in ("\\@ifundefined{lemma}", "\\@ifundefined{remark}", "\\providecommand{\\noncommutestatus}"):
        assert guard in tex


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
@pytest.mark.parametrize("where", ["body", "preamble"])
def test_latex_compiles_when_input_in_the_body_or_the_preamble(exported, tmp_path, where):
    lemmas = (exported[0] / "lemmas.tex").as_posix()
    preamble, body = (f"\\input{{{lemmas}}}", "\\noncommutelemmas") if where == "preamble" else ("", f"\\input{{{lemmas}}}")
    (tmp_path / "paper.tex").write_text("\\documentclass{article}\\usepackage{amsmath,amssymb,amsthm}\n"
                                        f"{preamble}\n\\begin{{document}}\n{body}\n\\end{{document}}\n")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "paper.tex"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-3000:]
    assert (tmp_path / "paper.pdf").exists()


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


def test_export_runs_verify_first_when_the_record_is_missing(tmp_path, monkeypatch):
    import theory.export

    real = cli.run_verification
    monkeypatch.setattr(theory.export, "draw_graph", lambda entries, graph, out_dir: [])  # drawn in the fixture
    monkeypatch.setattr(cli, "run_verification", lambda only, profile, progress: real(CHECKED[:1], profile, progress))
    record_path = tmp_path / "verification.json"
    assert main(["export", "--record", str(record_path), "--out-dir", str(tmp_path / "docs"), "--no-progress"]) == 0
    assert json.loads(record_path.read_text())["lemmas"][0]["id"] == CHECKED[0]
    assert (tmp_path / "docs" / "lemmas.md").exists()


def _entry(lemma_id, status, uses=(), checks=True, ok=True):
    return {"id": lemma_id, "status": status, "uses": list(uses), "corrected_by": [], "as_written": False,
            "checks": [{"name": "c"}] if checks else [], "ok": ok}


def test_graph_statuses_follow_leanblueprint():
    entries = [_entry("a", "proved"), _entry("b", "verified", ["a"]), _entry("c", "proved", ["a"]),
               _entry("d", "proved", ["b"]), _entry("e", "open", ["c"], checks=False), _entry("f", "proved", ["e"]),
               _entry("g", "proved", ["ghost"]), _entry("h", "proved", ok=False), _entry("i", "proved", ["h"])]
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
