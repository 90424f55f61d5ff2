"""JSON: an array of persons; on input also ``{"persons": [...]}`` or one person.

Export writes a plain array (what ``list --format json`` prints), indented,
persons in id order, each person's keys in the model's field order.

orjson parses the whole document in one call. The line where each array
element starts is only needed for error messages, so it is found lazily, on
the error path, by a small tokenizer over the raw bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

import orjson

from dossier.errors import Problem
from dossier.interchange import Item, line_at, utf8_problem

# Strings (which may hold brackets and commas) and the structural characters.
_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{},]', re.DOTALL)
_SPACE = re.compile(rb"[ \t\r\n]*")
_OPEN = frozenset(b"[{")
_CLOSE = frozenset(b"]}")


def element_lines(data: bytes, depth: int) -> list[int]:
    """Start line of each element of the array nested ``depth`` levels deep."""
    lines, line, pos = [], 1, 0
    for start in element_starts(data, depth):
        line += data.count(b"\n", pos, start)
        pos = start
        lines.append(line)
    return lines


def element_starts(data: bytes, depth: int) -> list[int]:
    """Offset of the first byte of each element of the array nested ``depth`` levels deep."""
    starts: list[int] = []
    level = 0
    for m in _TOKEN.finditer(data):
        c = data[m.start()]
        if c == 0x22:  # a string
            continue
        if c in _OPEN:
            level += 1
            if c == 0x5B and level == depth:
                starts.append(m.end())
        elif c in _CLOSE:
            level -= 1
        elif level == depth:  # a comma between elements
            starts.append(m.end())
    return [_SPACE.match(data, s).end() for s in starts]  # type: ignore[union-attr]


# orjson keeps the last of two equal keys without a word; a repeated key would
# silently drop data, so it is an error. Cheap test: every ':' of the input is a
# key separator or a character of a string, and re-encoding writes each string
# colon once and one separator per kept key, so a dropped key leaves the input
# with more colons. Only then is the record re-read key by key to name it.
def colons(raw: bytes) -> int:
    count = raw.count(b":")
    if b"\\u003" in raw:
        count += raw.count(b"\\u003a") + raw.count(b"\\u003A")
    return count


def parse_record(raw: bytes) -> Any:
    """One JSON value; ValueError with the message for the user if it is not valid or repeats a key."""
    try:
        record = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ValueError(parse_problem(raw, exc, "").message) from None
    if colons(raw) != orjson.dumps(record).count(b":"):
        key = repeated_key(raw)
        if key is not None:
            raise ValueError(f"key {key!r} appears twice in one object (JSON keeps only the last)")
    return record


def repeated_key(raw: bytes) -> str | None:
    """The first key that appears twice in one object of the JSON value ``raw`` starts with."""
    import json

    found: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in items]
        found.extend(k for i, k in enumerate(keys) if k in keys[:i])
        return dict(items)

    try:
        json.JSONDecoder(object_pairs_hook=pairs).raw_decode(raw.decode("utf-8").lstrip())
    except ValueError:
        return None
    return found[0] if found else None


def _repeated_keys(data: bytes, value: Any, depth: int, lines: Sequence[int], source: str,
                   problems: list[Problem]) -> None:
    if colons(data) == colons(orjson.dumps(value)):
        return
    records = value if depth else [value]
    starts = element_starts(data, depth) if depth else [_SPACE.match(data).end()]  # type: ignore[union-attr]
    for i, record in enumerate(records):
        end = starts[i + 1] if i + 1 < len(starts) else len(data)
        span = data[starts[i]:end]
        if colons(span) != colons(orjson.dumps(record)):
            key = repeated_key(span)
            if key is not None:
                problems.append(Problem(f"key {key!r} appears twice in one object (JSON keeps only "
                                        "the last)", source=source, line=lines[i]))


class _LazyLines(Sequence[int]):
    def __init__(self, data: bytes, depth: int, count: int) -> None:
        self._data, self._depth, self._count = data, depth, count
        self._lines: list[int] | None = None

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: int) -> int:  # type: ignore[override]
        if self._lines is None:
            self._lines = element_lines(self._data, self._depth)
        return self._lines[index]

    def __iter__(self) -> Iterator[int]:
        return (self[i] for i in range(self._count))


def read(data: bytes, source: str, problems: list[Problem]) -> list[Item]:
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        problems.append(parse_problem(data, exc, source))
        return []
    if isinstance(value, dict) and "persons" in value:
        extra = [k for k in value if k != "persons"]
        if extra:
            first = extra[0]
            problems.append(Problem("unknown top-level key next to \"persons\"", field=first,
                                    source=source, line=_line_of_key(data, first)))
            return []
        value, depth = value["persons"], 2
        if not isinstance(value, list):
            problems.append(Problem("must be a list of persons", field="persons", source=source,
                                    line=_line_of_key(data, "persons")))
            return []
    elif isinstance(value, dict):
        first = _SPACE.match(data).end()  # type: ignore[union-attr]
        lines: Sequence[int] = [line_at(data, first)]
        before = len(problems)
        _repeated_keys(data, value, 0, lines, source, problems)
        return [] if len(problems) > before else [Item(source, 0, value, lines)]
    elif isinstance(value, list):
        depth = 1
    else:
        problems.append(Problem(
            f'expected an array of persons or {{"persons": [...]}}, got {type(value).__name__}',
            source=source, line=1))
        return []
    lines = _LazyLines(data, depth, len(value))
    before = len(problems)
    _repeated_keys(data, value, depth, lines, source, problems)
    if len(problems) > before:
        return []
    return [Item(source, i, record, lines) for i, record in enumerate(value)]


def parse_problem(data: bytes, exc: orjson.JSONDecodeError, source: str) -> Problem:
    if "UTF-8" in exc.msg:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as bad:
            return utf8_problem(data, bad, source)
    return Problem(f"not valid JSON: {exc.msg} (column {exc.colno})", source=source, line=exc.lineno)


def _line_of_key(data: bytes, key: str) -> int:
    at = data.find(orjson.dumps(key))
    return line_at(data, at) if at >= 0 else 1


def write(records: Sequence[dict[str, Any]]) -> bytes:
    return orjson.dumps(list(records), option=orjson.OPT_INDENT_2) + b"\n"


def write_one(record: dict[str, Any]) -> bytes:
    return orjson.dumps(record, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
