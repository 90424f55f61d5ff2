"""The database file: crash-safe, shared safely, and changed by splicing, not rewriting.

This is the only module that knows the file. Layout (schema 2), UTF-8 JSON, one
document per line::

    {"dossier": {"schema": 2, "sections": {"persons": [lines, bytes], ...}, "sum": S, ...}}
    one line per person, sorted by id         (the person's NDJSON export line)
    one line per source, sorted by key        (the registry of sources)
    one line per history entry, oldest first

* Every line of a section starts with its key (``{"id":"…"``, ``{"key":"…"``,
  ``{"n":…``). Persons and sources are sorted, so one record is found by a
  binary search over the bytes, without parsing the others.
* ``sum`` is the sum (mod 2^64) of a CRC-32 per line, each line chained to the
  key of the line before it. A write changes the terms of the lines it
  touches only, so it updates ``sum`` without reading the rest; a reader that
  recomputes it knows whether the body is exactly what dossier wrote (a hand
  edit, a reordering, a truncation all change it). ``validated`` says that
  every record line was validated when written: with a matching sum, readers
  may skip validating again.
* A write builds the new file from the old one: unchanged runs of bytes are
  copied by the kernel (``copy_file_range``), changed lines are new. It goes
  to a temp file in the same folder, is fsync'd, the old file is hard-linked
  to ``<db>.bak``, then ``os.replace``'d over the database, and the folder is
  fsync'd: a crash at any instant leaves the old or the new file. Many changes
  at once (an import) rewrite every line, in the same canonical bytes. While a
  large file is copied, a thread writes back each part copied, so the fsync
  waits only for the last part.
* Writers hold ``<db>.lock`` (an OS lock, released by the kernel if the
  holder dies) for the whole read-modify-write; readers take no lock.
* Schema 1 files (``{"_meta": …, "persons": {…}}``, one JSON document) and
  bare TinyDB files are read, and written as schema 2 on their first write.

TinyDB is the table API over this file: ``tinydb(path)`` opens it through a
TinyDB ``Storage`` that reads and writes the layout above, for TinyDB queries
(``Query().tags.any(["tabriz"])``). The commands use ``Snapshot`` and
``Transaction`` beside it, which find and splice single lines instead of
loading every document.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import mmap
import os
import re
import time
import zlib
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from dossier.errors import StorageError
from dossier.model.bulk import paused_gc

SCHEMA_VERSION = 2
SECTIONS = ("persons", "sources", "history")
KEY_FIELD = {"persons": "id", "sources": "key", "history": "n"}
LOCK_TIMEOUT_ENV = "DOSSIER_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = 10.0
_MASK = (1 << 64) - 1

Record = dict[str, Any]


def default_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("dossier", appauthor=False)) / "dossier.json"


def resolve_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """``--db`` > ``$DOSSIER_DB`` > the user data dir."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("DOSSIER_DB")
    return Path(env) if env else default_path()


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


RETIRED = "retired_ids"
_MERGED = b'"merged_ids":['


def _merged_ids(record: Record | None) -> list[str]:
    found = record.get("merged_ids") if record else None
    return [i for i in found if isinstance(i, str)] if isinstance(found, list) else []


# The files kept beside a database ``<db><suffix>``: the store's, and the api's caches
# (``api.sidecar``, ``api.publishing``), named here so that nothing is written over them.
BESIDE = (".bak", ".lock", ".names", ".facts", ".findings", ".profiles-cache.json")


def _own_names(db: Path) -> set[str]:
    """The names of the database's file and of those kept beside it (``BESIDE``)."""
    return {db.name, *(db.name + suffix for suffix in BESIDE)}


def kept_by(db: Path, path: Path) -> bool:
    """Whether ``path`` is the database ``db`` or a file kept beside it (``BESIDE``): never a
    place for a command's output."""
    target, base = path.resolve(), db.resolve()
    return target.parent == base.parent and target.name in _own_names(base)


_A_DATABASE = re.compile(rb'\s*\{\s*"(?:dossier|_meta|_default)"\s*:|\s*\{\s*"persons"\s*:\s*\{')


def is_database(path: Path) -> bool:
    """Whether ``path`` is a database file (of this schema, an older one, or a bare TinyDB
    file), judged by its first bytes: an export holds a list of persons, never these. Only a
    regular file is read (a named pipe would wait for a writer)."""
    try:
        if not path.is_file():
            return False
        with path.open("rb") as fh:
            head = fh.read(256)
    except OSError:
        return False
    return _A_DATABASE.match(head) is not None


@dataclass
class Writes:
    """The database writes this process has put in place: how many, and the last one's
    database, so that a Ctrl-C after a command's write is told from one before it. A write
    whose rename is under way is ``pending`` (the database and the new file's inode): a
    Ctrl-C can arrive right after the rename, before any statement that would count it,
    and only then is the file system asked whether it landed."""

    count: int = 0
    last: Path | None = None
    pending: tuple[Path, int] | None = None

    def landed_since(self, count: int) -> Path | None:
        """The database of the last write that landed after the first ``count``, else None."""
        if self.pending is not None:
            path, inode = self.pending
            with contextlib.suppress(OSError):
                if os.stat(path).st_ino == inode:
                    return path
        return self.last if self.count > count else None


WRITES = Writes()


# --- lines and their checksum ------------------------------------------------------------

_KEY_AT = {
    "persons": re.compile(rb'\{"id":"([^"\\]*)"'),
    "sources": re.compile(rb'\{"key":"([^"\\]*)"'),
    "history": re.compile(rb'\{"n":([0-9]+)[,}]'),
}


_LINE_KEY = {name: re.compile(b"\n" + pattern.pattern) for name, pattern in _KEY_AT.items()}
_PERSON_NAME = re.compile(rb'\{"id":"[^"\\]*","name":"([^"\\]*)"')


def line_key(section: str, line: bytes) -> str | None:
    """The key a stored line of ``section`` begins with (a person's id, a source's key),
    read without decoding the line; None when it has an escape or is not there."""
    found = _KEY_AT[section].match(line)
    return found.group(1).decode() if found else None


def line_name(line: bytes) -> str | None:
    """The name of a person's stored line (its second key, after the id), read the same way."""
    found = _PERSON_NAME.match(line)
    return found.group(1).decode() if found else None


def line_of(record: Mapping[str, Any]) -> bytes:
    """A record as it is stored: its NDJSON line (keys in the record's order), newline included.
    An object of the line's size: orjson's own result keeps a buffer of ~8 KB, which thousands
    of lines kept (an import's) would multiply."""
    return bytes(memoryview(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)))


