"""The core API: one function per command, callable from Python without the CLI.

Every function takes the database path first and plain arguments after it, and
returns plain data: stored records (dicts in the canonical form of SPEC §1) or
small dataclasses with an ``as_dict``/``to_json``. Failures are
``dossier.errors.DossierError`` subclasses carrying the exit code of SPEC §3;
nothing here prints. The CLI (``dossier.cli``) is a thin layer over these::

    from pathlib import Path
    from dossier import api

    db = Path("dossier.json")
    api.import_path(db, "records/")
    for hit in api.search(db, "Raeesi"):
        print(hit.id, hit.score)
    person = api.show(db, "ebrahim-raisi")

The functions live in the submodules named below and are loaded on first use,
so a command imports only what it needs (``dossier --version`` stays fast).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_HOME = {
    # persons one at a time
    "NewPerson": "persons", "add": "persons", "show": "persons", "list_persons": "persons",
    "search": "persons", "edit": "persons", "edit_replace": "persons", "remove": "persons",
    "removal": "persons",
    "merge": "persons", "check": "persons", "resolve": "persons", "distinct": "persons",
    # batches
    "import_path": "transfer", "export": "exporting",
    # the sources across the database
    "list_sources": "sources", "show_source": "sources", "add_source": "sources",
    "edit_source": "sources", "remove_source": "sources",
    # what changed, who changed it, what needs confirming
    "diff_export": "diff", "diff_since": "diff", "log": "history",
    "list_stale": "review", "review_walk": "review",
    # publishing
    "publish": "publishing", "profile_page": "publishing",
}  # fmt: skip

if TYPE_CHECKING:
    from dossier.api.diff import diff_export, diff_since
    from dossier.api.exporting import export
    from dossier.api.history import log
    from dossier.api.persons import (
        NewPerson,
        add,
        check,
        distinct,
        edit,
        edit_replace,
        list_persons,
        merge,
        removal,
        remove,
        resolve,
        search,
        show,
    )
    from dossier.api.publishing import profile_page, publish
    from dossier.api.review import list_stale, review_walk
    from dossier.api.sources import add_source, edit_source, list_sources, remove_source, show_source
    from dossier.api.transfer import import_path


_NOT_A_PATH = {"NewPerson", "resolve"}  # (a class; a function of a snapshot)


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'dossier.api' has no attribute {name!r}")
    value = getattr(import_module(f"dossier.api.{home}"), name)
    if name not in _NOT_A_PATH:
        value = _path_first(value)
    globals()[name] = value
    return value


def _path_first(function: Any) -> Any:
    """``function`` taking the database path as a ``str`` too (as ``open`` does), not only
    as a ``Path``: the modules below use ``Path``'s methods on it."""
    import functools
    import os
    from pathlib import Path

    @functools.wraps(function)
    def wrapper(db: Any, *args: Any, **kwargs: Any) -> Any:
        return function(Path(db) if isinstance(db, str | os.PathLike) else db, *args, **kwargs)

    return wrapper


__all__ = [
    "NewPerson",
    "add",
    "add_source",
    "check",
    "diff_export",
    "diff_since",
    "distinct",
    "edit",
    "edit_replace",
    "edit_source",
    "export",
    "import_path",
    "list_persons",
    "list_sources",
    "list_stale",
    "log",
    "merge",
    "profile_page",
    "publish",
    "removal",
    "remove",
    "remove_source",
    "resolve",
    "review_walk",
    "search",
    "show",
    "show_source",
]
