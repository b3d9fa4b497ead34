"""`python -m theory annotate`: each quote one marked element with its derived status, stale quotes, errors, browser.

The unit tests use a small draft written here and fake lemmas whose statuses are derived by
:func:`theory.checking.status.evaluate` (a sympy identity, an mpmath case that holds, one that breaks, no check).
The browser test renders the real draft and reads the page back through headless Chromium.
"""

from __future__ import annotations

import html
import json
import os
import shutil
import subprocess
import sys
import types
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import theory.checking.registry as registry_module
import theory.checking.verify
from theory.checking.building_blocks import compare, is_zero
from theory.checking.registry import Counterexample, Lemma, OracleCheck, SympyProof, every_size, registry
from theory.checking.status import evaluate
from theory.cli import main
from theory.paper.annotate import (
    HTML_NAME,
    MARKDOWN_NAME,
    SUMMARY_NAME,
    annotate,
    default_draft_path,
    find_quote,
    math_sentences,
    normalise,
)
from theory.paper.annotate_html import inject_markers, place_claims, render_markdown

DRAFT = r"""# A small draft

## Notations

We consider the framework $\theta_{t+1} = \Phi_t(\theta_t)$ where $\Phi_t$ is the optimization
function. Gradient steps do not commute in general, since the gradient depends on $\theta$.

Gradient ascent computes

$$\theta_2 = \theta_1 + \lambda g_z (\theta_1) \ne \theta_0$$

since $g_z (\theta_1) \ne g_z (\theta_0)$. This is **very
important** for unlearning.

- Poisons with high amplitude are hard to unlearn.
- Machine unlearning gets harder with higher-dimensional input spaces.

> [!TIP] See [Koh et al](https://arxiv.org/pdf/1703.04730) and `code $x$`, then $z_{\mathrm{adv}}$.
"""


def _identity() -> bool:
    x = sympy.Symbol("x")
    return is_zero((x + 1) ** 2 - x**2 - 2 * x - 1)  # a decision point its negative control can reach


def _oracle(name: str, holds: bool) -> OracleCheck:
    return OracleCheck(
        name, lambda: [{"a": 1}], lambda case: compare(0.0 if holds else 2.0, 1.0, "fake case"), "one fake case"
    )


def _lemma(lemma_id: str, quote: str, **fields) -> Lemma:
    return Lemma(
        id=lemma_id,
        title=f"title of {lemma_id}",
        statement=f"statement of {lemma_id} with $x^2$",
        source="A small draft",
        as_written=True,
        quote=quote,
        **fields,
    )


FIX = Lemma(
    id="fake-fix",
    title="the correction",
    statement="$a = 1$",
    source="added",
    as_written=False,
    checks=(SympyProof("identity", _identity, "(x+1)^2 expands", coverage=every_size("size-free")),),
)
LEMMAS = [
    _lemma(
        "fake-framework",
        r"We consider the framework $\theta_{t+1} = \Phi_t(\theta_t)$ where",
        checks=(SympyProof("identity", _identity, "(x+1)^2 expands", coverage=every_size("size-free")),),
    ),
    # starts inside a formula: widened to the whole formula, never split
    _lemma("fake-inside-math", r"\Phi_t$ is the optimization function.", checks=(_oracle("case", True),)),
    _lemma(
        "fake-refuted",
        "Gradient steps do not\n   commute in general",
        checks=(_oracle("case", False),),
        counterexample=Counterexample("case", {"a": 1}, "mpmath"),
        corrected_by=("fake-fix",),
    ),
    # crosses a display formula and two paragraphs
    _lemma("fake-across", r"computes $$\theta_2 = \theta_1 + \lambda g_z (\theta_1) \ne \theta_0$$ since"),
    # two readings of one claim with the same words, crossing a bold span and a list item
    _lemma(
        "fake-reading-a",
        "is **very important** for unlearning. - Poisons with high amplitude",
        claim="fake-claim",
        reading="a",
        checks=(_oracle("case", True),),
    ),
    _lemma(
        "fake-reading-b",
        "is **very important** for unlearning. - Poisons with high amplitude",
        claim="fake-claim",
        reading="b",
    ),
    _lemma("fake-stale", "a sentence the authors have since rewritten"),
    FIX,
]


_BLOCKS = {"p", "div", "ul", "ol", "li", "blockquote", "h1", "h2", "h3", "pre", "table", "section"}


