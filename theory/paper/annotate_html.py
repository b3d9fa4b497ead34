r"""The HTML of ``python -m theory annotate``: the draft rendered with its claims marked in place.

How a claim is marked. Each quote was located in the draft's *source* (:mod:`theory.paper.annotate`); here one
private-use character is injected where its span opens (``U+E000 + i``) and one where it closes
(``U+EC00 + i``), and the source is rendered by markdown-it-py (CommonMark, tables, strikethrough, and
the dollar-math plugin). The markers pass through the parser as ordinary text, then:

* **Mathematics.** Each math token is converted to MathML by latex2mathml and written out through the
  allow-list of :mod:`theory.paper.mathml` (MathML elements and attributes only, every text escaped). A marker that fell inside
  a formula (a quote that starts or ends inside ``$...$``) is taken out of it: an opening marker goes
  before the ``<math>`` element, a closing one after it, so a span is *widened* to whole formulas and
  no formula is ever split. A formula latex2mathml cannot convert is shown as its LaTeX in ``<code>``
  (without the ``$`` delimiters) and counted.
* **Nesting.** The rendered HTML is re-balanced (:func:`place_claims`): a claim whose span crosses an
  element boundary (a paragraph break, the end of emphasis, another claim) is closed before the boundary
  and continued after it. The *first* piece carries ``data-lemma="<id>"`` and ``data-status``; the
  continuations carry ``data-part-of="<id>"``, so each quoted lemma is exactly one ``data-lemma``
  element, and no ``<span>`` ever contains a block element.

Every element of the page is written by this package with its text and attribute values escaped
(``html.escape``); markdown-it-py runs with raw HTML off, so HTML in the draft or a record is shown as text.
The page needs no network: MathML is rendered by the browser, the pop-over is twenty lines of inline
JavaScript, and every note is also printed at the end of the page (it works without JavaScript).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from theory.paper.lemma_graph import BORDERS, FILLS

__all__ = [
    "OPEN_BASE",
    "CLOSE_BASE",
    "STATUS_COLOURS",
    "inject_markers",
    "render_markdown",
    "place_claims",
    "render_inline",
    "page",
]

OPEN_BASE, CLOSE_BASE, MARKER_LIMIT = 0xE000, 0xEC00, 0x0C00

#: status -> (fill, border): the lemma graph's legend (theory.paper.lemma_graph), one colour per derived status.
STATUS_COLOURS = {
    "proved": (FILLS["proved"], BORDERS["checked"]),
    "verified": (FILLS["verified"], BORDERS["checked"]),
    "refuted": (FILLS["refuted"], BORDERS["refuted"]),
    "open": (FILLS["ready"], BORDERS["ready"]),
    "error": (FILLS["error"], BORDERS["other"]),
    "unverified": (FILLS["other"], BORDERS["other"]),
}
SYMBOLS = {"proved": "✔", "verified": "✔", "refuted": "✘", "open": "?", "error": "!", "unverified": "·"}

_BLOCK_TAGS = frozenset(
    """address article aside blockquote details dialog dd div dl dt fieldset figcaption figure
footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody td tfoot th thead tr ul
""".split()
)
_VOID_TAGS = frozenset({"br", "hr", "img", "input", "meta", "link", "col", "wbr"})
_MARKER = re.compile(f"[{chr(OPEN_BASE)}-{chr(CLOSE_BASE + MARKER_LIMIT - 1)}]")
_TAG = re.compile(r"(<[^>]*>)")
_TAG_NAME = re.compile(r"</?\s*([A-Za-z][A-Za-z0-9-]*)")


def _open(i: int) -> str:
    return chr(OPEN_BASE + i)


def _close(i: int) -> str:
    return chr(CLOSE_BASE + i)


# ----------------------------------------------------------------------------- markers in the source
_BLOCK_PREFIX = re.compile(r"[ \t]*(?:>[ \t]?)*[ \t]*(?:(?:[-*+]|\d{1,9}[.)]|#{1,6})[ \t]+)?")


def _after_block_prefix(text: str, position: int) -> int:
    """Move a position that lies in a line's block prefix (``> ``, ``- ``, ``1. ``, ``## ``) past it.

    A marker before a list bullet or a ``>`` would stop the line from being that block.
    """
    line_start = text.rfind("\n", 0, position) + 1
    prefix = _BLOCK_PREFIX.match(text, line_start)
    assert prefix is not None  # every part of the pattern is optional: it matches (maybe empty) at any position
    prefix_end = prefix.end()
    return prefix_end if line_start <= position < prefix_end else position


_LINK_DESTINATION = re.compile(r"\]\([^()\s]*(?:\s+\"[^\"]*\")?\)")


def _out_of_link_destination(text: str, position: int) -> int:
    """Move a position inside a link's ``](destination)`` to its end: a marker there would vanish into the URL."""
    for match in _LINK_DESTINATION.finditer(text):
        if match.start() < position < match.end():
            return match.end()
        if match.start() >= position:
            break
    return position


