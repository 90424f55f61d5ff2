"""``dossier log``: the history of changes, newest first.

Every write appends one entry per changed person or source (``api.writing``);
the entries live in the database file, so a removed or merged person's history
stays readable by its old id. ``export`` does not carry them (git holds the
team's history); ``log --format ndjson`` does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from dossier import store
from dossier.errors import InvalidInput, NotFound, NotFoundDidYouMean, Problem, quoted

Record = dict[str, Any]


def log(
    db: Path, ref: str | None = None, *, since: str | None = None, limit: int | None = None
) -> list[Record]:
    """History entries, newest first: all, or those of one person or source (by id, old id,
    merged id, key, or a name that resolves to one person now)."""
    from dossier.api.diff import since_stamp

    snapshot = store.read(db)
    ids, unknown = _ids_of(snapshot, ref) if ref is not None else (None, None)
    after = since_stamp(since) if since is not None else None
    needles = [orjson.dumps(i)[1:-1] for i in ids] if ids is not None else []
    entries: list[Record] = []
    sealed = False
    # Most lines are not about the person asked for: found by a byte search, then parsed.
    lines = (snapshot.history_with([b'"id":"' + n + b'"' for n in needles]) if ids is not None
             else reversed(list(snapshot.history_lines())))
    known = False
    for line in lines:
        entry: Record = orjson.loads(line)
        sealed = sealed or b"BEGIN AGE" in line
        if ids is not None and entry.get("id") not in ids:
            continue
        known = True
        if after is not None and str(entry.get("at", "")) < after:
            break  # entries are in time order
        entries.append(entry)
        if limit is not None and len(entries) >= limit:
            break
    if ref is not None and unknown is not None and not known and snapshot.source(ref) is None:
        if isinstance(unknown, NotFoundDidYouMean):
            raise unknown
        raise NotFound(f"no person, source or history of {quoted(ref)} (try `dossier search {quoted(ref)}`)")
    if sealed:
        from dossier.api.sealing import Opener

        opener = Opener(snapshot)
        entries = [opener.history(e) for e in entries]
    return entries


def _ids_of(snapshot: store.Snapshot, ref: str) -> tuple[set[str], NotFound | None]:
    """The ids whose entries ``log REF`` shows: the person now (and the ids merged into it), or
    ``ref`` itself: an id removed meanwhile, or a source key; and, when no person is found now,
    why (what to say if the history holds nothing of ``ref`` either)."""
    from dossier.api.persons import resolve

    try:
        person = resolve(snapshot, ref)
    except NotFound as unknown:
        if not ref.strip():
            raise InvalidInput(Problem("give a person or source reference", field="REF")) from None
        try:
            ref.encode()
        except UnicodeEncodeError:  # (a command line's undecodable bytes: no history holds them)
            return set(), unknown
        return {ref}, unknown
    return {person["id"], *person.get("merged_ids", ())}, None
