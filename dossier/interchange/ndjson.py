"""NDJSON: one person per line (blank lines are skipped, ``\\r\\n`` is fine)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import orjson

from dossier.errors import Problem
from dossier.interchange import Item, RawJSON
from dossier.interchange.jsonfmt import colons, parse_problem, repeated_key


def read(data: bytes, source: str, problems: list[Problem], *, lazy: bool = False) -> list[Item]:
    """The records of ``data``; ``lazy``: as ``RawJSON`` lines, parsed later by ``materialize``."""
    lines: list[int] = []
    records: list[Any] = []
    if lazy:
        for number, raw in enumerate(io.BytesIO(data), 1):
            if not raw.isspace():
                records.append(RawJSON(raw))
                lines.append(number)
        return [Item(source, i, record, lines) for i, record in enumerate(records)]
    loads, dumps, decode_error = orjson.loads, orjson.dumps, orjson.JSONDecodeError
    # Line by line from one buffer: a list of every line would double the input in memory.
    for number, raw in enumerate(io.BytesIO(data), 1):
        if raw.isspace():
            continue
        try:
            record = loads(raw)
        except decode_error as exc:
            problem = parse_problem(raw, exc, source)
            problems.append(Problem(problem.message, source=source, line=number))
            continue
        records.append(record)
        lines.append(number)
    # One count over the file; line by line only if it finds a key given twice (or a bad line).
    if colons(data) != dumps(records).count(b":"):
        where = dict(zip(lines, range(len(lines)), strict=True))
        repeated = set()
        for number, raw in enumerate(io.BytesIO(data), 1):
            i = where.get(number)
            if i is not None and colons(raw) != dumps(records[i]).count(b":"):
                key = repeated_key(raw)
                if key is not None:
                    repeated.add(i)
                    problems.append(Problem(f"key {key!r} appears twice in one object (JSON keeps "
                                            "only the last)", source=source, line=number))
        if repeated:
            kept = [i for i in range(len(records)) if i not in repeated]
            records, lines = [records[i] for i in kept], [lines[i] for i in kept]
    return [Item(source, i, record, lines) for i, record in enumerate(records)]


def write(records: Sequence[dict[str, Any]]) -> bytes:
    if not records:
        return b""
    dumps, newline = orjson.dumps, orjson.OPT_APPEND_NEWLINE
    return b"".join([dumps(r, option=newline) for r in records])


def write_one(record: dict[str, Any]) -> bytes:
    return orjson.dumps(record, option=orjson.OPT_SORT_KEYS) + b"\n"
