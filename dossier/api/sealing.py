"""Encryption at rest: what is sealed, when, and who can read it.

Encryption is on for a database whose meta lists recipients (``dossier keys``).
Then every write seals, before anything is stored (``Sealer``, the store's
``seal`` hook, so no write path can forget it):

* a confidential source: the fields of ``rules.SEALED_SOURCE_FIELDS`` become one
  age text in ``sealed``, its title reads ``rules.WITHHELD``, and ``sealed_files``
  names its evidence files, which the evidence store keeps encrypted;
* a restricted person's narrative goes into ``sealed``; the narrative reads
  ``rules.WITHHELD``.

Content sealed again unchanged keeps its first ciphertext (age encrypts at
random: a new text each time would be a change in every diff and history
entry), and one write seals a source once, so the registry and every person
carrying it hold the same text. Sealing needs only the public keys: anyone can
add confidential content; only the recipients read it.

Reading (``Opener``): ``show``, ``edit``, ``sources show/edit`` and ``log`` open
sealed content with the user's identity (``crypt.load_identity``). Without one,
sealed content reads ``withheld (encrypted)``; every other command (list,
search, check, export, profiles, diff) works on the sealed form and never decrypts.
Changing sealed content needs an identity that reads it (a change made blind
would replace what nobody saw).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import orjson

from dossier import crypt, store
from dossier.errors import CryptoError, NotRecipient
from dossier.model import rules

Record = dict[str, Any]
ENCRYPTION = "encryption"
"""The meta key: {"recipients": [{"key", "name", "added", "by"}], "removed": [{"key", "name",
"removed", "by"}]} (the keys ``keys rm`` removed: an import does not add them back)."""


def recipient_entries(snapshot: store.Snapshot) -> list[Record]:
    return list((snapshot.meta.get(ENCRYPTION) or {}).get("recipients") or [])


def removed_entries(snapshot: store.Snapshot) -> list[Record]:
    return list((snapshot.meta.get(ENCRYPTION) or {}).get("removed") or [])


def recipients(snapshot: store.Snapshot) -> list[str]:
    return [str(r["key"]) for r in recipient_entries(snapshot)]


# --- reading ------------------------------------------------------------------------------


class Opener:
    """Opens sealed content with this user's identity, each text once.

    An identity that is not among the database's recipients (one of another database,
    a member not added yet, or removed) is not used: sealed content then reads withheld,
    as with no identity, and the rest of the record shows (``check --security`` says
    S-NOT-RECIPIENT). An identity that is missing or cannot be read is an error.
    """

    def __init__(self, snapshot: store.Snapshot) -> None:
        self.identity = crypt.load_identity()
        # Whether this user's identity is a recipient (then every sealed value opens).
        self.can_read = self.identity is not None and self.identity.public in recipients(snapshot)
        if not self.can_read:
            self.identity = None
        self._opened: dict[str, Any] = {}

    def value(self, sealed: str, *, what: str) -> Any:
        if self.identity is None:
            raise withheld_error(what)
        if sealed not in self._opened:
            self._opened[sealed] = crypt.unseal(sealed, self.identity, what=what)
        return self._opened[sealed]

    def source(self, src: Mapping[str, Any]) -> Record:
        """The source in clear (as it was given), or unchanged if this user cannot read it."""
        if not src.get("sealed") or self.identity is None:
            return dict(src)
        payload = self.value(str(src["sealed"]), what=f"source {src.get('key')}")
        out = {k: v for k, v in src.items() if k not in ("sealed", "sealed_files", "title")}
        return _in_order({**out, **payload})

    def person(self, record: Mapping[str, Any]) -> Record:
        out = dict(record)
        if self.identity is None:
            return out
        if out.get("sealed"):
            payload = self.value(str(out.pop("sealed")), what=f"{record.get('id')}: narrative")
            out["narrative"] = payload.get("narrative", "")
        if any(s.get("sealed") for s in out.get("sources") or ()):
            out["sources"] = [self.source(s) for s in out["sources"]]
        return out

    def editable(self, record: Mapping[str, Any]) -> Record:
        """A person to change: opened when this user is a recipient, else as stored (the parts
        that are sealed then stay as they are, and the ``Sealer`` refuses changes to them)."""
        return self.person(record) if self.can_read else dict(record)

    def editable_source(self, src: Mapping[str, Any]) -> Record:
        return self.source(src) if self.can_read else dict(src)

    def history(self, entry: Mapping[str, Any]) -> Record:
        """A history entry with its sealed values opened (for a recipient), else shown withheld."""
        changes = entry.get("changes")
        if not changes or not any("sealed" in c or c.get("path") == "sealed" for c in changes):
            return dict(entry)
        opened = []
        for change in changes:
            if "sealed" in change:  # the values of a change made before encryption was on
                values = self._past(change["sealed"], entry) if self.can_read else None
                if values is None:
                    values = {"old": rules.WITHHELD, "new": rules.WITHHELD}
                elif rules.WITHHELD in (values.get("old"), values.get("new")):
                    continue  # the placeholder's change: the sealed change says what it stands for
                opened.append({"path": change["path"], "old": values.get("old"), "new": values.get("new")})
            elif change.get("path") == "sealed":
                opened += self._sealed_change(entry, change)
            elif rules.WITHHELD not in (change.get("old"), change.get("new")) or not self.can_read:
                opened.append(change)  # (a placeholder's change is shown by the sealed one, opened)
        return {**entry, "changes": opened}

    def _sealed_change(self, entry: Mapping[str, Any], change: Mapping[str, Any]) -> list[Record]:
        withheld = [{"path": "(encrypted content)", "old": rules.WITHHELD, "new": rules.WITHHELD}]
        if not self.can_read:
            return withheld
        from dossier.api.diff import field_changes

        old = self._past(change["old"], entry) if change.get("old") else {}
        new = self._past(change["new"], entry) if change.get("new") else {}
        if old is None or new is None:
            return withheld
        return [{"path": c.path, "old": c.old, "new": c.new} for c in field_changes(old, new)]

    def _past(self, sealed: str, entry: Mapping[str, Any]) -> Any:
        """A sealed value of the history, opened; None (shown withheld) if it was sealed before this user was
        a recipient (a write on another member's copy, or before ``keys add``): the past is
        not encrypted again for a newcomer, and it must not stop ``log`` from showing the rest."""
        try:
            return self.value(sealed, what=f"history {entry.get('n')}")
        except NotRecipient:
            return None


def open_person(snapshot: store.Snapshot, record: Record, *, to_change: bool = False) -> Record:
    """A person with its sealed content opened: to show (``Opener.person``) or, ``to_change``,
    to change (``Opener.editable``). For one that holds nothing sealed no identity is read."""
    if not rules.holds_sealed(record):
        return record
    opener = Opener(snapshot)
    return opener.editable(record) if to_change else opener.person(record)


def open_source(snapshot: store.Snapshot, src: Record, *, to_change: bool = False) -> Record:
    """``open_person`` for a source of the registry."""
    if not src.get("sealed"):
        return src
    opener = Opener(snapshot)
    return opener.editable_source(src) if to_change else opener.source(src)


def withheld_error(what: str) -> CryptoError:
    return CryptoError(f"{what} is encrypted, and this user has no identity of a recipient "
                       f"({crypt.default_identity_path()} or ${crypt.IDENTITY_ENV}); see dossier keys")


# --- writing --------------------------------------------------------------------------------


class Sealer:
    """The store's seal hook for one transaction (see the module docstring)."""

    def __init__(self, tx: store.Transaction, to: list[str], opener: Opener | None = None, *,
                 fresh: bool = False) -> None:
        self.tx, self.to, self.fresh = tx, to, fresh  # fresh: never keep a stored ciphertext
        self._opener = opener
        self._sealed: dict[tuple[str, bytes], str] = {}  # (key or id, payload) -> its text
        self._copies: dict[tuple[str, bytes], list[Record]] = {}  # (key, evidence) -> encrypted
        self.replaced: list[str] = []  # evidence files this write replaced by encrypted ones
        self.missing: list[str] = []  # evidence files that could not be encrypted: not there

    @property
    def opener(self) -> Opener:
        if self._opener is None:
            self._opener = Opener(self.tx)
        return self._opener

    def __call__(self, section: str, record: Record) -> Record:
        return self.source(record) if section == "sources" else self.person(record)

    def person(self, record: Record) -> Record:
        pid = str(record.get("id"))
        sources = record.get("sources") or ()
        if any(s.get("confidential") or s.get("sealed") for s in sources):
            record = {**record, "sources": [self.source(s) for s in sources]}
        stored = self.tx.before("persons", pid)
        if record.get("sealed"):
            if record.get("narrative") != rules.WITHHELD:
                raise self._blind(f"{pid}: the narrative is encrypted; changing it")
            if not record.get("restricted") and not self.opener.can_read:
                raise self._blind(f"{pid}: the narrative is encrypted; making the person unrestricted")
            return record
        if (stored or {}).get("sealed") and not self.opener.can_read:
            raise self._blind(f"{pid}: the narrative is encrypted; replacing it")
        narrative = rules.sealable_narrative(record)
        if narrative is None:
            return record
        text = self._seal(("person", pid), {"narrative": narrative}, (stored or {}).get("sealed"))
        out: Record = {}
        for name, value in record.items():  # in the model's order: sealed follows restricted
            out[name] = rules.WITHHELD if name == "narrative" else value
            if name == "restricted":
                out["sealed"] = text
        out.setdefault("sealed", text)
        return out

    def source(self, src: Record) -> Record:
        key = str(src["key"])
        if src.get("sealed"):
            if any(src.get(f) not in (None, [], "") for f in rules.SEALED_SOURCE_FIELDS if f != "title") \
                    or src.get("title") != rules.WITHHELD:
                raise self._blind(f"source {key}: its content is encrypted; changing it")
            if not src.get("confidential") and not self.opener.can_read:
                raise self._blind(f"source {key}: its content is encrypted; making it not confidential")
            return src
        before = self.tx.before("sources", key)
        if (before or {}).get("sealed") and not self.opener.can_read:
            raise self._blind(f"source {key}: its content is encrypted; replacing it")
        if not src.get("confidential"):
            return src
        if self.fresh or any(not e.get("stored") for e in src.get("evidence") or ()):
            src = self._encrypted_copies(src)
        payload = rules.sealable_source(src)
        if payload is None:
            return src
        stored = self.tx.source(key)
        text = self._seal(("source", key), payload, (stored or {}).get("sealed"))
        out = dict(src)
        for name in rules.SEALED_SOURCE_FIELDS:
            if name in out:
                out[name] = [] if name == "evidence" else None
        out.pop("evidence", None)
        out["title"] = rules.WITHHELD
        out["sealed"] = text
        files = [e["stored"] for e in src.get("evidence") or () if e.get("stored")]
        if files:
            out["sealed_files"] = files
        return _in_order({k: v for k, v in out.items() if v is not None or k in src})

    def _encrypted_copies(self, src: Record) -> Record:
        """The source with its clear evidence copies stored encrypted (``fresh``: its encrypted
        ones encrypted anew too), once per write: the registry and every person carrying the
        source get the same files."""
        from dossier.api import evidence

        if self.tx.dry_run:
            return src  # nothing is written: no file either
        given = orjson.dumps(src.get("evidence"), option=orjson.OPT_SORT_KEYS)
        done = self._copies.get((src["key"], given))
        if done is None:
            done = self._copies[(src["key"], given)] = evidence.encrypt_copies(
                self.tx.path, src, self.to, self.replaced, self.opener if self.fresh else None,
                missing=self.missing)["evidence"]
        return {**src, "evidence": done}

    @staticmethod
    def _blind(what: str) -> CryptoError:
        return CryptoError(f"{what} needs an identity that can read it (see dossier keys); "
                           "nothing was written")

    def _seal(self, key: tuple[str, str], payload: Record, stored: str | None) -> str:
        packed = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)
        text = self._sealed.get((key[1], packed))
        if text is None:
            if stored and not self.fresh and self.opener.can_read and _same(self.opener, stored, packed, key):
                text = stored
            else:
                text = crypt.seal(payload, self.to)
            self._sealed[(key[1], packed)] = text
        return text


