"""Claims and sources written as one line of Markdown: the template filters ``post_line``,
``post_brief``, ``dated`` and ``footnote``.

A site of 10,000 persons writes some 100,000 such pieces; as Jinja2 macros and
loops they cost a third of the rendering (every macro call builds a context,
every attribute is a lookup), so they are Python. The templates still decide where a line
goes and what surrounds it; record text goes through ``md_text`` and
``md_escape`` as everywhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dossier.publish.escape import md_escape, md_text, md_url


@dataclass(frozen=True)
class Footnote:
    """One numbered source of a page; ``source`` is None when it is withheld. A source the
    record carries but no claim cites is not a footnote (a renderer drops or orphans a
    footnote nothing refers to): it is listed as a plain item."""

    number: int
    key: str
    anchor: str  # of its entry in the bibliography (sources.md)
    source: Mapping[str, Any] | None
    confidential: bool
    cited: bool = True


def post_brief(post: Mapping[str, Any]) -> str:
    """A post by what and where: ``Title, Organization, Place`` (a table cell, the index)."""
    text = md_text(post["title"])
    if post["organization"]:
        text += ", " + md_text(post["organization"])
    if post["place"]:
        text += ", " + md_text(post["place"])
    return text


def dated(record: Mapping[str, Any], field: str) -> str:
    """A date of a person or a post as stored, then the Solar Hijri text it was entered as:
    ``1988-07-29 (SH1367-05-07)``."""
    written = (record["dates_as_written"] or {}).get(field)
    text = md_escape(record[field])
    return f"{text} ({md_escape(written)})" if written else text


def post_line(post: Mapping[str, Any], notes: Mapping[str, int]) -> str:
    """A post as a claim: **title**, where, when, its confidence, then its footnote numbers or
    a visible **unsourced**: ``**Judge**, Court, Tabriz · 1981 – 1986 · confidence: low [^2]``."""
    text = f"**{md_text(post['title'])}**"
    if post["organization"]:
        text += ", " + md_text(post["organization"])
    if post["place"]:
        text += ", " + md_text(post["place"])
    start, end = post["start"], post["end"]
    if start and end:
        text += f" · {dated(post, 'start')} – {dated(post, 'end')}"
    elif start:
        text += f" · from {dated(post, 'start')}"
    elif end:
        text += f" · until {dated(post, 'end')}"
    text += f" · confidence: {md_escape(post['confidence'])}"
    if post["sources"]:
        return text + "".join(f" [^{notes[key]}]" for key in post["sources"])
    return text + " · **unsourced**"


def footnote(note: Footnote) -> str:
    """A footnote definition: ``[^2]: [Title](url), Author, Publisher, 1990 (report). [Bibliography
    ↗](sources.md#key)``; a withheld source says only that it exists."""
    link = f"[Bibliography ↗](sources.md#{note.anchor})"
    s = note.source
    lead = f"[^{note.number}]: " if note.cited else "- "
    if s is None:
        return f"{lead}Withheld: confidential source. {link}"
    title = md_text(s["title"])
    text = lead + (f"[{title}]({md_url(s['url'])})" if s["url"] else title)
    for part in (s["author"], s["publisher"]):
        if part:
            text += ", " + md_text(part)
    if s["published"]:
        text += ", " + md_escape(s["published"])
    text += f" ({md_escape(s['kind'])})"
    if note.confidential:
        text += ". **Confidential**: withheld from public profiles"
    return f"{text}. {link}"
