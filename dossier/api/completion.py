"""What the shell completes from the database: person ids, tags, source keys.

Completion runs on every Tab press, so nothing here parses every record: ids
and source keys come from the store's sorted key lists (a regular expression
over the file, then a binary search for the prefix), tags from one regular
expression over the persons' stored lines. Only when few candidates are left
are their records read, to show a name or title beside each (zsh and fish
print it). A database that cannot be read completes nothing: completion must
never print an error into the command line being typed.

What is offered ends up in a shell's command line (zsh evaluates it), so
record text is kept plain: ids and keys are slugs, only tags made of letters,
digits and ``. _ + -`` are offered, and descriptions keep letters, digits,
spaces and ``. , - ( )``.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from dossier import store
from dossier.errors import DossierError

DESCRIBED = 40  # candidates shown with a description; above this, ids alone (each costs a lookup)

Candidate = tuple[str, str]  # (value, description)

# The tags array of a stored person line. Keys and strings are orjson's: inside a string
# every quote is escaped, so '"tags":[' only ever starts the tags field itself.
_TAGS = re.compile(rb'"tags":\[((?:[^\]"]|"(?:[^"\\]|\\.)*")*)\]')
_PLAIN_TAG = re.compile(r"[\w.+\u200c-]+")
_NOT_PLAIN = re.compile(r"[^\w .,()\u200c-]+")
HINT_MAX = 60


def _hint(text: str) -> str:
    """A description as plain words, cut to a short line."""
    words = " ".join(_NOT_PLAIN.sub(" ", text).split())
    return words if len(words) <= HINT_MAX else words[: HINT_MAX - 1].rstrip() + "…"


def _prefixed(keys: list[str], prefix: str) -> list[str]:
    """The keys (sorted) that start with ``prefix``, found by binary search."""
    out = []
    for key in keys[bisect_left(keys, prefix):]:
        if not key.startswith(prefix):
            break
        out.append(key)
    return out


def _described(keys: list[str], describe: Callable[[str], str]) -> list[Candidate]:
    if len(keys) > DESCRIBED:
        return [(k, "") for k in keys]
    return [(k, _hint(describe(k))) for k in keys]


def person_ids(db: Path, prefix: str) -> list[Candidate]:
    """Ids starting with ``prefix`` (ids are lowercase), each with the person's name."""
    return _keyed(db, prefix, store.Snapshot.ids, store.Snapshot.get, "name")


def source_keys(db: Path, prefix: str) -> list[Candidate]:
    """Source keys starting with ``prefix``, each with the source's title."""
    return _keyed(db, prefix, store.Snapshot.source_keys, store.Snapshot.source, "title")


def _keyed(db: Path, prefix: str, keys: Callable[[store.Snapshot], list[str]],
           record: Callable[[store.Snapshot, str], dict[str, Any] | None], field: str) -> list[Candidate]:
    try:
        snapshot = store.read(db)
        found = _prefixed(keys(snapshot), prefix.lower())
        return _described(found, lambda key: str((record(snapshot, key) or {}).get(field) or ""))
    except DossierError:
        return []


def tags(db: Path, prefix: str) -> list[Candidate]:
    """Tags in use starting with ``prefix``, each with the number of persons carrying it."""
    try:
        lines = store.read(db).persons_ndjson()
    except DossierError:
        return []
    counts: Counter[str] = Counter()
    for match in _TAGS.finditer(lines):
        if match.group(1):
            counts.update(orjson.loads(b"[" + match.group(1) + b"]"))
    found = sorted(tag for tag in counts if tag.startswith(prefix) and _PLAIN_TAG.fullmatch(tag))
    return [(tag, f"{counts[tag]} person{'s' * (counts[tag] != 1)}") for tag in found]