_SOURCE_ORDER = {name: i for i, name in enumerate((
    "key", "title", "publisher", "author", "url", "published", "accessed", "archive_url", "sha256",
    "kind", "confidential", "note", "evidence", "sealed", "sealed_files"))}


def _in_order(source: Record) -> Record:
    """A source's fields in the order of the model (the stored lines are the canonical dump)."""
    return dict(sorted(source.items(), key=lambda item: _SOURCE_ORDER.get(item[0], len(_SOURCE_ORDER))))


def _same(opener: Opener, stored: str, packed: bytes, key: tuple[str, str]) -> bool:
    try:
        old = opener.value(stored, what=f"{key[0]} {key[1]}")
    except CryptoError:
        return False  # not readable by this user: sealed anew, to the current recipients
    return orjson.dumps(old, option=orjson.OPT_SORT_KEYS) == packed


def install(tx: store.Transaction) -> None:
    """Seal in this transaction if the database's encryption is on."""
    to = recipients(tx)
    if to:
        tx.seal = Sealer(tx, to)


def written(tx: store.Transaction) -> None:
    """After the write: the evidence files it replaced by encrypted ones go."""
    if isinstance(tx.seal, Sealer) and tx.seal.replaced:
        from dossier.api import evidence

        evidence.discard(tx.path, tx.seal.replaced)


