r"""What LaTeX actually reads of a source file, and the files it pulls in: the reading of ``theory cite-check``.

:func:`effective_source` removes from a ``.tex`` text what TeX never typesets, keeping every newline (so
line numbers stay those of the file):

* comments: ``%`` starts one unless a backslash escapes it (``\%`` is a percent sign, ``\\%`` a line
  break followed by a comment);
* the bodies of ``verbatim``, ``verbatim*``, ``Verbatim``, ``lstlisting``, ``minted`` and ``comment``
  environments (up to their ``\end{...}``, which a ``%`` inside them does not hide), and the argument of
  ``\verb``, ``\lstinline`` and ``\mintinline``;
* ``\iffalse ... \fi`` blocks (nested ``\if...`` counted; an ``\else`` at their depth ends the skipped part).

:func:`includes` lists the files the effective text pulls in, each with the folder its own ``\input``\ s
resolve against: ``\input{file}``, ``\input file`` (TeX's primitive syntax), ``\include{file}``,
``\subfile{file}`` (relative to the current base folder), ``\import{dir}{file}`` / ``\inputfrom`` /
``\includefrom`` (``dir`` relative to the main file's folder, or absolute) and ``\subimport{dir}{file}`` /
``\subinputfrom`` / ``\subincludefrom`` (relative to the current base folder); a name without a suffix
gets ``.tex``, as LaTeX does.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["strip_comments", "effective_source", "includes", "VERBATIM_ENVIRONMENTS"]

VERBATIM_ENVIRONMENTS = ("verbatim", "verbatim*", "Verbatim", "Verbatim*", "lstlisting", "minted", "comment")
_BEGIN_VERBATIM = re.compile(r"\\begin\s*\{(" + "|".join(re.escape(name) for name in VERBATIM_ENVIRONMENTS) + r")\}")
_INLINE_VERBATIM = re.compile(
    r"\\(?:verb\*?|lstinline(?:\[[^\]\n]*\])?|mintinline(?:\[[^\]\n]*\])?\{[^{}\n]*\})"
    r"(?![A-Za-z])"
)
_CONTROL_WORD = re.compile(r"\\([A-Za-z@]+)")


def _strip_line(line: str) -> str:
    index = 0
    while index < len(line):
        char = line[index]
        if char == "\\":
            index += 2
            continue
        if char == "%":
            return line[:index]
        index += 1
    return line


def strip_comments(text: str) -> str:
    r"""The text with every ``%`` comment removed (``\%`` kept, ``\\%`` a comment), line structure unchanged."""
    return "\n".join(_strip_line(line) for line in text.split("\n"))


def _newlines(text: str) -> str:
    return "\n" * text.count("\n")


def effective_source(text: str) -> str:
    """``text`` without comments, verbatim material and ``\\iffalse`` blocks (module docstring); newlines kept."""
    out: list[str] = []
    index, length = 0, len(text)
    while index < length:
        char = text[index]
        if char == "%":  # a comment: up to the end of the line
            end = text.find("\n", index)
            index = length if end < 0 else end
            continue
        if char != "\\":
            out.append(char)
            index += 1
            continue
        environment = _BEGIN_VERBATIM.match(text, index)
        if environment:  # the body up to \end{name}, raw (a % inside does not start a comment)
            closing = re.compile(r"\\end\s*\{" + re.escape(environment.group(1)) + r"\}")
            found = closing.search(text, environment.end())
            end = length if found is None else found.end()
            out.append(_newlines(text[index:end]))
            index = end
            continue
        inline = _INLINE_VERBATIM.match(text, index)
        if inline and inline.end() < length:
            delimiter = text[inline.end()]
            closing_char = "}" if delimiter == "{" else delimiter
            end = text.find(closing_char, inline.end() + 1)
            end = length if end < 0 else end + 1
            out.append(_newlines(text[index:end]))
            index = end
            continue
        word = _CONTROL_WORD.match(text, index)
        if word and word.group(1) == "iffalse":
            end = _end_of_false_branch(text, word.end())
            out.append(_newlines(text[index:end]))
            index = end
            continue
        out.append(text[index : index + 2])  # a control symbol (\%, \\, \{) or the start of a control word
        index += 2
    return "".join(out)


def _end_of_false_branch(text: str, index: int) -> int:
    r"""Where the skipped part of an ``\iffalse`` that ends at ``index`` stops: after its ``\fi``, or at an
    ``\else`` of the same depth (the text after it is read); comments are skipped while counting."""
    depth, length = 1, len(text)
    while index < length:
        char = text[index]
        if char == "%":
            end = text.find("\n", index)
            index = length if end < 0 else end
            continue
        if char != "\\":
            index += 1
            continue
        word = _CONTROL_WORD.match(text, index)
        if word is None:
            index += 2
            continue
        name = word.group(1)
        if name == "fi":
            depth -= 1
            if depth == 0:
                return word.end()
        elif name == "else" and depth == 1:
            return word.end()
        elif name.startswith("if"):
            depth += 1
        index = word.end()
    return length


_INCLUDE = re.compile(
    r"\\(?P<command>input|include|subfile)(?![A-Za-z@])\s*(?:\{(?P<braced>[^{}]+)\}"
    r"|(?P<bare>[^\s{}\\%]+))"
    r"|\\(?P<importer>import|subimport|inputfrom|subinputfrom|includefrom|subincludefrom)"
    r"(?![A-Za-z@])\*?\s*\{(?P<folder>[^{}]*)\}\s*\{(?P<name>[^{}]+)\}"
)


def _tex_file(path: Path) -> Path:
    return path if path.is_file() or path.suffix == ".tex" else path.with_name(path.name + ".tex")


def includes(text: str, base: Path, main_folder: Path) -> list[tuple[str, Path, Path]]:
    r"""``(as written, file, its base folder)`` for each file the *effective* ``text`` pulls in, in order.

    ``base`` is the folder that plain ``\input`` resolves against where ``text`` is read (the main file's
    folder, or the folder of an enclosing ``\import``); ``main_folder`` is the main file's folder.
    """
    found = []
    for match in _INCLUDE.finditer(text):
        if match.group("importer"):
            folder = Path(match.group("folder").strip())
            root = base if match.group("importer").startswith("sub") else main_folder
            folder = folder if folder.is_absolute() else root / folder
            name = match.group("name").strip()
            found.append((f"{match.group('folder')}{name}", _tex_file(folder / name), folder))
        else:
            name = (match.group("braced") or match.group("bare")).strip()
            found.append((name, _tex_file(base / name), base))
    return found
