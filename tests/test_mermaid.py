"""Mermaid diagrams (dossier.publish.mermaid), checked by the real Mermaid in headless Chromium.

Every diagram built here from fictional persons with hostile names, titles and
relations is parsed and rendered by the pinned Mermaid (tests/mermaid), put
into a page as a site would, and must then hold no script, no event handler,
no script URL, run no code and load nothing, and show the record's text.
These tests fail, never skip, without node, Chromium or `npm ci` in
tests/mermaid (see tests/mermaid_check.py for the commands).
"""

from __future__ import annotations

import html
import random
import re
import sys
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from dossier.publish import mermaid as M

sys.path.insert(0, str(Path(__file__).parent))
from mermaid_check import Diagram, Result, render_all, svg_problems

REPO = Path(__file__).resolve().parent.parent

# --- hostile text ---------------------------------------------------------------

HOSTILE = [
    "\"double\" 'single' “curly” «guillemets»",
    "[bracket] (paren) {brace} <angle> |pipe| ((circle)) >flag] {{hexagon}}",
    "A --> B --- C -.-> D ==> E --o F --x G <--> H ~~~ I",
    "%% a comment to the end of the line",
    '%%{init: {"securityLevel": "loose", "startOnLoad": true}}%%',
    "semi; colon: hash #1 #35; #quot; #lt;b#gt; &amp; &lt;i&gt; &#60;",
    "<script>pwned('script')</script>",
    "<img src=x onerror=pwned('img')>",
    "<svg onload=pwned('svg')><a href=\"javascript:pwned('a')\">click</a>",
    "javascript:pwned('url')",
    "`backtick` and ``` a fence ```",
    "$$\\href{javascript:pwned('katex')}{x}$$",
    "fa:fa-user fab:fa-github icon:mdi-home",
    "line one\nline two\r\nline three\ttabbed",
    "backslash-n a\\nb and \\\\ two",
    "click p_x call pwned('click')",
    "style p_x fill:#f00; classDef x color:#0f0;",
    "end",
    "subgraph",
    "gantt",
    "title of the gantt",
    "section of a court",
    "dateFormat YYYY",
    "1988-07-29 begins like a date",
    "---\ntitle: front matter\n---",
    "ﬂ°°60¶ß a forged placeholder ﬂ°lt¶ß",
    "{{ template }} {% block %} ${expression}",
    "کاوه نادری",
    "دادگاه انقلاب اسلامی ۱۳۶۷ (Evin) 2",
    "می‌خواهم نامه‌ها",  # ZWNJ inside Persian words
    "Dariush Fakeri \u200b\u00ad\u200e\u2060 invisible marks",
    "long " * 60,
]
# Characters a valid record cannot hold, which label() must still survive.
NOT_IN_RECORDS = [
    "bidi \u202e override \u2066 isolate \u2069",
    "control \x00\x07\x1b[31m",
    "\x00\x07\u202e",  # shows nothing at all: Mermaid refuses an empty label
    " \n\t ",
]


def visible(text: str, max_chars: int | None = None) -> str:
    """What a label must show of ``text``."""
    return M.clean(text, max_chars)


def squeeze(text: str) -> str:
    """Text without whitespace and bidi isolates, to compare across line wrapping."""
    return re.sub(r"[\s\u2068\u2069]+", "", text)


def hostile_person(i: int, text: str, n: int) -> dict[str, Any]:
    """A fictional person whose every text field is ``text``, linked to the next one."""
    post = {"title": text, "organization": text, "place": text, "sources": [], "confidence": "low"}
    return {
        "id": f"hostile-{i}",
        "name": text.strip() or f"Kaveh Nadiri {i}",
        "native_name": text,
        "role_1988": {**post, "start": "1988-07", "end": "1988-09"},
        "current_post": {**post, "start": "2015", "as_of": "2024-03"},
        "posts": [{**post, "start": "1990", "end": "1999"}, {**post}],
        "associates": [{"id": f"hostile-{(i + 1) % n}", "relation": text, "sources": []}],
    }


