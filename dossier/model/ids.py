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
    """'Ebrahim Raisi' -> 'ebrahim-raisi'; Persian script is transliterated letter by letter.

    Kept exactly as it always was, for every input: ids derived by an earlier
    import must come out the same when the same file is imported again.
    ``names.readable_slug`` is the variant that romanises Persian script with vowels.
    """
    from anyascii import anyascii

    slug = shorten(_NON_ALNUM.sub("-", anyascii(name).lower()).strip("-"), SLUG_MAX)
    if not slug:
        return "person"
    return f"{slug}-person" if slug in RESERVED_IDS else slug


def shorten(slug: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a hyphen when there is one."""
    if len(slug) <= limit:
        return slug
    return slug[:limit].rsplit("-", 1)[0] if "-" in slug[:limit] else slug[:limit]


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


