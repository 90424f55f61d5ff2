"""The name index of a database, kept beside it (``<db>.names``) so a search need not fold
every name of every person again.

The file holds each person's names folded (``names.FoldedPerson``) and the identity of
the database state it was made from (``store.Snapshot.ident``: the header's checksum,
size, inode and modification time) and of the folding code. A search uses it only when
both match; otherwise it folds the names and writes the file anew. A write updates it
in place of the changed persons only, when it matched the state before the write.
Names are not confidential, and the file is as private as the database (0600).
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

VERSION = 1


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
    if cached is not None and ident is not None and cached.get("ident") == list(ident):
        return names.NameIndex(folded=map(names.FoldedPerson.from_json, cached["persons"]))
    folded = [names.fold_person(r) for r in snapshot.all()]
    if ident is not None:
        _write(db, ident, [f.to_json() for f in folded])
    return names.NameIndex(folded=folded)


def update(tx: store.Transaction) -> None:
    """After a write: refold the persons it changed, if the file was the index of the state before."""
    before, after = tx.ident, tx.written
    cached = _read(tx.path)
    if cached is None or before is None or after is None or cached.get("ident") != list(before):
        return  # stale already: the next search folds everything
    persons = {p[0]: p for p in cached["persons"]}
    for change in tx.changes:
        if change.section != "persons":
            continue
        if change.new is None:
            persons.pop(change.key, None)
        else:
            persons[change.key] = names.fold_person(change.new).to_json()
    _write(tx.path, after, [persons[k] for k in sorted(persons)])


def _read(db: Path) -> dict[str, Any] | None:
    try:
        data = orjson.loads(path_of(db).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None  # a missing or damaged cache only costs a fold
    if not isinstance(data, dict) or data.get("version") != VERSION or data.get("folding") != _fingerprint():
        return None
    return data


def _write(db: Path, ident: tuple[int, int, int, int], persons: list[Any]) -> None:
    data = {"version": VERSION, "folding": _fingerprint(), "ident": list(ident), "persons": persons}
    # A cache that cannot be written only costs time on the next search.
    with contextlib.suppress(StorageError):
        store.write_atomic(path_of(db), orjson.dumps(data), durable=False)
