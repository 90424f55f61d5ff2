"""``dossier keys``: who can read the confidential content of a database.

* ``init`` creates this user's identity (unless there is one) and makes its
  public key a recipient of the database: the first recipient turns
  encryption on, which seals what is already there: confidential sources and
  their evidence copies, restricted narratives, the history's values of both,
  and replaces the ``.bak`` (it held them in clear).
* ``add KEY`` / ``rm KEY`` change the recipients, then re-encrypt everything to
  the new list when this user's identity can read it (else ``rotate`` must be
  run by someone who can). Removing the last recipient is refused: encryption
  is not turned off by accident. A key removed is kept as removed (with when
  and by whom), and goes with the split folder's ``recipients.txt``: an import
  takes, for each key, the latest of its additions and removals (``adopt``), so
  a member's copy that still lists a removed key cannot add it back; only a
  later ``keys add`` does.
* ``rotate`` re-encrypts every sealed value, history and evidence copy
  included, to the current recipients. What a removed member copied before
  (a clone, an old export) stays readable to them: rotation protects what is
  written from now on, and the current file.

Nothing is written unless every sealed value could be re-encrypted.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from dossier import crypt, store
from dossier.api import sealing, writing
from dossier.errors import InvalidInput, NotFound, NotRecipient, Problem, UsageError
from dossier.model import rules

Record = dict[str, Any]


@dataclass
class KeysReport:
    recipients: list[Record]
    public: str | None = None
    identity: str | None = None
    created: bool = False
    sealed: Counter[str] = field(default_factory=Counter)
    note: str | None = None

    def summary(self) -> list[str]:
        lines = []
        if self.created:
            lines.append(f"created the identity {self.identity} (keep it safe and private: "
                         "without it this user cannot read what is encrypted)")
        if self.sealed:
            lines.append("encrypted to {} recipient{}: {}".format(
                len(self.recipients), "s" * (len(self.recipients) != 1),
                ", ".join(f"{n} {what}" for what, n in sorted(self.sealed.items()))))
        if self.note:
            lines.append(self.note)
        return lines


def list_keys(db: Path) -> list[Record]:
    return sealing.recipient_entries(store.read(db))


def init(db: Path, *, name: str | None = None) -> KeysReport:
    """This user's identity (created if missing) as a recipient of ``db``."""
    identity = crypt.load_identity(missing_ok=True)
    created = identity is None
    if identity is None:
        identity = crypt.create_identity(crypt.identity_path())
    listed = sealing.recipients(store.read(db)) if db.exists() else []
    if listed and identity.public not in listed:
        # Added by themselves they could not read what is sealed: a recipient adds them.
        report = KeysReport(sealing.recipient_entries(store.read(db)), note=(
            "encryption is on and you are not a recipient yet: send your public key to one, "
            f"who runs: dossier keys add {identity.public}"))
    else:
        report = add(db, identity.public, name=name or writing.actor())
    report.public, report.identity, report.created = identity.public, identity.origin, created
    return report


def add(db: Path, recipient: str, *, name: str | None = None) -> KeysReport:
    key = crypt.check_recipient(recipient)
    with writing.transaction(db) as tx:
        opener = sealing.Opener(tx)  # before the change: can this user read what is sealed?
        entries = sealing.recipient_entries(tx)
        if any(e["key"] == key for e in entries):
            return KeysReport(entries, note=f"{key[:16]}… is a recipient already; nothing changed")
        if entries and not opener.can_read:  # (a member removed would add themselves back)
            raise NotRecipient("only a recipient adds a recipient: this user's identity is none of "
                               "the database's (see dossier keys list)")
        turning_on = not entries
        removed = sealing.removed_entries(tx)
        when = rules.now_utc()
        for gone in removed:
            if gone["key"] == key:  # (later than the removal it undoes, to the second: see adopt)
                when = max(when, datetime.fromisoformat(gone["removed"]) + timedelta(seconds=1))
        entries = [*entries, {"key": key, "name": name, "added": rules.stamp(when), "by": writing.actor()}]
        report = KeysReport(entries)
        _set_recipients(tx, entries, "added", [t for t in removed if t["key"] != key])
        _reseal(tx, report, rotate=not turning_on, opener=opener)
    return report


