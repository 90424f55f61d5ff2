"""Mermaid diagrams of a dossier: career timelines, associate graphs, the 1988 bodies.

Pure functions over records in their stored form (plain dicts, as
``dossier.model.person.dump`` writes them): no I/O, no clock, standard library only.
Each function returns the text of one diagram, to be put in a fenced
````` ```mermaid ````` block, or None when there is nothing to draw. The same
input always gives the same text.

Escaping (``label``), checked against Mermaid 12.3 and 11.17 in a browser by
``tests/test_mermaid.py``:

* Every record string is shown as text, never read as syntax or markup. The
  characters Mermaid, Markdown fences, KaTeX, Font Awesome shortcuts or a
  template language could read (``" # $ % & : ; < > [ \\ ] ` { | }``) become
  Mermaid entity codes in decimal (``#34;``). Mermaid swaps entity codes for
  placeholders *before* it parses, so the parser never sees the character, and
  turns them into HTML character references (``&#34;``) in the SVG, where the
  browser shows them as text. Decimal references are valid in HTML and XML
  alike (named ones beyond the five of XML are not).
* Mermaid writes entity codes as placeholders (``ﬂ°°34¶ß``) and, in the
  finished SVG, turns every ``ﬂ°`` into ``&`` and every ``¶ß`` into ``;``,
  even where the text itself holds them. A WORD JOINER (invisible) goes
  between the two characters of such a pair, so a record cannot forge one.
* Newlines and every other run of whitespace become one space; control
  characters, lone surrogates and bidi embedding/override/isolate controls are
  dropped; other invisible format characters (zero-width space, soft hyphen,
  marks...) become entity codes, so the Markdown source holds no invisible
  characters (GitHub warns about those); ZWNJ and ZWJ, which Persian spelling
  and emoji need, stay as they are.
* Text with right-to-left letters (Persian, Arabic, Hebrew...) is wrapped in
  FIRST STRONG ISOLATE ... POP DIRECTIONAL ISOLATE (written as entity codes):
  it keeps its own direction and cannot drag neighbouring text, such as the
  dates after a post title, into it. The record's own bidi controls were
  dropped, so the isolate is always balanced.

Node ids come from person ids (slugs), never from names: ``p_`` + the slug with
``-`` turned into ``_`` (one-to-one, as slugs have no ``_``); the prefix keeps
Mermaid keywords (``end``, ``graph``...) and edge markers (``o``, ``x``) out of
the first position. No ``click`` directive is ever written.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from calendar import monthrange
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from functools import lru_cache
from typing import Any, Literal, TypedDict

from dossier.model import rules

__all__ = [
    "MAX_TEXT",
    "Undrawn",
    "associates_graph",
    "bodies_overview",
    "career_timeline",
    "clean",
    "label",
    "node_id",
    "span",
]

# Mermaid's default maxTextSize is 50,000 characters and its maxEdges 500; a
# diagram above either shows an error instead of the picture. Diagrams stop
# adding nodes before BUDGET and say how many were left out.
MAX_TEXT = 50_000
BUDGET = 40_000
MAX_EDGES = 400

LABEL_MAX = 80  # visible characters of one label; the page itself has the full text
NAME_MAX = 60
TITLE_MAX = 60
ORG_MAX = 45
PLACE_MAX = 35
RELATION_MAX = 60

Person = Mapping[str, Any]
Post = Mapping[str, Any]

# --- labels -------------------------------------------------------------------

# Characters Mermaid, Markdown, KaTeX ($$), icon shortcuts (fa:), HTML or a
# template language read as syntax.
_ASCII_SYNTAX = '"#$%&:;<>[\\]`{|}'
# Format characters (Unicode category Cf as of Unicode 15.1) other than ZWNJ,
# ZWJ and the bidi controls below; tests/test_mermaid.py checks this list
# against the running Python's unicodedata.
_FORMAT = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b\u200e\u200f"
    "\u2060-\u2064\u206a-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
# Dropped: C0/C1 controls but whitespace (which becomes a space), lone
# surrogates, bidi embeddings, overrides and isolates.
_DROP = "\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069"
_SPECIAL = re.compile(f"[{re.escape(_ASCII_SYNTAX)}{_FORMAT}]")
_DROP_RE = re.compile(f"[{_DROP}]")
_SPACES = re.compile(r"\s+")
# Text that needs no work at all: words of printable ASCII without syntax, single spaces.
_PLAIN = re.compile(r"(?:[A-Za-z0-9,.'()\-/!?+=*@^_~]+(?: [A-Za-z0-9,.'()\-/!?+=*@^_~]+)*)?")
_ODD_SPACE = re.compile(r"\s\s|[^\S ]|^\s|\s$")
# Letters of right-to-left scripts (Hebrew, Arabic, Syriac, Thaana, N'Ko,
# Samaritan, Mandaic, Arabic presentation forms, and the RTL planes).
_RTL = re.compile(
    "[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefe\U00010800-\U00010fff\U0001e800-\U0001efff]"
)
_ISOLATE_OPEN = "#8296;"  # U+2068 FIRST STRONG ISOLATE
_ISOLATE_CLOSE = "#8297;"  # U+2069 POP DIRECTIONAL ISOLATE
ELLIPSIS = "…"


def _entity(match: re.Match[str]) -> str:
    return f"#{ord(match.group())};"


def clean(text: str, max_chars: int | None = None) -> str:
    """The text a label shows for ``text``: what ``label`` escapes.

    Whitespace runs become one space; control characters, lone surrogates and
    bidi controls are dropped; text longer than ``max_chars`` is cut and ends
    with an ellipsis; Mermaid's placeholder pairs get a WORD JOINER inside.
    """
    if _DROP_RE.search(text):
        text = _DROP_RE.sub("", text)
    if _ODD_SPACE.search(text):
        text = _SPACES.sub(" ", text).strip()
    if max_chars is not None and len(text) > max_chars:
        text = text[: max(max_chars - 1, 0)].rstrip() + ELLIPSIS
    if "\ufb02\u00b0" in text or "\u00b6\u00df" in text:
        # Mermaid turns these pairs in its finished SVG into "&" and ";": keep them apart.
        text = text.replace("\ufb02\u00b0", "\ufb02\u2060\u00b0")
        text = text.replace("\u00b6\u00df", "\u00b6\u2060\u00df")
    return text


def label(text: str, *, max_chars: int | None = None) -> str:
    """``text`` made safe for any Mermaid label: inside ``"..."`` or as a gantt task.

    Shows as ``clean(text, max_chars)``, never as syntax or markup; see the
    module docstring for the rules.
    """
    if (max_chars is None or len(text) <= max_chars) and _PLAIN.fullmatch(text):
        return text  # the common case: nothing to clean, escape or isolate
    return _label(text, max_chars)


@lru_cache(maxsize=16384)  # names of bodies, places and relations repeat across a site
def _label(text: str, max_chars: int | None) -> str:
    text = clean(text, max_chars)
    if _SPECIAL.search(text):
        text = _SPECIAL.sub(_entity, text)
    if _RTL.search(text):
        text = f"{_ISOLATE_OPEN}{text}{_ISOLATE_CLOSE}"
    return text


_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def node_id(person_id: object) -> str:
    """A Mermaid node id for a person id: ``p_`` + the slug with ``_`` for ``-``.

    Anything that is not a slug (never in a valid record) gets ``q_`` and a
    hash, so it can neither break the diagram nor collide with a slug's id.
    """
    if isinstance(person_id, str) and _SLUG.fullmatch(person_id):
        return "p_" + person_id.replace("-", "_")
    digest = hashlib.sha256(repr(person_id).encode("utf-8", "backslashreplace")).hexdigest()
    return "q_" + digest[:16]

# --- dates --------------------------------------------------------------------

_PARTIAL = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


@lru_cache(maxsize=4096)  # dates repeat: cheap to keep
def span(partial: str) -> tuple[date, date]:
    """First and last day a partial date means: '1988' -> (1988-01-01, 1988-12-31).

    Raises ValueError for anything that is not a valid YYYY, YYYY-MM or YYYY-MM-DD.
    """
    m = _PARTIAL.fullmatch(partial)
    try:
        if not m:
            raise ValueError("wrong form")
        year = int(m.group(1))
        if m.group(3):
            day = date(year, int(m.group(2)), int(m.group(3)))
            return day, day
        if m.group(2):
            month = int(m.group(2))
            return date(year, month, 1), date(year, month, monthrange(year, month)[1])
        return date(year, 1, 1), date(year, 12, 31)
    except ValueError as exc:
        raise ValueError(f"not a partial date: {partial!r} ({exc})") from None


def _span_or_none(value: object) -> tuple[date, date] | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return span(value)
    except ValueError:
        return None


# --- career timeline ----------------------------------------------------------

Kind = Literal["role_1988", "post", "current_post"]
Reason = Literal["undated", "end before start", "diagram full"]


class Undrawn(TypedDict):
    """A post the timeline does not draw, to be listed beside it."""

    kind: Kind  # which field of the record it is
    post: Post  # the post as given
    reason: Reason


_SECTIONS: dict[Kind, str] = {"role_1988": "1988", "post": "Career", "current_post": "Current post"}
_TAG: dict[Kind, str] = {"role_1988": "crit, ", "post": "", "current_post": "active, "}
# What the gantt lexer reads at the start of a line before it reads task text:
# a task whose text starts like one of these gets its first character encoded.
_GANTT_WORDS = re.compile(
    r"(?i)(gantt|dateformat|inclusiveenddates|topaxis|axisformat|tickinterval|includes|excludes"
    r"|todaymarker|weekday|weekend|title|acctitle|accdescr|section|click|href|call|displaymode|vert)"
    r"|[0-9]"
)


def _gantt_task(text: str) -> str:
    if _GANTT_WORDS.match(text):
        return f"#{ord(text[0])};{text[1:]}"
    return text


def _post_text(post: Post) -> str:
    parts = [
        label(str(post.get("title") or ""), max_chars=TITLE_MAX),
        label(str(post.get("organization") or ""), max_chars=ORG_MAX),
        label(str(post.get("place") or ""), max_chars=PLACE_MAX),
    ]
    text = ", ".join(p for p in parts if p)
    return text or "(untitled)"


def _unsourced(post: Post) -> str:
    # A diagram states what it draws as the page does: a claim without a source says so.
    return "" if post.get("sources") else " (unsourced)"


def _when(kind: Kind, post: Post) -> str:
    start, end, as_of = (
        post[k] if _span_or_none(post.get(k)) is not None else None for k in ("start", "end", "as_of")
    )
    if start and end:
        period = str(start) if start == end else f"{start}–{end}"
    elif start:
        period = f"from {start}"
    elif end:
        period = f"until {end}"
    else:
        period = ""
    if kind == "current_post":
        bits = ["current"]
        if period:
            bits.append(period.replace("from ", "since "))
        bits.append(f"as of {as_of}" if as_of else "as-of date not recorded")
        return ", ".join(bits)
    if as_of:
        period = f"{period}, as of {as_of}" if period else f"as of {as_of}"
    if not period and kind == "role_1988":
        period = "1988"
    return period


def _bar(kind: Kind, post: Post, today: date | None) -> tuple[date, date] | Reason:
    """The drawn span of a post, or why it is not drawn (a date entered in Solar Hijri
    covers the days of its Solar Hijri month or year: ``rules.date_period``)."""
    start, end, as_of = (rules.date_period(post, f) for f in rules.POST_DATES)
    if kind == "role_1988":
        # The post held in 1988: a missing start or end still includes 1988.
        y1988 = span("1988")
        first = start[0] if start else min(y1988[0], end[0]) if end else y1988[0]
        last = end[1] if end else max(y1988[1], start[1]) if start else y1988[1]
        if as_of and not end:
            last = max(last, as_of[1])
    elif kind == "current_post":
        known = start or as_of or end
        if known is None:
            return "undated"
        first = known[0]
        if as_of:
            last = as_of[1]
        elif end:
            last = end[1]
        elif today is not None and today >= first:
            last = today
        else:
            last = known[1]
    else:
        known = start or end or as_of
        if known is None:
            return "undated"
        first = known[0]
        last = (end or as_of or known)[1]
    if last < first:
        return "end before start"
    return first, last


def career_timeline(person: Person, *, today: date | None = None) -> tuple[str | None, list[Undrawn]]:
    """A gantt chart of the 1988 role, the career posts and the current post.

    A partial date covers all of its period (a year the whole year, a month
    the whole month). A post with only a start (or only an end, or only an
    as-of date) is drawn over that period and its label says "from ..."
    ("until ...", "as of ..."). The 1988 role always includes 1988. The
    current post runs to its as-of date, else to ``today`` (when given), is
    drawn in the "active" style and labelled "current". Posts with no usable
    date, or ending before they start, are not drawn: they come back in the
    list, in record order (then any post left out because the diagram reached
    Mermaid's size limit, "diagram full"). The diagram is None when nothing
    can be drawn.
    """
    entries: list[tuple[Kind, int, Post]] = []
    role = person.get("role_1988")
    if isinstance(role, Mapping):
        entries.append(("role_1988", 0, role))
    for i, post in enumerate(person.get("posts") or ()):
        if isinstance(post, Mapping):
            entries.append(("post", i, post))
    current = person.get("current_post")
    if isinstance(current, Mapping):
        entries.append(("current_post", 0, current))

    undrawn: list[Undrawn] = []
    bars: dict[Kind, list[tuple[date, date, int, Post]]] = {k: [] for k in _SECTIONS}
    for kind, index, post in entries:
        bar = _bar(kind, post, today)
        if isinstance(bar, str):
            undrawn.append({"kind": kind, "post": post, "reason": bar})
        else:
            bars[kind].append((bar[0], bar[1], index, post))
    drawn = [b for rows in bars.values() for b in rows]
    if not drawn:
        return None, undrawn

    first = min(b[0] for b in drawn)
    last = max(b[1] for b in drawn)
    years = last.year - first.year + 1
    lines = [
        "gantt",
        f"    accTitle: Career timeline of {_name(person, person.get('id'))}",
        "    dateFormat YYYY-MM-DD",
        "    inclusiveEndDates",
        "    todayMarker off",
    ]
    if years <= 2:
        lines.append("    axisFormat %Y-%m")
    else:
        lines.append("    axisFormat %Y")
        if years <= 10:
            lines.append("    tickInterval 12month")  # one tick each January
    size = sum(len(line) + 1 for line in lines)
    left_out = 0
    for kind, rows in bars.items():
        if not rows:
            continue
        rows.sort(key=lambda b: (b[0], b[1], b[2]))
        section = [f"    section {_SECTIONS[kind]}"]
        for start, end, _index, post in rows:
            when = _when(kind, post)
            text = _post_text(post) + (f" ({label(when)})" if when else "") + _unsourced(post)
            line = f"    {_gantt_task(text)} :{_TAG[kind]}{start.isoformat()}, {end.isoformat()}"
            if size + len(line) + 1 > BUDGET:
                left_out += 1
                undrawn.append({"kind": kind, "post": post, "reason": "diagram full"})
                continue
            section.append(line)
            size += len(line) + 1
        if len(section) > 1:
            lines += section
    if left_out:
        lines.append(f"    accDescr: {left_out} more posts not drawn")
    return "\n".join(lines) + "\n", undrawn


# --- associates graph ---------------------------------------------------------


def _name(person: Person | None, person_id: object) -> str:
    """A person's name as a label; its id when the name shows nothing (Mermaid refuses "")."""
    name = label(str(person.get("name") or ""), max_chars=NAME_MAX) if person is not None else ""
    return name or label(str(person_id or ""), max_chars=NAME_MAX) or "(unnamed)"


def _person_label(person: Person | None, person_id: object) -> str:
    if person is None:
        return f"{_name(None, person_id)} (no profile)"
    text = _name(person, person_id)
    native = label(str(person.get("native_name") or ""), max_chars=NAME_MAX)
    return f"{text}<br>{native}" if native else text


def _edge(source: str, target: str, relation: object) -> str:
    text = label(str(relation), max_chars=RELATION_MAX) if relation else ""
    return f'    {source} -->|"{text}"| {target}' if text else f"    {source} --> {target}"


def associates_graph(
    person: Person,
    by_id: Mapping[str, Person],
    linked_from: Iterable[tuple[Person, Mapping[str, Any]]],
) -> str | None:
    """A left-to-right graph: the person, the persons it names as associates
    (the relation on each edge) and the persons that name it (``linked_from``:
    (that person, their associate entry)). An associate missing from ``by_id``
    is drawn under its id, "(no profile)", as the page lists it.

    What may be shown is the caller's choice: in a public build ``person``
    must already be redacted (no associate entry pointing at a restricted
    person, since its id would be drawn) and ``linked_from`` must hold no
    restricted person. None when there are no links.
    """
    me = person.get("id")
    me_node = node_id(me)
    edges: list[tuple[str, str, str, bool]] = []  # (line, node, its label, no profile)
    seen_edges: set[str] = set()

    for assoc in person.get("associates") or ():
        if not isinstance(assoc, Mapping) or assoc.get("id") == me:
            continue
        other_id = assoc.get("id")
        other = by_id.get(other_id) if isinstance(other_id, str) else None
        node = node_id(other_id)
        line = _edge(me_node, node, assoc.get("relation"))
        if line not in seen_edges:
            seen_edges.add(line)
            edges.append((line, node, _person_label(other, other_id), other is None))

    incoming = sorted(
        (
            (src, assoc)
            for src, assoc in linked_from
            if isinstance(src, Mapping) and isinstance(assoc, Mapping) and src.get("id") != me
        ),
        key=lambda pair: (
            str(pair[0].get("name") or "").casefold(),
            str(pair[0].get("id") or ""),
            str(pair[1].get("relation") or ""),
        ),
    )
    for src, assoc in incoming:
        node = node_id(src.get("id"))
        line = _edge(node, me_node, assoc.get("relation"))
        if line not in seen_edges:
            seen_edges.add(line)
            edges.append((line, node, _person_label(src, src.get("id")), False))

    if not edges:
        return None
    lines = [
        "flowchart LR",
        f"    accTitle: Associates of {_name(person, me)}",
        f'    {me_node}(["{_person_label(person, me)}"])',
    ]
    size = sum(len(line) + 1 for line in lines)
    declared = {me_node}
    missing: list[str] = []
    left_out = 0
    body: list[str] = []
    for count, (line, node, text, no_profile) in enumerate(edges):
        new = [] if node in declared else [f'    {node}["{text}"]']
        cost = sum(len(x) + 1 for x in new) + len(line) + 1
        if new and no_profile:
            cost += len(node) + 1  # its place in the "class ... missing" line
        if size + cost > BUDGET or count >= MAX_EDGES:
            left_out += 1
            continue
        if new:
            declared.add(node)
            if no_profile:
                missing.append(node)
        body += [*new, line]
        size += cost
    lines += body
    if left_out:
        lines.append(f'    more_links["{left_out} more links not drawn"]')
        lines.append(f"    {me_node} -.- more_links")
    lines.append("    classDef subject stroke-width:3px")
    lines.append(f"    class {me_node} subject")
    if missing:
        lines.append("    classDef missing stroke-dasharray:4")
        lines.append(f"    class {','.join(missing)} missing")
    return "\n".join(lines) + "\n"


# --- the 1988 bodies ----------------------------------------------------------

BODY_MEMBERS_MAX = 12  # members (and bodies inside a place) shown per body; the rest are counted


def _key(text: str) -> str:
    return clean(unicodedata.normalize("NFC", text)).casefold()


def _spelling(spellings: Sequence[str]) -> str:
    """The most used spelling; ties go to the first in code point order."""
    counts: dict[str, int] = {}
    for s in spellings:
        counts[s] = counts.get(s, 0) + 1
    return min(counts, key=lambda s: (-counts[s], s))


class _Group:
    def __init__(self) -> None:
        self.spellings: list[str] = []
        self.members: list[Person] = []
        self.children: dict[str, _Group] = {}


def bodies_overview(persons: Iterable[Person]) -> str | None:
    """One left-to-right graph of the bodies of 1988 and their members.

    Persons are grouped by their 1988 role's place, else its organization
    (as the index page groups them); where a role names both, the
    organization is a body inside the place (a prosecutor's office and an
    intelligence ministry delegation in the same city stay apart). Names are
    matched ignoring case and spacing. Each member shows the 1988 title. At
    most BODY_MEMBERS_MAX members per body (and bodies per place) are drawn,
    the others counted; bodies that would take the diagram past Mermaid's
    limits are counted in a last node, and so are the persons whose role names
    neither place nor organization (one "not recorded" node joining them would
    read as a body they shared). None when no body is recorded.
    """
    top: dict[str, _Group] = {}
    unplaced = 0  # (no body drawn for them: one node would show them as members of one body)
    for person in persons:
        role = person.get("role_1988")
        if not isinstance(role, Mapping):
            continue
        place = clean(str(role.get("place") or ""))
        org = clean(str(role.get("organization") or ""))
        if not place and not org:
            unplaced += 1
            continue
        outer = place or org
        group = top.setdefault(_key(outer), _Group())
        group.spellings.append(outer)
        if place and org:
            group = group.children.setdefault(_key(org), _Group())
            group.spellings.append(org)
        group.members.append(person)
    if not top:
        return None

    def by_name(group: tuple[str, _Group]) -> tuple[str, str]:
        return (group[0], _spelling(group[1].spellings))

    lines = ["flowchart LR", "    accTitle: The bodies of 1988 and their members"]
    size = sum(len(line) + 1 for line in lines)
    edges = 0
    left_out = 0
    bodies: list[str] = []  # node ids of the bodies drawn

    def add(block: list[str], ids: list[str]) -> bool:
        nonlocal size, edges
        cost = sum(len(x) + 1 for x in block) + sum(len(x) + 1 for x in ids)
        n_edges = sum(1 for line in block if " --- " in line)
        if size + cost > BUDGET or edges + n_edges > MAX_EDGES:
            return False
        lines.extend(block)
        bodies.extend(ids)
        size += cost
        edges += n_edges
        return True

    def members(parent: str, group: _Group) -> list[str]:
        ordered = sorted(group.members, key=lambda p: (str(p.get("name") or "").casefold(), str(p.get("id"))))
        block = []
        for person in ordered[:BODY_MEMBERS_MAX]:
            node = node_id(person.get("id"))
            role = person["role_1988"]
            text = _name(person, person.get("id"))
            title = label(str(role.get("title") or ""), max_chars=TITLE_MAX) + _unsourced(role)
            if title:
                text += "<br>" + title.strip()
            block += [f'    {node}["{text}"]', f"    {parent} --- {node}"]
        if len(ordered) > BODY_MEMBERS_MAX:
            block += [
                f'    {parent}_more["{len(ordered) - BODY_MEMBERS_MAX} more"]',
                f"    {parent} --- {parent}_more",
            ]
        return block

    for n, (_, group) in enumerate(sorted(top.items(), key=by_name), 1):
        gid = f"g{n}"
        ids = [gid]
        block = [f'    {gid}(["{label(_spelling(group.spellings), max_chars=LABEL_MAX)}"])']
        block += members(gid, group)
        children = sorted(group.children.items(), key=by_name)
        for m, (_, child) in enumerate(children[:BODY_MEMBERS_MAX], 1):
            cid = f"{gid}_{m}"
            ids.append(cid)
            block += [
                f'    {cid}(["{label(_spelling(child.spellings), max_chars=LABEL_MAX)}"])',
                f"    {gid} --- {cid}",
            ]
            block += members(cid, child)
        if len(children) > BODY_MEMBERS_MAX:
            block += [
                f'    {gid}_more_bodies["{len(children) - BODY_MEMBERS_MAX} more bodies"]',
                f"    {gid} --- {gid}_more_bodies",
            ]
        if not add(block, ids):
            left_out += 1
    if left_out:
        lines.append(f'    more_bodies["{left_out} more bodies not drawn"]')
    if unplaced:
        lines.append(f'    unplaced["{unplaced} more with no body or place recorded"]')
    lines.append("    classDef body stroke-width:3px")
    if bodies:
        lines.append(f"    class {','.join(bodies)} body")
    return "\n".join(lines) + "\n"
