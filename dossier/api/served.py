"""Where and when a person served: the ``--served-at TEXT`` / ``--in DATE`` filter of ``list``,
``search`` and ``export``.

A post (the 1988 role, the current post, a career post) matches TEXT when every
word of TEXT, folded as names are (``dossier.names.fold_words``, either script),
begins a folded word of the post's title, organization or place. Words written
apart are also met joined (``Gohar Dasht`` and ``Gohardasht``). With ``--in`` the
post must also cover a day of that period (``dossier.model.rules.post_covers``);
``--in`` without ``--served-at`` means any post.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from dossier.errors import UsageError
from dossier.model import rules
from dossier.names import Hit

Record = dict[str, Any]
POST_TEXT = ("title", "organization", "place")


@dataclass(frozen=True)
class Served:
    """A post that matched: where it is in the record, and what it is."""

    path: str  # role_1988, current_post, posts[2]
    post: str  # Title (Organization, Place)

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "post": self.post}


@dataclass(frozen=True)
class ServedHit(Hit):
    """A search hit with the posts that matched ``--served-at``/``--in``."""

    served: tuple[Served, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "served": [s.as_dict() for s in self.served]}


@dataclass(frozen=True)
class ServedFilter:
    """The posts a person must hold one of: ``words`` (folded; none: any text) in ``when``
    (None: at any time, dated or not)."""

    words: tuple[str, ...]
    joined: str
    when: rules.Period | None
    today: date
    said: str = ""  # the options as given, for messages: served at 'Evin', in 1988

    def matches(self, record: Record) -> list[Served]:
        """The posts of ``record`` that match, in display order (none: the person is left out)."""
        out = []
        for path, post in rules.posts(record):
            if self.words and not self._text_matches(post):
                continue
            if self.when is not None and not rules.post_covers(path, post, self.when, self.today):
                continue
            out.append(Served(path, rules.post_summary(post)))
        return out

    def select(self, records: list[Record]) -> list[tuple[Record, list[Served]]]:
        return [(r, served) for r in records if (served := self.matches(r))]

    def _text_matches(self, post: Record) -> bool:
        words: set[str] = set()
        for key in POST_TEXT:
            text = post.get(key)
            if isinstance(text, str) and text:
                words |= post_words(text)
        if all(any(w.startswith(q) for w in words) for q in self.words):
            return True
        return len(self.words) > 1 and any(w.startswith(self.joined) for w in words)


def served_filter(served_at: str | None, served_in: str | None, *,
                  today: date | None = None) -> ServedFilter | None:
    """The filter of ``--served-at``/``--in``; None when neither is given.

    ``--in`` takes ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; a bad date, or a TEXT with
    nothing to match once folded (only spaces or punctuation), is a usage error (exit 2).
    """
    from dossier import names

    if served_at is None and served_in is None:
        return None
    when = rules.parse_period(served_in, "--in")
    words: tuple[str, ...] = ()
    if served_at is not None:
        words = names.fold_words(served_at)
        if not words:
            raise UsageError(f"--served-at: nothing to match in {served_at!r}: give a word of a post's "
                             "title, organization or place")
    said = ", ".join(([f"served at {served_at!r}"] if served_at is not None else [])
                     + ([f"in {served_in.strip()}"] if served_in is not None else []))
    return ServedFilter(words, names.match_key(served_at or ""), when, rules.today(today), said)


@lru_cache(maxsize=16384)
def post_words(text: str) -> frozenset[str]:
    """The folded words of one field of a post, to match TEXT against: those of the whole
    field, of each word and of each two neighbouring words (so an honorific, which folding
    sets aside in a longer text, is still a word: ``Ayatollah``), and each word and pair of
    words joined (``Gohar Dasht`` is also ``gohardasht``)."""
    from dossier import names

    chunks = text.split()
    words = set(names.fold_words(text))
    for i, chunk in enumerate(chunks):
        for part in (chunk, f"{chunks[i - 1]} {chunk}" if i else ""):
            if part:
                words.update(names.fold_words(part))
                words.add(names.match_key(part))
    words.discard("")
    return frozenset(words)