def _term(line: bytes | memoryview, before: bytes) -> int:
    """A line's share of the sum, chained to the key of the line before it."""
    term: int = zlib.crc32(line, zlib.crc32(before))
    return term


def _sort_key(section: str, key: bytes) -> Any:
    return int(key) if section == "history" else key


@dataclass
class _Section:
    """One section of a loaded file: the byte range of its lines in the file."""

    name: str
    start: int
    end: int
    count: int

    def key_of(self, buf: Any, at: int) -> bytes:
        m = _KEY_AT[self.name].match(buf, at)
        if m is None:
            raise _Malformed(f"a {self.name} line does not start with its key")
        return bytes(m.group(1))

    def line_end(self, buf: Any, at: int) -> int:
        nl: int = buf.find(b"\n", at, self.end)
        if nl < 0:
            raise _Malformed(f"the {self.name} section does not end with a newline")
        return nl + 1

    def find(self, buf: Any, key: bytes) -> tuple[int, int, bool]:
        """(start, end, found): the line holding ``key``, or where it would be inserted (start == end)."""
        want = _sort_key(self.name, key)
        lo, hi = self.start, self.end  # both line starts
        while lo < hi:
            mid = (lo + hi) // 2
            at = buf.rfind(b"\n", lo, mid) + 1 if mid > lo else lo
            at = max(at, lo)
            end = self.line_end(buf, at)
            here = _sort_key(self.name, self.key_of(buf, at))
            if here == want:
                return at, end, True
            if here < want:
                lo = end
            else:
                hi = at
        return lo, lo, False

    def lines(self, buf: Any) -> list[bytes]:
        if self.start == self.end:
            return []
        return bytes(buf[self.start:self.end]).split(b"\n")[:-1]

    def lines_holding(self, buf: Any, needle: bytes) -> Iterator[tuple[int, int]]:
        """(start, end) of each line of the section that holds ``needle``, in file order:
        a byte search, no line is split off or parsed."""
        at = self.start
        while (hit := buf.find(needle, at, self.end)) >= 0:
            start = max(buf.rfind(b"\n", self.start, hit) + 1, self.start)
            at = self.line_end(buf, start)
            yield start, at

    def keys(self, buf: Any) -> list[str]:
        if self.start == self.end:
            return []
        # Every line follows a newline (the header's ends the line before the first).
        pattern = _LINE_KEY[self.name]
        return [m.group(1).decode() for m in pattern.finditer(buf, self.start - 1, self.end)]


class _Malformed(Exception):
    pass


def _sum_of(part: _Section, buf: Any) -> int:
    """The sum of the lines of one section of a file, read where they are (no copies)."""
    total, before = 0, part.name.encode()
    pattern, crc, view = _KEY_AT[part.name], zlib.crc32, memoryview(buf)
    at = part.start
    while at < part.end:
        end = part.line_end(buf, at)
        m = pattern.match(buf, at)
        if m is None:
            raise _Malformed(f"a {part.name} line does not start with its key")
        total += crc(view[at:end], crc(before))
        before = m.group(1)
        at = end
    view.release()
    return total


# --- reading --------------------------------------------------------------------------------


@dataclass
class _File:
    """The bytes of one state of the database and what the header says of them."""

    buf: Any  # bytes or mmap
    fd: int | None  # the open file the mmap maps: the source of kernel copies
    sections: dict[str, _Section]
    meta: dict[str, Any]
    stated_sum: int | None
    validated: bool
    legacy: dict[str, dict[str, Record]] | None = None  # a schema 0/1 file, parsed
    ident: tuple[int, int, int, int] | None = None  # (stated sum, size, mtime, ctime): this very file

    @property
    def size(self) -> int:
        return len(self.buf)


def _empty_file() -> _File:
    return _File(b"", None, {s: _Section(s, 0, 0, 0) for s in SECTIONS}, {}, 0, True)


