"""What a person id (and a source key) may be: a slug that is also a safe file name."""

from __future__ import annotations

import re
from collections.abc import Container

SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SLUG_MAX = 80
# Ids become file names: not the Windows device names, nor the site's own pages.
RESERVED_IDS = frozenset(
    ["con", "prn", "aux", "nul", "index", "sources", "changes"]
    + [f"{p}{n}" for p in ("com", "lpt") for n in range(1, 10)]
)

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def slugify(name: str) -> str:
    """'Ebrahim Raisi' -> 'ebrahim-raisi'; Persian script is transliterated first."""
    from anyascii import anyascii

    slug = _NON_ALNUM.sub("-", anyascii(name).lower()).strip("-")
    if len(slug) > SLUG_MAX:
        slug = slug[:SLUG_MAX].rsplit("-", 1)[0] if "-" in slug[:SLUG_MAX] else slug[:SLUG_MAX]
    if not slug:
        return "person"
    return f"{slug}-person" if slug in RESERVED_IDS else slug


def unique_id(base: str, taken: Container[str]) -> str:
    """``base`` if free, else ``base-2``, ``base-3``… (shortened to stay a valid id)."""
    if base not in taken:
        return base
    n = 2
    while True:
        suffix = f"-{n}"
        candidate = base[: SLUG_MAX - len(suffix)].rstrip("-") + suffix
        if candidate not in taken:
            return candidate
        n += 1