def database(texts: list[str]) -> list[dict[str, Any]]:
    return [hostile_person(i, t, len(texts)) for i, t in enumerate(texts)]


def diagrams(persons: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any] | None, str]]:
    """(kind, person, source) for every diagram of a database: two per person, one overview."""
    by_id = {p["id"]: p for p in persons}
    linked: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
    for p in persons:
        for a in p["associates"]:
            linked.setdefault(a["id"], []).append((p, a))
    out: list[tuple[str, dict[str, Any] | None, str]] = []
    for p in persons:
        timeline, _ = M.career_timeline(p, today=date(2026, 11, 1))
        graph = M.associates_graph(p, by_id, linked.get(p["id"], []))
        assert timeline is not None
        assert graph is not None
        out += [("timeline", p, timeline), ("graph", p, graph)]
    overview = M.bodies_overview(persons)
    assert overview is not None
    out.append(("overview", None, overview))
    return out


def assert_safe(results: list[Result]) -> None:
    failed = [(r.source, r.error) for r in results if not r.ok]
    assert not failed, f"Mermaid rejected {len(failed)} diagram(s); first: {failed[0]}"
    for r in results:
        assert r.svg, r.source
        assert r.svg.lstrip().startswith("<svg"), r.source
        assert not r.problems(), (r.problems(), r.source)


def assert_shows(kind: str, person: dict[str, Any] | None, text: str, shown: str) -> None:
    """The record text this diagram shows must be in the SVG's visible text."""
    page = squeeze(shown)
    if kind == "timeline":
        expected = [visible(text, M.TITLE_MAX), visible(text, M.ORG_MAX), visible(text, M.PLACE_MAX)]
    elif kind == "graph":
        assert person is not None
        expected = [visible(person["name"], M.NAME_MAX), visible(text, M.RELATION_MAX)]
    else:
        expected = [visible(text, M.TITLE_MAX), visible(text, M.LABEL_MAX)]
    for want in expected:
        if squeeze(want):
            assert squeeze(want) in page, (kind, text, want, shown)


# --- one render of the hostile database, shared by the tests below ----------------------

SITE_SETTINGS: dict[str, tuple[str, dict[str, Any]]] = {
    # Mermaid's default, as GitHub, GitLab and MkDocs Material use it
    "strict": ("mermaid", {}),
    "loose": ("mermaid", {"securityLevel": "loose"}),  # what many sites set
    "antiscript": ("mermaid", {"securityLevel": "antiscript"}),
    "svg-labels": ("mermaid", {"htmlLabels": False, "flowchart": {"htmlLabels": False}}),
    # Mermaid 11, which many sites still load (e.g. from a CDN as mermaid@11)
    "11-strict": ("mermaid-11", {}),
    "11-loose": ("mermaid-11", {"securityLevel": "loose"}),
}
Built = list[tuple[str, dict[str, Any] | None, str]]


@pytest.fixture(scope="module")
def hostile() -> tuple[list[str], Built, dict[str, list[Result]]]:
    """Every diagram of the hostile database, rendered under every site setting in one browser."""
    texts = HOSTILE + NOT_IN_RECORDS
    built = diagrams(database(texts))
    results = render_all(
        [Diagram(src, config, package) for package, config in SITE_SETTINGS.values() for _, _, src in built]
    )
    n = len(built)
    return texts, built, {name: results[i * n:(i + 1) * n] for i, name in enumerate(SITE_SETTINGS)}


def test_hostile_diagrams_parse_and_render_an_inert_svg(hostile: Any) -> None:
    _, built, results = hostile
    assert len(results["strict"]) == len(built) == 2 * len(HOSTILE + NOT_IN_RECORDS) + 1
    assert_safe(results["strict"])


