"""CSV: one person per row, the SPEC's columns first, ``;`` inside list cells.

``list --format csv`` prints the SPEC's 13 columns (``COLUMNS``). Export adds
the columns that make the file lossless (``EXPORT_COLUMNS``):

* plain cells: ``born``, ``died``, ``restricted`` (``true``/``false``),
  ``merged_ids`` (a list cell), ``narrative``, ``created``, ``updated``, and
  ``sealed`` (a restricted narrative encrypted, ``dossier keys``);
* JSON cells: ``role_1988_details`` / ``current_post_details`` (the post's
  fields that have no column of their own: dates, ``sources``,
  ``confidence``…), ``posts``, ``associates``, ``sources``,
  ``dates_as_written``, ``distinct_from``. Empty lists, nulls and empty objects are left out.

List cells (``aliases``, ``tags``, ``merged_ids``, ``source_urls``) are
``;``-separated; a list whose items hold a ``;``, are empty, or whose cell
would start with ``[`` is written as a JSON array instead, and a cell that
starts with ``[`` is read as one.

On import every column but ``name`` is optional and the header is matched
case-insensitively. Without a ``sources`` column, each URL of
``source_urls`` becomes a source (key from the URL, title the URL) that the
1988 and current posts cite; with one, ``source_urls`` must agree with it.

Spreadsheet safety: a cell that starts with ``= + - @``, a tab, CR or LF (or
their full-width forms) would run as a formula, so ``cell`` prefixes it with
``'``; a value that really starts with ``'`` gets one more, and reading drops
exactly one leading ``'``, so the round trip is lossless.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import orjson

from dossier.model import rules

if TYPE_CHECKING:
    from dossier.errors import Problem
    from dossier.interchange import Item

SEP = ";"
COLUMNS = (
    "id", "name", "native_name", "aliases", "status",
    "role_1988_title", "role_1988_organization", "role_1988_place",
    "current_post_title", "current_post_organization", "current_post_as_of",
    "tags", "source_urls",
)
EXTRA_COLUMNS = (
    "born", "died", "restricted", "merged_ids", "narrative",
    "role_1988_details", "current_post_details",
    "posts", "associates", "sources", "dates_as_written", "distinct_from",
    "created", "updated", "sealed",
)
EXPORT_COLUMNS = COLUMNS + EXTRA_COLUMNS
_FLAT = {"role_1988": ("title", "organization", "place"), "current_post": ("title", "organization", "as_of")}
_LIST_FIELDS = ("aliases", "tags", "merged_ids")
_PLAIN_FIELDS = ("status", "born", "died", "restricted", "narrative", "created", "updated", "sealed")
_JSON_FIELDS = {"posts": list, "associates": list, "sources": list, "dates_as_written": dict,
                "distinct_from": list}

_RISKY = frozenset("=+-@\t\r\n'\uff1d\uff0b\uff0d\uff20")


def cell(value: str) -> str:
    """A cell a spreadsheet shows as text: risky first characters get a ``'``."""
    return "'" + value if value and value[0] in _RISKY else value


def uncell(value: str) -> str:
    """The inverse of ``cell``."""
    return value[1:] if value.startswith("'") else value


def list_cell(items: Sequence[str]) -> str:
    if not items:
        return ""
    if items[0].startswith("[") or any(not i or SEP in i or i != i.strip() for i in items):
        return orjson.dumps(list(items)).decode()
    return SEP.join(items)


def json_cell(value: Any) -> str:
    value = _prune(value)
    return orjson.dumps(value).decode() if value not in (None, [], {}) else ""


def _prune(value: Any) -> Any:
    if isinstance(value, dict):
        out = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, [], {})}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def _post(record: dict[str, Any], key: str, field: str) -> str:
    return ((record.get(key) or {}).get(field)) or ""


def _source_urls(record: dict[str, Any]) -> list[str]:
    # (a split export lists sources by key: they have files of their own)
    return [s["url"] for s in record.get("sources", ()) if isinstance(s, dict) and s.get("url")]


def _spec_cells(r: dict[str, Any]) -> list[str]:
    return [
        r["id"], r["name"], r.get("native_name") or "", list_cell(r.get("aliases", [])),
        r.get("status") or "unknown",
        _post(r, "role_1988", "title"), _post(r, "role_1988", "organization"),
        _post(r, "role_1988", "place"),
        _post(r, "current_post", "title"), _post(r, "current_post", "organization"),
        _post(r, "current_post", "as_of"),
        list_cell(r.get("tags", [])),
        list_cell(_source_urls(r)),
    ]


def _details(record: dict[str, Any], key: str) -> str:
    post = record.get(key)
    if not post:
        return ""
    return json_cell({k: v for k, v in post.items() if k not in _FLAT[key]})


def _export_cells(r: dict[str, Any]) -> list[str]:
    return [
        *_spec_cells(r),
        r.get("born") or "", r.get("died") or "", "true" if r.get("restricted") else "false",
        list_cell(r.get("merged_ids", [])), r.get("narrative") or "",
        _details(r, "role_1988"), _details(r, "current_post"),
        json_cell(r.get("posts")), json_cell(r.get("associates")), json_cell(r.get("sources")),
        json_cell(r.get("dates_as_written")), json_cell(r.get("distinct_from")),
        r.get("created") or "", r.get("updated") or "", r.get("sealed") or "",
    ]


def csv_rows(records: Sequence[dict[str, Any]]) -> tuple[tuple[str, ...], list[list[str]]]:
    """The SPEC's columns, for ``list --format csv``."""
    return COLUMNS, [[cell(c) for c in _spec_cells(r)] for r in records]


