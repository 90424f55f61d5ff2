"""The evidence store: captured copies of sources, named by their SHA-256.

``<db>.evidence/`` beside the database holds one file per captured copy, at
``ab/abcdef…`` (the SHA-256 of the bytes stored), written atomically and made
read-only. A source records each copy it has (``Source.evidence``): its SHA-256,
size, media type, original file name, when and by whom it was attached. The
copy of a confidential source is stored encrypted when the database's
encryption is on; its file is then named by the SHA-256 of the ciphertext
(``stored``), so ``verify`` checks it without any key, and age's authenticated
encryption guarantees that an intact ciphertext opens to the original bytes.

The store is a plain folder: a team shares it with rsync, a shared drive, or
git-annex / git LFS beside a git repository of ``records/``. Files are only
ever added; ``dossier`` removes a file only when it replaced it itself (a clear
copy it encrypted, a ciphertext it re-encrypted by ``keys rotate``, a damaged copy
``attach`` restored) and no source of this database refers to it any more.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dossier import crypt, store
from dossier.errors import NotFound, StorageError, UsageError
from dossier.model import rules

Record = dict[str, Any]


def folder(db: Path) -> Path:
    return db.with_name(db.name + ".evidence")


def path_of(db: Path, name: str) -> Path:
    return folder(db) / name[:2] / name


def sha256_of(data: bytes) -> str:
    import hashlib  # (here: every `check` imports this module, and most have no evidence to hash)

    return hashlib.sha256(data).hexdigest()


def put(db: Path, data: bytes) -> str:
    """Store ``data`` (unless an intact copy is there already); its name."""
    name = sha256_of(data)
    path = path_of(db, name)
    if path.exists() and _intact(path, name):
        return name
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    store.write_atomic(path, data, mode=0o444)
    return name


def read(db: Path, name: str) -> bytes:
    path = path_of(db, name)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"{path}: the evidence file is missing (see dossier sources verify)") from None
    except OSError as exc:
        raise StorageError(f"{path}: cannot read: {exc.strerror}") from None
    if sha256_of(data) != name:
        raise StorageError(f"{path}: the evidence file was altered (its SHA-256 no longer matches its name)")
    return data


def _intact(path: Path, name: str) -> bool:
    import hashlib

    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest() == name


def stored_names(source: Mapping[str, Any]) -> list[str]:
    """The files in the store that a stored source refers to."""
    if source.get("sealed"):
        return list(source.get("sealed_files") or ())
    return [e.get("stored") or e["sha256"] for e in source.get("evidence") or () if e.get("sha256")]


def with_copies(snapshot: store.Snapshot) -> list[Record]:
    """The sources that refer to files in the store (only their lines are parsed)."""
    return snapshot.sources_holding("evidence") + snapshot.sources_holding("sealed_files")


def referenced(snapshot: store.Snapshot) -> set[str]:
    return {name for src in with_copies(snapshot) for name in stored_names(src)}


def discard(db: Path, names: Iterable[str]) -> None:
    """Remove the files ``names`` that no source of the database refers to (see the docstring)."""
    names = set(names)
    if not names:
        return
    names -= referenced(store.read(db))
    for name in names:
        path = path_of(db, name)
        try:
            path.unlink()
            with contextlib.suppress(OSError):
                path.parent.rmdir()  # when it was the last of its prefix
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise StorageError(f"{path}: cannot remove the replaced copy: {exc.strerror}") from None


# --- encrypting copies -------------------------------------------------------------------------


def encrypt_copies(db: Path, source: Record, to: list[str], replaced: list[str],
                   opener: Any = None, missing: list[str] | None = None) -> Record:
    """A clear confidential source whose copies are all stored encrypted to ``to``.

    Clear copies are encrypted; with an ``opener`` (``keys rotate``) encrypted ones are
    re-encrypted too. The names of the files replaced are added to ``replaced``; a copy
    whose file is missing stays as it is, named in ``missing`` (``verify`` reports it).
    """
    out = []
    for entry in source.get("evidence") or ():
        entry = dict(entry)
        old = entry.get("stored")
        if old is None or opener is not None:
            try:
                data = read(db, old or entry["sha256"])
            except (NotFound, StorageError):
                if missing is not None:
                    missing.append(old or entry["sha256"])
                out.append(entry)
                continue
            if old is not None:
                data = crypt.decrypt(data, opener.identity, what=f"source {source['key']}: evidence")
        else:
            out.append(entry)
            continue
        entry["stored"] = put(db, crypt.encrypt(data, to, armored=False))
        replaced.append(old or entry["sha256"])
        out.append(entry)
    return {**source, "evidence": out}


# --- attach / verify / open ----------------------------------------------------------------------


@dataclass
class Attached:
    key: str
    added: list[Record] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    restored: list[tuple[str, str]] = field(default_factory=list)  # (file given, "missing"/"altered")
    encrypted: bool = False

    def summary(self) -> list[str]:
        how = " (stored encrypted)" if self.encrypted else ""
        lines = [f"attached {e['name']} to {self.key}: sha256 {e['sha256']}{how}" for e in self.added]
        lines += [f"{name}: restored the {problem} evidence copy of {self.key}{how}"
                  for name, problem in self.restored]
        lines += [f"{name}: already attached to {self.key}" for name in self.already]
        return lines


def attach(db: Path, key: str, files: Sequence[str | os.PathLike[str]]) -> Attached:
    """Store each file and record it on the source ``key`` (and every copy of it), in one write.

    A file the source records already is stored again when its copy in the store is missing
    or altered (what ``verify`` reports): attaching the original is how a copy is repaired.
    An encrypted copy is encrypted anew, so the source records its new file name, and the
    damaged file goes.
    """
    import mimetypes

    from dossier.api import sealing, sources, writing

    if not files:
        raise UsageError("give at least one FILE to attach")
    contents = []
    for given in files:
        path = Path(given)
        try:
            contents.append((path, path.read_bytes()))
        except OSError as exc:
            raise UsageError(f"{path}: cannot read: {exc.strerror}") from None
    report = Attached(key)
    with writing.transaction(db) as tx:
        src = tx.source(key)
        if src is None:
            raise NotFound(f"no source {key!r} (see `dossier sources list`)")
        src = sealing.open_source(tx, src, to_change=True)
        if src.get("sealed"):
            raise sealing.withheld_error(f"source {key}")
        evidence = list(src.get("evidence") or ())
        known = {e["sha256"] for e in evidence}
        to = sealing.recipients(tx)
        encrypt = bool(src.get("confidential") and to)
        by, when = writing.actor(), rules.now_stamp()
        replaced = []
        for path, data in contents:
            digest = sha256_of(data)
            if digest in known:
                i = next(i for i, e in enumerate(evidence) if e["sha256"] == digest)
                stored = evidence[i].get("stored") or digest
                problem = _damage(path_of(db, stored), stored)
                if problem is None:
                    report.already.append(path.name)
                    continue
                restored = {k: v for k, v in evidence[i].items() if k != "stored"}
                restored.update(_stored(db, data, digest, to if encrypt else None))
                if restored.get("stored") != evidence[i].get("stored"):
                    replaced.append(stored)
                evidence[i] = restored
                report.restored.append((path.name, problem))
                continue
            entry: Record = {"sha256": digest, "size": len(data),
                             "media_type": mimetypes.guess_type(path.name)[0] or "application/octet-stream",
                             "name": path.name, "attached": when, "attached_by": by,
                             **_stored(db, data, digest, to if encrypt else None)}
            evidence.append(entry)
            known.add(digest)
            report.added.append(entry)
        new = {**src, "evidence": evidence}
        if new.get("sha256") is None and evidence:
            new["sha256"] = evidence[0]["sha256"]
        sources.replace_everywhere(tx, key, new)
        report.encrypted = encrypt
    discard(db, replaced)
    return report


def _stored(db: Path, data: bytes, digest: str, to: list[str] | None) -> Record:
    """Put ``data`` in the store, encrypted to ``to`` when given: ``{"stored": name}`` when
    its file is named otherwise than ``digest`` (a ciphertext's), else nothing."""
    name = put(db, crypt.encrypt(data, to, armored=False)) if to else put(db, data)
    return {} if name == digest else {"stored": name}


def _damage(path: Path, name: str) -> str | None:
    """What is wrong with the stored copy ``name``: "missing", "altered", or None."""
    if not path.exists():
        return "missing"
    return None if _intact(path, name) else "altered"


@dataclass(frozen=True)
class Damage:
    key: str
    name: str
    problem: str  # "missing" or "altered"

    def __str__(self) -> str:
        return f"source {self.key}: evidence {self.name}: {self.problem}"


def verify(db: Path, keys: Sequence[str] = ()) -> tuple[int, list[Damage]]:
    """(files checked, the missing and altered ones) for the sources ``keys`` (default: all)."""
    snapshot = store.read(db)
    if keys:
        chosen = []
        for key in keys:
            src = snapshot.source(key)
            if src is None:
                raise NotFound(f"no source {key!r} (see `dossier sources list`)")
            chosen.append(src)
    else:
        chosen = with_copies(snapshot)
    checked, damage = 0, []
    for src in chosen:
        for name in stored_names(src):
            checked += 1
            problem = _damage(path_of(db, name), name)
            if problem is not None:
                damage.append(Damage(src["key"], name, problem))
    return checked, damage


def open_copy(db: Path, key: str, name: str | None = None) -> tuple[Record, bytes | Path]:
    """(the evidence entry, the file to open or, for an encrypted copy, its clear bytes)."""
    from dossier.api import sealing

    snapshot = store.read(db)
    src = snapshot.source(key)
    if src is None:
        raise NotFound(f"no source {key!r} (see `dossier sources list`)")
    opener = sealing.Opener(snapshot)
    if src.get("sealed"):
        src = opener.source(src)
        if src.get("sealed"):
            raise sealing.withheld_error(f"source {key}")
    evidence = list(src.get("evidence") or ())
    if not evidence:
        raise NotFound(f"source {key} has no evidence attached (see dossier sources attach)")
    if name is None and len(evidence) > 1:
        raise UsageError(f"source {key} has {len(evidence)} copies; name one with --file: "
                         + ", ".join(f"{e.get('name')} ({e['sha256'][:12]})" for e in evidence))
    chosen = [e for e in evidence if name is None or name in (e.get("name"), e["sha256"])
              or (len(name) >= 6 and e["sha256"].startswith(name))]
    if not chosen:
        raise NotFound(f"source {key} has no copy {name!r}")
    entry = chosen[0]
    if entry.get("stored"):
        data = crypt.decrypt(read(db, entry["stored"]), _identity(opener), what=f"source {key}: evidence")
        return entry, data
    read(db, entry["sha256"])  # missing or altered: say so rather than open it
    return entry, path_of(db, entry["sha256"])


def _identity(opener: Any) -> crypt.Identity:
    from dossier.api import sealing

    if opener.identity is None:
        raise sealing.withheld_error("the evidence copy")
    identity: crypt.Identity = opener.identity
    return identity
