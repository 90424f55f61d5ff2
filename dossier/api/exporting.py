"""``dossier export``: every person, losslessly, to a file, stdout, or a folder of files.

``--split`` writes the layout a team keeps in git (``records/``): ``DIR/<id>.yaml``
per person, whose claims and ``sources`` list cite sources by key only, and
``DIR/sources/<key>.yaml`` per source, so one source is one file. The export
owns its folder: record files of persons and sources no longer in the database
are removed, every other file is left alone, and a file whose bytes would not
change is not written (an export right after importing the folder changes no file).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from dossier import store
from dossier.errors import StorageError, UsageError
from dossier.interchange import FORMATS, PUBLICATION, SUFFIX, format_of, write, write_one
from dossier.interchange.inputs import SOURCES_FOLDER


@dataclass
class ExportReport:
    count: int
    fmt: str
    target: str
    data: bytes | None = None  # the document, when the target is stdout
    written: int = 0
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)  # files of records no longer in the database
    sources: int = 0
    split: bool = False
    selected: str = ""  # the filter that chose the persons (--served-at/--in), said in the summary
    of: int = 0  # how many persons the database holds, when a filter chose some
    invalid: list[str] = field(default_factory=list)  # persons exported as stored that do not validate

    def warnings(self) -> list[str]:
        if not self.invalid:
            return []
        more = len(self.invalid) - 5
        shown = ", ".join(self.invalid[:5]) + (f" and {more} more" if more > 0 else "")
        return [f"warning: {shown} {'do' if len(self.invalid) > 1 else 'does'} not validate (the file was "
                "edited outside dossier): exported as stored, which import refuses until fixed "
                "(`dossier check` says what)"]

    def summary(self) -> str:
        count = f"{self.count} of {self.of} persons ({self.selected})" if self.selected else (
            f"{self.count} persons")
        if self.data is not None:
            return f"exported {count} ({self.fmt})"
        if not self.split:
            same = "; the file already held exactly this" if self.unchanged else ""
            return f"exported {count} to {self.target} ({self.fmt}{same})"
        return (f"exported {self.count} persons and {self.sources} sources to {self.target.rstrip('/')}/ "
                f"({self.fmt}, a file each): {self.written} written, {len(self.removed)} removed, "
                f"{self.unchanged} unchanged")


# --- export ----------------------------------------------------------------------


def export(db: Path, path: str | os.PathLike[str] = "-", *, fmt: str | None = None,
           split: bool = False, served_at: str | None = None, served_in: str | None = None,
           today: date | None = None, internal: bool = False) -> ExportReport:
    """Every person, in id order, to ``path`` (``-``: returned as bytes for stdout).

    ``served_at``/``served_in`` export only the persons with a matching post
    (``dossier.api.served``), each record exactly as stored, so the file imports as
    it is; not with ``split``, whose folder holds the whole database.

    The publication formats (ftm, popolo) are redacted as ``profiles`` is: restricted
    persons and confidential sources left out, unless ``internal``.
    """
    if fmt is not None and fmt not in (*FORMATS, *PUBLICATION):
        raise UsageError(f"unknown format {fmt!r}; use one of {', '.join((*FORMATS, *PUBLICATION))}")
    if split and fmt in PUBLICATION:
        raise UsageError(f"--split writes record files; --format {fmt} is one document (drop --split)")
    from dossier.api.persons import served_or_none

    wanted = served_or_none(served_at, served_in, today)
    if split and wanted is not None:
        raise UsageError("--split writes the whole database into its folder (and removes the files of "
                         "persons it does not hold): drop --served-at/--in, or export to one file")
    target = str(path)
    if split:
        if target == "-":
            raise UsageError("--split writes one file per person: give a folder (export --split records/)")
        folder = Path(target).resolve()
        if db.resolve().parent in (folder, folder / "sources"):
            # (a person whose id is the database's name would be written over it, and a file
            # of the database's format not of a person is removed)
            raise UsageError(f"{target} holds the database: --split writes and removes record files "
                             "there; export to another folder")
        snapshot = store.read(db)
        report = _export_split(snapshot.all(), snapshot.sources(), Path(target), fmt or "yaml")
        _export_recipients(snapshot, Path(target))
        report.invalid = _invalid(snapshot)
        return report
    if target != "-" and Path(target).is_dir():
        raise UsageError(f"{target} is a folder; give a file name, or --split to write one file per person")
    if target != "-" and store.kept_by(db, Path(target)):
        raise UsageError(f"{target} is the database, or a file kept beside it: export to another file")
    if target != "-" and store.is_database(Path(target)):
        raise UsageError(f"{target} is a database (another one): export to another file, or remove it first")
    fmt = fmt or (format_of(target) if target != "-" else None) or "json"
    if internal and fmt not in PUBLICATION:
        raise UsageError(f"--internal applies to --format {' or '.join(PUBLICATION)} (redacted by default); "
                         f"--format {fmt} always holds every record and source")
    snapshot = store.read(db)
    streamed = fmt == "ndjson" and wanted is None
    if streamed:
        data = snapshot.persons_ndjson()  # the stored lines are the export
        count = len(snapshot)
    else:
        records = snapshot.all()
        if wanted is not None:
            records = [r for r, _ in wanted.select(records)]
        data, count = write(records, fmt, redact=not internal), len(records)
    if target == "-":
        report = ExportReport(count, fmt, target, data=data)
    else:
        changed = write_if_changed(Path(target), data, private=internal or fmt not in PUBLICATION)
        report = ExportReport(count, fmt, target, written=int(changed), unchanged=int(not changed))
    if wanted is not None:
        report.selected, report.of = wanted.said, len(snapshot)
    report.invalid = _invalid(snapshot, streamed=streamed)
    return report


def _invalid(snapshot: store.Snapshot, *, streamed: bool = False) -> list[str]:
    """The persons that do not validate, in a file not known valid. The stored lines streamed
    as they are (NDJSON) are not summed for it (~40 ms at 10,000 persons, half the export):
    there, only the header's word that they were not all validated is taken."""
    if snapshot.validated and (streamed or snapshot.intact):
        return []
    from dossier.api.checks import invalid

    return list(dict.fromkeys(f.id for f in invalid(snapshot)))