@pytest.mark.parametrize("setting", ["strict", "11-strict"])
def test_hostile_text_is_shown_as_text(hostile: Any, setting: str) -> None:
    texts, built, results = hostile
    for (kind, person, _), result in zip(built, results[setting], strict=True):
        if kind == "overview":
            shown = squeeze(result.text or "")
            for t in texts:
                if squeeze(visible(t, M.TITLE_MAX)):
                    assert squeeze(visible(t, M.TITLE_MAX)) in shown, t
            continue
        assert_shows(kind, person, person["role_1988"]["title"], result.text or "")


@pytest.mark.parametrize("setting", [s for s in SITE_SETTINGS if s != "strict"])
def test_hostile_diagrams_stay_inert_under_other_site_settings(hostile: Any, setting: str) -> None:
    assert_safe(hostile[2][setting])


def test_the_checker_sees_what_it_must_refuse() -> None:
    """The harness is not blind: unescaped text breaks a diagram, a script URL is found."""
    raw = M.associates_graph(
        {"id": "kaveh-nadiri", "name": "Kaveh", "associates": [{"id": "dariush-fakeri", "relation": "x"}]},
        {},
        [],
    )
    assert raw is not None
    unescaped = raw.replace('"x"', '"a "quoted" -->|word"')
    clicked = 'flowchart LR\n    a["Kaveh"]\n    click a "javascript:pwned(1)"\n'
    broken, loose_click = render_all([unescaped, clicked], config={"securityLevel": "loose"})
    assert not broken.ok
    assert broken.error
    assert loose_click.ok
    assert loose_click.problems()
    assert svg_problems('<svg><a href="javascript:x()"><text onclick="y()">t</text></a></svg>')


# --- random text ---------------------------------------------------------------------

LABEL_ALPHABET = st.sampled_from(
    list('"#$%&:;<>[\\]`{|}\n\r\t -–.,()\'*_~=+/@!?^\u200c\u200bکاوهنادریﬂ°¶ß۱۳۶۷xoendgat0123')
)
RANDOM_TEXT = st.one_of(
    st.text(min_size=1, max_size=40),
    st.text(alphabet=LABEL_ALPHABET, min_size=1, max_size=60),
)


@settings(
    max_examples=1,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: one run renders everything
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                           HealthCheck.large_base_example],
)
@given(st.lists(RANDOM_TEXT, min_size=50, max_size=50))
def test_random_text_never_breaks_a_diagram(texts: list[str]) -> None:
    built = diagrams(database(texts))
    results = render_all([src for _, _, src in built])
    bad = [(kind, p and p["role_1988"]["title"], r.error)
           for (kind, p, _), r in zip(built, results, strict=True) if not r.ok]
    assert not bad, bad
    assert_safe(results)
    for (kind, person, _), result in zip(built, results, strict=True):
        if person is not None:
            assert_shows(kind, person, person["role_1988"]["title"], result.text or "")


# --- careers at the edges, rendered --------------------------------------------------


def career(*posts: dict[str, Any], role: dict[str, Any] | None = None,
           current: dict[str, Any] | None = None) -> dict[str, Any]:
    """A person with these posts, each citing a source unless it says otherwise."""
    def sourced(post: dict[str, Any] | None) -> dict[str, Any] | None:
        return None if post is None else {"sources": ["example-report"], **post}

    return {"id": "kaveh-nadiri", "name": "Kaveh Nadiri", "native_name": "کاوه نادری",
            "role_1988": sourced(role), "current_post": sourced(current),
            "posts": [sourced(p) for p in posts], "associates": []}


