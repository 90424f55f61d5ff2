"""Batch import and lossless export (``dossier import`` / ``dossier export``).

Import is all-or-nothing and idempotent:

1. Read every input (a file, a folder of files, or stdin) into ``Item``\\ s that
   know their ``SOURCE:LINE``; a malformed file becomes a ``Problem``.
2. Under the database lock, records identical to the stored record (same id,
   same values, every omitted field at its default) are *unchanged* without
   being validated again: the store only holds valid records, and this keeps a
   re-import cheaper than the first one.
3. Everything else is validated in a few bulk ``TypeAdapter`` calls (chunks,
   so a progress bar can move and memory stays bounded), with the garbage
   collector paused; a large batch is split with a forked child process so
   both cores validate. Any problem anywhere: ``InvalidInput`` (exit 4)
   listing them all (the first ``MAX_PROBLEMS``), and nothing is written.
4. Ids: a record without ``id`` gets ``slugify(name)``; a second id-less
   record with the same name in the same batch gets ``-2``, ``-3``… The
   derived id does not look at the database, so an id-less record whose
   derived id exists *is* that person: the conflict policy applies, and
   re-importing the same id-less file is a no-op.
5. Each record is added, unchanged (``api.content`` equal), or a conflict,
   settled by ``--on-conflict`` (fail: exit 5; update; skip). A source key
   cited with other content elsewhere in the database or the batch is a
   conflict too; ``skip`` skips that record, ``fail`` and ``update`` stop.
6. Everything in one transaction: one atomic write, or none at all. From validation on,
   each record is held as its canonical line (a dict only while it is looked at), and
   the transaction keeps and writes those lines as they are: the peak memory of an
   import of 10,000 persons is ~4.7 times its NDJSON (it was ~8.8 times with dicts).

Timestamps given in the input are kept (lossless); otherwise ``created`` is
the stored one (or now) and ``updated`` is now, set only on a real change.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import orjson

from dossier import store
from dossier.api import writing
from dossier.errors import Conflict, InvalidInput, Problem, StorageError, UsageError
from dossier.interchange import FORMATS, Item, RawJSON, materialize
from dossier.interchange.inputs import read_input

if TYPE_CHECKING:
    from pydantic import BaseModel
from dossier.model import rules
from dossier.model.bulk import paused_gc, worth_a_child

ON_CONFLICT = ("fail", "update", "skip")
MAX_PROBLEMS = 100
CHUNK = 500  # records per validation call: amortizes the call, bounds the models alive at once
PROGRESS_MIN = 2000  # below this an import is over before a bar is worth drawing
PARALLEL_MIN = 4000  # below this a second process costs more than it saves

Notify = Callable[[str], None]
Advance = Callable[[int], None]
Progress = Callable[[int, str], AbstractContextManager[Advance]]


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # --mirror: persons not in the folder
    sources: dict[str, int] = field(default_factory=dict)  # added/updated/removed sources
    dry_run: bool = False
    mirror: bool = False
    recipients: list[str] = field(default_factory=list)  # added from the folder's recipients.txt
    unrecipients: list[str] = field(default_factory=list)  # removed there (``keys rm``)

    def summary(self) -> str:
        if self.mirror:
            counts = (f"added {len(self.added)}, updated {len(self.updated)}, removed {len(self.removed)}, "
                      f"unchanged {len(self.unchanged)}")
        else:
            counts = (f"{len(self.added)} added, {len(self.updated)} updated, "
                      f"{len(self.unchanged)} unchanged, {len(self.skipped)} skipped")
        if any(self.sources.values()):
            counts += "; sources: " + ", ".join(f"{n} {what}" for what, n in self.sources.items() if n)
        if self.recipients:
            counts += ("; now also encrypted to " + ", ".join(self.recipients)
                       + " (from recipients.txt; see dossier keys list)")
        if self.unrecipients:
            counts += ("; no longer encrypted to " + ", ".join(self.unrecipients)
                       + " (removed with keys rm, says recipients.txt; see dossier keys list)")
        return f"dry run: would have {counts}" if self.dry_run else counts


# --- import ----------------------------------------------------------------------


def import_path(
    db: Path,
    path: str | os.PathLike[str],
    *,
    fmt: str | None = None,
    dry_run: bool = False,
    on_conflict: str = "fail",
    calendar: str = "gregorian",
    mirror: bool = False,
    stdin: BinaryIO | None = None,
    notify: Notify | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a file, a folder of files, or ``-`` (``stdin``) into the database.

    ``mirror`` (a folder only) makes the database equal to the folder: persons and
    sources not in it are removed, and stored ones are updated without a conflict.
    """
    if fmt is not None and fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if on_conflict not in ON_CONFLICT:
        raise UsageError(f"--on-conflict must be one of {', '.join(ON_CONFLICT)}")
    if mirror and (str(path) == "-" or not Path(path).is_dir()):
        raise UsageError("--mirror makes the database equal to a folder: give the folder "
                         "(import records/ --mirror)")
    problems: list[Problem] = []
    with paused_gc():
        read = read_input(path, fmt, problems, stdin=stdin, notify=notify or _quiet)
        return import_items(db, read.items, problems, sources=read.sources, dry_run=dry_run,
                            on_conflict=on_conflict, calendar=calendar, mirror=mirror, notify=notify,
                            progress=progress, recipients=read.recipients)


