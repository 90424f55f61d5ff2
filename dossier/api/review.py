"""Stale-claim review: walk the current posts not confirmed for N months.

A current post is *stale* when its ``as_of`` is missing, or when the last day
that ``as_of`` can mean (``2017`` -> 2017-12-31, as ``check`` and ``profiles``
read it) lies more than N months before today. The walk shows each stale post
with the sources it cites and asks what to do; every answer that changes the
record is its own small transaction, so quitting half-way keeps what was done:

* ``c`` confirm: the person still holds the post, and a source shows it (an
  existing key, or a URL and title that become a new source): the post cites
  it and ``as_of`` becomes the date it confirms (default: the source's
  published, else accessed, date). No evidence, no confirmation;
* ``e`` edit: new title / organization / cited sources, and ``as_of`` only if
  given; if it is a *new* post, the old one moves to the career (``posts``);
* ``l`` left: the person no longer holds it: the end date and its source are
  asked, the post moves to the career and the current post becomes unknown;
* ``o`` open the whole record in ``$EDITOR`` (the ``edit`` loop);
* ``s`` skip, ``q`` quit.

The questions go through an injected ``ask`` and the display through ``say``,
so tests drive the walk with scripted answers; the CLI passes Rich prompts.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from dossier import store
from dossier.api import writing
from dossier.errors import InvalidInput, NotFound, Problem
from dossier.model import rules

DEFAULT_MONTHS = rules.STALE_MONTHS

Ask = Callable[[str, Sequence[str] | None, str], str]
Say = Callable[[Sequence[str]], None]


@dataclass
class Stale:
    id: str
    name: str
    post: dict[str, Any]
    as_of: str | None
    months: int | None              # full months since as_of's last day; None if no as_of
    sources: list[dict[str, Any]]   # the sources the post cites (key, title, url, confidential)
    died: str | None = None         # the death date as shown (with its Solar Hijri text), if any

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def stale_posts(records: Sequence[dict[str, Any]], *, older_than: int = DEFAULT_MONTHS,
                today: date) -> list[Stale]:
    """Persons whose current post is stale (``rules.staleness``); no as_of first, then the
    oldest, then by id."""
    out = []
    for record in records:
        post = record.get("current_post")
        if not post or rules.staleness(post, today, older_than) is None:
            continue
        as_of = post.get("as_of")
        last = rules.latest_day(as_of) if as_of else None
        by_key = {s["key"]: s for s in record.get("sources") or ()}
        cited = [by_key[k] for k in post.get("sources") or () if k in by_key]
        months = rules.months_between(last, today) if last else None
        out.append(Stale(record["id"], record["name"], post, as_of, months, cited,
                         rules.date_text(record, "died") or None))
    out.sort(key=lambda s: (s.as_of is not None, rules.latest_day(s.as_of) if s.as_of else date.min, s.id))
    return out


def list_stale(db: Path, *, older_than: int = DEFAULT_MONTHS, today: date | None = None) -> list[Stale]:
    """The stale current posts on ``today`` (``rules.today``: the current date by default)."""
    return stale_posts(store.read(db).all(), older_than=older_than, today=rules.today(today))


def describe(item: Stale, position: int, total: int) -> list[str]:
    """What the researcher sees before choosing."""
    when = (f"as of {item.as_of} ({item.months} months ago)" if item.as_of
            else "no as_of date: never confirmed")
    lines = [f"[{position}/{total}] {item.name} ({item.id})",
             f"  current post: {rules.post_summary(item.post)}",
             f"  {when}; confidence {item.post.get('confidence', 'medium')}"]
    if item.died:
        lines.append(f"  deceased: died {item.died}")
    if not item.sources:
        lines.append("  sources: none cited (UNSOURCED)")
    for i, src in enumerate(item.sources):
        bits = [src["title"], src.get("publisher"), src.get("published"), src.get("url")]
        flag = "  (CONFIDENTIAL)" if src.get("confidential") else ""
        lines.append(f"  {'sources: ' if i == 0 else '         '}[{src['key']}] "
                     + " · ".join(b for b in bits if b) + flag)
    return lines


# --- the actions: one transaction each --------------------------------------------


def _current(record: dict[str, Any]) -> dict[str, Any]:
    post: dict[str, Any] | None = record.get("current_post")
    if not post:
        raise InvalidInput(Problem("has no current post any more", field="current_post",
                                   source=record["id"]))
    return post


Evidence = str | Mapping[str, Any]
"""A source: the key of one in the database, or a new one as ``{"url": …, "title": …}``."""


def _cite(tx: store.Transaction, record: dict[str, Any], evidence: Evidence) -> dict[str, Any]:
    """The source ``evidence`` names, carried by ``record`` from now on (a new one is created)."""
    if isinstance(evidence, str):
        src = tx.source(evidence)
        if src is None:
            raise NotFound(f"no source {evidence!r} (see `dossier sources list`, or give --source-url "
                           "and --source-title for a new one)")
    else:
        fields = {k: v for k, v in evidence.items() if v}
        if not fields.get("title"):
            raise InvalidInput(Problem("a new source needs a title", field="--source-title", source="review"))
        key = writing.new_source_key(tx, fields)
        src = tx.source(key) or {**fields, "key": key}
    if all(s["key"] != src["key"] for s in record.get("sources") or ()):
        record.setdefault("sources", []).append(dict(src))
    return src


def _evidence_day(src: Mapping[str, Any], given: str | None, what: str, today: date) -> str:
    if given:
        return _past(given, what, today)
    day = src.get("published") or src.get("accessed")
    if not day:
        raise InvalidInput(Problem(f"source {src['key']!r} has no published or accessed date: give the "
                                   f"date it confirms ({what})", field=what, source="review"))
    if rules.earliest_day(str(day)) > today:
        raise InvalidInput(Problem(f"source {src['key']!r} is dated {day}, after today: give the date it "
                                   f"confirms ({what})", field=what, source="review"))
    return str(day)


def checked_day(text: str, today: date) -> str:
    """``text`` unchanged if it is a date (Gregorian, or Solar Hijri with its ``SH`` prefix)
    that has begun by ``today``; else ValueError saying why. A post cannot be confirmed, or
    left, on a day still to come."""
    from dossier.model import jalali

    gregorian = jalali.solar_hijri_to_partial(text) if jalali.is_solar_hijri(text) else text
    rules.check_partial_date(gregorian)
    if rules.earliest_day(gregorian) > today:
        raise ValueError(f"{text} is after today ({today.isoformat()})")
    return text


def _past(text: str, what: str, today: date) -> str:
    try:
        return checked_day(text, today)
    except ValueError as exc:
        raise InvalidInput(Problem(str(exc), field=what, source="review")) from None


def _change(db: Path, ref: str, how: Callable[[store.Transaction, dict[str, Any]], None]) -> dict[str, Any]:
    """One person changed by ``how`` in its own transaction; the stored record after it."""
    from dossier.api.persons import replace, resolve

    with writing.transaction(db) as tx:
        record = resolve(tx, ref)
        new = copy.deepcopy(record)
        how(tx, new)
        return replace(tx, record, new, source="review") or record


def confirm(db: Path, ref: str, *, source: Evidence, as_of: str | None = None,
            today: date | None = None) -> dict[str, Any]:
    """The person still holds the post, as ``source`` shows: the post cites it, and ``as_of``
    becomes the date it confirms (default: the source's published, else accessed, date; not
    after ``today``)."""

    def how(tx: store.Transaction, record: dict[str, Any]) -> None:
        post = _current(record)
        src = _cite(tx, record, source)
        post["as_of"] = _evidence_day(src, as_of, "--as-of", rules.today(today))
        died = rules.partial(record.get("died"))
        if died and rules.before(died, post["as_of"]):
            raise InvalidInput(Problem(f"died {rules.date_text(record, 'died')}: the post cannot be "
                                       f"confirmed held on {post['as_of']}, after the death",
                                       field="current_post.as_of", source="review"))
        if src["key"] not in post.setdefault("sources", []):
            post["sources"].append(src["key"])

    return _change(db, ref, how)


def left(db: Path, ref: str, *, end: str, source: Evidence, today: date | None = None) -> dict[str, Any]:
    """The person left the post on ``end`` (not after ``today``), as ``source`` shows: it moves
    to the career with that end and source, and the current post becomes unknown."""
    end = _past(end, "--end", rules.today(today))

    def how(tx: store.Transaction, record: dict[str, Any]) -> None:
        post = _current(record)
        src = _cite(tx, record, source)
        post["end"] = end
        if src["key"] not in post.setdefault("sources", []):
            post["sources"].append(src["key"])
        record["posts"] = [*(record.get("posts") or []), post]
        record["current_post"] = None

    return _change(db, ref, how)


def update(db: Path, person_id: str, *, title: str, organization: str | None, sources: Sequence[str],
           new_post: bool, as_of: str | None, today: date | None = None) -> dict[str, Any]:
    """Correct the current post, or (``new_post``) replace it, keeping the old one in the career.

    ``as_of`` (not after ``today``) is set only when given: a correction is not a confirmation.
    """
    if as_of:
        as_of = _past(as_of, "as_of", rules.today(today))

    def how(_: store.Transaction, record: dict[str, Any]) -> None:
        old = _current(record)
        if new_post:
            record["posts"] = [*(record.get("posts") or []), old]
            record["current_post"] = {"title": title, "organization": organization or None,
                                      "as_of": as_of, "sources": list(sources)}
        else:
            old.update(title=title, organization=organization or None, sources=list(sources))
            if as_of:
                old["as_of"] = as_of

    return _change(db, person_id, how)


# --- the walk ---------------------------------------------------------------------


class Quit(Exception):
    """Raised by ``ask`` to end the walk (end of input)."""


@dataclass
class Tally:
    total: int = 0
    confirmed: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    edited: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    quit_at: int | None = None  # how many were left unseen

    def summary(self) -> str:
        if not self.total:
            return "no stale current posts"
        text = (f"{len(self.confirmed)} confirmed, {len(self.left)} left, {len(self.edited)} edited, "
                f"{len(self.skipped)} skipped of {self.total} stale")
        return text + (f"; quit with {self.quit_at} not reviewed" if self.quit_at else "")


CHOICES = ("c", "e", "l", "o", "s", "q")
MENU = "[c]onfirm still held, [e]dit, [l]eft the post, [o]pen in $EDITOR, [s]kip, [q]uit"


def review_walk(db: Path, *, ask: Ask, say: Say, today: date | None = None, older_than: int = DEFAULT_MONTHS,
                edit_record: Callable[[str], Any] | None = None) -> Tally:
    """Review the stale current posts one by one (see the module docstring)."""
    items = list_stale(db, older_than=older_than, today=rules.today(today))
    tally = Tally(total=len(items))
    choices = [c for c in CHOICES if c != "o" or edit_record is not None]
    menu = MENU if edit_record is not None else MENU.replace(", [o]pen in $EDITOR", "")
    done = {"c": tally.confirmed, "l": tally.left, "s": tally.skipped}
    for n, item in enumerate(items, 1):
        say(["", *describe(item, n, len(items))])
        try:
            answer = _answer(db, item, ask=ask, say=say, menu=menu, choices=choices, edit_record=edit_record,
                             today=rules.today(today))
        except Quit:
            answer = "q"
        if answer == "q":
            tally.quit_at = len(items) - n + 1
            break
        done.get(answer, tally.edited).append(item.id)
    return tally


def _answer(db: Path, item: Stale, *, ask: Ask, say: Say, menu: str, choices: Sequence[str],
            edit_record: Callable[[str], Any] | None, today: date) -> str:
    """Ask until an answer is carried out; the answer."""
    while True:
        answer = ask(menu, choices, "s")
        try:
            if _act(answer, db, item, ask=ask, say=say, edit_record=edit_record, today=today):
                return answer
        except (InvalidInput, NotFound) as exc:
            say([f"error: {line}" for line in exc.lines()])


def _ask_evidence(item: Stale, ask: Ask, question: str) -> Evidence:
    """A source key, or a URL (then a title) for a new source."""
    cited = ", ".join(s["key"] for s in item.sources) or "none"
    answer = ask(f"{question} (a source key, or the URL of a new one; cited now: {cited})", None, "").strip()
    if not answer:
        raise InvalidInput(Problem("a source is needed: what shows it?", source="review"))
    if "://" not in answer:
        return answer
    return {"url": answer, "title": ask("  title of that source", None, "").strip()}


def _ask_day(ask: Ask, say: Say, question: str, today: date, *, required: bool = False) -> str | None:
    """A date answer (``checked_day``), asked again until it is one; None for an empty answer
    where one may be empty. (Asked here, so that a mistyped date does not cost the answers
    before it.)"""
    while True:
        text = ask(question, None, "").strip()
        if not text and not required:
            return None
        try:
            return checked_day(text, today)
        except ValueError as exc:
            say([f"error: {exc}" if text else "error: a date is needed"])


def _act(answer: str, db: Path, item: Stale, *, ask: Ask, say: Say,
         edit_record: Callable[[str], Any] | None, today: date) -> bool | None:
    """Carry out one answer; None means ask again."""
    if answer in ("s", "q"):
        return True
    if answer == "c":
        evidence = _ask_evidence(item, ask, "Which source confirms it")
        new = not isinstance(evidence, str)  # (a new source has no date of its own to take)
        question = "  date it confirms" + ("" if new else " (empty: the source's published or accessed date)")
        day = _ask_day(ask, say, question, today, required=new)
        record = confirm(db, item.id, source=evidence, as_of=day, today=today)
        say([f"confirmed: as of {record['current_post']['as_of']}"])
        return True
    if answer == "l":
        end = _ask_day(ask, say, "When did the person leave it (YYYY, YYYY-MM or YYYY-MM-DD)", today,
                       required=True)
        evidence = _ask_evidence(item, ask, "Which source says so")
        left(db, item.id, end=end or "", source=evidence, today=today)
        say(["moved to the career; current post now unknown"])
        return True
    if answer == "o" and edit_record is not None:
        person = edit_record(item.id)
        say(["updated" if person is not None else "no changes"])
        return True if person is not None else None
    if answer == "e":
        post = item.post
        title = ask("Title", None, post["title"]).strip()
        organization = ask("Organization (empty: none)", None, post.get("organization") or "").strip()
        new_post = ask("Is this a new post (the old one moves to the career)?", ["y", "n"], "n") == "y"
        default = "" if new_post else ";".join(post.get("sources") or ())
        keys = ask("Sources cited (keys, separated by ;)", None, default)
        sources = [k.strip() for k in keys.split(";") if k.strip()]
        kept = "not confirmed" if new_post or not post.get("as_of") else f"as of {post['as_of']} stays"
        as_of = _ask_day(ask, say, f"As of (a date the sources confirm; empty: {kept})", today)
        before = item.post if not new_post else None
        record = update(db, item.id, title=title, organization=organization, sources=sources,
                        new_post=new_post, as_of=as_of, today=today)
        if record.get("current_post") == before:
            say(["no changes"])
            return None
        say([f"updated: {title}" + ("" if sources else " (UNSOURCED: add one with "
                                      f"`dossier sources add --person {item.id} --cite current_post`)")])
        return True
    return None
