"""Files derived from the database and kept beside it, valid for one state of it.

A sidecar (``<db>.names``: the name index; ``<db>.check``: what ``check`` reads of each
person) is made from one state of the database file and says which: the header's
checksum, the size, the inode and the modification time (``store.Snapshot.ident``),
and which code made it (a digest of the modules whose rules it applies). A command uses
it only for exactly that state; a copy of the database (another inode, the same checksum
and size) is accepted once its checksum is verified. A write that changes a few persons
updates the sidecars it finds valid for the state before it; any other sidecar is left
stale and made anew by the next command that needs it. Losing one only costs time.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import orjson

from dossier import store
from dossier.errors import StorageError

Ident = tuple[int, int, int, int]


class Sidecar:
    """One kind of derived file: ``<db><suffix>``, made by the code in ``modules``."""

    def __init__(self, suffix: str, version: int, modules: Sequence[str]) -> None:
        self.suffix, self.version, self.modules = suffix, version, tuple(modules)

    def path(self, db: Path) -> Path:
        return db.with_name(db.name + self.suffix)

    @property
    def code(self) -> str:
        return _code(self.modules)

    def load(self, snapshot: store.Snapshot) -> Any | None:
        """The content made from exactly ``snapshot``'s state, or None."""
        ident = snapshot.ident
        cached = self._read(snapshot.path)
        if cached is None or ident is None:
            return None
        made_from = tuple(cached["ident"])
        if made_from == ident:
            return cached["content"]
        if made_from[:2] == ident[:2] and snapshot.intact:  # a copy: same content, another inode
            self.save(snapshot.path, ident, cached["content"])
            return cached["content"]
        return None

    def load_for_update(self, tx: store.Transaction) -> Any | None:
        """After ``tx`` was written: the content made from the state before it, or None."""
        cached = self._read(tx.path)
        if cached is None or tx.ident is None or tx.written is None or tuple(cached["ident"]) != tx.ident:
            return None
        return cached["content"]

    def save(self, db: Path, ident: Ident | None, content: Any) -> None:
        if ident is None:
            return
        data = {"version": self.version, "code": self.code, "ident": list(ident), "content": content}
        # A sidecar that cannot be written only costs time on the next command.
        with contextlib.suppress(StorageError):
            store.write_atomic(self.path(db), orjson.dumps(data), durable=False)

    def _read(self, db: Path) -> dict[str, Any] | None:
        try:
            data = orjson.loads(self.path(db).read_bytes())
        except (OSError, orjson.JSONDecodeError):
            return None
        if not isinstance(data, dict) or data.get("version") != self.version or data.get("code") != self.code:
            return None
        return data


@cache
def _code(modules: tuple[str, ...]) -> str:
    """A digest of the source of the modules named (a change to them makes the sidecar stale)."""
    digest = hashlib.blake2b(digest_size=12)
    for name in modules:
        digest.update(Path(importlib.import_module(name).__file__ or "").read_bytes())
    return digest.hexdigest()