EDGE_CAREERS = {
    "year edges": career({"title": "Judge", "start": "1988-12", "end": "1989-01"},
                         {"title": "Clerk", "start": "1987-12-31", "end": "1988-01-01"}),
    "one month": career({"title": "Envoy", "start": "2000-02", "end": "2000-02"}),
    "no dates but 1988": career({"title": "Undated"}, role={"title": "Member, death commission"}),
    "current with as_of": career(current={"title": "Governor", "start": "2010", "as_of": "2019-05"}),
    "current without as_of": career(current={"title": "Governor", "start": "2010"}),
    "current only as_of": career(current={"title": "Governor", "as_of": "2021"}),
    "end before start": career({"title": "Backwards", "start": "2001", "end": "1999"},
                               {"title": "Fine", "start": "1999", "end": "2001"}),
    "long span": career({"title": "Early", "start": "1001", "end": "1002"},
                        {"title": "Late", "start": "2024", "end": "2026"}),
    "many posts": career(*({"title": f"Post {i}", "start": f"{1950 + i % 70}"} for i in range(300))),
    "only starts and ends": career({"title": "From", "start": "1995-06"}, {"title": "Until", "end": "1997"},
                                   {"title": "Seen", "as_of": "1996-03-04"}),
}


def test_edge_cases_render(monkeypatch: pytest.MonkeyPatch) -> None:
    built = {name: M.career_timeline(p, today=date(2026, 11, 1)) for name, p in EDGE_CAREERS.items()}
    sources = [d for d, _ in built.values() if d is not None]
    assert len(sources) == len(EDGE_CAREERS)
    # Diagrams cut at their limits (made small here) end with a note of what was left out.
    monkeypatch.setattr(M, "MAX_EDGES", 20)
    monkeypatch.setattr(M, "BUDGET", 1500)
    crowded = {"id": "kaveh-nadiri", "name": "Kaveh Nadiri",
               "associates": [{"id": f"p{i}", "relation": "#%;" * 20} for i in range(30)],
               "posts": [{"title": f"Post {i} #%;", "start": f"{1950 + i}"} for i in range(40)]}
    persons = [
        {"id": f"p{i}", "name": f"Person {i}", "role_1988": {"title": "Member", "place": f"Town {i % 7}"}}
        for i in range(200)
    ]
    timeline, undrawn = M.career_timeline(crowded)
    assert {u["reason"] for u in undrawn} == {"diagram full"}
    assert (timeline or "").count(" :1") + len(undrawn) == 40
    cut = [timeline, M.associates_graph(crowded, {}, []), M.bodies_overview(persons)]
    assert all(d is not None and "not drawn" in d for d in cut), cut
    results = render_all([*sources, *(d for d in cut if d)])
    assert_safe(results)
    by_name = dict(zip([n for n, (d, _) in built.items() if d], results, strict=False))
    assert "Undated" not in (by_name["no dates but 1988"].text or "")
    assert "Backwards" not in (by_name["end before start"].text or "")
    assert "current" in (by_name["current with as_of"].text or "")
    assert all("not drawn" in (r.text or "") or "more" in (r.text or "") for r in results[-3:])


# --- the sample corpus ---------------------------------------------------------------


def test_sample_records_render() -> None:
    files = sorted((REPO / "records").glob("*.yaml"))
    persons = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in files]
    assert persons
    by_id = {p["id"]: p for p in persons}
    linked: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
    for p in persons:
        for a in p.get("associates") or []:
            linked.setdefault(a["id"], []).append((p, a))
    sources = [M.bodies_overview(persons)]
    for p in persons:
        sources += [M.career_timeline(p)[0], M.associates_graph(p, by_id, linked.get(p["id"], []))]
    assert_safe(render_all([s for s in sources if s is not None]))


# --- pure: label() ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kaveh Nadiri", "Kaveh Nadiri"),
        ('Member of the "Death Commission"', "Member of the #34;Death Commission#34;"),
        ("Prosecutor; judge", "Prosecutor#59; judge"),
        ("a --> b", "a --#62; b"),
        ("%%{init}%%", "#37;#37;#123;init#125;#37;#37;"),
        ("#35;", "#35;35#59;"),
        ("<b>x</b>", "#60;b#62;x#60;/b#62;"),
        ("`x`", "#96;x#96;"),
        ("[a] {b} |c|", "#91;a#93; #123;b#125; #124;c#124;"),
        ("fa:fa-user $$x$$ a\\nb & c", "fa#58;fa-user #36;#36;x#36;#36; a#92;nb #38; c"),
        ("  line\none\r\n\ttwo  ", "line one two"),
        ("ﬂ°°60¶ß", "ﬂ#8288;°°60¶#8288;ß"),
        ("کاوه", "#8296;کاوه#8297;"),
        ("می‌خواهم", "#8296;می\u200cخواهم#8297;"),  # ZWNJ kept as is
        ("a\u200bb\u00adc", "a#8203;b#173;c"),
        ("a\u202eb\u2066c\u2069\x00\x1b", "abc"),
        ("", ""),
        ("O'Brien (acting), 1988-1989 / Tehran!", "O'Brien (acting), 1988-1989 / Tehran!"),
    ],
)
def test_label(text: str, expected: str) -> None:
    assert M.label(text) == expected