def split_record(record: dict[str, Any]) -> dict[str, Any]:
    """A person as its split file holds it: its sources by key only (each source has a file)."""
    return {**record, "sources": [s["key"] for s in record.get("sources") or ()]}


PARALLEL_MIN = 2000  # persons from which a forked child formats part of a split export's files
SOURCE_WEIGHT = 7  # a person takes ~7 times a source's time to format (10,000: 2.55 s; 10,200: 0.38 s)


def _export_split(records: list[dict[str, Any]], sources: dict[str, dict[str, Any]], folder: Path,
                  fmt: str) -> ExportReport:
    """The persons' files, then the sources', with a file a record no longer has removed.

    Every file is formatted before the first is written, so that a record that cannot be
    formatted writes nothing. From ``PARALLEL_MIN`` persons, a forked child on the other
    core formats the last persons' files and the sources' (formatting YAML is most of the
    time) while this process formats the rest; this process alone writes the files (two
    processes creating files in one folder contend for it, and were slower than one).
    """
    from dossier.model.bulk import in_parallel, worth_a_child

    report = ExportReport(len(records), fmt, str(folder), split=True, sources=len(sources))
    # A CSV row has a person's columns: the sources of a CSV split are YAML files.
    source_fmt = "yaml" if fmt == "csv" else fmt
    persons = [(r["id"], split_record(r)) for r in records]
    parallel = worth_a_child(len(persons), PARALLEL_MIN)
    mine = (len(persons) + len(sources) // SOURCE_WEIGHT) // 2 if parallel else 0

    def the_rest() -> list[str]:
        return [*(write_one(record, fmt).decode() for _, record in persons[mine:]),
                *(write_one(src, source_fmt).decode() for src in sources.values())]

    theirs = in_parallel(the_rest) if parallel else None
    try:
        formatted = [write_one(record, fmt) for _, record in persons[:mine]]
    finally:
        rest = theirs() if theirs is not None else None
    if rest is None:  # no child, or it failed: the rest formatted here (an error shows as it is)
        rest = the_rest()
    formatted += (text.encode() for text in rest)
    _write_folder(report, folder, zip((name for name, _ in persons), formatted[:len(persons)], strict=True),
                  SUFFIX[fmt], "id")
    _write_folder(report, folder / SOURCES_FOLDER, zip(sources, formatted[len(persons):], strict=True),
                  SUFFIX[source_fmt], "key")
    return report


def _write_folder(report: ExportReport, where: Path, files: Iterable[tuple[str, bytes]], suffix: str,
                  key: str) -> None:
    """Write the record files ``(name, content)`` into ``where``, and remove the ones of records
    no longer there (``_remove_stale``); counted in ``report``."""
    try:
        where.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"{where}: cannot create folder: {exc.strerror or exc}") from None
    names = set()
    for name, data in files:
        names.add(name + suffix)
        # Not fsync'd one by one (a split export is regenerated from the database at will).
        if write_if_changed(where / (name + suffix), data, durable=False, private=True):
            report.written += 1
        else:
            report.unchanged += 1
    report.removed += _remove_stale(where, names, suffix, key=key)