def _open(path: Path, *, keep_fd: bool = False) -> _File:
    """Read and check the database file; a missing or empty file is an empty database,
    unless a ``.bak`` is beside the empty file (``_emptied``).

    ``keep_fd``: keep the file open (a writer copies its unchanged bytes from it
    and closes it); a reader only keeps the mapping.
    """
    if path.is_dir():
        raise StorageError(f"{path}: is a folder, not a database file")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return _empty_file()
    except OSError as exc:
        raise StorageError(f"{path}: cannot read database: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
        if st.st_size == 0:
            os.close(fd)
            return _emptied(path)
        # A mapped file costs nothing until read; a file replaced meanwhile stays mapped
        # whole. The descriptor stays open for the life of the process (one per command).
        buf: Any = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError) as exc:
        os.close(fd)
        raise StorageError(f"{path}: cannot read database: {getattr(exc, 'strerror', None) or exc}") from None
    if not keep_fd:
        os.close(fd)  # the mapping keeps the file
    if not buf[:64].lstrip().startswith(b'{"dossier":'):
        if keep_fd:
            os.close(fd)
        return _legacy(path, bytes(buf))
    file = _parse_header(path, buf, fd if keep_fd else None)
    file.ident = (file.stated_sum or 0, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    return file


def _parse_header(path: Path, buf: Any, fd: int | None) -> _File:
    nl = buf.find(b"\n")
    try:
        head = orjson.loads(buf[:nl] if nl >= 0 else buf[:])["dossier"]
        version = int(head["schema"])
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        raise _corrupt(path, "the first line is not a dossier header") from None
    if version > SCHEMA_VERSION:
        raise StorageError(
            f"{path}: written by a newer dossier (schema {version}); "
            f"this version reads schema {SCHEMA_VERSION} and older — upgrade dossier"
        )
    at = nl + 1
    sections = {}
    try:
        for name in SECTIONS:
            count, length = head["sections"].get(name, [0, 0])
            sections[name] = _Section(name, at, at + int(length), int(count))
            at += int(length)
    except (AttributeError, TypeError, ValueError):
        raise _corrupt(path, "the header's sections are unreadable") from None
    if at != len(buf):
        raise _corrupt(path, f"the file holds {len(buf)} bytes, the header says {at} "
                             "(truncated or appended to)")
    return _File(buf, fd, sections, dict(head.get("meta") or {}), head.get("sum"),
                 bool(head.get("validated")))


def _emptied(path: Path) -> _File:
    """An empty file is a new database (``touch``, ``mktemp``), but not beside a ``.bak``: then
    it held a database that something other than dossier emptied, and a write would make
    the empty file the ``.bak``, losing the version before."""
    if backup_path(path).exists():
        raise _corrupt(path, "it is empty, and a .bak is beside it")
    return _empty_file()


def _corrupt(path: Path, why: str) -> StorageError:
    return StorageError(
        f"{path}: database file is damaged ({why}); it was left untouched — "
        f"restore {backup_path(path).name} if it exists (see `dossier check`)"
    )


def _legacy(path: Path, raw: bytes) -> _File:
    """A schema 0/1 file: one JSON document. Parsed whole; written as schema 2 on the next write."""
    if not raw.strip():
        return _emptied(path)
    with paused_gc():
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise StorageError(
                f"{path}: database file is not valid JSON ({exc}); it was left untouched — "
                f"restore {backup_path(path).name} if it exists (see `dossier check`)"
            ) from None
    if not isinstance(data, dict):
        raise StorageError(f"{path}: not a dossier database (top level is not an object)")
    meta = data.get("_meta")
    if meta is None:  # a bare TinyDB file: documents under numeric ids
        table = data.get("persons") or data.get("_default") or {}
        persons = {d["id"]: d for d in table.values() if isinstance(d, dict) and "id" in d} \
            if isinstance(table, dict) else None
    else:
        try:
            version = int(meta["1"]["schema_version"])
        except (KeyError, TypeError, ValueError):
            raise StorageError(f"{path}: not a dossier database (unreadable schema version)") from None
        if version > SCHEMA_VERSION:
            raise StorageError(
                f"{path}: written by a newer dossier (schema {version}); "
                f"this version reads schema {SCHEMA_VERSION} and older — upgrade dossier"
            )
        persons = data.get("persons", {})
    if not isinstance(persons, dict) or not all(isinstance(v, dict) for v in persons.values()):
        raise StorageError(f"{path}: not a dossier database (the persons table is malformed)")
    # Schema 1 kept sources only inside the persons citing them: the registry is their union.
    sources: dict[str, Record] = {}
    for person in persons.values():
        for src in person.get("sources") or ():
            if isinstance(src, dict) and isinstance(src.get("key"), str):
                sources.setdefault(src["key"], src)
    return _File(b"", None, {s: _Section(s, 0, 0, 0) for s in SECTIONS}, {}, None, False,
                 legacy={"persons": persons, "sources": sources, "history": {}})


# --- a state of the database ------------------------------------------------------------------


class Snapshot:
    """One state of the database. Records are parsed on demand; nothing here writes.

    ``get``/``in`` find one record by a binary search over the file's bytes;
    ``all`` parses every person (in id order, the order of every listing).
    """

    def __init__(self, path: Path, file: _File) -> None:
        self.path = path
        self._file = file
        self._parsed: dict[str, dict[str, Record]] = dict(file.legacy or {})
        self._intact: bool | None = None
        self._retired: frozenset[str] | None = None

    # persons ------------------------------------------------------------------------------

    def __len__(self) -> int:
        if "persons" in self._parsed:
            return len(self._parsed["persons"])
        return self._file.sections["persons"].count

    def __contains__(self, person_id: object) -> bool:
        return isinstance(person_id, str) and self.get(person_id) is not None

    def __getitem__(self, person_id: str) -> Record:
        record = self.get(person_id)
        if record is None:
            raise KeyError(person_id)
        return record

    def get(self, person_id: str) -> Record | None:
        return self._get("persons", person_id)

    def ids(self) -> list[str]:
        """Every person id, sorted."""
        return self._keys("persons")

    def keyed(self) -> dict[str, Record]:
        """Every stored person by the key it is stored under (its id, unless a hand edit
        made them differ)."""
        return self._table("persons")

    def all(self) -> list[Record]:
        """Every stored person, in id order."""
        table = self._table("persons")
        return [table[k] for k in sorted(table)]

    def retired_ids(self) -> frozenset[str]:
        """The ids merged into another person (``RETIRED``) as the file holds them, never to be
        given to a new one, so that ``show OLD-ID`` keeps finding the person it went to.
        Found once: in the header, else (a file written before the header kept them) in the
        records, read as they are in the file."""
        if self._retired is None:
            kept = self.meta.get(RETIRED)
            self._retired = frozenset(kept if isinstance(kept, list) else
                                      Snapshot(self.path, self._file)._merged_away())
        return self._retired

    def _merged_away(self) -> set[str]:
        # (the lines holding a non-empty list are found by a byte search; only those are parsed)
        holders = self._matching("persons", _MERGED + b'"', lambda r: bool(r.get("merged_ids")))
        return {i for r in holders for i in _merged_ids(r)}

    def linking_to(self, person_ids: Collection[str]) -> list[Record]:
        """The other persons that name one of ``person_ids`` as an associate, in id order (their
        lines are found by a byte search for each id, and only those lines are parsed)."""
        def links(record: Record) -> bool:
            return record.get("id") not in person_ids and any(
                isinstance(a, dict) and a.get("id") in person_ids for a in record.get("associates") or ())

        found = {r["id"]: r for pid in person_ids
                 for r in self._matching("persons", orjson.dumps({"id": pid})[1:-1], links)}
        return [found[k] for k in sorted(found)]

    def persons_ndjson(self) -> bytes:
        """The persons as their NDJSON export: the stored lines themselves, in id order."""
        if "persons" in self._parsed or self._file.legacy is not None:
            return b"".join(line_of(r) for r in self.all())
        section = self._file.sections["persons"]
        return bytes(self._file.buf[section.start:section.end])

    # sources and history ------------------------------------------------------------------

    def source(self, key: str) -> Record | None:
        return self._get("sources", key)

    def source_keys(self) -> list[str]:
        """Every source key, sorted (read from the lines' starts, nothing parsed)."""
        return self._keys("sources")

    def sources(self) -> dict[str, Record]:
        """The registry of sources, key -> source, in key order."""
        table = self._table("sources")
        return {k: table[k] for k in sorted(table)}

    def sources_with(self, field: str, value: Any) -> list[Record]:
        """The sources whose ``field`` is ``value``: their lines are found by a byte search for
        the serialised pair, and only those lines are parsed."""
        needle = orjson.dumps({field: value})[1:-1]  # '"url":"https://…"'
        return self._sources_matching(needle, lambda s: s.get(field) == value)

    def sources_holding(self, field: str) -> list[Record]:
        """The sources with a value in ``field`` (found the same way as ``sources_with``)."""
        return self._sources_matching(orjson.dumps(field) + b":", lambda s: bool(s.get(field)))

    def _sources_matching(self, needle: bytes, keep: Callable[[Record], bool]) -> list[Record]:
        return self._matching("sources", needle, keep)

    def _matching(self, section: str, needle: bytes, keep: Callable[[Record], bool]) -> list[Record]:
        if section in self._parsed or self._file.legacy is not None:
            table = self._table(section)
            return [table[k] for k in sorted(table) if keep(table[k])]
        part, buf = self._file.sections[section], self._file.buf
        found = (orjson.loads(buf[start:end]) for start, end in part.lines_holding(buf, needle))
        return [r for r in found if keep(r)]  # the bytes may have matched inside another value

    def history(self) -> list[Record]:
        """Every history entry, oldest first."""
        table = self._table("history")
        return [table[k] for k in sorted(table, key=int)]

    def history_with(self, needles: Sequence[bytes]) -> list[bytes]:
        """The stored history lines holding any of ``needles``, newest first: a byte search over
        the section (``log REF`` of 100,000 entries reads a few lines, not all of them)."""
        if "history" in self._parsed:
            return [line for line in reversed(list(self.history_lines())) if any(n in line for n in needles)]
        part, buf = self._file.sections["history"], self._file.buf
        spans = {span for needle in needles for span in part.lines_holding(buf, needle)}
        return [bytes(buf[start:end]) for start, end in sorted(spans, reverse=True)]

    def history_lines(self) -> Iterator[bytes]:
        """The stored history lines, oldest first, unparsed (``log`` filters before parsing)."""
        if "history" in self._parsed:
            yield from (line_of(e) for e in self.history())
            return
        yield from self._file.sections["history"].lines(self._file.buf)

    @property
    def meta(self) -> dict[str, Any]:
        return self._file.meta

    @property
    def ident(self) -> tuple[int, int, int, int] | None:
        """What tells this state of the file from any other (for caches kept beside it): the
        stated sum, size, modification and change times; None for a missing or older-schema
        file. (Any edit changes the change time, which no one can set back; a copy, even
        ``cp -p``, has a change time of its own: its sum is then verified.)"""
        return self._file.ident

    @property
    def legacy(self) -> bool:
        """Whether the file has an older schema (it is written anew on the next write)."""
        return self._file.legacy is not None

    # trust ---------------------------------------------------------------------------------

    @property
    def trusted(self) -> bool:
        """Whether the body is exactly what dossier wrote after validating every record."""
        return self.validated and self.intact

    @property
    def validated(self) -> bool:
        """Whether the header says every record was validated when written (``trusted``
        once the sum holds)."""
        return self._file.validated

    @property
    def intact(self) -> bool:
        """Whether the body is exactly what dossier wrote (its checksum holds; computed once)."""
        if self._intact is None:
            self._intact = self._verify()
        return self._intact

    def _verify(self) -> bool:
        file = self._file
        if file.legacy is not None or file.stated_sum is None:
            return False
        try:
            total = sum(_sum_of(part, file.buf) for part in file.sections.values())
        except _Malformed:
            return False
        return (total & _MASK) == file.stated_sum

    # internals -----------------------------------------------------------------------------

    def _get(self, section: str, key: str) -> Record | None:
        if section in self._parsed:
            return self._parsed[section].get(key)
        file = self._file
        part = file.sections[section]
        try:
            start, end, found = part.find(file.buf, key.encode())
        except UnicodeEncodeError:
            return None  # (no UTF-8: a command line's undecodable bytes name nothing stored)
        except _Malformed:
            return self._table(section).get(key)
        if not found:
            return None
        record: Record = orjson.loads(file.buf[start:end])
        return record

    def _keys(self, section: str) -> list[str]:
        if section in self._parsed:
            return sorted(self._parsed[section])
        return self._file.sections[section].keys(self._file.buf)

    def _table(self, section: str) -> dict[str, Record]:
        table = self._parsed.get(section)
        if table is None:
            table = self._parsed[section] = self._parse(section)
        return table

    def _parse(self, section: str) -> dict[str, Record]:
        part = self._file.sections[section]
        field = KEY_FIELD[section]
        out: dict[str, Record] = {}
        loads = orjson.loads
        with paused_gc():
            for number, line in enumerate(part.lines(self._file.buf), 1):
                try:
                    record = loads(line)
                except orjson.JSONDecodeError:
                    raise _corrupt(self.path, f"{section} line {number} is not valid JSON") from None
                if not isinstance(record, dict) or field not in record:
                    raise _corrupt(self.path, f"{section} line {number} has no {field!r}")
                out[str(record[field])] = record
            # The records live until the command ends: move them out of the
            # collector's sight, or every later pass walks them all.
            gc.freeze()
        return out


class Persons(Sequence[Record]):
    """Every person of a snapshot, in id order, parsed on first use; ``ndjson()`` is their
    NDJSON export without parsing (the stored lines are that export)."""

    def __init__(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot
        self._records: list[Record] | None = None

    def _all(self) -> list[Record]:
        if self._records is None:
            self._records = self._snapshot.all()
        return self._records

    def __len__(self) -> int:
        return len(self._snapshot) if self._records is None else len(self._records)

    def __getitem__(self, index: Any) -> Any:
        return self._all()[index]

    def __iter__(self) -> Iterator[Record]:
        return iter(self._all())

    def ndjson(self) -> bytes:
        return self._snapshot.persons_ndjson()


# --- changing it -------------------------------------------------------------------------------

@dataclass
class Change:
    """One record put or deleted by a transaction: what it was and what it is (None: absent).

    A person put as its line (``Transaction.put_line``) is kept as those bytes, and ``new``
    decodes them on each use: an import of thousands holds their lines, not their dicts
    (a dict takes ~4 times the bytes of its line).
    """

    section: str
    key: str
    old: Record | None
    stored: Record | bytes | None

    @property
    def new(self) -> Record | None:
        stored = self.stored
        if isinstance(stored, bytes):
            record: Record = orjson.loads(stored)
            return record
        return stored

    @property
    def line(self) -> bytes:
        """The line it is stored as (not for a deletion)."""
        stored = self.stored
        assert stored is not None
        return stored if isinstance(stored, bytes) else line_of(stored)


class Transaction(Snapshot):
    """A snapshot taken under the lock whose changes are written once, on success.

    Putting a record identical to the stored one is no change: a command that
    changes nothing writes nothing (not even the file's timestamps).
    """

    def __init__(self, path: Path, file: _File) -> None:
        super().__init__(path, file)
        self._changes: dict[tuple[str, str], Change] = {}
        self.on_commit: Callable[[Transaction], None] | None = None
        self._meta_changed = False
        self._history_added: list[tuple[int, bytes]] = []  # (n, line): an import logs thousands
        self._validated = False
        self._unvalidated = False
        self.notes: dict[tuple[str, str], dict[str, Any]] = {}  # for the history: e.g. merged into
        self.on_written: Callable[[Transaction], None] | None = None
        self.written: tuple[int, int, int, int] | None = None  # the new file's ident, once written
        self._new_sum = 0
        # Applied to every person and source put: the api seals confidential content here.
        self.seal: Callable[[str, Record], Record] | None = None
        self.dry_run = False
        self.replace_backup = False  # the previous state must not stay as the .bak (it held clear text)

    def put(self, record: Mapping[str, Any]) -> None:
        self._put("persons", dict(record))

    def put_many(self, records: Iterable[Mapping[str, Any]]) -> None:
        for record in records:
            self._put("persons", dict(record))

    def put_line(self, person_id: str, line: bytes) -> None:
        """Put a person given as ``line_of`` its stored form (sealed already, with encryption
        on): the transaction keeps these bytes (see ``Change``)."""
        self._record("persons", person_id, line)

    def delete(self, person_ids: Iterable[str]) -> None:
        for person_id in person_ids:
            self._delete("persons", person_id)

    def put_source(self, source: Mapping[str, Any]) -> None:
        self._put("sources", dict(source))

    def delete_source(self, key: str) -> None:
        self._delete("sources", key)

    def before(self, section: str, key: str) -> Record | None:
        """A person or source as the file holds it, before this transaction's changes."""
        return Snapshot._get(self, section, key)

    def stored_form(self, section: str, record: Record) -> Record:
        """``record`` as this transaction would store it (sealed, with encryption on): what
        to compare with the stored records before putting it."""
        return self.seal(section, record) if self.seal is not None else record

    def put_history(self, entry: Mapping[str, Any]) -> None:
        """Replace a stored history entry (its ``n`` says which): re-encryption only."""
        self._record("history", str(entry["n"]), dict(entry))

    def log(self, entries: Iterable[Record], common: Mapping[str, Any] | None = None) -> None:
        """Append history entries (numbered here: ``n`` counts from the first entry ever), each
        after the fields ``common`` to all of them (an import logs thousands: one dict each)."""
        added, common = self._history_added, common or {}
        for n, entry in enumerate(entries, self._next_n()):
            if "n" in entry:
                entry = {k: v for k, v in entry.items() if k != "n"}
            added.append((n, line_of({"n": n, **common, **entry})))

    def retire_merged(self) -> None:
        """Keep in the header every id merged away, as of this write: those it held, those of the
        records this write changes or removes (before and after), whoever writes (a command,
        a script through TinyDB). Run just before writing."""
        retired: set[str] | None = None
        for change in self.changes:
            if change.section != "persons":
                continue
            if retired is None:
                retired = set(self.retired_ids())
            for record in (change.old, None if isinstance(change.stored, bytes) else change.stored):
                retired.update(_merged_ids(record))
            if isinstance(change.stored, bytes):  # (an import's lines: decoded only when they hold some)
                # The key is in a line once (a quote inside a value is escaped), near its end.
                at = change.stored.rfind(_MERGED)
                if at < 0 or change.stored[at + len(_MERGED)] != ord("]"):
                    retired.update(_merged_ids(change.new))
        if retired is not None:
            self.set_meta(RETIRED, sorted(retired))

    def set_meta(self, key: str, value: Any) -> None:
        if self._file.meta.get(key) != value:
            self._file.meta[key] = value
            self._meta_changed = True

    @property
    def changes(self) -> list[Change]:
        """The records this transaction changes, in the order first changed."""
        return list(self._changes.values())

    @property
    def dirty(self) -> bool:
        return bool(self._changes or self._history_added or self._meta_changed)

    # -- views of the changed state ---------------------------------------------------------

    def _get(self, section: str, key: str) -> Record | None:
        change = self._changes.get((section, key))
        if change is not None:
            return change.new
        return super()._get(section, key)

    def _sources_matching(self, needle: bytes, keep: Callable[[Record], bool]) -> list[Record]:
        found = {s["key"]: s for s in super()._sources_matching(needle, keep)}
        for (section, key), change in self._changes.items():
            if section == "sources":
                found.pop(key, None)
                if change.new is not None and keep(change.new):
                    found[key] = change.new
        return [found[k] for k in sorted(found)]

    def _keys(self, section: str) -> list[str]:
        keys = set(super()._keys(section))
        for (sec, key), change in self._changes.items():
            if sec == section:
                (keys.add if change.stored is not None else keys.discard)(key)
        return sorted(keys)

    def _table(self, section: str) -> dict[str, Record]:
        table = dict(super()._table(section))
        for (sec, key), change in self._changes.items():
            if sec != section:
                continue
            new = change.new
            if new is None:
                table.pop(key, None)
            else:
                table[key] = new
        if section == "history":
            table.update((str(n), orjson.loads(line)) for n, line in self._history_added)
        return table

    def __len__(self) -> int:
        return len(self.ids())

    def persons_ndjson(self) -> bytes:
        return b"".join(line_of(r) for r in self.all())

    # -- recording changes ------------------------------------------------------------------

    def _put(self, section: str, record: Record) -> None:
        record = self.stored_form(section, record)
        key = str(record[KEY_FIELD[section]])
        self._record(section, key, record)

    def _delete(self, section: str, key: str) -> None:
        self._record(section, key, None)

    def _record(self, section: str, key: str, new: Record | bytes | None) -> None:
        change = self._changes.get((section, key))
        old = change.old if change is not None else self.before(section, key)
        if old == (orjson.loads(new) if isinstance(new, bytes) and old is not None else new):
            self._changes.pop((section, key), None)  # back to what is stored
            return
        self._changes[(section, key)] = Change(section, key, old, new)

    def _next_n(self) -> int:
        if self._history_added:
            return self._history_added[-1][0] + 1
        if "history" in self._parsed:
            return max((int(k) for k in self._parsed["history"]), default=0) + 1
        part = self._file.sections["history"]
        if part.count == 0:
            return 1
        last = self._file.buf.rfind(b"\n", part.start, part.end - 1) + 1
        return int(part.key_of(self._file.buf, max(last, part.start))) + 1

    # -- writing ------------------------------------------------------------------------------

    def mark_validated(self) -> None:
        """Every record of this state was validated (the api did it): readers may trust it."""
        self._validated = True

    def mark_unvalidated(self) -> None:
        """Records put by this transaction were not validated (the TinyDB tables): readers
        must validate every record again, as for a hand-edited file."""
        self._unvalidated = True

    def pieces(self) -> list[Piece]:
        """The new file as pieces: new bytes, or (offset, length) runs of the old file.

        The changes are spliced into the old bytes (a file of an older schema, or one
        whose lines a hand edit put out of order, is written anew). Both give the same
        bytes for the same state.
        """
        if self._file.legacy is None:
            try:
                return self._splice()
            except _Malformed:
                pass  # a hand-edited file: write every line anew
        return self._rewrite()

    def _rewrite(self) -> list[Piece]:
        """Every line anew, from the parsed tables: the canonical bytes of this state."""
        counts, sizes, total = {}, {}, 0
        body = bytearray()  # (one buffer: one write for the whole file)
        with paused_gc():
            for section in SECTIONS:
                table = self._table(section)
                keys = sorted(table, key=int) if section == "history" else sorted(table)
                before, size = section.encode(), 0
                for key in keys:
                    line = line_of(table[key])
                    total += _term(line, before)
                    before = key.encode()
                    size += len(line)
                    body += line
                counts[section], sizes[section] = len(keys), size
        # Written anew, the sum is right again: the state is validated only if it was before.
        validated = not self._unvalidated and (self._validated or self.trusted)
        return [self._header(counts, sizes, total, validated), body]

    def _splice(self) -> list[Piece]:
        """The old file's runs of unchanged lines, with the changed lines between them."""
        by_section: dict[str, list[Change]] = {s: [] for s in SECTIONS}
        for change in self._changes.values():
            by_section[change.section].append(change)
        splice = _Splice(self._file, self._file.stated_sum or 0)
        counts, sizes = {}, {}
        for section in SECTIONS:
            counts[section], sizes[section] = splice.section(
                self._file.sections[section], by_section[section],
                self._history_added if section == "history" else [])
        # The stated sum is carried forward, so a hand edit before this write still shows.
        validated = not self._unvalidated and (self._validated or self._file.validated)
        return [self._header(counts, sizes, splice.total, validated), *splice.pieces]

    def _header(self, counts: Mapping[str, int], sizes: Mapping[str, int], total: int,
                validated: bool) -> bytes:
        self._new_sum = total & _MASK
        head: dict[str, Any] = {
            "schema": SCHEMA_VERSION,
            "sections": {s: [counts[s], sizes[s]] for s in SECTIONS},
            "sum": total & _MASK,
            "validated": validated,
        }
        if self._file.meta:
            head["meta"] = self._file.meta
        return orjson.dumps({"dossier": head}, option=orjson.OPT_APPEND_NEWLINE)


Piece = bytes | bytearray | tuple[int, int] | list[bytes]
"""Of a new file: bytes; an ``(offset, length)`` run of the old file; lines to write as
they are (a ``Change``'s own, not copied)."""


class _Splice:
    """Builds the pieces of a spliced file and its sum, section by section.

    The sum changes by the terms of the changed lines, and of the unchanged line
    after each change, whose predecessor key may have changed.
    """

    def __init__(self, file: _File, total: int) -> None:
        self.buf, self.total = file.buf, total
        self.pieces: list[Piece] = []

    def section(self, part: _Section, changes: list[Change],
                appended: list[tuple[int, bytes]]) -> tuple[int, int]:
        """Splice one section; (line count, bytes) of the new section."""
        count, size = part.count, part.end - part.start
        self.part, self.at, self.last = part, part.start, part.name.encode()
        for change in sorted(changes, key=lambda c: _sort_key(part.name, c.key.encode())):
            start, end, found = part.find(self.buf, change.key.encode())
            if start < self.at:
                raise _Malformed("the section is not in key order")
            self._copy(start)
            if found:
                self.total -= _term(self.buf[start:end], self._key_before(start))
                count, size = count - 1, size - (end - start)
            if change.stored is not None:
                size += self._add(change.line, change.key.encode(), owned=isinstance(change.stored, bytes))
                count += 1
            self.at = end
        self._copy(part.end)
        for n, line in appended:
            size += self._add(line, str(n).encode(), owned=True)
            count += 1
        return count, size

    def _add(self, line: bytes, key: bytes, *, owned: bool = False) -> int:
        """Add a new line (``owned``: the bytes a change keeps, written as they are)."""
        self.total += _term(line, self.last)
        self.last = key
        last = self.pieces[-1] if self.pieces else None
        if owned:
            if isinstance(last, list):
                last.append(line)
            else:
                self.pieces.append([line])
        # Other new lines next to each other go into one buffer: one write.
        elif isinstance(last, bytearray):
            last += line
        else:
            self.pieces.append(bytearray(line))
        return len(line)

    def _copy(self, end: int) -> None:
        """Old lines [at, end) unchanged; the first may follow a new predecessor."""
        at = self.at
        if at >= end:
            return
        old_prev = self._key_before(at)
        if old_prev != self.last:
            first = self.buf[at:self.part.line_end(self.buf, at)]
            self.total += _term(first, self.last) - _term(first, old_prev)
        self.pieces.append((at, end - at))
        self.last = self._key_before(end)

    def _key_before(self, start: int) -> bytes:
        part = self.part
        if start <= part.start:
            return part.name.encode()
        prev = self.buf.rfind(b"\n", part.start, start - 1) + 1
        return part.key_of(self.buf, max(prev, part.start))


# --- the public entry points ----------------------------------------------------------------------


def read(path: Path) -> Snapshot:
    """The current state, without the lock (writes replace the file whole, so it is whole)."""
    return Snapshot(path, _open(path))


def _lock_timeout() -> float:
    try:
        return float(os.environ.get(LOCK_TIMEOUT_ENV, DEFAULT_LOCK_TIMEOUT))
    except ValueError:
        return DEFAULT_LOCK_TIMEOUT


@contextlib.contextmanager
def transaction(path: Path, *, dry_run: bool = False) -> Iterator[Transaction]:
    """Lock, load, let the caller change records, write once if anything changed.

    An exception inside the block writes nothing; so does ``dry_run``. Just before
    writing, ``tx.on_commit(tx)`` runs (the api appends the history there).
    """
    from filelock import FileLock, Timeout

    if path == default_path():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    _check_writable(path)
    lock = FileLock(lock_path(path), timeout=_lock_timeout(), mode=0o600)
    try:
        lock.acquire()
    except Timeout:
        raise StorageError(
            f"{lock_path(path)}: database is locked by another dossier process "
            f"(waited {_lock_timeout():g}s); try again"
        ) from None
    except OSError as exc:
        raise StorageError(f"{lock_path(path)}: cannot create lock file: {exc.strerror}") from None
    try:
        file = _open(path, keep_fd=True)
        try:
            tx = Transaction(path, file)
            tx.dry_run = dry_run
            yield tx
            if tx.dirty and not dry_run:
                if tx.on_commit is not None:
                    tx.on_commit(tx)
                tx.retire_merged()
                _write_pieces(path, tx.pieces(), file)
                if tx.replace_backup:
                    _refresh_backup(path)
                st = os.stat(path)  # after the .bak is linked: a link changes the change time
                tx.written = (tx._new_sum, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
                if tx.on_written is not None:
                    tx.on_written(tx)
        finally:
            if file.fd is not None:
                os.close(file.fd)
    finally:
        lock.release()


def _check_writable(path: Path) -> None:
    if path.is_symlink():
        raise StorageError(
            f"{path}: is a symbolic link (to {os.readlink(path)}); "
            "pass the real file with --db so the link is not replaced"
        )
    if path.is_dir():
        raise StorageError(f"{path}: is a folder, not a database file")
    if not path.parent.is_dir():
        raise StorageError(f"{path.parent}: folder does not exist")


WRITEBACK_EVERY = 16 << 20  # bytes of a large database write between two early writebacks


def _write_pieces(path: Path, pieces: list[Piece], old: _File) -> None:
    def fill(fd: int) -> None:
        with _written_back(fd, sum(map(_size, pieces))) as written:
            for piece in pieces:
                if isinstance(piece, bytes | bytearray):
                    view = memoryview(piece)
                    for at, size in _parts(0, len(view)):
                        _write_all(fd, view[at:at + size])
                        written(size)
                elif isinstance(piece, list):
                    for at in range(0, len(piece), _LINES_AT_ONCE):
                        written(_write_lines(fd, piece[at:at + _LINES_AT_ONCE]))
                else:
                    for at, size in _parts(*piece):
                        _copy_range(old, fd, at, size)
                        written(size)

    _sweep_temps(path)
    _atomic(path, fill, backup=True, mode=0o600, durable=True, writes=WRITES)


_TEMP_NAME = re.compile(r"\.(?P<of>.+)\.(?P<pid>[0-9]+)(?:-[0-9]+)?\.tmp")
TEMP_STALE_AFTER = 600  # seconds untouched; a write that lasts longer is not one of ours


def _sweep_temps(path: Path) -> None:
    """Remove the temp files (``_temp_beside``) of the database and of the files kept beside
    it that a killed process left: each as large as what it was writing, and never read.
    Run by the writer, under the lock. A temp file is left alone while its process runs (a
    reader saving a name index takes no lock) or was touched in the last ten minutes (its
    process may run where this one cannot see it: another PID namespace, another host)."""
    ours = _own_names(path)
    try:
        entries = [e for e in os.scandir(path.parent) if e.name.endswith(".tmp")]
    except OSError:
        return
    now = time.time()
    for entry in entries:
        found = _TEMP_NAME.fullmatch(entry.name)
        if found is None or found["of"] not in ours:
            continue
        try:
            if now - entry.stat(follow_symlinks=False).st_mtime < TEMP_STALE_AFTER:
                continue
            os.kill(int(found["pid"]), 0)
        except ProcessLookupError:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
        except (OSError, OverflowError):
            pass  # (alive under another user, or gone meanwhile)


def _size(piece: Piece) -> int:
    if isinstance(piece, tuple):
        return piece[1]
    return len(piece) if isinstance(piece, bytes | bytearray) else sum(map(len, piece))


def _parts(start: int, length: int) -> Iterator[tuple[int, int]]:
    """``(offset, size)`` of the ``WRITEBACK_EVERY``-byte parts of a run of bytes."""
    for at in range(start, start + length, WRITEBACK_EVERY):
        yield at, min(WRITEBACK_EVERY, start + length - at)


@contextlib.contextmanager
def _written_back(fd: int, total: int) -> Iterator[Callable[[int], None]]:
    """While a large file is written: a function told the bytes of each part written, which
    has a thread write back to disk what is written so far once every ``WRITEBACK_EVERY``
    bytes (``fdatasync`` releases the GIL), so that the fsync before the rename waits for
    the last part only: the copy and the writeback overlap (an add at 100,000 persons: ~0.24 s
    of copying then syncing becomes ~0.17 s, profiled). The thread is gone when this block ends, and an
    error it met is raised here: the kernel reports a failed writeback to one sync only, so
    the final fsync would not see it."""
    if total < 2 * WRITEBACK_EVERY:
        yield lambda _: None
        return
    import threading

    sync = getattr(os, "fdatasync", os.fsync)  # (macOS has no fdatasync)
    wanted = threading.Event()
    finished = False
    failed: list[OSError] = []
    unsynced = 0

    def write_back() -> None:
        while True:
            wanted.wait()
            wanted.clear()
            if finished or failed:
                return
            try:
                sync(fd)
            except OSError as exc:
                failed.append(exc)

    def written(size: int) -> None:
        nonlocal unsynced
        unsynced += size
        if unsynced >= WRITEBACK_EVERY:
            unsynced = 0
            wanted.set()

    thread = threading.Thread(target=write_back, name="dossier-writeback", daemon=True)
    thread.start()
    try:
        yield written
    finally:
        finished = True
        wanted.set()
        thread.join()
    if failed:
        raise failed[0]


def _copy_range(old: _File, fd: int, offset: int, length: int) -> None:
    """Copy ``length`` bytes of the old file at ``offset`` to ``fd`` (in the kernel when it can)."""
    source = old.fd
    if source is not None and hasattr(os, "copy_file_range"):
        while length:
            try:
                done = os.copy_file_range(source, fd, length, offset)
            except OSError:
                break
            if done == 0:
                break
            offset += done
            length -= done
    while length:
        done = os.write(fd, old.buf[offset:offset + length])
        offset += done
        length -= done


def write_atomic(
    path: Path, content: bytes, *, backup: bool = False, mode: int = 0o600, durable: bool = True
) -> os.stat_result:
    """Replace ``path`` with ``content`` so a crash leaves the old or new file.

    With ``backup`` the previous version is kept as ``<path>.bak`` (a hard link,
    so it costs no copy). ``durable=False`` skips the fsyncs (about 1 ms a file):
    readers and a killed process still see the old or the new file, a power cut
    may not; for derived files that are regenerated, such as published pages.
    Returns the new file's status (size, modification time). Raises ``StorageError``
    and leaves ``path`` as it was.
    """
    return _atomic(path, lambda fd: _write_all(fd, content), backup=backup, mode=mode, durable=durable)


def create_file(path: Path, content: bytes, *, mode: int) -> os.stat_result | None:
    """Create ``path`` holding ``content``, not durably; its status, or None if it exists.

    For derived files (published pages, a split export) that did not exist: no temp
    file and rename, half the file-system work. A failed write removes the file; a
    killed process can leave it short. Raises ``StorageError``.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), mode)
    except FileExistsError:
        return None
    except OSError as exc:
        raise StorageError(f"{path}: cannot write: {exc.strerror or exc}") from None
    try:
        _write_all(fd, content)
        status = os.fstat(fd)
        # The mode asked for, whatever the umask (which only takes bits away: the file was
        # never more open than asked).
        if status.st_mode & 0o777 != mode:
            os.fchmod(fd, mode)
            status = os.fstat(fd)
        return status
    except OSError as exc:
        with contextlib.suppress(OSError):
            path.unlink()
        raise StorageError(f"{path}: cannot write: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


_LINES_AT_ONCE = 512  # lines per ``writev`` (below any system's IOV_MAX)


def _write_lines(fd: int, lines: list[bytes]) -> int:
    """Write ``lines`` in one call where the system has ``writev``; their size."""
    size = sum(map(len, lines))
    if not hasattr(os, "writev"):
        for line in lines:
            _write_all(fd, line)
        return size
    views, first, left = [memoryview(line) for line in lines], 0, size
    while left:
        done = os.writev(fd, views[first:])
        left -= done
        while done and done >= len(views[first]):  # (a short write: go on after it)
            done -= len(views[first])
            first += 1
        if done:
            views[first] = views[first][done:]
    return size


def _write_all(fd: int, data: bytes | bytearray | memoryview) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


_TEMP_NUMBERS = itertools.count()


def _temp_beside(path: Path) -> tuple[int, str]:
    """A new file of this process in ``path``'s folder (where ``os.replace`` is atomic).

    Named by the process id and a counter rather than by ``tempfile`` (random
    names, a buffered file object): ``profiles`` writes 10,000 pages this way.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    while True:
        tmp = os.path.join(path.parent, f".{path.name}.{os.getpid()}-{next(_TEMP_NUMBERS)}.tmp")
        try:
            return os.open(tmp, flags, 0o600), tmp
        except FileExistsError:
            continue  # left behind by a killed process that had this process id


def _atomic(
    path: Path, fill: Callable[[int], Any], *, backup: bool, mode: int, durable: bool,
    writes: Writes | None = None,
) -> os.stat_result:
    """Write a temp file beside ``path`` with ``fill``, then rename it over ``path`` (a
    database's write: counted in ``writes``)."""
    fd, tmp = -1, ""
    try:
        fd, tmp = _temp_beside(path)
        os.fchmod(fd, mode)
        fill(fd)
        if durable:
            os.fsync(fd)
        status = os.fstat(fd)  # the rename keeps size and modification time
        os.close(fd)
        fd = -1
        if backup and path.exists():
            _link_backup(path)
        if writes is not None:
            writes.pending = (path, status.st_ino)
        os.replace(tmp, path)
        tmp = ""
        if writes is not None:
            writes.count, writes.last, writes.pending = writes.count + 1, path, None
        if durable:
            _fsync_dir(path.parent)
        return status
    except OSError as exc:
        if writes is not None:
            writes.pending = None  # (a rename that failed; or one counted, before a failed fsync)
        raise StorageError(f"{path}: cannot write: {exc.strerror or exc}") from None
    finally:
        if fd >= 0:
            os.close(fd)
        if tmp:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _refresh_backup(path: Path) -> None:
    """Make ``<db>.bak`` the current file (its previous state must not be kept: it held clear text)."""
    try:
        _link_backup(path)
    except OSError as exc:
        raise StorageError(f"{backup_path(path)}: cannot replace: {exc.strerror or exc}") from None


def _link_backup(path: Path) -> None:
    bak = backup_path(path)
    with contextlib.suppress(OSError):
        if os.path.samefile(path, bak):
            return  # renaming a link over itself does nothing, and would leave the temp link
    tmp = bak.with_name(f".{bak.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    try:
        os.link(path, tmp)
    except OSError:  # a file system without hard links: copy instead
        import shutil

        shutil.copy2(path, tmp)
    os.replace(tmp, bak)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def probe(path: Path) -> str | None:
    """Why the database cannot be read, or None if it can (for ``check``)."""
    try:
        snapshot = read(path)
        snapshot.all()
        snapshot.sources()
        snapshot.history()
    except StorageError as exc:
        return exc.message
    return None


# --- TinyDB over the file ---------------------------------------------------------------------------


def tinydb(path: Path) -> Any:
    """The database as a ``tinydb.TinyDB`` (for queries from scripts): tables ``persons``,
    ``sources`` and ``history``, whose document ids are the id, key and number (strings).
    A document inserted without one is keyed by its ``id`` (``key`` for a source).

    Writes through it go through ``transaction`` (lock, atomic write), but are neither
    validated nor recorded in the history: the file is then marked not validated, so
    ``check`` and every reader validate it whole again, as after a hand edit. The
    commands use ``Snapshot``/``Transaction`` beside it."""
    from tinydb import TinyDB
    from tinydb.storages import Storage
    from tinydb.table import Document, Table

    class KeyedTable(Table):
        # TinyDB types document ids as int; it uses the class given here for them
        document_id_class = str  # type: ignore[assignment]

        def insert(self, document: Mapping[str, Any]) -> Any:
            if not isinstance(document, Document):
                key = document.get(self._key_field)
                if key is None:
                    raise ValueError(f"a document of {self.name!r} needs its {self._key_field!r} "
                                     "(its document id)")
                document = Document(document, doc_id=str(key))  # type: ignore[arg-type]
            return super().insert(document)

        def _get_next_id(self) -> Any:
            raise ValueError(f"documents of {self.name!r} are keyed by their {self._key_field!r}: "
                             "insert them one by one, or as Document(record, doc_id=...)")

        @property
        def _key_field(self) -> str:
            return KEY_FIELD.get(self.name, "key")

    class LineStorage(Storage):
        """A TinyDB storage over the dossier file."""

        def __init__(self, path: str | os.PathLike[str], **_: Any) -> None:
            self.path = Path(path)

        def read(self) -> dict[str, dict[str, Any]] | None:
            snapshot = read(self.path)
            return {"persons": {r["id"]: r for r in snapshot.all()}, "sources": snapshot.sources(),
                    "history": {str(e["n"]): e for e in snapshot.history()}}

        def write(self, data: dict[str, dict[str, Any]]) -> None:
            with transaction(self.path) as tx:
                persons, sources = data.get("persons", {}), data.get("sources", {})
                tx.delete(set(tx.ids()) - set(persons))
                for key in set(tx.sources()) - set(sources):
                    tx.delete_source(key)
                tx.put_many(persons.values())
                for source in sources.values():
                    tx.put_source(source)
                if tx.dirty:
                    tx.mark_unvalidated()

    class KeyedTinyDB(TinyDB):
        table_class = KeyedTable

    return KeyedTinyDB(path, storage=LineStorage)
