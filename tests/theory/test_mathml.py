"""theory.paper.mathml: latex2mathml's tree written out through the allow-lists (fast, no browser)."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from html.parser import HTMLParser

import pytest

from theory.paper.annotate_html import render_inline, render_markdown
from theory.paper.mathml import ATTRIBUTES, ELEMENTS, latex_to_mathml, serialise

HOSTILE = [
    r"\text{<script>alert(1)</script>}",
    r"</math><img src=x onerror=alert(1)>",
    r"\text{</mtext></math><svg onload=alert(1)>}",
    r"\text{<img src=x onerror=alert(1)>}",
    r'\text{<annotation-xml encoding="text/html"><img src=x onerror=alert(1)></annotation-xml>}',
    r"\href{javascript:alert(1)}{x}",
    r"\style{background:url(javascript:alert(1))}{y}",
    r'\color{red" onclick="alert(1)}{y}',
    r"\mathrm{<script>}",
    r"\operatorname{</math><script>alert(1)</script>}",
]


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text, as a browser's tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {name: value or "" for name, value in attrs}))

    def handle_data(self, data):
        self.text.append(data)


def _tags(markup: str) -> _Tags:
    parser = _Tags()
    parser.feed(markup)
    parser.close()
    return parser


@pytest.mark.parametrize("latex", HOSTILE)
def test_hostile_latex_gives_only_mathml_elements_and_attributes(latex):
    for display in (False, True):
        markup = latex_to_mathml(latex, display)
        parsed = _tags(markup)
        assert parsed.tags[0][0] == "math"
        for tag, attributes in parsed.tags:
            assert tag in ELEMENTS, (latex, tag)
            assert set(attributes) <= ATTRIBUTES | {"xmlns"}, (latex, attributes)
            assert not any(name.startswith("on") for name in attributes)
            assert not any("javascript" in value.lower() for value in attributes.values())
        ElementTree.fromstring(markup)  # well-formed: no tag left open, nothing broke out of <math>
        assert markup.count("<math") == 1 and markup.endswith("</math>")


def test_the_text_of_a_hostile_formula_is_kept_as_characters():
    markup = latex_to_mathml(r"\text{<script>alert(1)</script>} < 3", False)
    assert "<script" not in markup and "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
    assert "<mo>&lt;</mo>" in markup  # the < of the formula, decoded from latex2mathml's &#x0003C; and escaped again
    assert "".join(_tags(markup).text) == "<script>alert(1)</script><3"


ORDINARY = [
    r"\frac{a}{b} + \sqrt[3]{x_1^2} \ne \left(\mathrm{d}\theta\right)",
    r"\begin{pmatrix} a & b \\ c & d \end{pmatrix}\quad \mathbb{E}\,\|\nabla L\|^2 \le \tfrac12",
    r"\mathrm{adv}\,\hat{\theta}_{\text{ret}} = \sum_{i=1}^{n} \overbrace{g_i}^{z} \boldsymbol{x}",
]


@pytest.mark.parametrize("latex", ORDINARY)
def test_ordinary_formulas_keep_every_element_attribute_and_character(latex):
    from latex2mathml.converter import convert

    for display in ("inline", "block"):
        safe, plain = _tags(latex_to_mathml(latex, display == "block")), _tags(convert(latex, display=display))
        assert safe.tags == plain.tags and safe.text == plain.text


def test_a_dropped_element_takes_its_contents_and_unsafe_values_are_dropped():
    tree = ElementTree.fromstring(
        '<math><mi onclick="x" mathcolor="javascript:x" mathvariant="bold">a</mi>'
        '<script>alert(1)</script>tail<mtext href="javascript:x">b</mtext></math>'
    )
    assert serialise(tree) == (
        '<math xmlns="http://www.w3.org/1998/Math/MathML"><mi mathvariant="bold">a</mi>tail<mtext>b</mtext></math>'
    )


def test_the_markdown_renderer_uses_the_safe_path_for_blocks_and_inline_text():
    page = render_markdown("A $\\text{<script>x</script>}$ and $$\\text{<img src=x onerror=y>}$$ <b onclick=1>b</b>")
    line = render_inline("$</math><script>x</script>$")
    for markup in (page, line):
        assert not any(
            tag in ("script", "img", "svg") or any(name.startswith("on") for name in attributes)
            for tag, attributes in _tags(markup).tags
        ), markup