def import_items(
    db: Path,
    items: Sequence[Item],
    problems: list[Problem] | None = None,
    *,
    sources: Sequence[Item] = (),
    dry_run: bool = False,
    on_conflict: str = "fail",
    calendar: str = "gregorian",
    mirror: bool = False,
    notify: Notify | None = None,
    progress: Progress | None = None,
    recipients: list[dict[str, Any]] | None = None,
) -> ImportReport:
    """Validate ``items`` and apply them in one transaction (see the module docstring).

    ``sources`` are the source files of a split folder, which persons cite by key;
    ``recipients`` its recipients file (``keys.adopt``: the latest addition or removal
    of each key wins), and a database without encryption turns it on.
    """
    problems = list(problems or [])
    notify = notify or _quiet
    registry = _read_sources(sources, problems, calendar)
    if problems:
        # The input is bad already; still validate what was readable, so the
        # user gets every error in one run. The database is not even opened.
        _inline_sources(items, registry, None, problems)
        _validate(items, calendar, problems, progress)
        raise _invalid(problems, [*sources, *items])  # (a broken source file first: the cause)
    report = ImportReport(dry_run=dry_run, mirror=mirror)
    with writing.transaction(db, dry_run=dry_run) as tx:
        pending = _inlined_and_pending(items, registry, None if mirror else tx, tx, calendar, problems)
        stamp = rules.now_stamp()
        lines = _validate([items[i] for i in pending], calendar, problems, progress, new=(tx, stamp))
        if problems or lines is None:
            raise _invalid(problems, items)
        validated: list[bytes | None] = [None] * len(items)
        for i, line in zip(pending, lines, strict=True):
            validated[i] = line
        del lines
        batch = list(zip(items, validated, strict=True))
        del validated
        _assign_ids(batch, problems, tx, stamp)
        if problems:
            raise _invalid(problems, items)
        if tx.seal is not None:  # compared as the store will hold them: sealed
            batch = [(item, store.line_of(tx.stored_form("persons", orjson.loads(line))) if line else None)
                     for item, line in batch]
        registry = {k: (tx.stored_form("sources", src), it) for k, (src, it) in registry.items()}
        if mirror:
            records = [(item, orjson.loads(line) if line else None) for item, line in batch]
            _mirror(records, registry, tx, report, stamp)
        else:
            _decide(batch, tx, on_conflict, report, notify, stamp)
        if recipients:  # (last: a change of the recipients re-seals what was just imported too)
            from dossier.api import keys

            report.recipients, report.unrecipients = keys.adopt(tx, recipients)
    return report


