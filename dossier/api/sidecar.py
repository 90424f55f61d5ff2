"""Files derived from the database and kept beside it, valid for one state of it.

A sidecar (``<db>.names``: the name index; ``<db>.facts``: what check knows of each person;
``<db>.findings``: check's findings of a day)
is made from one state of the database file and says which: the header's checksum, the
size, the modification and change times (``store.Snapshot.ident``), and which code made it
(a digest of the modules whose rules it applies). A command uses it only for exactly that
state; a copy of the database (the same checksum and size, other times) is accepted once
its checksum is verified.

The file is a line of content, a line naming the state it is for, then perhaps lines of
changes, each naming the state it leads from and to (``append``): a write that
changes a few persons appends what changed, from the state before it to its own, instead
of rewriting the whole file; a reader applies the changes in order and, when there are
many, writes the file anew. A sidecar of any other state is stale: the next command that
needs it makes it anew. A torn or lost line, a race between a reader and a writer: at
worst a stale sidecar. Losing one only costs time.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import zlib
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import orjson

from dossier import store
from dossier.errors import StorageError

Ident = tuple[int, int, int, int]

COMPACT_AFTER = 64  # lines of changes after which a reader should write the sidecar anew


class Sidecar:
    """One kind of derived file: ``<db><suffix>``, made by the code in ``modules``."""

    def __init__(self, suffix: str, version: int, modules: Sequence[str]) -> None:
        self.suffix, self.version, self.modules = suffix, version, tuple(modules)

    def path(self, db: Path) -> Path:
        return db.with_name(db.name + self.suffix)

    @property
    def code(self) -> str:
        return code_of(self.modules)

    def load(self, snapshot: store.Snapshot) -> tuple[Any, list[Any], bool] | None:
        """(content, the changes to apply to it in order, whether it names this very file)
        for ``snapshot``'s state, or None. The caller should ``save`` anew when it does not
        name this file (a copy) or has more than ``COMPACT_AFTER`` changes."""
        ident = snapshot.ident
        if ident is None:
            return None
        found = self._read(snapshot.path)
        if found is None:
            return None
        made_for, head, changes = found
        if made_for == ident:
            exact = True
        elif made_for[:2] == ident[:2] and snapshot.intact:  # a copy: same content, a new time
            exact = False
        else:
            return None
        content = self._content(head)
        return None if content is None else (content, changes, exact)

    def _content(self, head: memoryview) -> Any:
        """The content of the first line, if this code of this version made it (else None)."""
        try:
            found = orjson.loads(head)
        except orjson.JSONDecodeError:
            return None
        made_by = (found.get("version"), found.get("code")) if isinstance(found, dict) else None
        return found.get("content") if made_by == (self.version, self.code) else None

    def save(self, db: Path, ident: Ident | None, content: Any) -> None:
        """Write the sidecar anew, for the state ``ident``."""
        if ident is None:
            return
        head = {"version": self.version, "code": self.code, "content": content}
        data = orjson.dumps(head, option=orjson.OPT_APPEND_NEWLINE) + orjson.dumps(
            {"to": list(ident)}, option=orjson.OPT_APPEND_NEWLINE)
        # A sidecar that cannot be written only costs time on the next command.
        with contextlib.suppress(StorageError):
            store.write_atomic(self.path(db), data, durable=False)

    def remove(self, db: Path) -> None:
        """Remove the sidecar (what it holds must not outlive a state)."""
        with contextlib.suppress(OSError):
            self.path(db).unlink(missing_ok=True)

    def append(self, tx: store.Transaction, change: Any) -> bool:
        """After ``tx`` was written: add ``change`` (from the state before it to its own) to a
        sidecar of the state before. False when there is none (it is stale, or missing)."""
        step = self._step(tx)
        if step is None:
            return False
        line = orjson.dumps({"from": list(step[0]), "to": list(step[1]), "change": change},
                            option=orjson.OPT_APPEND_NEWLINE)
        try:
            fd = os.open(self.path(tx.path), os.O_WRONLY | os.O_APPEND)
        except OSError:
            return False
        try:
            os.write(fd, line)  # one write of one line: a crash tears at most this line
        except OSError:
            return False
        finally:
            os.close(fd)
        return True

    def follows(self, tx: store.Transaction) -> bool:
        """Whether, ``tx`` written, the sidecar is of the state before it (only its last line
        is read): a change appended to it would be used."""
        return self._step(tx) is not None

    def _step(self, tx: store.Transaction) -> tuple[Ident, Ident] | None:
        """The states before and after ``tx``, when the sidecar is of the one before."""
        if tx.ident is None or tx.written is None or _last_ident(self.path(tx.path)) != tx.ident:
            return None
        return tx.ident, tx.written

    def _read(self, db: Path) -> tuple[Ident, memoryview, list[Any]] | None:
        """(the state it is for, its content line unparsed, the changes leading there), or None."""
        try:
            data = self.path(db).read_bytes()
            end = data.index(b"\n")  # the content line is most of the file: not copied
            lines = data[end + 1:].split(b"\n")
            ident, changes = tuple(orjson.loads(lines[0])["to"]), []
        except (OSError, ValueError, IndexError, KeyError, TypeError):  # ValueError: JSONDecodeError too
            return None
        for line in lines[1:]:
            if not line:
                continue
            try:
                step = orjson.loads(line)
            except orjson.JSONDecodeError:
                break  # a torn last line: the state before it
            try:
                if tuple(step["from"]) != ident:
                    return None
                changes.append(step["change"])
                ident = tuple(step["to"])
            except (KeyError, TypeError):  # not a change line of ours: stale
                return None
        return ident, memoryview(data)[:end], changes


def _last_ident(path: Path) -> Ident | None:
    """The state a sidecar is for, read from its last line (the only line read)."""
    try:
        with path.open("rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            back = min(size, 1 << 16)
            fh.seek(size - back)
            tail = fh.read(back)
    except OSError:
        return None
    last = tail.rstrip(b"\n").rsplit(b"\n", 1)[-1]
    try:
        found = orjson.loads(last)
    except orjson.JSONDecodeError:
        return None  # torn, or a change line longer than what was read: stale
    made_for = found.get("to") if isinstance(found, dict) else None
    return tuple(made_for) if isinstance(made_for, list) else None


@cache
def code_of(modules: tuple[str, ...]) -> str:
    """A digest of the source of the modules named, for files derived by their code (a change
    to them makes such a file stale): the length and CRC-32 of each (hashlib takes ~3 ms to
    import; a search should not wait)."""
    sources = [Path(importlib.import_module(name).__file__ or "").read_bytes() for name in modules]
    return ".".join(f"{len(s)}-{zlib.crc32(s):08x}" for s in sources)
