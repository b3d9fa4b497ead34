r"""theory.paper.latex_source: what cite-check reads of a LaTeX file, and the files it follows."""

from __future__ import annotations

import pytest

from theory.paper.cite_check import find_citations, find_labels, find_typeset, read_paper
from theory.paper.latex_source import effective_source


def _cited(text: str) -> list[tuple[str, int]]:
    return [(c.lemma_id, c.line) for c in find_citations(text)]


@pytest.mark.parametrize(
    "text",
    [
        "\\begin{verbatim}\n\\ref{lem:a}\n\\end{verbatim}\n\\ref{lem:b}",
        "\\begin{verbatim*}\\ref{lem:a}\\end{verbatim*}\n\\ref{lem:b}",
        "\\begin{lstlisting}[language=TeX]\n50% \\ref{lem:a}\n\\end{lstlisting}\n\\ref{lem:b}",
        "\\begin{minted}{latex}\n\\cref{lem:a}\n\\end{minted}\n\\ref{lem:b}",
        "\\begin{comment}\n\\ref{lem:a}\n\\end{comment}\n\\ref{lem:b}",
        "\\iffalse\n\\ref{lem:a}\n\\fi\n\\ref{lem:b}",
        "\\iffalse \\ifx\\a\\b \\ref{lem:a} \\else \\ref{lem:a} \\fi \\ref{lem:a}\n\\fi\n\\ref{lem:b}",
        "\\iffalse % \\fi in a comment does not end it\n\\ref{lem:a}\n\\fi\n\\ref{lem:b}",
        "\\verb|\\ref{lem:a}| and \\verb+\\ref{lem:a}+\n\\ref{lem:b}",
        "\\lstinline{\\ref{lem:a}} \\mintinline{tex}|\\ref{lem:a}|\n\\ref{lem:b}",
        "% \\ref{lem:a}\n\\ref{lem:b}",
    ],
)
def test_verbatim_iffalse_and_comments_cite_nothing_and_lines_are_kept(text):
    cited = _cited(text)
    assert [lemma for lemma, _ in cited] == ["b"], cited
    assert cited[0][1] == text[: text.index("\\ref{lem:b}")].count("\n") + 1  # the line in the file


def test_the_else_branch_of_iffalse_and_text_after_the_environments_are_read():
    assert _cited("\\iffalse \\ref{lem:a} \\else \\ref{lem:c} \\fi\n\\ref{lem:b}") == [("c", 1), ("b", 2)]
    assert find_labels("\\begin{verbatim}\\label{lem:x}\\end{verbatim}\\label{lem:y}") == {"y"}
    assert [c.lemma_id for c in find_typeset("\\iffalse\\noncommutecite{x}\\fi\\noncommutecite{y}")] == ["y"]
    assert effective_source("a\\%b % c\nd") == "a\\%b \nd"  # an escaped percent is text


def test_the_reader_is_not_fooled_by_its_own_control_words():
    assert _cited("\\iffalsex \\ref{lem:a}") == [("a", 1)]  # \iffalsex is another macro, not \iffalse
    assert _cited("\\verbatimfont \\ref{lem:a}") == [("a", 1)]
    assert _cited("\\begin{verbatim}\\ref{lem:a}") == []  # unclosed: the rest of the file is verbatim, as for LaTeX


def test_input_import_and_subimport_are_followed_relative_to_their_folders(tmp_path):
    (tmp_path / "chapters" / "deep").mkdir(parents=True)
    (tmp_path / "main.tex").write_text(
        "\\input chapter1\n\\import{chapters/}{two}\n\\iffalse\\input{skipped}\\fi\n"
        "\\begin{verbatim}\\input{verbatim}\\end{verbatim}\n"
    )
    (tmp_path / "chapter1.tex").write_text("\\ref{lem:one}\n")
    (tmp_path / "chapters" / "two.tex").write_text("\\ref{lem:two}\n\\subimport{deep/}{three}\n\\input{four}\n")
    (tmp_path / "chapters" / "deep" / "three.tex").write_text("\\ref{lem:three}\n")
    (tmp_path / "chapters" / "four.tex").write_text("\\ref{lem:four}\n")  # \input inside an import: its folder
    for name in ("skipped", "verbatim"):
        (tmp_path / f"{name}.tex").write_text(f"\\ref{{lem:{name}}}\n")
    paper = read_paper(tmp_path / "main.tex")
    assert [c.lemma_id for c in paper.citations] == ["one", "two", "three", "four"]
    assert paper.notes == []
    (tmp_path / "chapters" / "deep" / "three.tex").unlink()
    assert read_paper(tmp_path / "main.tex").notes == [
        f"{tmp_path / 'chapters' / 'two.tex'}: included file 'deep/three' not found, not checked"
    ]
