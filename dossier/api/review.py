"""Stale-claim review: walk the current posts not confirmed for N months.

A current post is *stale* when its ``as_of`` is missing, or when the last day
that ``as_of`` can mean (``2017`` -> 2017-12-31, as ``check`` and ``profiles``
read it) lies more than N months before today. The walk shows each stale post
with the sources it cites and asks what to do; every answer that changes the
record is its own small transaction, so quitting half-way keeps what was done:

* ``c`` confirm: the person still holds the post; ``as_of`` becomes today;
* ``e`` edit: new title / organization / cited sources (``as_of`` today); if
  it is a *new* post, the old one moves to the career (``posts``);
* ``l`` left: the person no longer holds it and the new post is not known: it
  moves to the career and the current post becomes unknown;
* ``o`` open the whole record in ``$EDITOR`` (the ``edit`` loop);
* ``s`` skip, ``q`` quit.

The questions go through an injected ``ask`` and the display through ``say``,
so tests drive the walk with scripted answers; the CLI passes Rich prompts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from dossier import store
from dossier.errors import InvalidInput, Problem
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
        out.append(Stale(record["id"], record["name"], post, as_of, months, cited))
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
    if not item.sources:
        lines.append("  sources: none cited (UNSOURCED)")
    for i, src in enumerate(item.sources):
        bits = [src["title"], src.get("publisher"), src.get("published"), src.get("url")]
        flag = "  (CONFIDENTIAL)" if src.get("confidential") else ""
        lines.append(f"  {'sources: ' if i == 0 else '         '}[{src['key']}] "
                     + " · ".join(b for b in bits if b) + flag)
    return lines


# --- the actions: one transaction each --------------------------------------------


def _change(db: Path, person_id: str, how: Callable[[dict[str, Any]], None]) -> Any:
    from dossier.api.persons import change

    return change(db, person_id, how, source="review")


def _current(record: dict[str, Any]) -> dict[str, Any]:
    post: dict[str, Any] | None = record.get("current_post")
    if not post:
        raise InvalidInput(Problem("has no current post any more", field="current_post",
                                   source=record["id"]))
    return post


def confirm(db: Path, person_id: str, *, today: date) -> Any:
    """The person still holds the post: ``as_of`` becomes today."""

    def change(record: dict[str, Any]) -> None:
        _current(record)["as_of"] = today.isoformat()

    return _change(db, person_id, change)


def update(db: Path, person_id: str, *, title: str, organization: str | None, sources: Sequence[str],
           new_post: bool, today: date) -> Any:
    """Correct the current post, or (``new_post``) replace it, keeping the old one in the career."""

    def change(record: dict[str, Any]) -> None:
        old = _current(record)
        if new_post:
            record["posts"] = [*(record.get("posts") or []), old]
            record["current_post"] = {"title": title, "organization": organization or None,
                                      "as_of": today.isoformat(), "sources": list(sources)}
        else:
            old.update(title=title, organization=organization or None, as_of=today.isoformat(),
                       sources=list(sources))

    return _change(db, person_id, change)


def left(db: Path, person_id: str) -> Any:
    """The person left the post; what they hold now is unknown."""

    def change(record: dict[str, Any]) -> None:
        record["posts"] = [*(record.get("posts") or []), _current(record)]
        record["current_post"] = None

    return _change(db, person_id, change)


# --- the walk ---------------------------------------------------------------------


class Quit(Exception):
    """Raised by ``ask`` to end the walk (end of input)."""


@dataclass
class Tally:
    total: int = 0
    confirmed: list[str] = field(default_factory=list)
    edited: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    quit_at: int | None = None  # how many were left unseen

    def summary(self) -> str:
        if not self.total:
            return "no stale current posts"
        text = (f"{len(self.confirmed)} confirmed, {len(self.edited)} edited, "
                f"{len(self.skipped)} skipped of {self.total} stale")
        return text + (f"; quit with {self.quit_at} not reviewed" if self.quit_at else "")


CHOICES = ("c", "e", "l", "o", "s", "q")
MENU = "[c]onfirm still held, [e]dit, [l]eft the post, [o]pen in $EDITOR, [s]kip, [q]uit"


def review_walk(db: Path, *, ask: Ask, say: Say, today: date | None = None, older_than: int = DEFAULT_MONTHS,
         edit_record: Callable[[str], Any] | None = None) -> Tally:
    """Review the stale current posts one by one (see the module docstring)."""
    today = rules.today(today)
    items = list_stale(db, older_than=older_than, today=today)
    tally = Tally(total=len(items))
    choices = [c for c in CHOICES if c != "o" or edit_record is not None]
    menu = MENU if edit_record is not None else MENU.replace(", [o]pen in $EDITOR", "")
    for n, item in enumerate(items, 1):
        say(["", *describe(item, n, len(items))])
        try:
            answer = _answer(db, item, ask=ask, say=say, today=today, menu=menu, choices=choices,
                             edit_record=edit_record)
        except Quit:
            answer = "q"
        if answer == "q":
            tally.quit_at = len(items) - n + 1
            break
        {"c": tally.confirmed, "s": tally.skipped}.get(answer, tally.edited).append(item.id)
    return tally


def _answer(db: Path, item: Stale, *, ask: Ask, say: Say, today: date, menu: str,
            choices: Sequence[str], edit_record: Callable[[str], Any] | None) -> str:
    """Ask until an answer is carried out; the answer."""
    while True:
        answer = ask(menu, choices, "s")
        try:
            if _act(answer, db, item, ask=ask, say=say, today=today, edit_record=edit_record):
                return answer
        except InvalidInput as exc:
            say([f"error: {line}" for line in exc.lines()])


def _act(answer: str, db: Path, item: Stale, *, ask: Ask, say: Say, today: date,
         edit_record: Callable[[str], Any] | None) -> bool | None:
    """Carry out one answer; None means ask again."""
    if answer in ("s", "q"):
        return True
    if answer == "c":
        confirm(db, item.id, today=today)
        say([f"confirmed: as of {today.isoformat()}"])
        return True
    if answer == "l":
        left(db, item.id)
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
        update(db, item.id, title=title, organization=organization, sources=sources, new_post=new_post,
               today=today)
        say([f"updated: {title}" + ("" if sources else " (UNSOURCED: add one with "
                                      f"`dossier sources add --person {item.id} --cite current_post`)")])
        return True
    return None