def sealed_entries(tx: store.Transaction, entries: list[Record]) -> tuple[list[Record], bool]:
    """This write's history entries, the values of confidential content sealed; and whether
    it touched confidential content (its command line is then kept without its values)."""
    to = recipients(tx) or getattr(tx.seal, "to", [])
    rotating = isinstance(tx.seal, Sealer) and tx.seal.fresh
    confidential = Confidential(tx, past=False)
    out, touched = [], False
    for entry in entries:
        if rotating and entry.get("op") == "changed" and all(
                c["path"] in ("sealed", "sealed_files") for c in entry.get("changes") or ()):
            continue  # the same content encrypted anew (keys rotate): the keys entry says so
        if confidential(entry):
            entry = seal_history_values(entry, to)
            touched = True
        out.append(entry)
    return out, touched


_GROUPS = ("sources", "keys")  # commands of two words


def elided(command: str) -> str:
    """A command line without its values: the command, the person or source it is about,
    then "…" (``sources add --title 'A witness' …`` would put the title in the history)."""
    import shlex

    try:
        words = shlex.split(command)
    except ValueError:  # unbalanced quotes: not a command line dossier wrote
        words = command.split(" ")
    if not words:
        return command
    keep = 2 if words[0] in _GROUPS else 1
    shown = words[:keep]
    rest = words[keep:]
    if rest and not rest[0].startswith("-"):
        shown.append(rest.pop(0))  # the REF or KEY
    if not rest:
        return command
    return shlex.join(shown) + " … (values withheld: confidential)"