def remove(db: Path, recipient: str) -> KeysReport:
    with writing.transaction(db) as tx:
        opener = sealing.Opener(tx)
        entries = sealing.recipient_entries(tx)
        kept = [e for e in entries if e["key"] != recipient.strip() and e.get("name") != recipient.strip()]
        if len(kept) == len(entries):
            raise NotFound(f"{recipient!r} is not a recipient (see dossier keys list)")
        if not kept:
            raise UsageError("cannot remove the last recipient: nobody could read the encrypted content")
        report = KeysReport(kept)
        gone = [e for e in entries if e not in kept]
        removed = [t for t in sealing.removed_entries(tx) if all(t["key"] != e["key"] for e in gone)]
        when, by = rules.now_stamp(), writing.actor()
        removed += [{"key": e["key"], "name": e.get("name"), "removed": when, "by": by} for e in gone]
        _set_recipients(tx, kept, "removed", removed)
        _reseal(tx, report, rotate=True, opener=opener)
    return report


def rotate(db: Path) -> KeysReport:
    with writing.transaction(db) as tx:
        entries = sealing.recipient_entries(tx)
        if not entries:
            raise UsageError("encryption is off for this database; turn it on with: dossier keys init")
        report = KeysReport(entries)
        opener = sealing.Opener(tx)
        if not opener.can_read:
            raise sealing.withheld_error("the database's confidential content")
        _reseal(tx, report, rotate=True, opener=opener)
        _set_recipients(tx, entries, "rotated")
    return report


def adopt(tx: store.Transaction, given: list[Record]) -> tuple[list[str], list[str]]:
    """Take in the recipients file of a split folder being imported: (the names of the
    recipients added, of those removed). For each key, the latest of its additions and its
    removals (``keys rm``) known here or there wins, a removal on a tie: a copy that still
    lists a key removed elsewhere does not add it back. A database without encryption turns
    it on, sealing what it holds; a change of the recipients re-encrypts to them."""
    try:
        for entry in given:
            crypt.check_recipient(str(entry["key"]))
    except UsageError as exc:
        raise InvalidInput(Problem(exc.message, source="recipients.txt")) from None
    entries, removed = sealing.recipient_entries(tx), sealing.removed_entries(tx)
    latest: dict[str, tuple[tuple[str, bool, str, str], Record]] = {}
    for entry in [*entries, *removed, *given]:
        gone = "removed" in entry
        rank = (str(entry.get("removed" if gone else "added") or ""), gone,
                str(entry.get("by") or ""), str(entry.get("name") or ""))
        if entry["key"] not in latest or rank > latest[entry["key"]][0]:
            latest[entry["key"]] = rank, entry
    now = [e for _, e in latest.values() if "removed" not in e]
    now_removed = [e for _, e in latest.values() if "removed" in e]
    if now == entries and now_removed == removed:
        return [], []
    before, after = {e["key"] for e in entries}, {e["key"] for e in now}
    if before and not after:
        raise InvalidInput(Problem("would remove every recipient of the database; nothing was imported",
                                   source="recipients.txt"))
    if before == after:  # who added or removed a key, and when: no one reads more or less
        _set_recipients(tx, now, "imported", now_removed, log=False)
        return [], []
    opener = sealing.Opener(tx)
    _set_recipients(tx, now, "imported", now_removed)
    _reseal(tx, KeysReport(now), rotate=bool(entries), opener=opener)

    def names(keys: set[str], of: list[Record]) -> list[str]:
        return [str(e.get("name") or str(e["key"])[:16] + "…") for e in of if e["key"] in keys]

    return names(after - before, now), names(before - after, now_removed)