def test_label_cuts_long_text() -> None:
    assert M.label("x" * 100, max_chars=10) == "x" * 9 + "…"
    assert M.label("word " * 10, max_chars=8) == "word wo…"
    assert M.label("short", max_chars=10) == "short"


def _decode(escaped: str) -> str:
    """What a browser shows of a label: entity codes as characters, isolates dropped."""
    return html.unescape(re.sub(r"#(\d+);", r"&#\1;", escaped)).replace("\u2068", "").replace("\u2069", "")


@settings(max_examples=500, deadline=None)
@given(st.text())
def test_label_output_is_inert_and_means_the_input(text: str) -> None:
    out = M.label(text)
    bare = re.sub(r"#\d+;", "", out)
    assert not re.search(r'["#$%&:;<>\[\\\]`{|}\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]', bare)
    assert not any(unicodedata.category(ch) in ("Cs", "Zl", "Zp") for ch in bare)
    assert "\ufb02\u00b0" not in _decode(out)
    assert "\u00b6\u00df" not in _decode(out)
    assert _decode(out) == visible(text)


def test_format_characters_are_all_known() -> None:
    """Every Cf character of this Python's Unicode is encoded or dropped, but ZWNJ and ZWJ."""
    for cp in range(sys.maxunicode + 1):
        ch = chr(cp)
        if unicodedata.category(ch) == "Cf" and ch not in "\u200c\u200d":
            assert M._SPECIAL.match(ch) or M._DROP_RE.match(ch), f"U+{cp:04X} {unicodedata.name(ch, '?')}"


def test_node_ids() -> None:
    assert M.node_id("kaveh-nadiri") == "p_kaveh_nadiri"
    assert M.node_id("end") == "p_end"
    assert M.node_id("a-b") != M.node_id("a-b-")
    assert M.node_id("a-b-").startswith("q_")
    assert re.fullmatch(r"q_[0-9a-f]{16}", M.node_id('x"] --> y["'))
    assert M.node_id(None) == M.node_id(None)


# --- pure: dates and the timeline ------------------------------------------------------


@pytest.mark.parametrize(
    ("partial", "first", "last"),
    [
        ("1988", date(1988, 1, 1), date(1988, 12, 31)),
        ("1988-12", date(1988, 12, 1), date(1988, 12, 31)),
        ("2000-02", date(2000, 2, 1), date(2000, 2, 29)),
        ("1900-02", date(1900, 2, 1), date(1900, 2, 28)),
        ("1988-07-29", date(1988, 7, 29), date(1988, 7, 29)),
        ("9999", date(9999, 1, 1), date(9999, 12, 31)),
    ],
)
def test_span(partial: str, first: date, last: date) -> None:
    assert M.span(partial) == (first, last)


@pytest.mark.parametrize("bad", ["88", "1988-13", "July 1988", "1988-02-30", "", "1988-7"])
def test_span_refuses_non_dates(bad: str) -> None:
    with pytest.raises(ValueError, match="partial date"):
        M.span(bad)


def bars(diagram: str | None) -> list[str]:
    assert diagram is not None
    return [line.strip() for line in diagram.splitlines() if re.search(r":\S*\s*\d{4}-\d\d-\d\d,", line)]


