"""How every command writes: one transaction, the source registry kept whole, the history appended.

* ``transaction(db)`` wraps ``store.transaction``: just before the write, each
  changed person or source becomes one history entry (UTC time, actor, the
  command, and the field changes, as ``diff`` shows them), in the same atomic
  write. A person whose own content did not change (only the copy of a source
  it cites) gets no entry: the source's entry says what changed.
* ``put_person`` stores a person and keeps the registry of sources whole: a
  source key means one source across the database, so a key held with other
  content is a ``Conflict``.
* The actor is ``session(actor=...)`` (the CLI's ``--actor``) › ``$DOSSIER_ACTOR``
  › ``git config user.name`` of the current folder › the OS login name.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from dossier import store
from dossier.errors import Conflict
from dossier.model import rules
from dossier.model.ids import unique_id

Record = dict[str, Any]


@dataclass(frozen=True)
class Session:
    """Who is changing the database, and with which command (for the history)."""

    actor: str | None = None
    command: str | None = None


_SESSION: ContextVar[Session | None] = ContextVar("dossier_session", default=None)


@contextlib.contextmanager
def session(*, actor: str | None = None, command: str | None = None) -> Iterator[None]:
    """Name the actor and the command that the history records for writes in this block."""
    token = _SESSION.set(Session(actor, command))
    try:
        yield
    finally:
        _SESSION.reset(token)


def set_session(*, actor: str | None = None, command: str | None = None) -> None:
    """``session`` for the rest of the process (the CLI calls this once)."""
    _SESSION.set(Session(actor, command))


def actor() -> str:
    given = (_SESSION.get() or Session()).actor or os.environ.get("DOSSIER_ACTOR")
    if given:
        return given
    try:
        done = subprocess.run(["git", "config", "user.name"], capture_output=True, text=True, timeout=5,
                              check=False)
        name = done.stdout.strip()
        if done.returncode == 0 and name:
            return name
    except (OSError, subprocess.SubprocessError):
        pass
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no login name (a container without a passwd entry)
        return "unknown"


def command() -> str:
    """The command the history records; a script using the api is named by its file."""
    given = (_SESSION.get() or Session()).command
    if given is not None:
        return given
    script = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"
    return f"api ({script})"


# --- the transaction -------------------------------------------------------------------


@contextlib.contextmanager
def transaction(db: Path, *, dry_run: bool = False) -> Iterator[store.Transaction]:
    from dossier.api import sealing

    with store.transaction(db, dry_run=dry_run) as tx:
        sealing.install(tx)
        tx.on_commit = _commit
        tx.on_written = _written
        yield tx


def _written(tx: store.Transaction) -> None:
    from dossier.api import checks, nameindex, sealing

    nameindex.update(tx)  # the name index follows the write (see sidecar)
    checks.follow(tx)
    sealing.written(tx)


def _commit(tx: store.Transaction) -> None:
    changes = tx.changes  # (what the command changed: the rewrite of an older file is no change)
    if tx.legacy:
        _migrate(tx)
    entries = history_entries(changes, tx.notes)
    first = next(entries, None)
    if first is None:
        return
    what = command()
    if tx.seal is not None:
        from dossier.api import sealing

        sealed, confidential = sealing.sealed_entries(tx, [first, *entries])
        entries = iter(sealed)
        if confidential:
            what = sealing.elided(what)
        classified = sealing.newly_confidential(tx)
        if classified:  # what was public until now is in the history, and the .bak, in clear
            sealing.reseal_past(tx, classified)
            tx.replace_backup = True
        # Of a person or source gone, no one can tell any more what it held: its history counts
        # as confidential (``sealing.Confidential``), and is sealed as such.
        gone = [("person" if c.section == "persons" else "source", c.key) for c in tx.changes
                if c.new is None and c.section in ("persons", "sources")]
        if gone:
            sealing.reseal_past(tx, gone)
    else:
        entries = itertools.chain([first], entries)
    stamp, who = rules.now_stamp(), actor()
    tx.log(entries, {"at": stamp, "actor": who, "command": what})


def _migrate(tx: store.Transaction) -> None:
    """A file of an older schema (or a bare TinyDB file) is written anew once, validated whole.
    When every record validates, each is written in its canonical form (every field, defaults
    included: the line its NDJSON export streams as it is), its sources in the registry too,
    and readers may trust the file; else the records stay as they are, and are validated
    again by every reader. The history does not count this as a change of content."""
    from dossier.model.person import dump, validate_many

    persons, problems = validate_many(tx.all())
    if problems:
        return
    registered: set[str] = set()
    for person in persons:
        record = dump(person)
        if record != tx.get(record["id"]):
            tx.put(record)
        for src in record["sources"]:
            if src["key"] not in registered:  # (the first carrier's copy, as the registry held)
                registered.add(src["key"])
                if tx.source(src["key"]) != src:
                    tx.put_source(src)
    tx.mark_validated()


def history_entries(changes: list[store.Change],
                    notes: Mapping[tuple[str, str], Mapping[str, Any]] | None = None) -> Iterator[Record]:
    """One entry per changed person or source: its kind, id, what happened, and the field
    changes (one at a time: an import of thousands logs each as a line, not all as dicts)."""
    from dossier.api.diff import field_changes

    for change in changes:
        if change.section == "history":
            continue  # history re-encrypted (keys rotate) is no change to record
        kind = "person" if change.section == "persons" else "source"
        entry: Record = {"kind": kind, "id": change.key}
        if change.old is None and isinstance(change.stored, bytes):  # imported: its name is all
            line = change.stored  # needed, read from its line when it has no escape
            new: Record | None = {"name": store.line_name(line) or orjson.loads(line)["name"]}
        else:
            new = change.new
        named = new or change.old or {}
        if "name" in named:
            entry["name"] = named["name"]
        if change.old is None or new is None:
            entry.update(op="added" if change.old is None else "removed", changes=[])
        else:
            old = change.old
            if kind == "person":
                old, new = rules.own_content(old), rules.own_content(new)
            found = field_changes(old, new)
            if not found:
                continue
            entry.update(op="changed", changes=[{"path": c.path, "old": c.old, "new": c.new} for c in found])
        entry.update((notes or {}).get((change.section, change.key), {}))
        yield entry


# --- persons and the registry of sources --------------------------------------------------


def put_person(tx: store.Transaction, record: Mapping[str, Any]) -> None:
    """Store a person, and each source it carries in the registry (one content per key).

    A source that only this person carries may change with it; one that others
    carry too must be changed with ``sources edit`` (every copy at once).
    """
    record = tx.stored_form("persons", dict(record))  # its sources compared as they are stored
    for src in record.get("sources") or ():
        known = tx.source(src["key"])
        if known is not None and known != src:
            others = carriers(tx, src["key"], but=record["id"])
            if others:
                raise Conflict(f"source {src['key']!r} differs from the one cited by {others[0]}")
        if known != src:
            tx.put_source(src)
    tx.put(record)


def new_source_key(tx: store.Snapshot, source: Mapping[str, Any], taken: Iterable[str] = ()) -> str:
    """The key of a source given without one (``rules.source_key``): the stored source with
    its title and URL, else a key from its title (readable for a Persian title) that neither
    the database nor ``taken`` holds."""
    from dossier import names

    if source.get("confidential"):
        # A key made from a witness's testimony title would name it; a random part keeps two
        # members' copies from making the same key for two sources (git then merges one away).
        import secrets

        return unique_id(f"confidential-{secrets.token_hex(3)}", _Taken(tx, set(taken)))
    url, title = source.get("url"), str(source["title"])
    known = tx.sources_with("url", url) if url else tx.sources_with("title", title)
    base = names.source_key_base(title, url=url, publisher=source.get("publisher"),
                                 published=source.get("published"))
    return rules.source_key(source, known, _Taken(tx, set(taken)), base=base)


class _Taken:
    """The keys in the database or in ``extra`` (asked one by one: a binary search each)."""

    def __init__(self, tx: store.Snapshot, extra: set[str]) -> None:
        self.tx, self.extra = tx, extra

    def __contains__(self, key: object) -> bool:
        return key in self.extra or (isinstance(key, str) and self.tx.source(key) is not None)


def carriers(tx: store.Snapshot, key: str, *, but: str = "") -> list[str]:
    """The persons that carry a source (every person is read: for the rare paths only)."""
    return [r["id"] for r in tx.all() if r["id"] != but
            and any(s.get("key") == key for s in r.get("sources") or ())]


def stamp_changed(tx: store.Transaction, record: Record, *, stamp: str | None = None) -> Record:
    """``updated`` becomes now when the person's own content changed; else it stays as stored."""
    old = tx.get(record["id"])
    if old is not None:
        record = tx.stored_form("persons", record)
    if old is not None and rules.own_content(old) == rules.own_content(record):
        record["updated"] = old.get("updated")
    else:
        record["updated"] = stamp or rules.now_stamp()
    return record