class _Elements(HTMLParser):
    """Every start tag with its attributes, whether tags nest properly, and the text outside math and code."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.text: list[str] = []
        self.texts_by_lemma: dict[str, list[str]] = {}
        self._claims: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = {key: value or "" for key, value in attrs}
        self.tags.append((tag, attributes))
        if tag in ("br", "hr", "meta", "img", "input"):
            return
        if tag in _BLOCKS and any(self._claims):
            self.errors.append(f"<{tag}> inside the claim span of {[c for c in self._claims if c]}")
        self.stack.append(tag)
        lemma = attributes.get("data-lemma") or attributes.get("data-part-of")
        self._claims.append(lemma)

    def handle_startendtag(self, tag, attrs):  # <mspace/>: MathML's self-closing elements
        self.tags.append((tag, {key: value or "" for key, value in attrs}))

    def handle_endtag(self, tag):
        if tag in ("br", "hr", "meta", "img", "input"):
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()
        self._claims.pop()

    def handle_data(self, data):
        inside = set(self.stack)
        if not inside & {"math", "code", "pre", "script", "style"}:
            self.text.append(data)
        for lemma in {claim for claim in self._claims if claim}:
            self.texts_by_lemma.setdefault(lemma, []).append(data)

    def marked(self) -> list[tuple[str, str]]:
        return [(a["data-lemma"], a.get("data-status", "")) for _, a in self.tags if "data-lemma" in a]


def _parse(page: str) -> _Elements:
    parser = _Elements()
    parser.feed(page)
    parser.close()
    return parser


@pytest.fixture
def fake_registry(monkeypatch, tmp_path):
    registry()  # load the real lemmas once, then replace them by the fakes
    monkeypatch.setattr(registry_module, "_REGISTRY", {lemma.id: lemma for lemma in LEMMAS})
    links = {"fake-framework": {"sims": ("order-dependence",), "empirical": ()}}
    monkeypatch.setattr(
        theory.checking.verify, "measured_by", lambda lemma_id: links.get(lemma_id, {"sims": (), "empirical": ()})
    )
    fake = types.ModuleType("empirical.records")  # the latest measurement of the open claim, from a run folder
    (tmp_path / "results" / "fake-check").mkdir(parents=True)
    fake.latest_measurements = lambda out_dir="results", checks=None: {
        "fake-reading-b": {"check": "fake-check", "metric": "cosine", "value": 0.42, "created_utc": "2026-01-01"}
    }
    monkeypatch.setitem(sys.modules, "empirical.records", fake)
    draft = tmp_path / "draft.md"
    draft.write_text(DRAFT, encoding="utf-8")
    return draft


def test_normalise_and_find_quote_map_back_to_the_source():
    text = "alpha  beta\n gamma\tdelta"
    assert normalise(" alpha\n\nbeta ") == "alpha beta"
    start, end = find_quote(text, "beta gamma\n\ndelta")
    assert text[start:end] == "beta\n gamma\tdelta"
    assert find_quote(text, "gamma beta") is None and find_quote(text, "   ") is None


def test_math_sentences_count_sentences_holding_formulas_and_ignore_full_stops_in_math():
    text = "A $x.y$ b. Plain words here. E $y$ f!\n\n$$z = 1.5$$\n\n- item with $w$\n- item without"
    spans = math_sentences(text)
    assert [text[start:end].strip() for start, end in spans] == [
        "A $x.y$ b.",
        "E $y$ f!",
        "$$z = 1.5$$",
        "- item with $w$",
    ]


def test_markers_never_break_a_list_item_or_open_a_formula():
    text = "- item $x$ end"
    marked = inject_markers(text, [(0, len(text)), (7, 10)])
    assert marked.startswith("- ")  # the bullet stays first on its line
    assert "$\ue001x\uec01$" in marked  # a span that is a whole formula is marked inside its delimiters


def test_a_claim_ending_inside_a_link_gets_its_badge_after_the_link():
    text = "See [Xu et al., 2024](https://example.org) for more."
    start, end = find_quote(text, "See [Xu et al.,")
    rendered = render_markdown(inject_markers(text, [(start, end)]))
    page = place_claims(rendered, [{"id": "fake", "status": "open", "title": "t"}])
    parsed = _parse(page)
    assert parsed.errors == [] and parsed.marked() == [("fake", "open")]
    assert page.index('class="badge') > page.index("</a>")  # never an <a> inside the link's <a>


@st.composite
def _quote_spans(draw):
    """Spans as find_quote returns them: from a non-blank character to just after one."""
    starts = [i for i, char in enumerate(DRAFT) if not char.isspace()]
    spans = []
    for _ in range(draw(st.integers(1, 6))):
        start = draw(st.sampled_from(starts))
        end = draw(st.sampled_from([i + 1 for i in starts if i >= start]))
        spans.append((start, end))
    return spans


@settings(deadline=None)  # rendering time depends on the load of the machine, not on the case
@given(_quote_spans())
def test_any_quotes_give_well_formed_html_with_one_element_each(spans):
    rendered = render_markdown(inject_markers(DRAFT, spans))
    claims = [{"id": f"lemma-{i}", "status": "open", "title": ""} for i in range(len(spans))]
    parsed = _parse(place_claims(rendered, claims))
    assert parsed.errors == [] and parsed.stack == []  # balanced, and no block element inside a claim's span
    assert sorted(lemma_id for lemma_id, _ in parsed.marked()) == sorted(claim["id"] for claim in claims)


def test_each_quote_becomes_exactly_one_marked_element_with_its_derived_status(fake_registry, tmp_path):
    out = tmp_path / "out"
    summary = annotate(fake_registry, out, record_path=None, results=tmp_path / "results")
    page = (out / HTML_NAME).read_text(encoding="utf-8")
    parsed = _parse(page)
    assert parsed.errors == [] and parsed.stack == []  # the re-balanced claims nest properly
    marked = parsed.marked()
    found = [lemma for lemma in LEMMAS if lemma.quote and lemma.id != "fake-stale"]
    assert Counter(lemma_id for lemma_id, _ in marked) == Counter(lemma.id for lemma in found)
    expected = {lemma.id: evaluate(lemma).status for lemma in found}
    assert dict(marked) == expected
    assert set(expected.values()) == {"proved", "verified", "refuted", "open"}  # every colour is exercised
    assert summary["marked"] == len(found) and summary["counts"] == dict(Counter(expected.values()))
    for lemma in found:  # the marked text is the quote's words (formulas aside)
        words = normalise(" ".join(parsed.texts_by_lemma[lemma.id]))
        first_word = next(word for word in lemma.quote.split() if "$" not in word and "\\" not in word)
        assert first_word.strip("*") in words, (lemma.id, words)
    inside = [a for tag, a in parsed.tags if a.get("data-lemma") == "fake-inside-math"]
    assert inside and "<math" in page.split('data-lemma="fake-inside-math"')[1].split("</span>")[0]
    # no span ever holds a block element: every claim piece closes before its paragraph does
    assert all(tag == "span" for tag, a in parsed.tags if "data-lemma" in a or "data-part-of" in a)
    assert "$" not in "".join(parsed.text)
    # the notes: the refuted claim shows its counterexample and its correction with the correction's status
    note = html.unescape(page.split('id="note-fake-refuted"')[1].split("</section>")[0])
    assert '"a": 1' in note and "fake-fix" in note and "st-proved" in note
    reading = page.split('id="note-fake-reading-a"')[1].split("</section>")[0]
    assert "fake-reading-b" in reading and "reading: b" in reading
    # an open claim shows the latest measurement and its run folder; a swept claim links the sweep's figure
    measured = html.unescape(page.split('id="note-fake-reading-b"')[1].split("</section>")[0])
    assert '"value": 0.42' in measured and 'href="../results/fake-check"' in measured
    framework = page.split('id="note-fake-framework"')[1].split("</section>")[0]
    assert 'href="' in framework and "order-dependence" in framework


def test_the_markdown_carries_one_badge_and_one_footnote_per_marked_claim(fake_registry, tmp_path):
    out = tmp_path / "out"
    annotate(fake_registry, out, record_path=None)
    markdown = (out / MARKDOWN_NAME).read_text(encoding="utf-8")
    for lemma in LEMMAS:
        if not lemma.quote or lemma.id == "fake-stale":
            continue
        assert markdown.count(f"[^{lemma.id}]") == 2, lemma.id  # the reference and the definition
        assert markdown.count(f"\n[^{lemma.id}]: ") == 1
    assert "❌&nbsp;refuted</sup>[^fake-refuted]" in markdown
    assert "fake-stale" in markdown.split("# A small draft")[0]  # the stale quote is listed on top
    body = markdown.split("\n\n", 1)[1]
    assert "$$\\theta_2 = \\theta_1 + \\lambda g_z (\\theta_1) \\ne \\theta_0$$\n" in body  # formula kept whole


def test_a_changed_quote_is_listed_and_strict_exits_1(fake_registry, tmp_path, capsys):
    out = tmp_path / "out"
    args = ["annotate", str(fake_registry), "--out", str(out), "--no-record", "--no-progress"]
    assert main(args) == 0
    assert main(args + ["--strict"]) == 1
    assert "fake-stale" in capsys.readouterr().out
    page = (out / HTML_NAME).read_text(encoding="utf-8")
    stale = page.split('id="stale-quotes"')[1].split("</div>")[0]
    assert "fake-stale" in stale and "a sentence the authors have since rewritten" in stale
    assert 'data-lemma="fake-stale"' not in page
    summary = json.loads((out / SUMMARY_NAME).read_text())
    assert [item["id"] for item in summary["stale_quotes"]] == ["fake-stale"]
    assert sorted(path.name for path in out.iterdir()) == sorted([HTML_NAME, MARKDOWN_NAME, SUMMARY_NAME])
    # the draft edited back: the stale lemma's words now occur, and --strict passes
    fake_registry.write_text(DRAFT + "\nThen a sentence the authors have since rewritten.\n", encoding="utf-8")
    assert main(args + ["--strict"]) == 0


@pytest.mark.parametrize("content, expected", [(None, "does not exist"), (b"caf\xe9 $x$\n", "is not UTF-8 text")])
def test_bad_drafts_get_a_one_line_error_and_exit_2(tmp_path, capsys, content, expected):
    draft = tmp_path / "draft.md"
    if content is not None:
        draft.write_bytes(content)
    assert main(["annotate", str(draft), "--out", str(tmp_path / "out"), "--no-record"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: ") and expected in error and str(draft) in error
    assert len(error.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_a_draft_over_the_size_limit_is_refused_before_it_is_read_and_the_flag_raises_the_limit(
    fake_registry, tmp_path, capsys
):
    size = fake_registry.stat().st_size  # about 1 KiB
    args = ["annotate", str(fake_registry), "--out", str(tmp_path / "out"), "--no-record", "--no-progress"]
    assert main(args + ["--max-size", str(size / 2 / 2**20)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: ") and len(error.strip().splitlines()) == 1
    assert str(fake_registry) in error and "--max-size 1 " in error and not (tmp_path / "out").exists()
    assert main(args + ["--max-size", "nan"]) == 2 and "--max-size nan" in capsys.readouterr().err
    assert main(args + ["--max-size", str(2 * size / 2**20)]) == 0  # raised above the draft's size: annotated


# ----------------------------------------------------------------------------- the real draft in a browser
def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def _chromium_command(binary: str, profile: Path) -> list[str]:
    return [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
    ]


def test_the_real_draft_renders_in_headless_chromium_with_one_element_per_quoted_lemma(tmp_path):
    binary = _chromium()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/install installs Debian's chromium")
        pytest.skip("chromium is not installed (apt-get install chromium); CI installs it and runs this test")
    draft = default_draft_path()
    if not draft.is_file():
        if os.environ.get("CI"):
            pytest.fail("the draft is missing: set NONCOMMUTE_DRAFT or provide shared/paper/draft.md")
        pytest.skip("the draft (shared/paper/draft.md beside the repository) is not here; set NONCOMMUTE_DRAFT")
    text = draft.read_text(encoding="utf-8")
    # the expected count, computed independently of theory.paper.annotate's matcher: plain substring of normalised text
    quoted = [lemma.id for lemma in registry().values() if lemma.quote and normalise(lemma.quote) in normalise(text)]
    out = tmp_path / "annotate"
    record = theory.checking.verify.DEFAULT_RECORD if theory.checking.verify.DEFAULT_RECORD.is_file() else None
    summary = annotate(draft, out, record_path=record)
    assert summary["marked"] == len(quoted)
    page = out / HTML_NAME
    screenshot = out / "annotated-draft.png"
    command = _chromium_command(binary, tmp_path / "chromium-profile")
    shot = subprocess.run(
        command + ["--window-size=1280,2400", f"--screenshot={screenshot}", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    dump = subprocess.run(command + ["--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=180)
    assert dump.returncode == 0, dump.stderr[-2000:]
    dom = _parse(dump.stdout)
    marked = [lemma_id for lemma_id, _ in dom.marked()]
    assert sorted(marked) == sorted(quoted)  # one element per quoted lemma found in the draft
    assert len(marked) == summary["marked"]
    assert sum(1 for tag, _ in dom.tags if tag == "math") >= 1  # MathML rendered
    assert "$" not in "".join(dom.text)  # no raw $ delimiters left outside formulas and code
    assert summary["math_not_converted"] == []
    print(f"screenshot: {screenshot}; marked {len(marked)}: {summary['counts']}; seconds {summary['seconds']}")


# ----------------------------------------------------------------------------- hostile drafts and records
_PWN = "document.body.dataset.pwned=String(6*7)"  # sets data-pwned="42" on <body> when it runs
HOSTILE_DRAFT = rf"""# A hostile <script>{_PWN}</script> draft

