"""The name index of a database, kept beside it (``<db>.names``, see ``sidecar``), so a
search need not fold every name of every person again.

It holds the index itself (``names.NameIndex.state``: flat lists, loaded without a loop
over every name). A write updates it for the persons it changed: a removed person is
marked, not compacted, until a quarter of the index is such, then it is made anew.
Names are not confidential; the file is as private as the database (0600).
"""

from __future__ import annotations

from dossier import names, store
from dossier.api.sidecar import Sidecar

SIDECAR = Sidecar(".names", 2, ["dossier.names"])
COMPACT_AT = 0.25  # removed persons over all indexed, above which the index is made anew


def load(snapshot: store.Snapshot) -> names.NameIndex:
    """The index of ``snapshot``'s state: from the sidecar, else folded now (and saved)."""
    state = SIDECAR.load(snapshot)
    if state is not None:
        return names.NameIndex.from_state(state)
    index = names.NameIndex(snapshot.all())
    SIDECAR.save(snapshot.path, snapshot.ident, index.state())
    return index


def update(tx: store.Transaction) -> None:
    """After a write: refold the persons it changed, if the sidecar was of the state before."""
    state = SIDECAR.load_for_update(tx)
    if state is None:
        return  # stale already: the next search folds everything
    index = names.NameIndex.from_state(state)
    for change in tx.changes:
        if change.section == "persons":
            if change.new is None:
                index.remove(change.key)
            else:
                index.add(names.fold_person(change.new))
    if index.removed > COMPACT_AT * len(index.ids):
        index = names.NameIndex(tx.all())
    SIDECAR.save(tx.path, tx.written, index.state())