def csv_text(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """The one CSV writer: a header line, then the rows, ``\\n`` line ends."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def write(records: Sequence[dict[str, Any]]) -> bytes:
    return csv_text(EXPORT_COLUMNS, [[cell(c) for c in _export_cells(r)] for r in records]).encode("utf-8")


def write_one(record: dict[str, Any]) -> bytes:
    return write([record])


# --- reading -------------------------------------------------------------------


def looks_like_header(line: bytes) -> bool:
    try:
        names = next(csv.reader([line.decode("utf-8", "replace")]))
    except (csv.Error, StopIteration):
        return False
    return len(names) > 1 and "name" in {n.strip().lower() for n in names}


def read(data: bytes, source: str, problems: list[Problem]) -> list[Item]:
    from dossier.errors import Problem
    from dossier.interchange import Item, decode

    text = decode(data, source, problems)
    if text is None:
        return []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[dict[str, Any]] = []
    lines: list[int] = []
    start = 1
    try:
        header = _header(next(reader, []), source, problems)
        if header is None:
            return []
        start = reader.line_num + 1
        for row in reader:
            line, start = start, reader.line_num + 1
            if not any(c.strip() for c in row):
                continue
            if len(row) != len(header):
                problems.append(Problem(f"row has {len(row)} cells, the header has {len(header)}",
                                        source=source, line=line))
                continue
            before = len(problems)
            record = _record(dict(zip(header, row, strict=True)), source, line, problems)
            if len(problems) == before:
                records.append(record)
                lines.append(line)
    except csv.Error as exc:
        hint = " (a quote that is never closed?)" if "end of data" in str(exc) else ""
        problems.append(Problem(f"not valid CSV: {exc}{hint}", source=source, line=start))
        return []
    return [Item(source, i, r, lines) for i, r in enumerate(records)]


def _header(row: list[str], source: str, problems: list[Problem]) -> list[str] | None:
    from dossier.errors import Problem

    names = [c.strip().lower() for c in row]
    found = []
    known = set(EXPORT_COLUMNS)
    for name in names:
        if name not in known:
            found.append(f"unknown column {name!r}" if name else "a column has no name")
        elif names.count(name) > 1 and f"column {name!r} appears twice" not in found:
            found.append(f"column {name!r} appears twice")
    if "name" not in names:
        found.append("no 'name' column (the first line must be the header)")
    if found:
        unknown = [i for i, m in enumerate(found) if m.startswith("unknown")]
        if unknown:
            found[unknown[-1]] += f" (known columns: {', '.join(EXPORT_COLUMNS)})"
        problems.extend(Problem(m, source=source, line=1) for m in found)
        return None
    return names


def _record(cells: dict[str, str], source: str, line: int, problems: list[Problem]) -> dict[str, Any]:
    from dossier.errors import Problem

    def bad(field: str, message: str) -> None:
        problems.append(Problem(message, field=field, source=source, line=line))

    uncelled = {k: uncell(v) for k, v in cells.items()}

    def get(column: str) -> str:
        return uncelled.get(column) or ""
    record: dict[str, Any] = {}
    if (value := (get("id") or "").strip()):
        record["id"] = value
    record["name"] = get("name") or ""
    if (value := get("native_name")):
        record["native_name"] = value
    for field in _LIST_FIELDS:
        if (value := get(field)):
            record[field] = _list(value, field, bad)
    for field in _PLAIN_FIELDS:
        if (value := get(field)):
            record[field] = value
    for key, flat in _FLAT.items():
        post = _json(get(f"{key}_details") or "", dict, f"{key}_details", bad) or {}
        for field in flat:
            if (value := get(f"{key}_{field}")):
                post[field] = value
        if post:
            record[key] = post
    for field, kind in _JSON_FIELDS.items():
        value = _json(get(field) or "", kind, field, bad)
        if value is not None:
            record[field] = value
    urls = list(dict.fromkeys(_list(get("source_urls") or "", "source_urls", bad)))
    if "sources" in cells:
        cited = list(dict.fromkeys(s.get("url") for s in record.get("sources", ())
                                   if isinstance(s, dict) and s.get("url")))
        if urls != cited:
            bad("source_urls", "does not match the URLs of the sources column; edit the sources cell")
    elif urls:
        record["sources"] = [rules.url_source(u) for u in urls]
        keys = [s["key"] for s in record["sources"]]
        for key in _FLAT:
            if key in record and "sources" not in record[key]:
                record[key]["sources"] = keys
    return record


def _list(value: str, field: str, bad: Any) -> list[str]:
    if value.startswith("["):
        items = _json(value, list, field, bad)
        if items is None:
            return []
        if not all(isinstance(i, str) for i in items):
            bad(field, "a JSON list cell must hold only strings")
            return []
        return [str(i) for i in items]
    return [i.strip() for i in value.split(SEP) if i.strip()]


def _json(value: str, kind: type, field: str, bad: Any) -> Any:
    if not value.strip():
        return None
    try:
        parsed = orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        bad(field, f"not valid JSON in this cell: {exc.msg} (column {exc.colno})")
        return None
    if not isinstance(parsed, kind):
        bad(field, f"this cell must hold a JSON {'list' if kind is list else 'object'}")
        return None
    return parsed


__all__ = ["COLUMNS", "EXPORT_COLUMNS", "cell", "csv_rows", "csv_text", "list_cell", "uncell"]