def test_timeline_spans_partial_dates() -> None:
    d, undrawn = M.career_timeline(EDGE_CAREERS["year edges"])
    assert undrawn == []
    assert bars(d) == [
        "Clerk (1987-12-31–1988-01-01) :1987-12-31, 1988-01-01",
        "Judge (1988-12–1989-01) :1988-12-01, 1989-01-31",
    ]
    assert "inclusiveEndDates" in (d or "")
    assert "tickInterval 12month" in (d or "")  # a tick each January, under ten years
    d, _ = M.career_timeline(EDGE_CAREERS["one month"])
    assert bars(d) == ["Envoy (2000-02) :2000-02-01, 2000-02-29"]
    assert "axisFormat %Y-%m" in (d or "")


def test_timeline_role_1988_always_covers_1988() -> None:
    d, undrawn = M.career_timeline(EDGE_CAREERS["no dates but 1988"])
    assert bars(d) == ["Member, death commission (1988) :crit, 1988-01-01, 1988-12-31"]
    assert undrawn == [{"kind": "post", "post": {"sources": ["example-report"], "title": "Undated"},
                        "reason": "undated"}]
    d, _ = M.career_timeline(career(role={"title": "Judge", "start": "1985"}))
    assert bars(d) == ["Judge (from 1985) :crit, 1985-01-01, 1988-12-31"]


def test_timeline_current_post() -> None:
    d, _ = M.career_timeline(EDGE_CAREERS["current with as_of"], today=date(2026, 1, 1))
    assert bars(d) == ["Governor (current, since 2010, as of 2019-05) :active, 2010-01-01, 2019-05-31"]
    d, _ = M.career_timeline(EDGE_CAREERS["current without as_of"], today=date(2026, 1, 1))
    unconfirmed = "Governor (current, since 2010, as-of date not recorded) :active, 2010-01-01"
    assert bars(d) == [f"{unconfirmed}, 2026-01-01"]  # to "today"
    d, _ = M.career_timeline(EDGE_CAREERS["current without as_of"])
    assert bars(d) == [f"{unconfirmed}, 2010-12-31"]  # no today: its start only
    d, _ = M.career_timeline(EDGE_CAREERS["current only as_of"])
    assert bars(d) == ["Governor (current, as of 2021) :active, 2021-01-01, 2021-12-31"]


def test_timeline_leaves_out_what_it_cannot_draw() -> None:
    d, undrawn = M.career_timeline(EDGE_CAREERS["end before start"])
    assert bars(d) == ["Fine (1999–2001) :1999-01-01, 2001-12-31"]
    assert [u["reason"] for u in undrawn] == ["end before start"]
    assert undrawn[0]["post"]["title"] == "Backwards"
    none, undrawn = M.career_timeline(career({"title": "A"}, current={"title": "B"}))
    assert none is None
    assert [(u["kind"], u["reason"]) for u in undrawn] == [("post", "undated"), ("current_post", "undated")]
    assert M.career_timeline(career()) == (None, [])


def test_timeline_one_sided_dates_say_so() -> None:
    d, _ = M.career_timeline(EDGE_CAREERS["only starts and ends"])
    assert bars(d) == [
        "From (from 1995-06) :1995-06-01, 1995-06-30",
        "Seen (as of 1996-03-04) :1996-03-04, 1996-03-04",
        "Until (until 1997) :1997-01-01, 1997-12-31",
    ]


def test_timeline_task_never_starts_like_a_gantt_keyword() -> None:
    titles = ["Gantt chart", "title", "1988"]
    d, _ = M.career_timeline(career(*({"title": t, "start": "1990"} for t in titles)))
    assert bars(d) == [
        "#71;antt chart (from 1990) :1990-01-01, 1990-12-31",
        "#116;itle (from 1990) :1990-01-01, 1990-12-31",
        "#49;988 (from 1990) :1990-01-01, 1990-12-31",
    ]


