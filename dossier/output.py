"""The one place that writes to stdout and stderr.

Data goes to stdout, messages to stderr. JSON, NDJSON and CSV bypass Rich
entirely (no wrapping, no escapes). Tables and panels use Rich only when stdout
is a terminal; piped, a table is tab-separated lines. Record text always goes
into Rich as ``Text`` so ``[bold]`` in a name is printed, never interpreted.
``NO_COLOR`` is honoured by Rich itself.
"""

from __future__ import annotations

import contextlib
import csv
import io
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from rich.console import Console

    from dossier.models import Person, Post


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


@cache
def _console(stderr: bool) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def message(text: str) -> None:
    """One line for the user on stderr (never parsed as markup)."""
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def error(lines: Sequence[str]) -> None:
    for i, line in enumerate(lines):
        message(f"error: {line}" if i == 0 and not line.startswith(" ") else line)


# --- machine formats --------------------------------------------------------


def json_text(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() + "\n"


def emit_json(value: Any) -> None:
    _write(json_text(value))


def emit_ndjson(rows: Iterable[dict[str, Any]]) -> None:
    out = sys.stdout
    dumps = orjson.dumps
    chunk: list[str] = []
    for row in rows:
        chunk.append(dumps(row).decode())
        if len(chunk) >= 1000:
            out.write("\n".join(chunk) + "\n")
            chunk.clear()
    if chunk:
        out.write("\n".join(chunk) + "\n")
    out.flush()


def emit_text(text: str) -> None:
    """Text prepared by the caller (a report, Markdown) exactly as given."""
    _write(text)


def emit_yaml(value: Any) -> None:
    from dossier.yamlio import dump

    _write(dump(value))


def emit_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    _write(buf.getvalue())


def emit_bytes(data: bytes) -> None:
    """A document already encoded (an export): written as is, no re-encoding."""
    sys.stdout.flush()
    out = getattr(sys.stdout, "buffer", None)
    if out is None:
        sys.stdout.write(data.decode("utf-8"))
    else:
        out.write(data)
        out.flush()


@contextlib.contextmanager
def progress(total: int, label: str) -> Iterator[Callable[[int], None]]:
    """A Rich progress bar on stderr when stderr is a terminal; else nothing at all."""
    if not sys.stderr.isatty():
        yield lambda _n: None
        return
    from rich.progress import Progress

    with Progress(console=_console(True), transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


# --- tables -----------------------------------------------------------------


def emit_table(header: Sequence[str], rows: Sequence[Sequence[str]], *, title: str = "") -> None:
    """A Rich table on a terminal; tab-separated lines with a header when piped."""
    if not stdout_is_terminal():
        lines = ["\t".join(header)]
        lines += ["\t".join(_one_line(c) for c in row) for row in rows]
        _write("\n".join(lines) + "\n")
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title or None, show_lines=False, header_style="bold")
    for name in header:
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*(Text(c) for c in row))
    _console(False).print(table)


def _one_line(value: str) -> str:
    return value.replace("\t", " ").replace("\n", " ")


def post_summary(post: dict[str, Any] | None) -> str:
    if not post:
        return ""
    parts = [post.get("title") or ""]
    where = ", ".join(p for p in (post.get("organization"), post.get("place")) if p)
    if where:
        parts.append(f"({where})")
    return " ".join(parts)


LIST_COLUMNS = ("id", "name", "native name", "position in 1988", "current post")


def list_rows(records: Sequence[dict[str, Any]]) -> list[list[str]]:
    return [
        [
            r["id"],
            r["name"],
            r.get("native_name") or "",
            post_summary(r.get("role_1988")),
            post_summary(r.get("current_post")) or "unknown",
        ]
        for r in records
    ]


# --- one person as text -------------------------------------------------------


def _claim(post: Post | None, unknown: str = "unknown") -> str:
    if post is None:
        return unknown
    text = post_summary(post.model_dump())
    dates = {f: _as_written(post, f) for f in ("start", "end", "as_of")}
    span = "–".join(d for d in (dates["start"], dates["end"]) if d)
    if span:
        text += f", {span}"
    if post.as_of:
        text += f", as of {dates['as_of']}"
    return f"{text}  {_provenance(post.sources, post.confidence)}"


def _as_written(model: Any, field: str) -> str:
    """A date with the Solar Hijri text it was entered as, if any."""
    value = getattr(model, field) or ""
    written = model.dates_as_written.get(field)
    return f"{value} ({written})" if value and written else value


def _provenance(sources: Sequence[str], confidence: str) -> str:
    cited = f"sources: {', '.join(sources)}" if sources else "UNSOURCED"
    return f"[{cited}; confidence: {confidence}]"


def person_lines(person: Person) -> list[tuple[str, str]]:
    """(label, value) lines of ``show``: every claim with its sources and confidence."""
    lines: list[tuple[str, str]] = [("id", person.id or ""), ("name", person.name)]
    if person.native_name:
        lines.append(("native name", person.native_name))
    if person.aliases:
        lines.append(("aliases", "; ".join(person.aliases)))
    lines.append(("status", person.status))
    for label in ("born", "died"):
        if getattr(person, label):
            lines.append((label, _as_written(person, label)))
    lines.append(("position in 1988", _claim(person.role_1988, "none recorded")))
    lines.append(("current post", _claim(person.current_post)))
    for i, post in enumerate(person.posts):
        lines.append(("career" if i == 0 else "", _claim(post)))
    for i, assoc in enumerate(person.associates):
        relation = f" ({assoc.relation})" if assoc.relation else ""
        value = f"{assoc.id}{relation}  {_provenance(assoc.sources, assoc.confidence)}"
        lines.append(("associates" if i == 0 else "", value))
    if person.tags:
        lines.append(("tags", ", ".join(person.tags)))
    if person.restricted:
        lines.append(("restricted", "yes (left out of public profiles)"))
    if person.merged_ids:
        lines.append(("merged ids", ", ".join(person.merged_ids)))
    for i, src in enumerate(person.sources):
        bits = [src.title, src.publisher, src.published, src.url]
        desc = " · ".join(b for b in bits if b)
        if src.confidential:
            desc += "  (CONFIDENTIAL)"
        lines.append(("sources" if i == 0 else "", f"[{src.key}] {desc}"))
    if person.created:
        lines.append(("updated", person.updated.isoformat().replace("+00:00", "Z") if person.updated else ""))
    return lines


def emit_person_text(person: Person) -> None:
    lines = person_lines(person)
    if not stdout_is_terminal():
        out = [f"{label}: {value}" if label else f"  {value}" for label, value in lines]
        if person.narrative:
            out += ["", person.narrative.rstrip("\n")]
        _write("\n".join(out) + "\n")
        return
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in lines:
        grid.add_row(Text(label), Text(value))
    parts: list[Any] = [grid]
    if person.narrative:
        parts += [Text(""), Text(person.narrative.rstrip("\n"))]
    _console(False).print(Panel(Group(*parts), title=Text(person.name), title_align="left"))