We consider the framework $\theta_{{t+1}} = \Phi_t(\theta_t)$ where $\text{{<script>{_PWN}</script>}}$ holds.

Breakout $</math><img src=x onerror="{_PWN}">$ and $\text{{</mtext></math><svg onload="{_PWN}"></svg>}}$.

$$\text{{<img src=x onerror="{_PWN}">}}$$

Links $\href{{javascript:{_PWN}}}{{x}}$, $\style{{background:url(javascript:{_PWN})}}{{y}}$,
$\color{{red" onmouseover="{_PWN}}}{{z}}$ and [click](javascript:{_PWN}) and <img src=x onerror="{_PWN}">.

$\text{{<annotation-xml encoding="text/html"><img src=x onerror="{_PWN}"></annotation-xml>}}$
"""


def _hostile_record(path: Path) -> Path:
    """A fresh verification record of the fake lemmas with hostile text in every field a note shows."""
    from theory.checking.verify import run_verification, write_record

    record = run_verification(only=["fake-framework", "fake-refuted", "fake-fix"], profile="dev", progress=False)
    for entry in record["lemmas"]:
        entry["evidence_summary"] = rf"$\text{{<script>{_PWN}</script>}}$ and $</math><img src=x onerror='{_PWN}'>$"
        entry["problems"] = [f"<img src=x onerror='{_PWN}'>"]
        entry["counterexample"] = {"x": f"</pre><script>{_PWN}</script>"}
        for check in entry["checks"]:
            check["description"] = rf"$\text{{</math><img src=x onerror='{_PWN}'>}}$"
            check["name"] = f"<script>{_PWN}</script>"
    record["lemmas"][0]["status"] = f'proved" onmouseover="{_PWN}'
    return write_record(record, path)


class _DomAudit(HTMLParser):
    """Scripts, event-handler attributes, javascript: URLs and the ``data-pwned`` mark in a dumped DOM."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts, self.handlers, self.javascript, self.pwned = 0, [], [], []

    def handle_starttag(self, tag, attrs):
        self.scripts += tag == "script"
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append((tag, name))
            if value and value.replace(" ", "").lower().startswith("javascript:"):
                self.javascript.append((tag, name))
            if name == "data-pwned":
                self.pwned.append(tag)

    handle_startendtag = handle_starttag