def test_a_date_entered_in_solar_hijri_is_drawn_over_its_own_month() -> None:
    # Azar 1367 runs from 1988-11-22 to 1988-12-21: the partial date 1988-11 alone ends on 11-30.
    azar = {"start": "SH1367-09", "end": "SH1367-09"}
    d, _ = M.career_timeline(career({"title": "Judge", "start": "1988-11", "end": "1988-11",
                                     "dates_as_written": azar}))
    assert bars(d) == ["Judge (1988-11) :1988-11-22, 1988-12-21"]


def test_a_diagram_says_a_claim_is_unsourced_as_the_page_does() -> None:
    d, _ = M.career_timeline(career({"title": "Clerk", "start": "1990", "sources": []},
                                    role={"title": "Judge", "start": "1988", "sources": []}))
    assert bars(d) == ["Judge (from 1988) (unsourced) :crit, 1988-01-01, 1988-12-31",
                       "Clerk (from 1990) (unsourced) :1990-01-01, 1990-12-31"]
    overview = M.bodies_overview([{**KAVEH, "role_1988": {**KAVEH["role_1988"], "sources": []}}])
    assert overview is not None
    assert "<br>Member (unsourced)" in overview


# --- pure: graphs, determinism --------------------------------------------------------

KAVEH = {
    "id": "kaveh-nadiri", "name": "Kaveh Nadiri", "native_name": "کاوه نادری",
    "role_1988": {"title": "Member", "organization": "Death commission", "place": "Tabriz",
                  "sources": ["example-report"]},
    "associates": [
        {"id": "dariush-fakeri", "relation": "fellow member"},
        {"id": "gone-person", "relation": None},
    ],
}
DARIUSH = {
    "id": "dariush-fakeri", "name": "Dariush Fakeri", "native_name": None,
    "role_1988": {"title": "Prosecutor", "organization": None, "place": "tabriz ",
                  "sources": ["example-report"]},
    "associates": [{"id": "kaveh-nadiri", "relation": "deputy of"}],
}
SHIRIN = {
    "id": "shirin-kavian", "name": "Shirin Kavian",
    "role_1988": {"title": "Warden", "organization": "Evin Prison", "sources": ["example-report"]},
    "associates": [{"id": "kaveh-nadiri", "relation": "reported to"}],
}


def test_associates_graph() -> None:
    by_id = {p["id"]: p for p in (KAVEH, DARIUSH, SHIRIN)}
    linked = [(SHIRIN, SHIRIN["associates"][0]), (DARIUSH, DARIUSH["associates"][0])]
    assert M.associates_graph(KAVEH, by_id, linked) == (
        "flowchart LR\n"
        "    accTitle: Associates of Kaveh Nadiri\n"
        '    p_kaveh_nadiri(["Kaveh Nadiri<br>#8296;کاوه نادری#8297;"])\n'
        '    p_dariush_fakeri["Dariush Fakeri"]\n'
        '    p_kaveh_nadiri -->|"fellow member"| p_dariush_fakeri\n'
        '    p_gone_person["gone-person (no profile)"]\n'
        "    p_kaveh_nadiri --> p_gone_person\n"
        '    p_dariush_fakeri -->|"deputy of"| p_kaveh_nadiri\n'
        '    p_shirin_kavian["Shirin Kavian"]\n'
        '    p_shirin_kavian -->|"reported to"| p_kaveh_nadiri\n'
        "    classDef subject stroke-width:3px\n"
        "    class p_kaveh_nadiri subject\n"
        "    classDef missing stroke-dasharray:4\n"
        "    class p_gone_person missing\n"
    )
    assert M.associates_graph({"id": "lonely", "name": "Lonely", "associates": []}, by_id, []) is None
    assert "click" not in (M.associates_graph(KAVEH, by_id, linked) or "")


def test_associates_graph_is_bounded() -> None:
    many = {"id": "kaveh-nadiri", "name": "Kaveh Nadiri",
            "associates": [{"id": f"p{i}", "relation": "#" * 60} for i in range(2000)]}
    d = M.associates_graph(many, {}, [])
    assert d is not None
    assert len(d) <= M.BUDGET + 200
    assert "more links not drawn" in d


