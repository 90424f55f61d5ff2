"""Encryption at rest with age (through pyrage): identities, recipients, sealed text.

Nothing here is hand-written cryptography: age (X25519 recipients, ChaCha20-
Poly1305 payloads) does it all, and its ASCII armor is what the database
holds, so a sealed value can also be read with the ``age`` tool itself::

    age -d -i ~/.config/dossier/identity.txt  <<< "-----BEGIN AGE ENCRYPTED FILE-----…"

The identity (a secret key) of a user is the file ``$DOSSIER_IDENTITY`` names
(or the key itself, when the variable holds an ``AGE-SECRET-KEY-…`` line) or
else ``identity.txt`` in the user's config folder (``dossier keys path``). It
never enters the database; the database holds only public keys (recipients).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from dossier.errors import CryptoError, NotRecipient, UsageError

IDENTITY_ENV = "DOSSIER_IDENTITY"

_SECRET_PREFIX = "AGE-SECRET-KEY-1"
_PUBLIC_PREFIX = "age1"


def default_identity_path() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir("dossier", appauthor=False)) / "identity.txt"


@dataclass(frozen=True)
class Identity:
    """A user's secret key, where it came from, and its public key (the recipient)."""

    secret: Any  # pyrage.x25519.Identity
    origin: str
    public: str


def _parse_identity(text: str, origin: str) -> Identity:
    from pyrage import IdentityError, x25519

    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines or not lines[0].startswith(_SECRET_PREFIX):
        raise CryptoError(f"{origin}: not an age identity (expected a line AGE-SECRET-KEY-1…)")
    try:
        secret = x25519.Identity.from_str(lines[0])
    except IdentityError:
        raise CryptoError(f"{origin}: the age identity is damaged (not a valid AGE-SECRET-KEY)") from None
    return Identity(secret, origin, str(secret.to_public()))


def identity_path() -> Path:
    """Where this user's identity is: the file ``$DOSSIER_IDENTITY`` names, or the default."""
    given = os.environ.get(IDENTITY_ENV, "").strip()
    return Path(given).expanduser() if given else default_identity_path()


def load_identity(*, required: bool = False, missing_ok: bool = False) -> Identity | None:
    """The identity of this user, or None when there is none (and none is ``required``).

    A ``$DOSSIER_IDENTITY`` that names a missing or unreadable file is an error
    even when not required (the user asked for that key), unless ``missing_ok``
    (``keys init`` creates it there).
    """
    given = os.environ.get(IDENTITY_ENV, "").strip()
    if given.startswith(_SECRET_PREFIX):
        return _parse_identity(given, f"${IDENTITY_ENV}")
    path = identity_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if (given and not missing_ok) or required:
            how = f"${IDENTITY_ENV} names {path}, which" if given else f"{path}"
            raise CryptoError(f"{how} does not exist; create an identity with: dossier keys init") from None
        return None
    except (OSError, UnicodeDecodeError) as exc:
        why = getattr(exc, "strerror", None) or "not a text file"
        raise CryptoError(f"{path}: cannot read the identity: {why}") from None
    return _parse_identity(text, str(path))


def create_identity(path: Path) -> Identity:
    """Write a new identity to ``path`` (mode 0600, never over an existing file)."""
    from pyrage import x25519

    from dossier.model.rules import now_stamp

    secret = x25519.Identity.generate()
    public = str(secret.to_public())
    text = f"# created: {now_stamp()}\n# public key: {public}\n{secret}\n"
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise UsageError(f"{path} exists already; an identity is never overwritten "
                         "(what it encrypted would be lost)") from None
    except OSError as exc:
        raise CryptoError(f"{path}: cannot write the identity: {exc.strerror}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    return Identity(secret, str(path), public)


def check_recipient(text: str) -> str:
    """A public key as given (``age1…``), checked; UsageError otherwise."""
    from pyrage import RecipientError, x25519

    text = text.strip()
    if not text.startswith(_PUBLIC_PREFIX):
        raise UsageError(f"not an age public key: {text[:20]!r} (expected age1…)")
    try:
        x25519.Recipient.from_str(text)
    except RecipientError:
        raise UsageError(f"not a valid age public key: {text[:20]!r}…") from None
    return text


@cache
def _recipient(text: str) -> Any:
    from pyrage import x25519

    return x25519.Recipient.from_str(text)


def encrypt(data: bytes, recipients: list[str], *, armored: bool = True) -> bytes:
    """``data`` encrypted to every recipient (each can decrypt it alone)."""
    import pyrage

    if not recipients:
        raise CryptoError("no recipients to encrypt to; add one with: dossier keys add")
    return bytes(pyrage.encrypt(data, [_recipient(r) for r in recipients], armored=armored))


def decrypt(data: bytes, identity: Identity, *, what: str) -> bytes:
    """The plaintext of ``data``; ``CryptoError`` naming ``what`` when it cannot be had.

    The message never contains any part of the ciphertext or the plaintext.
    """
    import pyrage

    try:
        return bytes(pyrage.decrypt(data, [identity.secret]))
    except pyrage.DecryptError as exc:
        reason = str(exc).strip().split("\n")[0]
        if "No matching keys" in reason:
            raise NotRecipient(f"{what}: not encrypted to the identity in {identity.origin} "
                              f"({identity.public[:16]}…); ask a recipient to add it and rotate") from None
        raise CryptoError(f"{what}: the encrypted content is damaged and cannot be read ({reason})") from None


def seal(value: Any, recipients: list[str]) -> str:
    """A JSON value as an armored age text."""
    import orjson

    return encrypt(orjson.dumps(value, option=orjson.OPT_SORT_KEYS), recipients).decode("ascii")


def unseal(sealed: str, identity: Identity, *, what: str) -> Any:
    import orjson

    plain = decrypt(sealed.encode("ascii", "replace"), identity, what=what)
    try:
        return orjson.loads(plain)
    except orjson.JSONDecodeError:
        raise CryptoError(f"{what}: the decrypted content is not what dossier sealed") from None