def test_hostile_drafts_and_records_run_no_script_in_headless_chromium(fake_registry, tmp_path):
    binary = _chromium()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/install installs Debian's chromium")
        pytest.skip("chromium is not installed (apt-get install chromium); CI installs it and runs this test")
    fake_registry.write_text(HOSTILE_DRAFT, encoding="utf-8")
    out = tmp_path / "out"
    summary = annotate(
        fake_registry, out, record_path=_hostile_record(tmp_path / "record.json"), results=tmp_path / "results"
    )
    assert summary["marked"] == 1 and "status(es) from" in summary["statuses_from"]  # the record was used
    page = out / HTML_NAME
    written = _DomAudit()
    written.feed(page.read_text(encoding="utf-8"))
    assert (written.scripts, written.handlers, written.javascript) == (1, [], [])  # the page's own pop-over script
    dump = subprocess.run(
        _chromium_command(binary, tmp_path / "chromium-profile")
        + ["--virtual-time-budget=3000", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert dump.returncode == 0, dump.stderr[-2000:]
    dom = _DomAudit()
    dom.feed(dump.stdout)
    assert "<body" in dump.stdout
    assert dom.pwned == [], "a script from the draft or the record ran"
    assert dom.handlers == [] and dom.javascript == [] and dom.scripts == 1
    assert "6*7" in html.unescape(dump.stdout)  # the hostile text is shown as text