def test_bodies_overview() -> None:
    assert M.bodies_overview([KAVEH, DARIUSH, SHIRIN]) == (
        "flowchart LR\n"
        "    accTitle: The bodies of 1988 and their members\n"
        '    g1(["Evin Prison"])\n'
        '    p_shirin_kavian["Shirin Kavian<br>Warden"]\n'
        "    g1 --- p_shirin_kavian\n"
        '    g2(["Tabriz"])\n'
        '    p_dariush_fakeri["Dariush Fakeri<br>Prosecutor"]\n'
        "    g2 --- p_dariush_fakeri\n"
        '    g2_1(["Death commission"])\n'
        "    g2 --- g2_1\n"
        '    p_kaveh_nadiri["Kaveh Nadiri<br>Member"]\n'
        "    g2_1 --- p_kaveh_nadiri\n"
        "    classDef body stroke-width:3px\n"
        "    class g1,g2,g2_1 body\n"
    )
    assert M.bodies_overview([{"id": "x", "name": "X", "role_1988": None}]) is None


def test_bodies_overview_is_bounded() -> None:
    persons = [
        {"id": f"p{i}", "name": f"Person {i}", "role_1988": {"title": "Member", "place": f"Town {i % 400}"}}
        for i in range(10_000)
    ]
    d = M.bodies_overview(persons)
    assert d is not None
    assert len(d) <= M.BUDGET + 200
    assert "more bodies not drawn" in d
    assert '13 more"]' in d  # 25 members of a town, 12 drawn
    assert d.count(" --- ") <= M.MAX_EDGES


def test_output_is_deterministic() -> None:
    persons = [KAVEH, DARIUSH, SHIRIN, *database(HOSTILE)]
    by_id = {p["id"]: p for p in persons}
    linked = [(SHIRIN, SHIRIN["associates"][0]), (DARIUSH, DARIUSH["associates"][0])]
    first = (M.bodies_overview(persons), M.associates_graph(KAVEH, by_id, linked),
             [M.career_timeline(p) for p in persons])
    shuffled = persons[:]
    random.Random(19).shuffle(shuffled)
    again = (
        M.bodies_overview(shuffled),
        M.associates_graph(KAVEH, dict(reversed(by_id.items())), linked[::-1]),
        [M.career_timeline(p) for p in persons],
    )
    assert first == again


def test_timeline_ignores_dates_that_are_not_dates() -> None:
    d, _ = M.career_timeline(career({"title": "Judge", "start": "1988<b>", "end": "1990"}))
    assert bars(d) == ["Judge (until 1990) :1990-01-01, 1990-12-31"]


def test_bodies_overview_draws_no_body_for_the_persons_without_one() -> None:
    # One "not recorded" node with every such person under it read as a body they shared.
    named = {"id": "kaveh-nadiri", "name": "Kaveh Nadiri",
             "role_1988": {"title": "Judge", "place": "Body not recorded"}}
    unknown = [{"id": f"p{i}", "name": f"Person {i}", "role_1988": {"title": "Clerk", "place": " \n"}}
               for i in range(3)]
    d = M.bodies_overview([*unknown, named])
    assert d is not None
    assert d.count('(["Body not recorded"])') == 1  # a place of that name is a place
    assert "Person" not in d
    assert '    unplaced["3 more with no body or place recorded"]' in d
    assert M.bodies_overview(unknown) is None


def test_clean_changes_record_text_only_where_it_must() -> None:
    """What the diagrams must show (``visible``) is the record's text, spaces folded."""
    for text in HOSTILE:
        folded = " ".join(text.split())
        assert M.clean(text) == folded.replace("ﬂ°", "ﬂ\u2060°").replace("¶ß", "¶\u2060ß")
    assert M.clean("\x00a\u202eb\u2066 \x07c") == "ab c"