def _quiet(_: str) -> None:
    pass


def _invalid(problems: list[Problem], items: Sequence[Item]) -> InvalidInput:
    """The problems by file, in the order of ``items``; a file that gave no record at all (it
    does not parse) first: what follows from it (a source missing) comes after its cause. A
    YAML file's problem about a field is at that field's line (``yamlfmt.at_field_lines``)."""
    from dossier.interchange.yamlfmt import at_field_lines

    for source in {p.source for p in problems if p.field and p.source.endswith((".yaml", ".yml"))}:
        try:
            text = Path(source).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # (it was read once: its record's line stays)
        problems = at_field_lines(text, problems, source)
    rank: dict[str, int] = {}
    read = {item.source for item in items}
    for p in problems:
        if p.source not in read:
            rank.setdefault(p.source, len(rank))
    for item in items:
        rank.setdefault(item.source, len(rank))
    for p in problems:
        rank.setdefault(p.source, len(rank))
    ordered = sorted(problems, key=lambda p: (rank[p.source], p.line or 0))
    shown = ordered[:MAX_PROBLEMS]
    if len(ordered) > MAX_PROBLEMS:
        shown.append(Problem(f"… and {len(ordered) - MAX_PROBLEMS} more"))
    shown.append(Problem(f"{len(ordered)} error{'s' * (len(ordered) != 1)}; nothing was imported"))
    return InvalidInput(shown)


# --- sources of a split folder ---------------------------------------------------------

Registry = dict[str, tuple[dict[str, Any], Item]]  # key -> (canonical source, where it was read)


def _read_sources(items: Sequence[Item], problems: list[Problem], calendar: str = "gregorian") -> Registry:
    """The validated sources of a split folder's ``sources/`` files, by key (their dates read in
    ``calendar``, as the persons' are)."""
    from pydantic import ValidationError

    from dossier.model.person import Source, problems_from, source_in_calendar, source_paths

    registry: Registry = {}
    for item in materialize(list(items), problems):
        if not isinstance(item.data, dict):
            problems.append(Problem("a source must be a mapping", source=item.source, line=item.line))
            continue
        try:
            src = Source.model_validate(source_in_calendar(item.data, calendar)).model_dump(mode="json")
        except ValidationError as exc:
            problems.extend(problems_from(exc, source=item.source, line=item.line,
                                             withhold=source_paths(item.data)))
            continue
        first = registry.get(src["key"])
        if first is not None:
            problems.append(Problem(f"source {src['key']!r} is also in {first[1].where()}", field="key",
                                    source=item.source, line=item.line))
            continue
        registry[src["key"]] = (src, item)
    return registry


def _inline_sources(items: Sequence[Item], registry: Registry, tx: store.Snapshot | None,
                    problems: list[Problem]) -> None:
    """Replace the source keys a split person file lists by the sources themselves (from the
    folder's ``sources/``, else from the database when ``tx`` is given). An NDJSON line is
    parsed here only when there is a source it could name (an import into an empty database
    from a single file parses its lines later, half of them on the other core)."""
    from dossier.interchange.jsonfmt import parse_record

    named = bool(registry) or (tx is not None and (len(tx) > 0 or bool(tx.source_keys())))
    for item in items:
        if named and type(item.data) is RawJSON:
            try:
                item.data = parse_record(item.data.text)
            except ValueError:
                continue  # (reported where every record is parsed)
        data = item.data
        if type(data) is not dict or type(data.get("sources")) is not list:
            continue
        if not any(type(s) is str for s in data["sources"]):
            continue
        inlined = []
        for i, src in enumerate(data["sources"]):
            if type(src) is not str:
                inlined.append(src)
                continue
            found = registry.get(src)
            known = found[0] if found is not None else tx.source(src) if tx is not None else None
            if known is None:
                where = "the folder's sources/" + ("" if tx is None else " nor in the database")
                problems.append(Problem(f"no source {src!r} in {where}", field=f"sources[{i}]",
                                        source=item.source, line=item.line))
                continue
            inlined.append(rules.StoredSource(known))
        item.data = {**data, "sources": inlined}


