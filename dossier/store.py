"""The database file: one TinyDB JSON document, crash-safe and shared safely.

This is the only module that knows TinyDB and the file layout (SPEC §2):

* ``{"_meta": {"1": {"schema_version": N}}, "persons": {"<id>": {...}}}``,
  UTF-8 without ``\\u`` escapes, persons keyed by their id.
* Every write goes to a temp file in the same folder, is fsync'd, hard-linked
  old file → ``<db>.bak``, then ``os.replace``'d over the database, and the
  folder is fsync'd: a crash at any instant leaves the old or the new file.
* Writers hold ``<db>.lock`` (an OS lock, released by the kernel if the holder
  dies) for the whole read-modify-write, so concurrent commands serialize.
  Readers take no lock: they always see a whole file.
* A command does all its changes in memory and writes once: TinyDB's storage
  here buffers writes, and ``transaction()`` flushes on success only.
"""

from __future__ import annotations

import contextlib
import gc
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import orjson
from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document, Table

from dossier.errors import StorageError
from dossier.model.bulk import paused_gc

SCHEMA_VERSION = 1
PERSONS = "persons"
META = "_meta"
LOCK_TIMEOUT_ENV = "DOSSIER_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = 10.0


def default_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("dossier", appauthor=False)) / "dossier.json"


def resolve_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """``--db`` > ``$DOSSIER_DB`` > the user data dir."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("DOSSIER_DB")
    return Path(env) if env else default_path()


class _PersonTable(Table):
    # Persons are keyed by their slug id, so a lookup is a dict access.
    document_id_class = str  # type: ignore[assignment]  # TinyDB's stubs say int; it calls the class


class _BufferedStorage(Storage):
    """Hands TinyDB the data read once; keeps TinyDB's writes in memory."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.dirty = False

    def read(self) -> dict[str, Any]:
        return self.data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        self.data = data
        self.dirty = True


class _DB(TinyDB):
    table_class = _PersonTable


class Snapshot:
    """The persons of one database state, keyed by id, as stored dicts."""

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path = path
        self._storage = _BufferedStorage(data)
        self._db = _DB(storage=lambda: self._storage)
        self._table = self._db.table(PERSONS)

    def __len__(self) -> int:
        return len(self._table)

    def __contains__(self, person_id: object) -> bool:
        return person_id in self._raw()

    def __getitem__(self, person_id: str) -> dict[str, Any]:
        return self._raw()[person_id]

    def ids(self) -> list[str]:
        return list(self._raw())

    def get(self, person_id: str) -> dict[str, Any] | None:
        return self._raw().get(person_id)

    def all(self) -> list[dict[str, Any]]:
        """Every stored record, in id order (the order of every listing)."""
        raw = self._raw()
        return [raw[k] for k in sorted(raw)]

    def _raw(self) -> dict[str, dict[str, Any]]:
        # Reading through TinyDB would copy every document; the raw table is
        # read-only here and already the exported form.
        persons: dict[str, dict[str, Any]] = self._storage.data.get(PERSONS, {})
        return persons


class Transaction(Snapshot):
    """A snapshot taken under the lock whose changes are written on success."""

    def put(self, record: Mapping[str, Any]) -> None:
        self.put_many([record])

    def put_many(self, records: Iterable[Mapping[str, Any]]) -> None:
        """Insert or replace records (by their ``id``), in two table updates."""
        records = list(records)
        if not records:
            return
        existing = [r["id"] for r in records if r["id"] in self._raw()]
        if existing:
            self._table.remove(doc_ids=existing)
        self._table.insert_multiple(Document(dict(r), doc_id=r["id"]) for r in records)

    def delete(self, person_ids: Iterable[str]) -> None:
        ids = [i for i in person_ids if i in self._raw()]
        if ids:
            self._table.remove(doc_ids=ids)  # type: ignore[arg-type]  # ids are str here

    @property
    def dirty(self) -> bool:
        return self._storage.dirty

    def data(self) -> dict[str, Any]:
        return self._storage.data


def _lock_timeout() -> float:
    try:
        return float(os.environ.get(LOCK_TIMEOUT_ENV, DEFAULT_LOCK_TIMEOUT))
    except ValueError:
        return DEFAULT_LOCK_TIMEOUT


