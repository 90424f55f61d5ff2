"""Interactive ``add``: asks for the fields on a terminal (prompts on stderr).

Each answer is validated where it is typed and asked again on an error, so a
bad date at the end does not throw away everything typed before it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError
from rich.prompt import Prompt

from dossier.api.persons import NewPerson
from dossier.cli.output import confirm, console, warn
from dossier.model.person import Person, Post, Source, problems_from


def _checker(model: type[BaseModel], template: dict[str, Any], field: str) -> Callable[[str], str | None]:
    """A check that validates one answer as ``field`` of ``model``; returns the error."""

    def check(answer: str) -> str | None:
        try:
            model.model_validate({**template, field: answer})
        except ValidationError as exc:
            return "; ".join(p.message for p in problems_from(exc))
        return None

    return check


_NAME = _checker(Person, {}, "name")
_NATIVE = _checker(Person, {"name": "x"}, "native_name")
_TITLE = _checker(Post, {}, "title")
_DATE = _checker(Post, {"title": "x"}, "as_of")
_URL = _checker(Source, {"key": "k", "title": "t"}, "url")
_LINE = _checker(Post, {"title": "x"}, "organization")


def _past(answer: str) -> str | None:
    """A date (``_DATE``) that has begun by today: a birth, a death or a confirmation."""
    from dossier.api.review import checked_day
    from dossier.model import rules

    problem = _DATE(answer)
    if problem is None:
        try:
            checked_day(answer, rules.today())
        except ValueError as exc:
            return str(exc)
    return problem


_DATE_FORMS = "YYYY, YYYY-MM, YYYY-MM-DD or SH1367-05-07; empty if unknown"


def _ask(label: str, *, required: bool = False, check: Callable[[str], str | None] | None = _LINE,
         choices: list[str] | None = None, default: str = "") -> str:
    prompt_console = console(True)
    while True:
        answer = Prompt.ask(label, console=prompt_console, choices=choices, default=default,
                            show_default=bool(default)).strip()
        if not answer:
            if not required:
                return ""
            warn("  required")
            continue
        problem = check(answer) if check else None
        if problem is None:
            return answer
        warn(f"  {problem}")


def _list(label: str, check: Callable[[str], str | None], *, commas: bool = False) -> list[str]:
    """A list answered on one line, separated by ``;`` (and by commas too with ``commas``: a
    name may hold one, as "Zandieh, Kourosh"; a tag holds none, and "tabriz, judiciary" is two)."""
    while True:
        answer = _ask(f"{label} (separate with {'; or ,' if commas else ';'})", check=None)
        values = [v.strip() for v in (answer.replace(",", ";") if commas else answer).split(";")]
        values = [v for v in values if v]
        problems = [p for p in map(check, values) if p]
        if not problems:
            return values
        warn(f"  {problems[0]}")


def _post(title: str, second: str, second_check: Callable[[str], str | None]) -> dict[str, str] | None:
    if not title:
        return None
    post = {"title": title, "organization": _ask("  organization")}
    post[second] = _ask(f"  {second.replace('_', ' ')}", check=second_check) if second != "place" \
        else _ask("  place")
    return {k: v for k, v in post.items() if v}


def ask_new_person(alike: Callable[[list[str]], list[str]] | None = None) -> NewPerson | None:
    """Ask for each field of ``add``; empty answers leave a field out. ``alike(names)`` names
    the persons stored that these names look like: the user is asked at once (after the
    name, and the native name) whether to add another; None when they say no."""
    name = _ask("Name (Latin script)", required=True, check=_NAME)
    native = _ask("Native name (Persian script)", check=_NATIVE)
    found = alike([name, *([native] if native else [])]) if alike is not None else []
    if found:
        warn(f"{name} looks like {', '.join(found)}")
        if not confirm("Add another person anyway?", default=False):
            return None
    aliases = _list("Other spellings", _NAME)
    status = _ask("Status", choices=["alive", "deceased", "unknown"], default="unknown", check=None)
    born = _ask(f"Born ({_DATE_FORMS})", check=_past)
    died = _ask(f"Died ({_DATE_FORMS})", check=_past) if status == "deceased" else ""
    role = _post(_ask("Position in 1988 (title)", check=_TITLE), "place", _LINE)
    current = _post(_ask("Current post (title; empty if unknown)", check=_TITLE), "as_of", _past)
    confidence = _ask("Confidence in these posts", choices=["high", "medium", "low"], default="medium",
                      check=None) if role or current else None
    sources = []
    while url := _ask("Source URL (empty to finish)", check=_URL):
        sources.append((url, _ask("  source title", required=True)))
    tags = _list("Tags", _LINE, commas=True)
    return NewPerson(name=name, native_name=native or None, aliases=aliases, status=status,
                     born=born or None, died=died or None, role_1988=role, current_post=current,
                     confidence=confidence, sources=sources, tags=tags)