# --- validation --------------------------------------------------------------------


New = tuple[store.Snapshot, str]  # the database and the time to stamp the persons it does not hold


def _validate(
    items: Sequence[Item], calendar: str, problems: list[Problem], progress: Progress | None,
    new: New | None = None,
) -> list[bytes] | None:
    """The canonical lines of ``items`` (``store.line_of``), or None after adding every error
    to ``problems``. Lines, not dicts: 10,000 records take ~20 MB so, ~80 MB as dicts.
    With ``new``, the persons with an id the database does not hold get their ``created``
    and ``updated`` already (those without an id get them in ``_assign_ids``)."""
    with _progress(progress, len(items), "validating") as advance, paused_gc():
        if worth_a_child(len(items), PARALLEL_MIN):  # (validation is pure CPU in Python)
            return _validate_forked(items, calendar, problems, advance, new)
        return _validate_serial(items, calendar, problems, advance, new)


def _validate_serial(
    items: Sequence[Item], calendar: str, problems: list[Problem], advance: Advance, new: New | None
) -> list[bytes] | None:
    from dossier.model.person import stored_line, validate_many

    stamped = (new[0], datetime.fromisoformat(new[1])) if new is not None else None
    out: list[bytes] | None = []
    for start in range(0, len(items), CHUNK):
        whole = items[start:start + CHUNK]
        chunk = materialize(whole, problems)  # NDJSON lines are parsed here, in the worker
        if len(chunk) < len(whole):
            out = None
        persons, found = validate_many([it.data for it in chunk], calendar=calendar)
        for i, located in found.items():
            item = chunk[i]
            problems.extend(replace(p, source=item.source, line=item.line) for p in located)
        if found:
            out = None
        elif out is not None and not problems:
            if stamped is not None:
                tx, at = stamped
                for person in persons:
                    if person.id is not None and tx.get(person.id) is None:
                        person.created, person.updated = person.created or at, person.updated or at
            out += map(stored_line, persons)
            for item in chunk:
                item.data = None  # the canonical line replaces it
        del persons
        advance(len(whole))
    return None if problems else out


def _validate_forked(
    items: Sequence[Item], calendar: str, problems: list[Problem], advance: Advance, new: New | None
) -> list[bytes] | None:
    """``_validate_serial`` with the second half done by a forked child (``bulk.in_parallel``),
    which sends back a line ``L`` and the canonical lines, or ``P`` and its problems (JSON);
    the parent drops that half of the input at once."""
    from dataclasses import astuple

    from dossier.model.bulk import in_parallel

    half = len(items) // 2

    def second_half() -> bytes:
        theirs: list[Problem] = []
        out = _validate_serial(items[half:], calendar, theirs, _no_advance, new)
        if out is None:
            return b"P" + orjson.dumps([astuple(p) for p in theirs])
        return b"".join([b"L\n", *out])

    result = in_parallel(second_half, lines=True)
    for item in items[half:]:
        item.data = None  # the child has its own copy
    first = _validate_serial(items[:half], calendar, problems, advance, new)
    got: list[bytes] | None = result()
    if got is None:
        raise StorageError("validation worker process failed; nothing was imported")
    advance(len(items) - half)
    if got[0].startswith(b"P"):
        problems.extend(Problem(*p) for p in orjson.loads(got[0][1:]))
        return None
    if problems or first is None:
        return None
    return first + got[1:]


def _line_id(line: bytes) -> str | None:
    """The id of a canonical record's line: its first key (a slug needs no escapes)."""
    found: str | None = store.line_key("persons", line) or orjson.loads(line)["id"]
    return found


