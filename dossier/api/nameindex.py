"""The name index of a database, kept beside it (``<db>.names``) so a search need not fold
every name of every person again.

The file holds the index itself (``names.NameIndex.state``: flat lists, loaded without a
loop over every name) and the identity of the database state it was made from
(``store.Snapshot.ident``: the header's checksum, size, inode and modification time)
and of the folding code. A search uses it only when both match; a copy of the database
(another inode) is checked by its checksum first. Otherwise the names are folded and the
file written anew. A write updates it for the changed persons only (a removed person is
marked, not compacted, until a quarter of the index is such), when it matched the state
before the write. Names are not confidential, and the file is as private as the
database (0600).
"""

from __future__ import annotations

import contextlib
import hashlib
from functools import cache
from pathlib import Path
from typing import Any

import orjson

from dossier import names, store
from dossier.errors import StorageError

VERSION = 2
COMPACT_AT = 0.25  # removed persons over all indexed, above which the index is made anew


def path_of(db: Path) -> Path:
    return db.with_name(db.name + ".names")


@cache
def _fingerprint() -> str:
    """Changes whenever the folding code (or its lexicon) changes."""
    return hashlib.blake2b(Path(names.__file__).read_bytes(), digest_size=12).hexdigest()


def load(db: Path, snapshot: store.Snapshot) -> names.NameIndex:
    """The index of ``snapshot``: from the file beside the database if it is the index of
    exactly this state, else folded now (and the file written for the next search)."""
    ident = snapshot.ident
    cached = _read(db)
    if cached is not None and ident is not None:
        made_from = tuple(cached["ident"])
        if made_from == ident:
            return names.NameIndex.from_state(cached["index"])
        if made_from[:2] == ident[:2] and snapshot.intact:  # a copy: same content, other inode
            _write(db, ident, cached["index"])
            return names.NameIndex.from_state(cached["index"])
    index = names.NameIndex(snapshot.all())
    if ident is not None:
        _write(db, ident, index.state())
    return index


def update(tx: store.Transaction) -> None:
    """After a write: refold the persons it changed, if the file was the index of the state before."""
    before, after = tx.ident, tx.written
    cached = _read(tx.path)
    if cached is None or before is None or after is None or tuple(cached["ident"]) != before:
        return  # stale already: the next search folds everything
    index = names.NameIndex.from_state(cached["index"])
    for change in tx.changes:
        if change.section == "persons":
            if change.new is None:
                index.remove(change.key)
            else:
                index.add(names.fold_person(change.new))
    if index.removed > COMPACT_AT * len(index.ids):
        index = names.NameIndex(tx.all())
    _write(tx.path, after, index.state())


def _read(db: Path) -> dict[str, Any] | None:
    try:
        data = orjson.loads(path_of(db).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None  # a missing or damaged cache only costs a fold
    if not isinstance(data, dict) or data.get("version") != VERSION or data.get("folding") != _fingerprint():
        return None
    return data


def _write(db: Path, ident: tuple[int, int, int, int], state: dict[str, Any]) -> None:
    data = {"version": VERSION, "folding": _fingerprint(), "ident": list(ident), "index": state}
    # A cache that cannot be written only costs time on the next search.
    with contextlib.suppress(StorageError):
        store.write_atomic(path_of(db), orjson.dumps(data), durable=False)
