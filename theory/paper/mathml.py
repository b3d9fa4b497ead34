r"""Safe MathML for the annotated page: latex2mathml's element tree written out through an allow-list.

latex2mathml's string output is not safe to insert into HTML: the text of ``\text{...}`` is copied
verbatim (``$\text{<script>...</script>}$`` becomes a live ``<script>`` inside ``<mtext>``) and commands
such as ``\href`` and ``\style`` carry attributes from the draft. So the page never uses that string.
:func:`latex_to_mathml` takes latex2mathml's *element tree* and :func:`serialise` writes it again:

* only MathML presentation elements (:data:`ELEMENTS`) are written; any other element is dropped with
  its contents (there is no HTML, SVG or ``annotation-xml`` integration point in the output);
* only MathML presentation attributes (:data:`ATTRIBUTES`) are kept: no event handler (``on*``), no
  ``href``, ``src``, ``style``, ``id`` or ``class``; every kept value is escaped, and a value holding
  ``javascript:`` (in any case, with any white space) or a ``url(`` is dropped;
* every text is decoded from latex2mathml's character references (``&#x0003C;``) and escaped again
  (``&lt;``), so a ``</math>`` or a ``<`` in the draft is shown as the characters, never parsed as a tag.

The result is a well-formed ``<math>`` element with nothing in it that a browser executes.
"""

from __future__ import annotations

import html
import re
from typing import Any

__all__ = ["ELEMENTS", "ATTRIBUTES", "MATHML_NAMESPACE", "serialise", "latex_to_mathml"]

MATHML_NAMESPACE = "http://www.w3.org/1998/Math/MathML"

#: MathML presentation elements (MathML Core and the MathML 3 elements latex2mathml writes).
ELEMENTS = frozenset(
    """math mrow mi mn mo mtext ms mspace mfrac msqrt mroot mstyle merror mpadded mphantom
mfenced menclose msub msup msubsup munder mover munderover mmultiscripts mprescripts none mtable mtr mlabeledtr
mtd mstack mlongdiv msgroup msrow mscarries mscarry msline maction semantics annotation""".split()
)

#: MathML presentation attributes; no event handler, link, style or identifier.
ATTRIBUTES = frozenset(
    """display displaystyle scriptlevel mathvariant mathcolor mathbackground mathsize dir
stretchy fence separator separators lspace rspace minsize maxsize largeop movablelimits symmetric form accent
accentunder linethickness bevelled numalign denomalign notation width height depth voffset open close
columnalign rowalign columnlines rowlines columnspacing rowspacing columnwidth frame framespacing equalrows
equalcolumns rowspan columnspan align side minlabelspacing subscriptshift superscriptshift linebreak
encoding""".split()
)

_UNSAFE_VALUE = re.compile(
    r"j\s*a\s*v\s*a\s*s\s*c\s*r\s*i\s*p\s*t\s*:|v\s*b\s*s\s*c\s*r\s*i\s*p\s*t\s*:|"
    r"d\s*a\s*t\s*a\s*:|url\s*\(|expression\s*\(",
    re.I,
)


def _text(value: str | None) -> str:
    """latex2mathml's text (raw characters or ``&#x...;`` references) as escaped HTML text."""
    return html.escape(html.unescape(value), quote=False) if value else ""


def serialise(element: Any) -> str:
    """An :class:`xml.etree.ElementTree.Element` of MathML as HTML, through the allow-lists (module docstring).

    A dropped element leaves its tail text (the text after it, which belongs to its parent).
    """
    tag = str(element.tag).rsplit("}", 1)[-1]
    if tag not in ELEMENTS:
        return ""
    attributes = []
    if tag == "math":
        attributes.append(f' xmlns="{MATHML_NAMESPACE}"')
    for name, value in element.attrib.items():
        name = str(name).rsplit("}", 1)[-1].lower()
        value = html.unescape(str(value))
        if name in ATTRIBUTES and not _UNSAFE_VALUE.search(value):
            attributes.append(f' {name}="{html.escape(value, quote=True)}"')
    inner = _text(element.text) + "".join(serialise(child) + _text(child.tail) for child in element)
    return f"<{tag}{''.join(attributes)}>{inner}</{tag}>"


def latex_to_mathml(latex: str, display: bool) -> str:
    """LaTeX to a safe ``<math>`` element; latex2mathml's exceptions propagate (the caller shows the source)."""
    from latex2mathml.converter import convert_to_element

    return serialise(convert_to_element(latex, display="block" if display else "inline"))
