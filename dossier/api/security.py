"""``dossier check --security``: what confidential content is still in clear, and why.

It reads the database, its ``.bak``, the evidence store and the folder beside
them; it decrypts nothing. Every finding names a place and the way to fix it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from dossier import crypt, store
from dossier.api import sealing
from dossier.api.checks import Finding
from dossier.errors import CryptoError, StorageError
from dossier.model import rules


@dataclass
class Audit:
    findings: list[Finding]
    recipients: int
    sealed: int  # sealed values in the database (sources and narratives)

    def summary(self) -> str:
        if not self.recipients:
            return "encryption is off (turn it on with: dossier keys init)"
        return (f"encryption is on: {self.recipients} recipient{'s' * (self.recipients != 1)}, "
                f"{self.sealed} sealed value{'s' * (self.sealed != 1)}")


def audit(db: Path) -> Audit:
    snapshot = store.read(db)
    on = bool(sealing.recipients(snapshot))
    findings, sealed = _records(db, snapshot, on)
    if on:
        findings += _history(snapshot)
        findings += _backup(db)
    findings += _leftovers(db)
    findings += _identity(snapshot, on)
    return Audit(findings, len(sealing.recipients(snapshot)), sealed)


def _records(db: Path, snapshot: store.Snapshot, on: bool) -> tuple[list[Finding], int]:
    out, sealed, clear = [], 0, 0
    for key, src in snapshot.sources().items():
        if src.get("sealed"):
            sealed += 1
        elif src.get("confidential"):
            clear += 1
            if on:
                out.append(Finding("S-CLEAR-SOURCE", key, "sealed", "confidential source stored in "
                                   "clear (a hand edit, an older dossier): fix with dossier keys rotate"))
        if src.get("confidential"):
            for entry in src.get("evidence") or ():
                if not entry.get("stored"):
                    out.append(Finding("S-CLEAR-EVIDENCE", key, "evidence",
                                       f"evidence {entry['sha256'][:12]}… is stored in clear"
                                       + (": fix with dossier keys rotate" if on else "")))
    for record in snapshot.all():
        if record.get("sealed"):
            sealed += 1
        elif rules.sealable_narrative(record):
            clear += 1
            if on:
                out.append(Finding("S-CLEAR-NARRATIVE", record["id"], "narrative",
                                   "restricted narrative stored in clear: fix with dossier keys rotate"))
    if sealed and not on:
        out.insert(0, Finding("S-NO-RECIPIENTS", "-", "", f"{sealed} encrypted value(s) but no recipients: "
                              "what is added now is stored in clear; import the folder's recipients.txt "
                              "or run dossier keys init"))
    if clear and not on:
        out.insert(0, Finding("S-ENCRYPTION-OFF", "-", "", f"{clear} confidential source(s) and restricted "
                              f"narrative(s) are stored in clear in {db}, its .bak, its exports and "
                              "history: turn encryption on with dossier keys init"))
    return out, sealed


def _history(snapshot: store.Snapshot) -> list[Finding]:
    out = []
    confidential = sealing.Confidential(snapshot)
    for entry in snapshot.history():
        if not confidential(entry):
            continue
        exposed = [c["path"] for c in entry.get("changes") or () if "sealed" not in c
                   and c.get("path") != "sealed" and sealing.sensitive_path(entry, c["path"])]
        command = str(entry.get("command", ""))
        if sealing.elided(command) != command and "(values withheld" not in command:
            exposed.append("command")
        if exposed:
            out.append(Finding("S-CLEAR-HISTORY", str(entry.get("id")), ", ".join(exposed),
                               f"history entry {entry.get('n')} holds {', '.join(exposed)} in clear: "
                               "fix with dossier keys rotate"))
    return out


def _backup(db: Path) -> list[Finding]:
    bak = store.backup_path(db)
    if not bak.exists():
        return []
    try:
        findings, _ = _records(bak, store.read(bak), True)
    except StorageError:
        return []
    if any(f.code in ("S-CLEAR-SOURCE", "S-CLEAR-NARRATIVE") for f in findings):
        return [Finding("S-CLEAR-BACKUP", "-", "", f"{bak} holds confidential content in clear: "
                        "remove it, or run dossier keys rotate (which replaces it)")]
    return []


def _leftovers(db: Path) -> list[Finding]:
    """Temp files of writes that were killed: a copy of the database, maybe from before encryption."""
    found: Iterable[Path] = db.parent.glob(f".{db.name}.*.tmp")
    return [Finding("S-LEFTOVER", "-", "", f"{path}: left by an interrupted write; remove it")
            for path in found]


def _identity(snapshot: store.Snapshot, on: bool) -> list[Finding]:
    try:
        identity = crypt.load_identity()
    except CryptoError as exc:  # (a key file not made yet matters only once encryption is on)
        if on or crypt.identity_path().exists():
            return [Finding("S-IDENTITY-BROKEN", "-", "", exc.message)]
        return []
    if identity is None:
        return []
    out = []
    origin = Path(identity.origin)
    if origin.is_file() and stat.S_IMODE(os.stat(origin).st_mode) & 0o077:
        out.append(Finding("S-IDENTITY-MODE", "-", "", f"{origin} can be read by others: chmod 600 {origin}"))
    listed = sealing.recipients(snapshot)
    if listed and identity.public not in listed:
        out.append(Finding("S-NOT-RECIPIENT", "-", "", f"your identity ({identity.public[:16]}…) is not a "
                           "recipient: ask a recipient to run dossier keys add with it"))
    return out