def _set_recipients(tx: store.Transaction, entries: list[Record], op: str,
                    removed: list[Record] | None = None, *, log: bool = True) -> None:
    """The new recipients (and keys removed: default, as they were), and a history entry saying
    who changed them (``log``)."""
    old = [e["key"] for e in sealing.recipient_entries(tx)]
    removed = sealing.removed_entries(tx) if removed is None else removed
    tx.set_meta(sealing.ENCRYPTION, {"recipients": entries, **({"removed": removed} if removed else {})})
    if log:
        tx.log([{"at": rules.now_stamp(), "actor": writing.actor(), "command": writing.command(),
                 "kind": "keys", "id": "keys", "op": op,
                 "changes": [{"path": "recipients", "old": old, "new": [e["key"] for e in entries]}]}])


def _reseal(tx: store.Transaction, report: KeysReport, *, rotate: bool,
            opener: sealing.Opener | None = None) -> None:
    """Seal what is clear and, rotating, encrypt anew what is sealed, to the recipients now listed.

    ``opener`` was made before the recipients changed: it reads only if this user was one.
    The records are put in clear; the ``Sealer`` seals them, evidence copies included.
    """
    tx.replace_backup = True  # the .bak holds what is sealed now in clear, or to the old recipients
    opener = opener or sealing.Opener(tx)
    if rotate and not opener.can_read:
        report.note = ("the content sealed before stays readable only by the previous recipients "
                       "until someone who can read it runs: dossier keys rotate")
        rotate = False
    to = [e["key"] for e in report.recipients]
    sealer = sealing.Sealer(tx, to, opener, fresh=rotate)
    tx.seal = sealer
    resealed: set[str] = set()
    unopened = 0  # (sealed only to others, by a copy this user was no recipient of: left as it is)
    for key, src in tx.sources().items():
        if not (src.get("confidential") or src.get("sealed")) or (src.get("sealed") and not rotate):
            continue
        try:
            tx.put_source(opener.source(src))
        except NotRecipient:
            unopened += 1
            continue
        resealed.add(key)
        report.sealed["sources"] += 1
    for record in tx.all():
        carries = any(s["key"] in resealed for s in record.get("sources") or ())
        narrative = bool((rotate and record.get("sealed")) or rules.sealable_narrative(record))
        if not carries and not narrative:
            continue
        try:
            tx.put(opener.person(record) if rotate else dict(record))
        except NotRecipient:
            unopened += 1
            continue
        report.sealed["narratives"] += narrative
    evidence_files = len(sealer.replaced)
    if evidence_files:
        report.sealed["evidence copies"] += evidence_files
    if sealer.missing:
        report.note = (f"{len(sealer.missing)} evidence cop{'ies' if len(sealer.missing) > 1 else 'y'} "
                       "missing from the evidence store stayed as they were (see dossier sources verify)")
    history = tx.history()
    confidential = sealing.Confidential(tx)
    # Every entry of a write that touched confidential content: its command line may quote it.
    commands = {e.get("command") for e in history if confidential(e)}

    def reseal(text: str) -> str:
        # History this copy sealed before its user was a recipient cannot be opened here: it
        # stays as it is, readable to whom it was sealed to (it stopped the rotation).
        nonlocal unopened
        try:
            return crypt.seal(opener.value(text, what="history"), to)
        except NotRecipient:
            unopened += 1
            return text

    for entry in history:
        new = entry
        if confidential(entry) or _holds_sealed(entry):
            new = sealing.seal_history_values(entry, to, reseal if rotate else None)
        if entry.get("command") in commands:
            command = sealing.elided(str(entry["command"]))
            if command != entry["command"]:
                new = {**new, "command": command}
        if new is not entry:
            tx.put_history(new)
            report.sealed["history entries"] += 1
    if unopened:
        report.note = (f"{unopened} sealed value{'s' * (unopened > 1)} this user cannot read (sealed before "
                       "they were a recipient) stayed as they were, readable to those they were sealed to: "
                       "one of them runs dossier keys rotate")


def _holds_sealed(entry: Record) -> bool:
    return any("sealed" in c or c.get("path") == "sealed" for c in entry.get("changes") or ())