@contextmanager
def _progress(progress: Progress | None, total: int, label: str) -> Iterator[Advance]:
    if progress is None or total <= PROGRESS_MIN:
        yield _no_advance
        return
    with progress(total, label) as advance:
        yield advance


def _no_advance(_: int) -> None:
    pass


# --- unchanged without validation ------------------------------------------------


_MISSING = object()
Shape = tuple[dict[str, Any], dict[str, tuple[bool, Any]]]


@cache
def _person_shape() -> Shape:
    """Field defaults of each model, and which fields nest which model (many or one)."""
    from dossier.model.person import Associate, Person, Post, Source

    def defaults(model: type[BaseModel]) -> dict[str, Any]:
        return {n: f.get_default(call_default_factory=True) for n, f in model.model_fields.items()}

    post: Shape = (defaults(Post), {})
    nested = {
        "role_1988": (False, post),
        "current_post": (False, post),
        "posts": (True, post),
        "associates": (True, (defaults(Associate), {})),
        "sources": (True, (defaults(Source), {})),
    }
    return defaults(Person), nested


def same_as_stored(raw: Any, stored: dict[str, Any], shape: Shape | None = None) -> bool:
    """True when validating ``raw`` would give back ``stored`` (timestamps aside).

    Every value given must equal the stored one and every value left out must
    be the default. Plain ``==`` is enough: the stored values are strings,
    lists, dicts, None and bools, and the only other values equal to a bool
    (``1``, ``0.0``…) are ones validation turns into that same bool.
    """
    top = shape is None
    defaults, nested = shape or _person_shape()
    if type(raw) is not dict:
        return False
    for key, value in raw.items():
        have = stored.get(key, _MISSING)
        if value == have:
            continue
        sub = nested.get(key)
        if sub is None or value is None or have is None:
            return False
        many, inner = sub
        if not many:
            if not same_as_stored(value, have, inner):
                return False
        elif type(value) is not list or len(value) != len(have) or not all(
            same_as_stored(v, h, inner) for v, h in zip(value, have, strict=True)
        ):
            return False
    if len(raw) != len(stored):
        for key in stored.keys() - raw.keys():
            if (top and key in rules.TIMESTAMPS) or stored[key] == defaults.get(key, _MISSING):
                continue
            return False
    return True


def _inlined_and_pending(items: Sequence[Item], registry: Registry, sources_tx: store.Snapshot | None,
                         tx: store.Transaction, calendar: str, problems: list[Problem]) -> list[int]:
    """``_inline_sources``, then ``_pending``: parsing and comparing thousands of records with
    the stored ones (a re-import) takes the second half to a forked child. It sends back only
    what each record is: unchanged (its id: from here on an unchanged record's data is its id
    alone, as nothing else of it is used), pending (1), or not parsed (null; its problem comes
    with them); the pending ones are read again here, as they are in one process (their data
    never travels through JSON, which would turn a YAML ``.nan`` into null)."""
    if calendar != "gregorian" or not len(tx) or not worth_a_child(len(items), PARALLEL_MIN):
        _inline_sources(items, registry, sources_tx, problems)
        return _pending(items, tx, calendar, problems)
    from dataclasses import astuple

    from dossier.model.bulk import in_parallel

    half = len(items) // 2

    def second_half() -> list[Any]:
        rest, unparsed = items[half:], list[Problem]()
        parsed = {id(item) for item in materialize(rest, unparsed)}
        _inline_sources(rest, registry, sources_tx, [])  # (its problems are found again here)
        pending = set(_pending(rest, tx, calendar, []))
        kinds = [None if id(item) not in parsed else 1 if i in pending else item.data["id"]
                 for i, item in enumerate(rest)]
        return [kinds, [astuple(p) for p in unparsed]]

    result = in_parallel(second_half)
    _inline_sources(items[:half], registry, sources_tx, problems)
    pending = _pending(items[:half], tx, calendar, problems)
    got = result()
    if got is None:
        raise StorageError("import worker process failed; nothing was imported")
    kinds, unparsed = got
    problems.extend(Problem(*p) for p in unparsed)
    again = []
    for i, kind in enumerate(kinds, half):
        if kind is None:
            items[i].data = None
        elif kind == 1:
            again.append(i)
        else:
            items[i].data = {"id": kind}
    _inline_sources([items[i] for i in again], registry, sources_tx, problems)
    return pending + again


