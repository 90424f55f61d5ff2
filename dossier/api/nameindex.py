"""The name index of a database, kept beside it (``<db>.names``, see ``sidecar``), so a
search need not fold every name of every person again.

It holds the index itself (``names.NameIndex.state``: flat lists and packed arrays,
loaded without a loop over every name, unpacked per name a search reaches). A write
appends the persons it changed; a removed or changed person's old names are marked, not
compacted, until a quarter of the index is such: then it is made anew.
Names are not confidential; the file is as private as the database (0600).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dossier import names, store
from dossier.api.sidecar import COMPACT_AFTER, Sidecar

SIDECAR = Sidecar(".names", 9, ["dossier.names"])
COMPACT_AT = 0.25  # removed persons over all indexed, above which the index is made anew
MANY = 500  # persons changed by one write above which the index is left to be made anew


def search(snapshot: store.Snapshot, queries: Sequence[str], *, limit: int | None = 10,
           threshold: float = names.THRESHOLD) -> list[list[names.Hit]]:
    """Each query's hits, by the index of ``snapshot``'s state (``_load``). An index saved
    and then altered inside its packed lists (no crash or copy makes one: they are not
    checked number by number when loaded) fails while searched: it is made anew."""
    index, saved = _load(snapshot)
    try:
        return [index.search(query, limit=limit, threshold=threshold) for query in queries]
    except (IndexError, KeyError, ValueError):
        if not saved:
            raise
    index = _made(snapshot)
    return [index.search(query, limit=limit, threshold=threshold) for query in queries]


def _load(snapshot: store.Snapshot) -> tuple[names.NameIndex, bool]:
    """The index of ``snapshot``'s state: from the sidecar, else folded now (and saved); and
    whether it was read from the sidecar."""
    found = SIDECAR.load(snapshot)
    if found is not None:
        state, changes, exact = found
        index = _replayed(state, changes)
        if index is not None and index.removed <= COMPACT_AT * len(index.ids):
            if not exact or len(changes) > COMPACT_AFTER:  # a copy, or many changes: saved whole
                SIDECAR.save(snapshot.path, snapshot.ident, index.state())
            return index, True
    return _made(snapshot), False


def _made(snapshot: store.Snapshot) -> names.NameIndex:
    index = names.NameIndex(snapshot.all())
    SIDECAR.save(snapshot.path, snapshot.ident, index.state())
    return index


def _replayed(state: dict[str, Any], changes: list[Any]) -> names.NameIndex | None:
    """The index saved, with the changes appended since applied; None when the index or a
    change line is not one this code writes."""
    try:
        index = names.NameIndex.from_state(state)
        for change in changes:
            for person_id in change["remove"]:
                index.remove(person_id)
            for folded in change["add"]:
                index.add(names.FoldedPerson.from_json(folded))
    except (AttributeError, IndexError, KeyError, TypeError, ValueError):  # (a damaged or foreign file)
        return None
    return index


def update(tx: store.Transaction) -> None:
    """After a write: append the persons it changed to a sidecar of the state before (after
    a write of many persons, the next search makes it anew)."""
    changed = [c for c in tx.changes if c.section == "persons"]
    if not changed:
        if tx.ident is not None and tx.written is not None:
            SIDECAR.append(tx, {"remove": [], "add": []})  # the same index, for the new state
        return
    if len(changed) > MANY:
        return  # left stale: folding everything is the next search's work, not this write's
    SIDECAR.append(tx, {"remove": [c.key for c in changed],
                        "add": [names.fold_person(c.new).to_json() for c in changed if c.new is not None]})