def _export_recipients(snapshot: store.Snapshot, folder: Path) -> None:
    """The folder says whom its sealed content is encrypted to (an import adopts them)."""
    from dossier.api.sealing import recipient_entries, removed_entries
    from dossier.interchange.inputs import RECIPIENTS_FILE, recipients_text

    entries = recipient_entries(snapshot)
    path = folder / RECIPIENTS_FILE
    if entries:
        text = recipients_text(entries + removed_entries(snapshot))
        write_if_changed(path, text.encode("utf-8"), durable=False, private=False)
    elif path.exists():
        path.unlink()


def _remove_stale(folder: Path, keep: set[str], suffix: str, *, key: str) -> list[str]:
    """Remove the record files of ``folder`` that ``keep`` does not name; the names removed.

    A record file is one that holds the record of its name (``<k>.yaml`` with
    ``key: k``); any other file, a README or a hand-kept note, is left alone.
    """
    removed = []
    for path in sorted(folder.iterdir()):
        if (path.name in keep or not path.name.endswith(suffix) or path.name.startswith(".")
                or not path.is_file() or not _is_record_file(path, key)):
            continue
        try:
            path.unlink()
        except OSError as exc:
            raise StorageError(f"{path}: cannot remove: {exc.strerror or exc}") from None
        removed.append(str(path.relative_to(folder.parent if key == "key" else folder)))
    return removed


def _is_record_file(path: Path, key: str) -> bool:
    from dossier.interchange import reader

    try:
        data = path.read_bytes()
    except OSError:
        return False
    fmt = format_of(path.name)
    if fmt is None:
        return False
    items = reader(fmt)(data, str(path), [])
    stem = path.name[: -len(SUFFIX[fmt])]
    return len(items) == 1 and isinstance(items[0].data, dict) and items[0].data.get(key) == stem


def write_if_changed(path: Path, data: bytes, *, durable: bool = True, private: bool = True) -> bool:
    """Write ``data`` atomically unless the file already holds exactly it.

    A new file is ``private`` (0600) unless it is a redacted publication: a full
    export carries confidential sources and restricted persons, as the database
    does. An existing file keeps its mode; a symbolic link keeps pointing where it
    did, at the file replaced. What is not a file (a pipe, a terminal, ``/dev/stdout``)
    is written to as a stream: there is nothing to compare with or to replace.

    A new file of a regenerated folder (``durable=False``: a split export) is
    written in place, not through a temp file and a rename: half the file-system
    work for 20,000 files. A kill mid-write can leave that one file short; the
    command has then failed, and running it again rewrites the file (its bytes
    differ). A file that exists is always replaced atomically.
    """
    try:
        # Not blocking: what is at ``path`` may be a pipe, which is looked at, never read.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        mode = 0o600 if private else 0o666 & ~_umask()
        if not durable and store.create_file(path, data, mode=mode) is not None:
            return True  # else made meanwhile: replaced below as any existing file
    except OSError as exc:
        raise StorageError(f"{path}: cannot read: {exc.strerror or exc}") from None
    else:
        try:
            status = os.fstat(fd)
            if stat.S_ISDIR(status.st_mode):
                raise StorageError(f"{path}: is a folder")
            if not stat.S_ISREG(status.st_mode):
                os.close(fd)
                fd = -1
                _write_stream(path, data)
                return True
            if status.st_size == len(data) and _read_all(fd, len(data)) == data:
                return False
            mode = status.st_mode & 0o777
        except OSError as exc:
            raise StorageError(f"{path}: cannot read: {exc.strerror or exc}") from None
        finally:
            if fd >= 0:
                os.close(fd)
        if path.is_symlink():
            path = Path(os.path.realpath(path))
    store.write_atomic(path, data, mode=mode, durable=durable)
    return True


def _read_all(fd: int, size: int) -> bytes:
    parts, left = [], size
    while left > 0 and (part := os.read(fd, left)):
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def _write_stream(path: Path, data: bytes) -> None:
    try:
        with path.open("wb") as stream:
            stream.write(data)
    except OSError as exc:
        raise StorageError(f"{path}: cannot write: {exc.strerror or exc}") from None


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
