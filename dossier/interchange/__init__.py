"""Interchange formats (SPEC §3): JSON, NDJSON, CSV, YAML.

One small module per format, each with ``read(data, source, problems) ->
list[Item]`` and ``write(records) -> bytes``. Readers never raise for bad
input: they append a ``Problem`` (``SOURCE:LINE: …``) and go on where they
can, so one run reports every error. ``Item.line`` is the line where the
record starts.

This package is imported by ``list --format csv`` at start-up cost, so the
format modules are imported only when a format is used.
"""

from __future__ import annotations

import codecs
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any, BinaryIO

from dossier.errors import InvalidInput, Problem
from dossier.interchange.csvfmt import cell, csv_rows

FORMATS = ("json", "ndjson", "csv", "yaml")
EXTENSIONS = {
    ".json": "json",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".csv": "csv",
    ".yaml": "yaml",
    ".yml": "yaml",
}
SUFFIX = {"json": ".json", "ndjson": ".ndjson", "csv": ".csv", "yaml": ".yaml"}
_MODULES = {"json": "jsonfmt", "ndjson": "ndjson", "csv": "csvfmt", "yaml": "yamlfmt"}
# Publication formats (issue 8): export only, one document, redacted like profiles --public.
PUBLICATION = ("ftm", "popolo")
_MODULES.update(ftm="ftm", popolo="popolo")


@dataclass(slots=True)
class Item:
    """One record as read, before validation, and where it came from.

    ``data`` is dropped (set to None) once validated, to keep an import's peak memory low.
    """

    source: str
    index: int
    data: Any
    lines: Sequence[int]

    @property
    def line(self) -> int:
        return self.lines[self.index]

    def where(self) -> str:
        return f"{self.source}:{self.line}"


STDIN = "<stdin>"


def read_bytes(path: str | os.PathLike[str], stdin: BinaryIO | None = None) -> tuple[bytes, str]:
    """The bytes of a file, or of standard input for ``-``, and the name messages give it.

    A file that cannot be read raises ``InvalidInput`` naming it.
    """
    if str(path) == "-":
        return (stdin or sys.stdin.buffer).read(), STDIN
    try:
        return Path(path).read_bytes(), str(path)
    except FileNotFoundError:
        raise InvalidInput(Problem("no such file or folder", source=str(path))) from None
    except IsADirectoryError:
        raise InvalidInput(Problem("is a folder, not a file", source=str(path))) from None
    except OSError as exc:
        raise InvalidInput(Problem(f"cannot read: {exc.strerror or exc}", source=str(path))) from None


def format_of(name: str) -> str | None:
    """The format a file name's extension stands for, or None."""
    dot = name.rfind(".")
    return EXTENSIONS.get(name[dot:].lower()) if dot > 0 else None


def _module(fmt: str) -> Any:
    return import_module(f"dossier.interchange.{_MODULES[fmt]}")


def reader(fmt: str, *, lazy: bool = False) -> Callable[[bytes, str, list[Problem]], list[Item]]:
    """The reader of ``fmt``. ``lazy``: NDJSON records stay ``RawJSON`` until ``materialize``."""
    if lazy and fmt == "ndjson":
        from functools import partial

        read: Callable[[bytes, str, list[Problem]], list[Item]] = partial(_module(fmt).read, lazy=True)
        return read
    read = _module(fmt).read
    return read


class RawJSON:
    """One record's JSON text, not parsed yet (so parsing can happen in a worker process)."""

    __slots__ = ("text",)

    def __init__(self, text: bytes) -> None:
        self.text = text


def materialize(items: Sequence[Item], problems: list[Problem]) -> list[Item]:
    """Parse the ``RawJSON`` records of ``items`` in place; the items that are usable.

    A record that does not parse, or repeats a key, adds a problem and is left out.
    """
    from dossier.interchange.jsonfmt import parse_record

    usable = []
    for item in items:
        if type(item.data) is RawJSON:
            try:
                item.data = parse_record(item.data.text)
            except ValueError as exc:
                problems.append(Problem(str(exc), source=item.source, line=item.line))
                item.data = None
                continue
        usable.append(item)
    return usable


