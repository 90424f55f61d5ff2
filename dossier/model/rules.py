"""The record rules: every judgement the commands make about stored records, once.

A *stored record* is the dict the store holds and ``export`` writes: the
canonical dump of a valid ``Person``. The rules take those dicts, never
Pydantic models, so the commands that only read (``list``, ``export``,
``search``, ``check``) need not import Pydantic; and they tolerate a field of
the wrong type, because ``check`` applies them to hand-edited files.

Here, and nowhere else:

* what "changed" compares (``content``) and how a timestamp is written (``stamp``);
* partial dates: the last day one can mean, "before", calendar months;
* "today": the ``--today`` value or the current UTC date, the same for every
  command that judges staleness;
* when a current post is stale (``staleness``), counted in calendar months;
* the days a post covers (``post_span``, ``post_covers``: ``list --served-at … --in``);
* the claims of a record (``claims``) and what they cite;
* source keys: deriving one, the database-wide index, and clashes;
* redaction for public output (``publishable``);
* what encryption at rest seals (``SEALED_SOURCE_FIELDS``, ``sealed_payload``).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Container, Iterable, Mapping
from datetime import UTC, date, datetime
from functools import cache, lru_cache
from typing import Any, Literal, TypeVar

import orjson

from dossier.errors import UsageError
from dossier.model.ids import slugify, unique_id

TIMESTAMPS = ("created", "updated")
PERSON_DATES = ("born", "died")  # the partial-date fields of a person
POST_DATES = ("start", "end", "as_of")  # and of a post
PERSON_FIELDS = frozenset({
    "id", "name", "native_name", "aliases", "status", "born", "died", "role_1988", "current_post",
    "posts", "associates", "narrative", "tags", "sources", "restricted", "merged_ids", "distinct_from",
    "created", "updated", "dates_as_written",
})
"""Every field of a stored person (the record model's; tests/test_rules.py keeps them equal):
a record written by an older version may lack one."""
STALE_MONTHS = 24
"""A current post last confirmed more than this many calendar months ago is stale."""

Record = Mapping[str, Any]


# --- change and time ----------------------------------------------------------------


def content(record: Record) -> dict[str, Any]:
    """A stored record without the timestamps the tool sets: what "changed" compares."""
    return {k: v for k, v in record.items() if k not in TIMESTAMPS}


def own_content(record: Record) -> dict[str, Any]:
    """What a person's ``updated`` and history answer for: the record without the tool's
    timestamps, its sources by key only (editing a source changes the source, not the
    persons who cite it)."""
    out = content(record)
    if "sources" in out:
        out["sources"] = [s.get("key") if isinstance(s, Mapping) else s for s in out["sources"] or ()]
    return out


def now_utc() -> datetime:
    """The time of a change: UTC, to the second (what ``created``/``updated`` hold)."""
    return datetime.now(UTC).replace(microsecond=0)


def stamp(moment: datetime) -> str:
    """A timestamp as stored and shown: ``2026-11-23T08:00:00Z``."""
    return moment.isoformat().replace("+00:00", "Z")


def now_stamp() -> str:
    return stamp(now_utc())


# --- partial dates --------------------------------------------------------------------

DATE_FORMS = "YYYY, YYYY-MM or YYYY-MM-DD (or Solar Hijri SH1367, SH1367-05, SH1367-05-07)"
_DATE_PARTS = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
# A subset of what check_partial_date accepts, tried first because it is cheap.
_EASY_DATE = re.compile(r"(?!0000)[0-9]{4}(?:-(?:0[1-9]|1[0-2]))?")


def check_partial_date(value: str) -> str:
    """Validate a Gregorian partial ISO date and return it unchanged (never padded)."""
    if _EASY_DATE.fullmatch(value):
        return value  # YYYY or YYYY-MM: valid by its shape alone (most dates of a bulk import)
    m = _DATE_PARTS.fullmatch(value)
    if not m:
        raise ValueError(f"not a date {value!r}: accepted forms are {DATE_FORMS}")
    year, month, day = (int(g) if g else None for g in m.groups())
    if year == 0:
        raise ValueError(f"not a date {value!r}: year 0000 does not exist")
    if month is not None and not 1 <= month <= 12:
        raise ValueError(f"not a date {value!r}: month {month} is not 01-12")
    if day is not None and not 1 <= day <= calendar.monthrange(year, month)[1]:  # type: ignore[arg-type]
        raise ValueError(f"not a date {value!r}: {year:04d}-{month:02d} has no day {day}")
    return value


def written_as(holder: Mapping[str, Any], field: str) -> str | None:
    """The Solar Hijri text a date of a person or a post was entered as, if any."""
    written = holder.get("dates_as_written")
    text = written.get(field) if isinstance(written, dict) else None
    return text if isinstance(text, str) else None


def date_text(holder: Mapping[str, Any], field: str) -> str:
    """A date as stored, then the Solar Hijri text it was entered as: ``1988-07-29
    (SH1367-05-07)``; '' when there is none."""
    value = str(holder.get(field) or "")
    written = written_as(holder, field)
    return f"{value} ({written})" if value and written else value


def partial(value: Any) -> str | None:
    """``value`` if it is a partial ISO date (``check_partial_date``), else None (a
    hand-edited field: ``2017-13`` has the shape, not the meaning)."""
    return value if isinstance(value, str) and _is_partial_date(value) else None


@lru_cache(maxsize=65536)
def _is_partial_date(value: str) -> bool:
    try:
        check_partial_date(value)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=65536)  # check asks it of every current post; few distinct dates recur
def latest_day(value: str) -> date:
    """The last day a valid partial date can mean: 2017 -> 2017-12-31, 2017-07 -> 2017-07-31."""
    parts = [int(p) for p in value.split("-")]
    year = parts[0]
    month = parts[1] if len(parts) > 1 else 12
    day = parts[2] if len(parts) > 2 else calendar.monthrange(year, month)[1]
    return date(year, month, day)


def before(a: str, b: str) -> bool:
    """Every day partial date ``a`` can mean is before every day of ``b`` (ISO text order)."""
    n = min(len(a), len(b))
    return a[:n] < b[:n]


@cache
def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (the month's last day if it is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_between(earlier: date, later: date) -> int:
    """Whole calendar months from ``earlier`` to ``later``."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - (later.day < earlier.day)


def earliest_day(value: str) -> date:
    """The first day a valid partial date can mean: 2017 -> 2017-01-01, 2017-07 -> 2017-07-01."""
    parts = [int(p) for p in value.split("-")]
    return date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


Period = tuple[date, date]
"""The first and the last day of a span of days, both included."""


def period_of(value: str) -> Period:
    """Every day a valid partial date can mean: 1988 -> (1988-01-01, 1988-12-31)."""
    return earliest_day(value), latest_day(value)


def parse_period(text: str | None, option: str = "--in") -> Period | None:
    """A ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` option value (or a Solar Hijri one) as the days
    it means; None when not given."""
    if text is None:
        return None
    from dossier.model import jalali

    if jalali.is_solar_hijri(text):
        try:
            return jalali.solar_hijri_period(text)
        except ValueError as exc:
            raise UsageError(f"{option}: {exc}") from None
    value = partial(text.strip())
    if value is None:
        raise UsageError(f"{option}: not a date {text!r}: use YYYY, YYYY-MM or YYYY-MM-DD "
                         "(or Solar Hijri SH1367, SH1367-05, SH1367-05-07)")
    return period_of(value)


# --- today ------------------------------------------------------------------------------


def today(given: date | None = None) -> date:
    """The reference day of every staleness judgement: ``--today``, else the current UTC date."""
    return given if given is not None else datetime.now(UTC).date()


def parse_day(text: str | None, option: str = "--today") -> date | None:
    """A ``YYYY-MM-DD`` option value; None when not given."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option}: not a date {text!r}: use YYYY-MM-DD") from None


# --- staleness ----------------------------------------------------------------------------

Staleness = Literal["undated", "stale"]


def staleness(post: Any, day: date, months: int = STALE_MONTHS) -> Staleness | None:
    """Why a current post needs confirming, or None if it does not.

    ``undated``: no ``as_of`` says when it was last confirmed; ``stale``: the last
    day its ``as_of`` can mean lies more than ``months`` calendar months before
    ``day`` (as_of 2020-02-29 is still fresh on 2022-02-28, stale on 2022-03-01).
    """
    if not isinstance(post, Mapping):
        return None
    as_of = post.get("as_of")
    if as_of is None:
        return "undated"
    as_of = partial(as_of)
    if as_of is not None and latest_day(as_of) < months_before(day, months):
        return "stale"
    return None


def months_phrase(months: int) -> str:
    """``24`` -> "2 years", ``18`` -> "18 months"."""
    if months % 12 == 0:
        years = months // 12
        return f"{years} year{'s' * (years != 1)}"
    return f"{months} month{'s' * (months != 1)}"


# --- claims -------------------------------------------------------------------------------


class StoredSource(dict[str, Any]):
    """A source as the database (or a folder's ``sources/``, once read) holds it, put into a
    record that cites it by key: its dates are Gregorian already, and are not read again in the
    calendar of the record's input (``--calendar jalali``)."""


_SOURCES_START, _SOURCES_END = b'],"sources":[', b'],"restricted":'


def sources_of_line(line: bytes) -> list[dict[str, Any]]:
    """The sources of a person's canonical line (``person.stored_line``), parsed alone: a
    quarter of the line, for an import that looks at nothing else of 10,000 of them. In that
    line the person's sources follow its tags (an array; a post's or a link's sources follow
    a text or null) and precede ``restricted``, and a quote inside a text is escaped: the two
    markers occur nowhere else (a test holds the result equal to the whole line's)."""
    start = line.find(_SOURCES_START)
    end = line.find(_SOURCES_END, start)
    if start < 0 or end < 0:
        found: list[dict[str, Any]] = orjson.loads(line).get("sources", [])
        return found
    sources: list[dict[str, Any]] = orjson.loads(line[start + len(_SOURCES_START) - 1:end + 1])
    return sources


def claims(record: Record) -> list[tuple[str, dict[str, Any]]]:
    """(field path, claim) of a record in display order: ``role_1988``, ``current_post``,
    ``posts[i]``, ``associates[i]``. Fields of the wrong type are passed over."""
    out = [(key, record[key]) for key in ("role_1988", "current_post") if isinstance(record.get(key), dict)]
    for field in ("posts", "associates"):
        items = record.get(field)
        if isinstance(items, list):
            out += [(f"{field}[{i}]", c) for i, c in enumerate(items) if isinstance(c, dict)]
    return out


# --- where and when a post was held -------------------------------------------------------

YEAR_1988: Period = (date(1988, 1, 1), date(1988, 12, 31))


def post_span(path: str, post: Any, day: date) -> Period | None:
    """The days a post covers; None when nothing places it in time.

    It runs from the first day its ``start`` can mean to the last day its ``end``
    can mean (``start: 1988`` begins on 1988-01-01, ``end: 1987-12`` ends on
    1987-12-31). A missing bound is taken from its other dates, nothing more is
    assumed: a career post with only ``start: 1985`` covers 1985, not the years
    after it (an ``end`` or an ``as_of`` says how long it lasted). The days it is
    recorded as held are always covered: its ``as_of``; 1988 for the 1988 role
    (``path`` ``role_1988``), whatever its dates say; ``day`` ("today") for the
    current post (``current_post``), held now. A date of the wrong shape (a
    hand-edited file) is passed over.
    """
    if not isinstance(post, Mapping):
        return None
    start, end, as_of = (date_period(post, f) for f in POST_DATES)
    held = [as_of] if as_of else []
    if path == "role_1988":
        held.append(YEAR_1988)
    elif path == "current_post":
        held.append((day, day))
    bounds = [d for d in (start, end) if d]
    if not held and not bounds:
        return None
    first = start[0] if start else min(s[0] for s in bounds + held)
    last = end[1] if end else max(s[1] for s in bounds + held)
    return min([first, *(s[0] for s in held)]), max([last, *(s[1] for s in held)])


def date_period(post: Mapping[str, Any], field: str) -> Period | None:
    """The days a date of a post means: those of the Solar Hijri text it was entered as, when
    it was (SH1367-06, Shahrivar, is 1988-08-23 to 1988-09-22: its partial date 1988-08
    alone would miss September), else those of its partial date."""
    value = partial(post.get(field))
    if value is None:
        return None
    written = post.get("dates_as_written")
    text = written.get(field) if isinstance(written, Mapping) else None
    if isinstance(text, str):
        from dossier.model import jalali

        try:
            # (Solar Hijri with or without "SH": entered with --calendar jalali, say)
            if jalali.solar_hijri_to_partial(text, jalali=True) == value:  # (else a hand edit)
                return jalali.solar_hijri_period(text, jalali=True)
        except ValueError:
            pass
    return period_of(value)


def post_covers(path: str, post: Any, when: Period, day: date) -> bool:
    """Whether a post was held on some day of ``when`` (``post_span`` overlaps it):
    ``--in 1988`` is any day of 1988, so a post ending 1987-12 does not cover it and
    one starting 1988-12-31 does."""
    span = post_span(path, post, day)
    return span is not None and span[0] <= when[1] and when[0] <= span[1]


def posts(record: Record) -> list[tuple[str, dict[str, Any]]]:
    """(field path, post) of every post of a record: the 1988 role, the current post, the career."""
    return [(path, claim) for path, claim in claims(record) if not path.startswith("associates")]


def post_summary(post: Record | None) -> str:
    """A post in one line, as listings name it: ``Title (Organization, Place)``."""
    if not post:
        return ""
    where = ", ".join(p for p in (post.get("organization"), post.get("place")) if p)
    return f"{post.get('title') or ''} ({where})" if where else post.get("title") or ""


def distinct_note(record: Record, other_id: str) -> str | None:
    """The note on why ``record`` was judged a different person from ``other_id`` ("" without
    one); None when no such judgement was made."""
    for judged in record.get("distinct_from") or ():
        if isinstance(judged, Mapping) and judged.get("id") == other_id:
            return str(judged.get("note") or "")
    return None


def cited_keys(claim: Record) -> list[Any]:
    keys = claim.get("sources")
    return keys if isinstance(keys, list) else []


# --- source keys ------------------------------------------------------------------------------

SourceIndex = dict[str, tuple[dict[str, Any], str]]
"""Source key -> (its content, the first person carrying it)."""


def source_index(records: Iterable[Record]) -> SourceIndex:
    index: SourceIndex = {}
    for record in records:
        for src in record.get("sources") or ():
            index.setdefault(src["key"], (src, record["id"]))
    return index


def source_clashes(record: Record, index: SourceIndex) -> list[str]:
    """Keys of ``record`` that the database already holds with other content (a key is one source)."""
    clashes = []
    for src in record.get("sources") or ():
        known = index.get(src["key"])
        if known and known[0] != src and known[1] != record["id"]:
            clashes.append(f"source {src['key']!r} differs from the one cited by {known[1]}")
    return clashes


def source_key(source: Record, known: Iterable[Record], taken: Container[str], *,
               base: str | None = None) -> str:
    """The key of a source given without one: the key of a ``known`` source with the same
    title and URL (it is that source), else ``base`` (default: the title as a slug) made
    unique against the keys ``taken``. ``names.source_key_base`` gives a readable base for
    a Persian title. ``known`` may be just the sources with this URL (or title)."""
    for other in known:
        if other.get("title") == source.get("title") and other.get("url") == source.get("url"):
            return str(other["key"])
    if base is None:
        base = slugify(str(source["title"]))[:60].rstrip("-") or "source"
    return unique_id(base, taken)


def url_source(url: str) -> dict[str, Any]:
    """A source for a bare URL (a CSV ``source_urls`` cell); the key depends only on the URL,
    so re-importing the same file gives the same key."""
    import hashlib
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    base = slugify(f"{parts.hostname or ''} {parts.path}")[:50].rstrip("-") or "url"
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:8]
    return {"key": f"{base}-{digest}", "title": url, "url": url}


# --- redaction ----------------------------------------------------------------------------


def publishable(record: Record, *, redact: bool = True) -> tuple[dict[str, dict[str, Any]], set[str]]:
    """(key -> source that may be shown, keys withheld) of one record.

    Redacted (the default of every publication), a confidential source is
    withheld: a claim may say that it has one, never what it is.
    """
    shown, withheld = {}, set()
    for src in record.get("sources") or ():
        if redact and src.get("confidential"):
            withheld.add(src["key"])
        else:
            shown[src["key"]] = src
    return shown, withheld


AnyRecord = TypeVar("AnyRecord", bound=Record)


def published(records: Iterable[AnyRecord], *, redact: bool = True) -> list[AnyRecord]:
    """The records a publication shows: redacted, restricted persons are left out."""
    return [r for r in records if not (redact and r.get("restricted"))]


# --- encryption at rest ----------------------------------------------------------------------

WITHHELD = "withheld (encrypted)"
"""What a sealed title or narrative reads as without an identity that can decrypt it."""
ARMOR_BEGIN = "-----BEGIN AGE ENCRYPTED FILE-----"
SEALED_SOURCE_FIELDS = ("title", "author", "url", "note", "archive_url", "sha256", "evidence")
"""The content of a confidential source that is stored encrypted; its key, kind,
publisher and dates stay readable so that every command can still cite, sort and
check it. (A key is chosen by the user: give a confidential source a key that
names nothing, as ``dossier`` does when it derives one.)"""


def sealable_source(source: Record) -> dict[str, Any] | None:
    """The content to seal of a confidential source given in clear, else None."""
    if not source.get("confidential") or source.get("sealed"):
        return None
    return {f: source[f] for f in SEALED_SOURCE_FIELDS if source.get(f) not in (None, [], "")}


def sealable_narrative(record: Record) -> str | None:
    """The narrative to seal of a restricted person given in clear, else None."""
    if not record.get("restricted") or record.get("sealed"):
        return None
    return str(record.get("narrative") or "") or None


def holds_sealed(record: Record) -> bool:
    """A person with a sealed narrative or a sealed source."""
    return bool(record.get("sealed")) or any(s.get("sealed") for s in record.get("sources") or ())