def inject_markers(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """The source with an opening marker at each span's start and a closing one at its end.

    At one position closings come before openings; spans opening together open longest first and
    close in reverse order, so identical or nested spans nest. A span that starts with a ``$``
    delimiter gets its opening marker just inside it (and a span ending with one its closing marker
    just inside): the math renderer then moves it out, around the whole formula.
    """
    if len(spans) >= MARKER_LIMIT:
        raise ValueError(f"at most {MARKER_LIMIT - 1} quotes can be marked, got {len(spans)}")
    events = []
    for i, (start, end) in enumerate(spans):
        start = _out_of_link_destination(text, _after_block_prefix(text, start))
        end = _out_of_link_destination(text, end)
        if start < end and text[start] == "$" and (start == 0 or text[start - 1] != "\\"):
            start += 2 if text.startswith("$$", start) and start + 2 <= end else 1
        if end > start and text[end - 1] == "$" and (end < 2 or text[end - 2] != "\\"):
            end -= 2 if end - 2 >= start and text[end - 2 : end] == "$$" else 1
        # sort key: position, closings (0) before openings (1); openings: longer first; closings: later-opened first
        if end < start:
            end = start
        events.append((end, 0 if end > start else 2, -start, -i, _close(i)))  # an empty span closes after opening
        events.append((start, 1, -end, i, _open(i)))
    events.sort()
    pieces, cursor = [], 0
    for position, _, _, _, marker in events:
        pieces += [text[cursor:position], marker]
        cursor = position
    pieces.append(text[cursor:])
    return "".join(pieces)


# ----------------------------------------------------------------------------- markdown and mathematics
def _math_renderer(display: bool) -> Callable[..., str]:
    from theory.paper.mathml import latex_to_mathml

    def render(self: Any, tokens: Sequence[Any], idx: int, options: Any, env: dict[str, Any]) -> str:
        content = tokens[idx].content
        markers = _MARKER.findall(content)
        latex = _MARKER.sub("", content).strip()
        opens = "".join(m for m in markers if ord(m) < CLOSE_BASE)
        closes = "".join(m for m in markers if ord(m) >= CLOSE_BASE)
        try:
            body = latex_to_mathml(latex, display)
        except Exception as error:  # a formula latex2mathml cannot read is shown as its source, and counted
            env.setdefault("math_failures", []).append(f"{latex!r}: {type(error).__name__}: {error}")
            body = f'<code class="math-error" title="not converted to MathML">{html.escape(latex)}</code>'
        if display:  # the markers go inside the block, so a claim's span never holds a <div>
            return f'<div class="math-display">{opens}{body}{closes}</div>\n'
        return f"{opens}{body}{closes}"

    return render


@lru_cache(maxsize=1)
def _parser() -> Any:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    parser = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    parser.use(dollarmath_plugin, double_inline=True)
    for name, display in (
        ("math_inline", False),
        ("math_inline_double", True),
        ("math_block", True),
        ("math_block_label", True),
    ):
        parser.add_render_rule(name, _math_renderer(display))
    return parser


_ALERT = re.compile(r"<blockquote>\n<p>\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]\s*")


def render_markdown(source: str, failures: list[str] | None = None) -> str:
    """Markdown (with ``$``/``$$`` mathematics) to HTML with MathML; GitHub's ``> [!TIP]`` alerts styled.

    Formulas latex2mathml cannot convert are appended to ``failures``.
    """
    env = {"math_failures": [] if failures is None else failures}
    rendered = _parser().render(source, env)
    return _ALERT.sub(
        lambda m: (
            f'<blockquote class="alert alert-{m.group(1).lower()}">\n'
            f'<p><strong class="alert-title">{m.group(1).title()}</strong> '
        ),
        rendered,
    )


def render_inline(source: str, failures: list[str] | None = None) -> str:
    """One Markdown line (a statement with ``$...$``) to inline HTML with MathML."""
    return _parser().renderInline(source, {"math_failures": [] if failures is None else failures})


# ----------------------------------------------------------------------------- balancing the claims
def place_claims(rendered: str, claims: Sequence[Mapping[str, str]]) -> str:
    """Replace the markers by ``<span>`` elements, re-balanced (see the module docstring).

    ``claims[i]`` holds ``id``, ``status`` and ``title`` of the lemma whose span uses marker ``i``.
    After a claim's last piece a small badge links to its note.
    """
    out: list[str] = []
    stack: list[tuple[str, Any]] = []  # ("el", (name, open tag)) or ("claim", i)
    pending: list[int] = []  # claims closed at a boundary, to continue at the next content
    started: set[int] = set()

    def claim_tag(i: int) -> str:
        claim = claims[i]
        status = html.escape(claim["status"])
        if i in started:
            return f'<span class="claim st-{status}" data-part-of="{html.escape(claim["id"])}">'
        started.add(i)
        title = html.escape(f"{claim['id']} ({claim['status']}): {claim.get('title', '')}")
        return (
            f'<span class="claim st-{status}" data-lemma="{html.escape(claim["id"])}" data-status="{status}" '
            f'title="{title}" tabindex="0">'
        )

    def badge(i: int) -> str:
        claim = claims[i]
        status = claim["status"]
        return (
            f'<a class="badge st-{html.escape(status)}" href="#note-{html.escape(claim["id"])}" '
            f'data-note="{html.escape(claim["id"])}">{SYMBOLS.get(status, "·")}&#x202F;{html.escape(status)}</a>'
        )

    def resume() -> None:
        while pending:
            i = pending.pop(0)
            stack.append(("claim", i))
            out.append(claim_tag(i))

    def open_claim(i: int) -> None:  # opened at the next content, so that its first piece is never empty
        pending.append(i)

    def close_claim(i: int) -> None:
        if i in pending and i not in started:  # nothing since it opened: an empty element, still one per lemma
            resume()
        if i in pending:
            pending.remove(i)
            add_badge(i)
            return
        if ("claim", i) not in stack:
            add_badge(i)
            return
        reopen = []
        while stack:
            kind, value = stack.pop()
            if kind == "claim" and value == i:
                out.append("</span>")
                break
            out.append("</span>" if kind == "claim" else f"</{value[0]}>")
            reopen.append((kind, value))
        add_badge(i)
        for kind, value in reversed(reopen):
            stack.append((kind, value))
            out.append(claim_tag(value) if kind == "claim" else value[1])

    deferred: list[str] = []  # badges of claims that ended inside a link: placed after it (no <a> in an <a>)

    def add_badge(i: int) -> None:
        if any(kind == "el" and value[0] == "a" for kind, value in stack):
            deferred.append(badge(i))
        else:
            out.append(badge(i))

    def close_element(name: str) -> None:
        if not any(kind == "el" and value[0] == name for kind, value in stack):
            out.append(f"</{name}>")  # unbalanced input: pass it on
            return
        closed_claims = []
        while stack:
            kind, value = stack.pop()
            if kind == "claim":
                out.append("</span>")
                closed_claims.append(value)
                continue
            out.append(f"</{value[0]}>")
            if value[0] == name:
                break
        pending[:0] = list(reversed(closed_claims))
        if name == "a" and deferred:
            out.extend(deferred)
            deferred.clear()

    for piece in _TAG.split(rendered):
        if not piece:
            continue
        if piece.startswith("<"):
            match = _TAG_NAME.match(piece)
            if match is None or piece.startswith("<!"):
                out.append(piece)
                continue
            name = match.group(1).lower()
            if piece.startswith("</"):
                close_element(name)
                continue
            if name in _BLOCK_TAGS:
                closed = []
                while stack and stack[-1][0] == "claim":
                    out.append("</span>")
                    closed.append(stack.pop()[1])
                pending[:0] = list(reversed(closed))
            else:
                resume()
            out.append(piece)
            if name not in _VOID_TAGS and not piece.endswith("/>"):
                stack.append(("el", (name, piece)))
            continue
        for chunk in re.split(f"({_MARKER.pattern})", piece):
            if not chunk:
                continue
            if _MARKER.fullmatch(chunk):
                code = ord(chunk)
                if code < CLOSE_BASE:
                    open_claim(code - OPEN_BASE)
                else:
                    close_claim(code - CLOSE_BASE)
            else:
                if chunk.strip():
                    resume()
                out.append(chunk)
    return "".join(out)


# ----------------------------------------------------------------------------- the page
_CSS = """
body{font:16px/1.55 Georgia,'Times New Roman',serif;margin:0;color:#1d1d1d;background:#fafafa}
main{max-width:52rem;margin:0 auto;padding:1rem 1.5rem 4rem;background:#fff}
h1,h2,h3,h4{font-family:Helvetica,Arial,sans-serif;line-height:1.25}
code{font-size:.9em;background:#f2f2f2;padding:0 .2em}
blockquote{border-left:4px solid #ccc;margin:1em 0;padding:.1em 1em;color:#333}
.alert-tip{border-color:#1f883d}.alert-note{border-color:#0969da}.alert-warning{border-color:#9a6700}
.alert-title{font-family:Helvetica,Arial,sans-serif}
.math-display{overflow-x:auto;overflow-y:hidden;margin:.6em 0;padding:.15em 0;text-align:center}
.math-display>.claim{display:inline-block;padding:0 .4em}
.claim{border-bottom:2px solid #888;border-radius:2px;cursor:pointer;padding:0 1px}
.badge{font:bold 11px/1 Helvetica,Arial,sans-serif;text-decoration:none;color:#1d1d1d;border:1px solid #888;
 border-radius:8px;padding:1px 5px;margin-left:2px;vertical-align:super;white-space:nowrap}
.banner{font-family:Helvetica,Arial,sans-serif;font-size:14px;border:1px solid #ccc;background:#f6f8fa;
 padding:.6rem 1rem;margin:1rem 0}
.banner .stale{background:#fff4e5;border:1px solid #d08700;padding:.4rem .8rem;margin:.5rem 0}
.legend span{display:inline-block;margin:2px 6px 2px 0;padding:0 6px;border-bottom:2px solid}
.note{font-family:Helvetica,Arial,sans-serif;font-size:14px;border:1px solid #ddd;border-left:6px solid #888;
 padding:.4rem .9rem;margin:.8rem 0;background:#fff}
.note pre{white-space:pre-wrap;background:#f6f8fa;padding:.4rem;font-size:12px;max-height:14rem;overflow:auto}
.note dt{font-weight:bold;margin-top:.4rem}.note dd{margin-left:1rem}
.note:target{outline:3px solid #1f4fd8}
#popover{position:absolute;z-index:10;max-width:34rem;max-height:70vh;overflow:auto;display:none;
 box-shadow:0 4px 18px rgba(0,0,0,.25)}
#popover .close{float:right;cursor:pointer;border:none;background:none;font-size:18px}
"""

_JS = """
(function(){
  var pop=document.getElementById('popover');
  function show(id,anchor){
    var note=document.getElementById('note-'+id); if(!note){return;}
    pop.className=note.className; pop.style.borderLeftColor=note.style.borderLeftColor;
    pop.innerHTML='<button class="close" aria-label="close">\\u00d7</button>'+note.innerHTML;
    var r=anchor.getBoundingClientRect();
    pop.style.left=Math.max(8,Math.min(window.scrollX+r.left,window.scrollX+document.documentElement.clientWidth-560))+'px';
    pop.style.top=(window.scrollY+r.bottom+6)+'px'; pop.style.display='block';
  }
  document.addEventListener('click',function(e){
    var t=e.target.closest('[data-lemma],[data-part-of],[data-note]');
    if(t){e.preventDefault();
      show(t.getAttribute('data-lemma')||t.getAttribute('data-part-of')||t.getAttribute('data-note'),t);return;}
    if(!e.target.closest('#popover')||e.target.closest('.close')){pop.style.display='none';}
  });
  document.addEventListener('keydown',function(e){if(e.key==='Escape'){pop.style.display='none';}
    if(e.key==='Enter'&&document.activeElement&&document.activeElement.dataset.lemma){
      show(document.activeElement.dataset.lemma,document.activeElement);}});
})();
"""


def status_css() -> str:
    """One rule per status: the lemma graph's fill as background, its border colour underneath."""
    rules = []
    for status, (fill, border) in STATUS_COLOURS.items():
        rules.append(f".st-{status}{{background:{fill};border-color:{border}!important}}")
        rules.append(f".note.st-{status}{{background:#fff;border-left-color:{border}}}")
    return "\n".join(rules)


def page(title: str, banner: str, body: str, notes: str) -> str:
    """The whole HTML document (UTF-8, no external resource)."""
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}\n{status_css()}</style>\n</head>\n<body>\n<main>\n"
        f'{banner}\n<article id="draft">\n{body}\n</article>\n'
        f'<section id="notes">\n<h2>Notes: the lemmas behind each marked claim</h2>\n{notes}\n</section>\n'
        f'</main>\n<div id="popover" role="dialog"></div>\n<script>{_JS}</script>\n</body>\n</html>\n'
    )