def _pending(
    items: Sequence[Item], tx: store.Transaction, calendar: str, problems: list[Problem]
) -> list[int]:
    """Positions of the items that need validating: all but those identical to the stored record.

    (And but those that do not even parse: they add to ``problems``.)
    """
    # A Solar Hijri calendar re-reads dates, so only Gregorian input can match as-is.
    if calendar != "gregorian" or not len(tx):
        return list(range(len(items)))
    pending = []
    for i, item in enumerate(items):
        if type(item.data) is RawJSON and not materialize([item], problems):
            continue
        data = item.data
        person_id = data.get("id") if type(data) is dict else None
        stored = tx.get(person_id) if type(person_id) is str else None
        if stored is None or not same_as_stored(data, stored):
            pending.append(i)
    return pending


# --- ids, conflicts, timestamps ---------------------------------------------------


Pair = tuple[Item, bytes | None]  # (input, validated record's line; None = unchanged as stored)
RecordPair = tuple[Item, dict[str, Any] | None]


def _assign_ids(batch: list[Pair], problems: list[Problem], tx: store.Snapshot, stamp: str) -> None:
    """An id for each record without one (from its name), stamped when the database does not
    hold that id (see ``_validate``); a problem for an id the input gives twice."""
    from dossier.model.ids import slugify, unique_id

    first: dict[str, Item] = {}
    ids = [item.data["id"] if line is None else _line_id(line) for item, line in batch]
    for (item, _), person_id in zip(batch, ids, strict=True):
        if person_id is None:
            continue
        if person_id in first:
            problems.append(Problem(f"id {person_id!r} appears twice in the input (first at "
                                    f"{first[person_id].where()})", field="id",
                                    source=item.source, line=item.line))
        else:
            first[person_id] = item
    taken = set(first) | tx.retired_ids()  # (an id merged away stays with the person it went to)
    for i, ((item, line), person_id) in enumerate(zip(batch, ids, strict=True)):
        if line is not None and person_id is None:
            record = orjson.loads(line)
            record["id"] = unique_id(slugify(record["name"]), taken)
            taken.add(record["id"])
            if tx.get(record["id"]) is None:
                record["created"], record["updated"] = record["created"] or stamp, record["updated"] or stamp
            batch[i] = item, store.line_of(record)