def _load(path: Path) -> dict[str, Any]:
    """Read and check the database file; a missing file is an empty database."""
    if path.is_dir():
        raise StorageError(f"{path}: is a folder, not a database file")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return _empty()
    except OSError as exc:
        raise StorageError(f"{path}: cannot read database: {exc.strerror or exc}") from None
    if not raw or raw.isspace():
        return _empty()
    with paused_gc():
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise StorageError(
                f"{path}: database file is not valid JSON ({exc}); it was left untouched — "
                f"restore {_bak(path).name} if it exists (see `dossier check`)"
            ) from None
        # The records live until the command ends: move them out of the
        # collector's sight before it runs again, or every pass walks them all.
        gc.freeze()
    return _upgrade(path, data)


def _empty() -> dict[str, Any]:
    return {META: {"1": {"schema_version": SCHEMA_VERSION}}, PERSONS: {}}


def _schema_version(data: dict[str, Any]) -> int:
    meta = data.get(META)
    if meta is None:
        return 0
    try:
        return int(meta["1"]["schema_version"])
    except (KeyError, TypeError, ValueError):
        return -1


def _migrate_0_to_1(data: dict[str, Any]) -> dict[str, Any]:
    """A bare TinyDB file (no ``_meta``): re-key the persons table by id."""
    persons = data.get(PERSONS) or data.get("_default") or {}
    rekeyed = {doc["id"]: doc for doc in persons.values() if isinstance(doc, dict) and "id" in doc}
    return {META: {"1": {"schema_version": 1}}, PERSONS: rekeyed}


# schema version N -> function producing version N + 1
MIGRATIONS = {0: _migrate_0_to_1}


def _upgrade(path: Path, data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise StorageError(f"{path}: not a dossier database (top level is not an object)")
    version = _schema_version(data)
    if version < 0:
        raise StorageError(f"{path}: not a dossier database (unreadable schema version)")
    if version > SCHEMA_VERSION:
        raise StorageError(
            f"{path}: written by a newer dossier (schema {version}); "
            f"this version reads schema {SCHEMA_VERSION} and older — upgrade dossier"
        )
    while version < SCHEMA_VERSION:
        data = MIGRATIONS[version](data)
        version += 1
    persons = data.get(PERSONS)
    if persons is None:
        data[PERSONS] = {}
    elif not isinstance(persons, dict) or not all(isinstance(v, dict) for v in persons.values()):
        raise StorageError(f"{path}: not a dossier database (the persons table is malformed)")
    checked: dict[str, Any] = data
    return checked


def _bak(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def read(path: Path) -> Snapshot:
    """The current state, without the lock (writes are atomic, so it is whole)."""
    return Snapshot(path, _load(path))


@contextlib.contextmanager
def transaction(path: Path, *, dry_run: bool = False) -> Iterator[Transaction]:
    """Lock, load, let the caller change records, write once if anything changed.

    An exception inside the block writes nothing; so does ``dry_run``.
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
        tx = Transaction(path, _load(path))
        yield tx
        if tx.dirty and not dry_run:
            write_atomic(path, _serialize(tx.data()), backup=True)
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


def _serialize(data: dict[str, Any]) -> bytes:
    with paused_gc():
        return orjson.dumps(data, option=orjson.OPT_APPEND_NEWLINE)  # no 2nd copy of a big file


def write_atomic(
    path: Path, content: bytes, *, backup: bool = False, mode: int = 0o600, durable: bool = True
) -> None:
    """Replace ``path`` with ``content`` so a crash leaves the old or new file.

    With ``backup`` the previous version is kept as ``<path>.bak`` (a hard link,
    so it costs no copy). ``durable=False`` skips the fsyncs (about 1 ms a file):
    readers and a killed process still see the old or the new file, a power cut
    may not; for derived files that are regenerated, such as published pages.
    Raises ``StorageError`` and leaves ``path`` as it was.
    """
    fd, tmp = -1, ""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fd = -1
            fh.write(content)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        if backup and path.exists():
            _link_backup(path)
        os.replace(tmp, path)
        tmp = ""
        if durable:
            _fsync_dir(path.parent)
    except OSError as exc:
        raise StorageError(f"{path}: cannot write: {exc.strerror or exc}") from None
    finally:
        if fd >= 0:
            os.close(fd)
        if tmp:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _link_backup(path: Path) -> None:
    bak = _bak(path)
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


def backup_path(path: Path) -> Path:
    return _bak(path)


def probe(path: Path) -> str | None:
    """Why the database cannot be read, or None if it can (for ``check``)."""
    try:
        _load(path)
    except StorageError as exc:
        return exc.message
    return None
