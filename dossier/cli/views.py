"""How each kind of result looks: the ``View`` of every command's result.

Views turn the API's plain data into rows, text and Markdown; ``dossier.cli.output``
writes them. Record text is passed to Rich only as ``Text``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from dossier.cli.output import View
from dossier.errors import UsageError, quoted
from dossier.model import rules

if TYPE_CHECKING:
    from rich.console import RenderableType

    from dossier.api.checks import Finding
    from dossier.api.diff import Change, Diff, PersonChange
    from dossier.api.review import Stale
    from dossier.names import Hit

Record = dict[str, Any]


# --- persons -------------------------------------------------------------------------


def _text(field: str) -> Callable[[Record], str]:
    return lambda r: str(r.get(field) or "")


def _joined(field: str, sep: str) -> Callable[[Record], str]:
    return lambda r: sep.join(r.get(field) or ())


# --columns of `list`: name -> (header, cell of a record).
LIST_COLUMNS: dict[str, tuple[str, Callable[[Record], str]]] = {
    "id": ("id", _text("id")),
    "name": ("name", _text("name")),
    "native_name": ("native name", _text("native_name")),
    "aliases": ("aliases", _joined("aliases", "; ")),
    "status": ("status", _text("status")),
    "born": ("born", _text("born")),
    "died": ("died", _text("died")),
    "role_1988": ("position in 1988", lambda r: rules.post_summary(r.get("role_1988"))),
    "current_post": ("current post", lambda r: rules.post_summary(r.get("current_post")) or "unknown"),
    "as_of": ("as of", lambda r: str((r.get("current_post") or {}).get("as_of") or "")),
    "tags": ("tags", _joined("tags", ", ")),
    "sources": ("sources", lambda r: str(len(r.get("sources") or ()))),
    "restricted": ("restricted", lambda r: "yes" if r.get("restricted") else ""),
    "created": ("created", _text("created")),
    "updated": ("updated", _text("updated")),
}
DEFAULT_COLUMNS = ("id", "name", "native_name", "role_1988", "current_post")


def _list_csv(records: Sequence[Record]) -> tuple[Sequence[str], list[list[str]]]:
    from dossier.interchange.csvfmt import csv_rows

    return csv_rows(records)


def persons_view(columns: str | None = None, *, served: bool = False) -> View:
    """The view of ``list``: the table has the ``--columns`` given (comma-separated), else the
    default ones; an unknown column is a usage error (exit 2). ``served``: a last column of
    the posts that matched ``--served-at``/``--in`` (and the key ``served`` in JSON, NDJSON)."""
    names = [c.strip() for c in columns.split(",") if c.strip()] if columns is not None else DEFAULT_COLUMNS
    unknown = [c for c in names if c not in LIST_COLUMNS]
    if unknown or not names:
        problem = f"unknown column {unknown[0]!r}" if unknown else "no column given"
        raise UsageError(f"--columns: {problem}", details=[f"  columns: {', '.join(LIST_COLUMNS)}"])
    cells = [LIST_COLUMNS[c][1] for c in names]
    if served:
        return View(columns=[*(LIST_COLUMNS[c][0] for c in names), "served"], csv=_served_csv,
                    rows=lambda records: [[*(cell(r) for cell in cells), _served_cell(r.get("served"))]
                                          for r in records])
    return View(columns=[LIST_COLUMNS[c][0] for c in names],
                rows=lambda records: [[cell(r) for cell in cells] for r in records], csv=_list_csv)


PERSONS = persons_view()


def _served_cell(served: Any) -> str:
    """The posts that matched ``--served-at``/``--in``: ``role_1988: Title (Organization, Place)``."""
    return "; ".join(f"{s.get('path')}: {s.get('post')}" for s in served or ())


def _served_csv(records: Sequence[Record]) -> tuple[Sequence[str], list[list[str]]]:
    from dossier.interchange.csvfmt import cell

    header, rows = _list_csv(records)
    return [*header, "served"], [[*row, cell(_served_cell(r.get("served")))]
                                 for row, r in zip(rows, records, strict=True)]




def _claim(post: Record | None, unknown: str = "unknown") -> str:
    if post is None:
        return unknown
    text = rules.post_summary(post)
    dates = {f: rules.date_text(post, f) for f in rules.POST_DATES}
    if dates["start"] and dates["end"]:
        text += f", {dates['start']}–{dates['end']}"
    elif dates["start"] or dates["end"]:  # (as the profiles say it: a lone date is no span)
        text += f", from {dates['start']}" if dates["start"] else f", until {dates['end']}"
    if post.get("as_of"):
        text += f", as of {dates['as_of']}"
    return f"{text}  {_provenance(post.get('sources') or [], post.get('confidence') or 'medium')}"


def _provenance(sources: Sequence[str], confidence: str) -> str:
    cited = f"sources: {', '.join(sources)}" if sources else "UNSOURCED"
    return f"[{cited}; confidence: {confidence}]"


def person_lines(person: Record) -> list[tuple[str, str]]:
    """(label, value) lines of ``show``: every claim with its sources and confidence."""
    lines: list[tuple[str, str]] = [("id", person["id"]), ("name", person["name"])]
    if person.get("native_name"):
        lines.append(("native name", person["native_name"]))
    if person.get("aliases"):
        lines.append(("aliases", "; ".join(person["aliases"])))
    lines.append(("status", person.get("status") or "unknown"))
    for label in rules.PERSON_DATES:
        if person.get(label):
            lines.append((label, rules.date_text(person, label)))
    lines.append(("position in 1988", _claim(person.get("role_1988"), "none recorded")))
    lines.append(("current post", _claim(person.get("current_post"))))
    for i, post in enumerate(person.get("posts") or ()):
        lines.append(("career" if i == 0 else "", _claim(post)))
    for i, assoc in enumerate(person.get("associates") or ()):
        relation = f" ({assoc['relation']})" if assoc.get("relation") else ""
        provenance = _provenance(assoc.get("sources") or [], assoc.get("confidence") or "medium")
        value = f"{assoc['id']}{relation}  {provenance}"
        lines.append(("associates" if i == 0 else "", value))
    if person.get("tags"):
        lines.append(("tags", ", ".join(person["tags"])))
    if person.get("restricted"):
        lines.append(("restricted", "yes (left out of public profiles)"))
    if person.get("merged_ids"):
        lines.append(("merged ids", ", ".join(person["merged_ids"])))
    for i, other in enumerate(person.get("distinct_from") or ()):
        note = f" ({other['note']})" if other.get("note") else ""
        lines.append(("distinct from" if i == 0 else "", f"{other['id']}{note}"))
    for i, src in enumerate(person.get("sources") or ()):
        bits = [src.get("title"), src.get("publisher"), src.get("published"), src.get("url")]
        desc = " · ".join(b for b in bits if b)
        if src.get("confidential"):
            desc += "  (CONFIDENTIAL, encrypted)" if src.get("sealed") else "  (CONFIDENTIAL)"
        lines.append(("sources" if i == 0 else "", f"[{src['key']}] {desc}"))
    if person.get("created"):
        lines.append(("updated", person.get("updated") or ""))
    return lines


def _person_text(person: Record) -> str:
    out = [f"{label}: {value}" if label else f"  {value}" for label, value in person_lines(person)]
    if person.get("narrative"):
        out += ["", person["narrative"].rstrip("\n")]
    return "\n".join(out) + "\n"


def _person_panel(person: Record) -> RenderableType:
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in person_lines(person):
        grid.add_row(Text(label), Text(value))
    parts: list[Any] = [grid]
    if person.get("narrative"):
        parts += [Text(""), Text(person["narrative"].rstrip("\n"))]
    return Panel(Group(*parts), title=Text(person["name"]), title_align="left")


PERSON = View(text=_person_text, panel=_person_panel)
NEW_PERSON = View(text=lambda record: f"{record['id']}\n")


def _hit_rows(hits: Sequence[Hit]) -> list[list[str]]:
    return [[h.id, h.name, h.matched, str(h.score)] for h in hits]


def _served_hit_rows(hits: Sequence[Hit]) -> list[list[str]]:
    rows = _hit_rows(hits)
    for row, hit in zip(rows, hits, strict=True):
        row.append(_served_cell(hit.as_dict().get("served")))
    return rows


def search_view(query: str, *, served: bool = False) -> View:
    """Hits of ``search``; ``served`` (``--served-at``/``--in`` given) adds the column of the
    posts that matched."""
    if served:
        return View(columns=("id", "name", "matched", "score", "served"), rows=_served_hit_rows,
                    json=lambda hits: [h.as_dict() for h in hits],
                    nothing=lambda _: f"no match for {quoted(query)} with such a post")
    return View(columns=("id", "name", "matched", "score"), rows=_hit_rows,
                json=lambda hits: [h.as_dict() for h in hits],
                nothing=lambda _: f"no match for {quoted(query)}")


def _findings_text(findings: Sequence[Finding]) -> str:
    return "".join(f"{f}\n" for f in findings)


FINDINGS = View(text=_findings_text, json=lambda findings: [f.as_dict() for f in findings])


# --- sources ---------------------------------------------------------------------------

SOURCE_FIELDS = ("key", "title", "publisher", "author", "url", "published", "accessed",
                 "archive_url", "sha256", "kind", "confidential", "note")


def _source_rows(rows: Sequence[Record]) -> list[list[str]]:
    return [
        [r["key"], r["title"], r.get("publisher") or "", r.get("published") or "", r.get("kind") or "",
         "yes" if r.get("confidential") else "", str(r["claims"]), str(r["persons"])]
        for r in rows
    ]


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _source_text(shown: Record) -> str:
    src = shown["source"]
    lines = [f"{name}: {_scalar(src[name])}" for name in SOURCE_FIELDS
             if src.get(name) not in (None, "", False) or name in ("kind", "confidential")]
    if src.get("encrypted"):
        lines.append("encrypted: yes (no identity of a recipient here to read it)")
    for i, copy in enumerate(src.get("evidence") or ()):
        bits = [copy.get("name"), copy.get("media_type"), f"{copy.get('size')} bytes",
                f"sha256 {copy['sha256']}", f"attached {copy.get('attached')} by {copy.get('attached_by')}",
                "stored encrypted" if copy.get("stored") else ""]
        lines.append(("evidence: " if i == 0 else "  ") + " · ".join(str(b) for b in bits if b))
    lines.append(f"persons: {len(shown['persons'])}")
    lines += [f"  {p['id']}  {p['name']}" for p in shown["persons"]]
    lines.append(f"cited by: {len(shown['claims'])} claim(s)" if shown["claims"] else "cited by: no claim")
    lines += [f"  {c['person']}  {c['path']}" for c in shown["claims"]]
    return "\n".join(line.replace("\n", " ") for line in lines) + "\n"


SOURCES = View(
    columns=("key", "title", "publisher", "published", "kind", "confidential", "claims", "persons"),
    rows=_source_rows,
)
SOURCE = View(text=_source_text)


# --- review ----------------------------------------------------------------------------


def _stale_rows(rows: Sequence[Stale]) -> list[list[str]]:
    return [[s.id, s.name, rules.post_summary(s.post), s.as_of or "",
             "" if s.months is None else str(s.months),
             ", ".join(src["key"] for src in s.sources) or "UNSOURCED"]
            for s in rows]


STALE = View(columns=("id", "name", "current post", "as of", "months", "sources"), rows=_stale_rows,
             json=lambda rows: [r.to_json() for r in rows])


# --- diff -------------------------------------------------------------------------------

_LONG = 80


def show_value(value: Any, *, limit: int = _LONG) -> str:
    """A value on one line: posts and sources by what a reader knows them by."""
    if value is None or value == [] or value == {} or value == "":
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        if value.startswith("-----BEGIN AGE ENCRYPTED FILE-----"):
            return "(encrypted)"
        text = " ".join(value.split())
        return json.dumps(text if len(text) <= limit else text[: limit - 1] + "…", ensure_ascii=False)
    if isinstance(value, list):
        return "; ".join(show_value(v, limit=limit) for v in value)
    if isinstance(value, dict):
        if "key" in value and "title" in value:  # a source
            return f"{show_value(value['title'], limit=limit)} [{value['key']}]"
        if "title" in value:  # a post
            where = ", ".join(value[k] for k in ("organization", "place") if value.get(k))
            span = "–".join(value[k] for k in ("start", "end") if value.get(k))
            text = value["title"] + (f" ({where})" if where else "") + (f", {span}" if span else "")
            return show_value(text, limit=limit)
        if "id" in value:  # an associate
            rel = f" ({value['relation']})" if value.get("relation") else ""
            return f"{value['id']}{rel}"
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def change_text(change: Change, *, words: bool = False) -> str:
    """``+ new``, ``- old`` or ``old → new`` (``added new``, ``removed old`` with ``words``)."""
    if change.kind == "added":
        return f"{'added' if words else '+'} {show_value(change.new)}"
    if change.kind == "removed":
        return f"{'removed' if words else '-'} {show_value(change.old)}"
    return f"{show_value(change.old)} → {show_value(change.new)}"


def change_line(change: Change) -> str:
    return f"{change.path}: {change_text(change)}"


def _notes(diff: Diff) -> list[str]:
    notes = []
    if not diff.removed_known:
        notes.append("Removed persons cannot be known from --since (the database no longer has them): "
                     "diff against an earlier export for those.")
    if not diff.fields_known and diff.changed:
        notes.append("Changed fields cannot be known from --since: diff against an earlier export "
                     "for those.")
    return notes


def render_text(diff: Diff) -> str:
    lines = [f"Changes since {diff.since}: {diff.counts()}" if diff.since else f"Changes: {diff.counts()}"]
    if diff.added:
        lines += ["", "Added"] + [f"  + {p['id']}  {p['name']}" for p in diff.added]
    if diff.removed:
        lines += ["", "Removed"]
        for p in diff.removed:
            merged = f"  (merged into {p['merged_into']})" if p.get("merged_into") else ""
            lines.append(f"  - {p['id']}  {p['name']}{merged}")
    if diff.changed:
        lines += ["", "Changed"]
        for person in diff.changed:
            lines.append(f"  ~ {person.id}  {person.name}")
            lines += [f"      {change_line(c)}" for c in person.changes]
    notes = _notes(diff)
    if notes:
        lines += ["", *notes]
    return "\n".join(lines) + "\n"


def render_markdown(diff: Diff, *, title: str | None = None) -> str:
    """A changelog page: ``# title``, then ``## Added``, ``## Removed``, ``## Changed``.

    Persons link to their profile pages (``<id>.md``); removed persons have none.
    Record text is escaped, so a name or value never becomes markup.
    """
    from dossier.api.diff import PersonChange
    from dossier.publish.escape import md_escape

    def link(person: Record | PersonChange) -> str:
        pid, name = (person.id, person.name) if isinstance(person, PersonChange) else (
            person["id"], person["name"])
        return f"[{md_escape(name)}]({pid}.md)"

    heading = title or (f"Changes since {diff.since}" if diff.since else "Changes")
    lines = [f"# {md_escape(heading)}", ""]
    if not diff:
        lines += ["No changes.", ""]
    if diff.added:
        lines += ["## Added", "", *(f"- {link(p)}" for p in diff.added), ""]
    if diff.removed:
        lines += ["## Removed", ""]
        for p in diff.removed:
            into = p.get("merged_into")
            merged = f" — merged into [{into}]({into}.md)" if into else ""
            lines.append(f"- {md_escape(p['name'])} (`{p['id']}`){merged}")
        lines.append("")
    if diff.changed:
        lines += ["## Changed", ""]
        for person in diff.changed:
            lines.append(f"- {link(person)}")
            lines += [f"  - `{c.path}`: {md_escape(change_text(c, words=True))}" for c in person.changes]
        lines.append("")
    for note in _notes(diff):
        lines += [f"*{md_escape(note)}*", ""]
    return "\n".join(lines)


DIFF = View(text=render_text, markdown=render_markdown, json=lambda diff: diff.to_json())


# --- history ----------------------------------------------------------------------------


def _log_text(entries: Sequence[Record]) -> str:
    lines = []
    for e in entries:
        name = f" ({e['name']})" if e.get("name") else ""
        merged = f", merged into {e['merged_into']}" if e.get("merged_into") else ""
        lines.append(f"{e.get('at', '')}  {e.get('actor', '')}  {e.get('command', '')}")
        lines.append(f"  {e.get('kind', '')} {e.get('id', '')}{name} {e.get('op', '')}{merged}")
        for c in e.get("changes") or ():
            lines.append(f"    {change_line(_change_of(c['path'], c['old'], c['new']))}")
    return "\n".join(lines) + "\n" if lines else ""


def _change_of(path: str, old: Any, new: Any) -> Change:
    from dossier.api.diff import Change

    kind = "added" if old is None else "removed" if new is None else "changed"
    return Change(path, kind, old, new)


LOG = View(text=_log_text, nothing=lambda _: "no history")


# --- keys --------------------------------------------------------------------------------

RECIPIENTS = View(
    columns=("public key", "name", "added", "by"),
    rows=lambda rows: [[r["key"], r.get("name") or "", r.get("added") or "", r.get("by") or ""]
                       for r in rows],
    nothing=lambda _: "encryption is off (no recipients); turn it on with: dossier keys init",
)