class Confidential:
    """Which history entries are about confidential content: a source that is confidential,
    a person who is restricted; with ``past``, also one that was at any time (its history
    set the flag), or that is gone (removed, merged, renamed: what it held cannot be told
    any more, so it counts as confidential)."""

    def __init__(self, snapshot: store.Snapshot, *, past: bool = True) -> None:
        self.snapshot, self.past = snapshot, past
        self._flagged: set[tuple[str, str]] | None = None

    def __call__(self, entry: Mapping[str, Any]) -> bool:
        kind, key = str(entry.get("kind")), str(entry.get("id"))
        if kind == "keys":
            return False
        now = self.snapshot.source(key) if kind == "source" else self.snapshot.get(key)
        if now is None:
            return self.past or entry.get("op") == "removed"
        if now.get("confidential") or now.get("restricted") or now.get("sealed"):
            return True
        return self.past and (kind, key) in self.flagged()

    def flagged(self) -> set[tuple[str, str]]:
        if self._flagged is None:
            self._flagged = {
                (str(e.get("kind")), str(e.get("id"))) for e in self.snapshot.history()
                if any(c.get("path") in ("confidential", "restricted") and c.get("new") is True
                       for c in e.get("changes") or ())}
        return self._flagged


def newly_confidential(tx: store.Transaction) -> list[tuple[str, str]]:
    """The persons and sources this write made confidential (or restricted) that were not:
    their earlier history, and the ``.bak``, hold them in clear."""
    out = []
    for change in tx.changes:
        if change.old is None or change.new is None or change.section == "history":
            continue
        flag = "confidential" if change.section == "sources" else "restricted"
        if change.new.get(flag) and not (change.old.get(flag) or change.old.get("sealed")):
            out.append(("source" if change.section == "sources" else "person", change.key))
    return out


def reseal_past(tx: store.Transaction, which: list[tuple[str, str]]) -> None:
    """Seal the values (and shorten the command lines) of the earlier history of ``which``."""
    to, wanted = recipients(tx), set(which)
    entries = tx.history()
    commands = {e.get("command") for e in entries if (e.get("kind"), e.get("id")) in wanted}
    for entry in entries:
        new = seal_history_values(entry, to) if (entry.get("kind"), entry.get("id")) in wanted else entry
        if entry.get("command") in commands and elided(str(entry["command"])) != entry["command"]:
            new = {**new, "command": elided(str(entry["command"]))}
        if new is not entry:
            tx.put_history(new)


def seal_history_values(entry: Record, to: list[str], reseal: Callable[[str], str] | None = None) -> Record:
    """A history entry of a confidential source or restricted person with its clear values
    sealed (``{"path", "sealed"}``); with ``reseal``, its sealed values encrypted anew."""
    changes = entry.get("changes") or []
    out, touched = [], False
    for change in changes:
        if "sealed" in change and reseal is not None:
            change = {"path": change["path"], "sealed": reseal(change["sealed"])}
            touched = True
        elif change.get("path") == "sealed" and reseal is not None:
            change = {**change, **{k: reseal(change[k]) for k in ("old", "new") if change.get(k)}}
            touched = True
        elif ("sealed" not in change and change.get("path") != "sealed"
              and sensitive_path(entry, change["path"])):
            change = {"path": change["path"],
                      "sealed": crypt.seal({"old": change.get("old"), "new": change.get("new")}, to)}
            touched = True
        out.append(change)
    return {**entry, "changes": out} if touched else entry


def sensitive_path(entry: Mapping[str, Any], path: str) -> bool:
    """Whether a history change at ``path`` of this entry holds content that is sealed."""
    root = path.split(".", 1)[0].split("[", 1)[0]
    if entry.get("kind") == "source":
        return root in rules.SEALED_SOURCE_FIELDS
    return root == "narrative"
