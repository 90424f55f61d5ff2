"""Interactive ``add``: asks for the fields on a terminal (prompts on stderr)."""

from __future__ import annotations

from rich.prompt import Prompt

from dossier.api import NewPerson
from dossier.output import _console


def _ask(label: str, *, required: bool = False, choices: list[str] | None = None,
         default: str = "") -> str:
    console = _console(True)
    while True:
        answer = Prompt.ask(label, console=console, choices=choices, default=default,
                            show_default=bool(default)).strip()
        if answer or not required:
            return answer
        console.print("  required", style="red")


def _list(label: str) -> list[str]:
    return [v.strip() for v in _ask(f"{label} (separate with ;)").split(";") if v.strip()]


def ask_new_person() -> NewPerson:
    """Ask for each field of ``add``; empty answers leave a field out."""
    name = _ask("Name (Latin script)", required=True)
    native = _ask("Native name (Persian script)")
    aliases = _list("Other spellings")
    status = _ask("Status", choices=["alive", "deceased", "unknown"], default="unknown")
    role = _ask("Position in 1988 (title)")
    role_post = None
    if role:
        role_post = {"title": role, "organization": _ask("  organization") or None,
                     "place": _ask("  place") or None}
    current = _ask("Current post (title; empty if unknown)")
    current_post = None
    if current:
        current_post = {"title": current, "organization": _ask("  organization") or None,
                        "as_of": _ask("  as of (YYYY, YYYY-MM, YYYY-MM-DD or SH1367-05-07)") or None}
    sources = []
    while True:
        url = _ask("Source URL (empty to finish)")
        if not url:
            break
        sources.append((url, _ask("  source title", required=True)))
    tags = _list("Tags")
    return NewPerson(
        name=name, native_name=native or None, aliases=aliases, status=status,
        role_1988={k: v for k, v in (role_post or {}).items() if v} or None,
        current_post={k: v for k, v in (current_post or {}).items() if v} or None,
        sources=sources, tags=tags,
    )