def _decide(
    batch: list[Pair], tx: store.Transaction, on_conflict: str, report: ImportReport, notify: Notify,
    stamp: str,
) -> None:
    """Sort the batch into added/updated/unchanged/skipped, and put the records to write in
    ``tx`` with the sources they carry (a conflict raises: the transaction is not written).
    Each record is a dict only while it is looked at: ``tx`` and ``batch`` hold lines (the
    batch's are dropped as they are read). A new person's line has its timestamps already."""
    content = rules.content
    opener = _lazy_opener(tx)
    conflicts: list[str] = []  # (each kind of conflict has its own way out: ``_hints``)
    merged_back: list[str] = []
    clashing: list[str] = []
    retired = tx.retired_ids()
    writes: list[tuple[Item, str, bytes, bool]] = []  # (input, id, line, an update)
    for i, (item, line) in enumerate(batch):
        if line is None:
            report.unchanged.append(item.data["id"])
            continue
        batch[i] = item, None
        person_id = _line_id(line)
        assert person_id is not None  # _assign_ids gave each one
        stored = tx.get(person_id)
        if stored is None and person_id in retired:
            if on_conflict == "skip":
                report.skipped.append(person_id)
                notify(f"skipped {person_id} ({item.where()}): merged into another person")
            else:
                merged_back.append(f"  {item.where()}: {person_id}: was merged into another person "
                                   f"(`dossier show {person_id}`)")
            continue
        if stored is None:
            writes.append((item, person_id, line, False))
            continue
        record = orjson.loads(line)
        if content(record) == content(stored):
            report.unchanged.append(record["id"])
            continue
        if on_conflict == "skip":
            report.skipped.append(record["id"])
            notify(f"skipped {record['id']} ({item.where()}): differs from the stored record")
        elif on_conflict == "update":
            newer = store.line_of(_timestamps(record, stored, stamp, opener))
            writes.append((item, record["id"], newer, True))
        else:
            changed = [k for k in record if k not in rules.TIMESTAMPS and record[k] != stored.get(k)]
            conflicts.append(f"  {item.where()}: {record['id']}: exists with different content "
                             f"(differs in {', '.join(changed)})")
    # Source keys are shared database-wide: check the state after this import.
    clashes = _SourceClashes(tx, {person_id for _, person_id, _, _ in writes})
    for item, person_id, line, is_update in writes:
        sources = rules.sources_of_line(line)
        found = clashes.of(person_id, sources)
        if not found:
            (report.updated if is_update else report.added).append(person_id)
            for src in sources:
                if tx.source(src["key"]) != src:
                    tx.put_source(src)
            tx.put_line(person_id, line)
        elif on_conflict == "skip":
            report.skipped.append(person_id)
            notify(f"skipped {person_id} ({item.where()}): {found[0]}")
        else:
            clashing += [f"  {item.where()}: {person_id}: {c}" for c in found]
    if conflicts or merged_back or clashing:
        hint = "; ".join(h for found, h in (
            (conflicts, "use --on-conflict update or skip, or import a folder with --mirror to make the "
                        "database equal to it"),
            (merged_back, "an id merged away stays with the person it went to: import the record under "
                          "that person's id, or leave it out with --on-conflict skip"),
            (clashing, "a source key means one source: change a key or make the copies agree"),
        ) if found)
        conflicts += merged_back + clashing
        shown = conflicts[:MAX_PROBLEMS]
        if len(conflicts) > MAX_PROBLEMS:
            shown.append(f"  … and {len(conflicts) - MAX_PROBLEMS} more")
        raise Conflict(f"{len(conflicts)} conflict{'s' * (len(conflicts) != 1)}; "
                       f"nothing was imported ({hint})", details=shown)


def _timestamps(record: dict[str, Any], stored: dict[str, Any], stamp: str,
                opener: Callable[[], Any]) -> dict[str, Any]:
    """``created`` and ``updated`` of an incoming version of a stored person.

    An incoming ``updated`` that differs from the stored one is kept (the file was
    exported after its change); the same ``updated`` on changed content is a hand
    edit of the file, so it becomes now; unchanged own content keeps its time. Only
    its ciphertext changed (another copy re-encrypted it, by ``keys rotate`` or a change
    of the recipients: the text it opens to, ``opener``'s, is the same) is no change of
    content: the time is kept, so that every member's copy exports the same file.
    """
    record["created"] = record.get("created") or stored.get("created") or stamp
    incoming, known = record.get("updated"), stored.get("updated")
    mine, theirs = rules.own_content(record), rules.own_content(stored)
    if mine == theirs or (incoming == known and _same_opened(record, stored, mine, theirs, opener)):
        record["updated"] = incoming or known
    elif not incoming or incoming == known:
        record["updated"] = stamp
    return record


def _same_opened(record: dict[str, Any], stored: dict[str, Any], mine: dict[str, Any],
                 theirs: dict[str, Any], opener: Callable[[], Any]) -> bool:
    """Whether two versions of a person that differ in their ciphertext only open to the
    same content (known only to a recipient: to others they differ)."""
    from dossier.errors import DossierError

    if {k: v for k, v in mine.items() if k != "sealed"} != {k: v for k, v in theirs.items() if k != "sealed"}:
        return False
    reader = opener()
    if not reader.can_read:
        return False
    try:
        return bool(rules.own_content(reader.person(record)) == rules.own_content(reader.person(stored)))
    except DossierError:  # (sealed to others only: not known to be the same)
        return False