def write(records: Sequence[dict[str, Any]], fmt: str, *, redact: bool = True) -> bytes:
    """All records in one document of ``fmt`` (records are the stored dicts). A publication
    format is redacted unless ``redact`` is False; a record format always holds everything."""
    module = _module(fmt)
    data: bytes = module.write(records, redact=redact) if fmt in PUBLICATION else module.write(records)
    return data


def write_one(record: dict[str, Any], fmt: str) -> bytes:
    """One record as the content of its own file (``export --split``)."""
    data: bytes = _module(fmt).write_one(record)
    return data


# --- bytes to text, with the errors a user can act on --------------------------


_UTF16_32 = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def check_bytes(data: bytes, source: str, problems: list[Problem], fmt: str = "") -> bytes | None:
    """The content without a UTF-8 BOM, or None (and a problem) if it is not text.

    Catches what would otherwise surface as a parser's puzzling message: an
    empty file, UTF-16/32 (a spreadsheet's "Unicode text"), and NUL bytes.
    UTF-8 validity itself is left to ``decode`` or to the JSON parser. A UTF-8
    BOM is fine in CSV (spreadsheets write one) and YAML, but JSON forbids it
    (RFC 8259), and a BOM in JSON usually means an editor re-encoded the file.
    """
    for bom, name in _UTF16_32:
        if data.startswith(bom):
            problems.append(Problem(f"file is {name}; save it as UTF-8", source=source, line=1))
            return None
    if data.startswith(codecs.BOM_UTF8):
        if fmt in ("json", "ndjson"):
            problems.append(Problem("starts with a byte order mark, which JSON does not allow; "
                                    "save it as UTF-8 without BOM", source=source, line=1))
            return None
        data = data[len(codecs.BOM_UTF8):]
    if not data or data.isspace():  # (strip() would copy the whole file)
        problems.append(Problem("file is empty", source=source, line=1))
        return None
    nul = data.find(b"\0")
    if nul >= 0:
        hint = "UTF-16 text? save it as UTF-8" if _looks_utf16(data) else "a binary file?"
        problems.append(Problem(f"contains a NUL byte ({hint})", source=source, line=line_at(data, nul)))
        return None
    # A git merge that conflicted leaves its markers in the file (the records a team keeps in
    # git are YAML or CSV; an NDJSON batch of thousands is not looked through for them).
    conflict = -1 if fmt == "ndjson" else (0 if data.startswith(b"<<<<<<< ") else data.find(b"\n<<<<<<< "))
    if conflict >= 0:
        problems.append(Problem("holds an unresolved merge conflict (the <<<<<<< line): resolve it in git, "
                                "then import again", source=source, line=line_at(data, conflict + 1)))
        return None
    return data


def _looks_utf16(data: bytes) -> bool:
    head = data[:200]
    return head.count(b"\0") * 3 >= len(head)


def decode(data: bytes, source: str, problems: list[Problem]) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(utf8_problem(data, exc, source))
        return None


def utf8_problem(data: bytes, exc: UnicodeDecodeError, source: str) -> Problem:
    line = line_at(data, exc.start)
    column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
    return Problem(
        f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at column {column}); save the file as UTF-8",
        source=source,
        line=line,
    )


def line_at(data: bytes | str, offset: int) -> int:
    newline = b"\n" if isinstance(data, bytes) else "\n"
    return data.count(newline, 0, offset) + 1  # type: ignore[arg-type]


def sniff(data: bytes) -> str:
    """Guess the format of stdin: JSON array, NDJSON objects, CSV header, else YAML."""
    text = data.removeprefix(codecs.BOM_UTF8).lstrip()
    first = text.split(b"\n", 1)[0].strip()
    if text.startswith(b"["):
        return "json"
    if text.startswith(b"{"):
        import orjson

        try:
            value = orjson.loads(first)
        except orjson.JSONDecodeError:
            return "json"
        return "json" if isinstance(value, dict) and list(value) == ["persons"] else "ndjson"
    from dossier.interchange.csvfmt import looks_like_header

    return "csv" if looks_like_header(first) else "yaml"


__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "PUBLICATION",
    "STDIN",
    "SUFFIX",
    "Item",
    "RawJSON",
    "cell",
    "check_bytes",
    "csv_rows",
    "decode",
    "format_of",
    "line_at",
    "materialize",
    "read_bytes",
    "reader",
    "sniff",
    "write",
    "write_one",
]