def _lazy_opener(tx: store.Snapshot) -> Callable[[], Any]:
    """``sealing.Opener(tx)``, made on first use (it reads this user's identity)."""
    from dossier.api.sealing import Opener

    return cache(lambda: Opener(tx))


def _mirror(batch: list[RecordPair], registry: Registry, tx: store.Transaction, report: ImportReport,
            stamp: str) -> None:
    """Make the database equal to the folder: add, update and remove persons and sources.
    A new person has its timestamps already (``_validate``)."""
    sources = {key: src for key, (src, _) in registry.items()}
    opener = _lazy_opener(tx)
    first: dict[str, tuple[dict[str, Any], Item]] = {}
    conflicts = []
    seen: set[str] = set()
    for item, record in batch:
        person = record if record is not None else tx[item.data["id"]]
        seen.add(person["id"])
        for src in person.get("sources", ()):
            known = sources.get(src["key"])
            if known is None:
                sources[src["key"]] = src
                first[src["key"]] = (src, item)
            elif known != src:
                other = first.get(src["key"], registry.get(src["key"], (None, item)))[1]
                conflicts.append(f"  {item.where()}: {person['id']}: source {src['key']!r} differs from "
                                 f"the one in {other.where()}")
        if record is None:
            report.unchanged.append(person["id"])
            continue
        stored = tx.get(record["id"])
        if stored is None:
            report.added.append(record["id"])
        else:
            _timestamps(record, stored, stamp, opener)
            changed = rules.own_content(record) != rules.own_content(stored)
            (report.updated if changed else report.unchanged).append(record["id"])
        tx.put(record)
    if conflicts:
        raise Conflict(f"{len(conflicts)} source key{'s' * (len(conflicts) != 1)} given with two contents "
                       "in the folder; nothing was imported", details=conflicts[:MAX_PROBLEMS])
    gone = [pid for pid in tx.ids() if pid not in seen]
    tx.delete(gone)
    report.removed += gone
    counts = {"added": 0, "updated": 0, "removed": 0}
    for key, src in sources.items():
        stored_src = tx.source(key)
        if stored_src != src:
            counts["added" if stored_src is None else "updated"] += 1
            tx.put_source(src)
    for key in tx.sources():
        if key not in sources:
            tx.delete_source(key)
            counts["removed"] += 1
    report.sources = counts


class _SourceClashes:
    """Source keys given with other content than the database (or this batch) holds.

    The registry of sources answers at once; the persons carrying a key are read
    only when its content differs (then the clash names one of them).
    """

    def __init__(self, tx: store.Transaction, written: set[str]) -> None:
        self.tx, self.written = tx, written
        self.registry = tx.sources()
        self.batch: dict[str, tuple[dict[str, Any], str]] = {}
        self._holders: dict[str, str] | None = None

    def of(self, person_id: str, sources: list[dict[str, Any]]) -> list[str]:
        found = []
        for src in sources:
            key = src["key"]
            stored = self.registry.get(key)
            holder = self._holder(key) if stored is not None and stored != src else None
            first = self.batch.get(key)
            if holder is not None:
                found.append(f"source {key!r} differs from the one cited by {holder}")
            elif first is not None and first[0] != src and first[1] != person_id:
                found.append(f"source {key!r} differs from the one cited by {first[1]}")
        if not found:
            for src in sources:
                self.batch.setdefault(src["key"], (src, person_id))
        return found

    def _holder(self, key: str) -> str | None:
        if self._holders is None:
            self._holders = {}
            for person in self.tx.all():
                if person["id"] not in self.written:
                    for src in person.get("sources", ()):
                        self._holders.setdefault(src["key"], person["id"])
        return self._holders.get(key)
