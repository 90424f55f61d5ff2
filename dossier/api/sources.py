"""Sources across the whole database: list, show, add, edit, remove.

A source is stored inside every record that carries it (SPEC §1: a person's
``sources`` list), and its key is unique database-wide: every copy of a key
has the same content. So this module treats the copies as one source:
``edit`` rewrites every copy in one transaction, ``rm`` removes every copy,
and ``add`` attaches a source to the persons it is about (a source that no
record carries cannot be stored).

A *claim* is a post or an associate link (``role_1988``, ``current_post``,
``posts[i]``, ``associates[i]``); it *cites* a source by listing its key.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dossier import store
from dossier.api import sealing, writing
from dossier.errors import Conflict, InvalidInput, NotFound, Problem, UsageError
from dossier.model import rules

SOURCE_FIELDS = ("key", "title", "publisher", "author", "url", "published", "accessed",
                 "archive_url", "sha256", "kind", "confidential", "note")


@dataclass(frozen=True)
class Citation:
    """One claim citing a source: the person and the claim's field path."""

    person: str
    path: str

    def __str__(self) -> str:
        return f"{self.person} {self.path}"


@dataclass
class SourceUse:
    source: dict[str, Any]
    persons: list[str] = field(default_factory=list)
    claims: list[Citation] = field(default_factory=list)


def usage(snapshot: store.Snapshot) -> dict[str, SourceUse]:
    """Every source key -> its content, the persons carrying it, the claims citing it."""
    uses = {key: SourceUse(src) for key, src in snapshot.sources().items()}
    for record in snapshot.all():
        for src in record.get("sources") or ():
            uses.setdefault(src["key"], SourceUse(src)).persons.append(record["id"])
        for path, claim in rules.claims(record):
            for key in claim.get("sources") or ():
                if key in uses:
                    uses[key].claims.append(Citation(record["id"], path))
    return dict(sorted(uses.items()))


def _use(snapshot: store.Snapshot, key: str) -> SourceUse:
    found = usage(snapshot).get(key)
    if found is None:
        raise NotFound(f"no source {key!r} (see `dossier sources list`)")
    return found


# --- list / show ----------------------------------------------------------------


def list_sources(db: Path) -> list[dict[str, Any]]:
    """One row per source: its fields plus how many claims cite it and persons carry it."""
    rows = []
    for use in usage(store.read(db)).values():
        row = {name: use.source.get(name) for name in SOURCE_FIELDS}
        row["claims"] = len(use.claims)
        row["persons"] = len(use.persons)
        rows.append(row)
    return rows


def show_source(db: Path, key: str) -> dict[str, Any]:
    """The source's fields, the persons carrying it and every claim citing it."""
    snapshot = store.read(db)
    use = _use(snapshot, key)
    names = {pid: (snapshot.get(pid) or {}).get("name", "") for pid in use.persons}
    source = sealing.open_source(snapshot, use.source)
    shown = {name: source.get(name) for name in SOURCE_FIELDS}
    if source.get("evidence"):
        shown["evidence"] = source["evidence"]
    if source.get("sealed"):
        shown["encrypted"] = True
    return {
        "source": shown,
        "persons": [{"id": pid, "name": names[pid]} for pid in use.persons],
        "claims": [{"person": c.person, "name": names.get(c.person, ""), "path": c.path}
                   for c in use.claims],
    }


# --- add ----------------------------------------------------------------------


@dataclass
class Added:
    key: str
    source: dict[str, Any]
    attached: list[str]   # persons that now carry it
    already: list[str]    # persons that carried it before
    cited: list[Citation]  # claims that now cite it

    def summary(self) -> str:
        parts = []
        if self.attached:
            parts.append(f"added source {self.key} to {_ids(self.attached)}")
        if self.already:
            parts.append(f"{_ids(self.already)} already carried it")
        if self.cited:
            parts.append("cited by " + ", ".join(map(str, self.cited)))
        return "; ".join(parts) or f"source {self.key}: no changes"


def add_source(
    db: Path, fields: dict[str, Any], persons: Sequence[str], cite: Sequence[str] = ()
) -> Added:
    """Attach a source to persons (and, with ``cite``, to claims of theirs), in one write.

    Without a key, one is derived from the title; an identical source already in
    the database is reused rather than duplicated. A key that exists with other
    content is a ``Conflict``.
    """
    from dossier.api.persons import resolve

    if not persons:
        raise UsageError("give --person REF: a source is stored in the records of the persons "
                         "it is about")
    fields = {k: v for k, v in fields.items() if v is not None}
    with writing.transaction(db) as tx:
        uses = usage(tx)
        explicit = fields.get("key")
        src = _validated({**fields, "key": explicit or "placeholder"}, source="sources add")
        if explicit:
            known = uses.get(explicit)
            if known and known.source != src:
                raise Conflict(f"source key {explicit!r} already exists with different content",
                               details=_differences(known.source, src))
        else:
            src["key"] = writing.new_source_key(tx, src)
            known = uses.get(src["key"])
            if known and known.source != src:
                raise Conflict(f"source {src['key']!r} has this title and URL and other content; "
                               "give --key for a different source, or change it with `sources edit`",
                               details=_differences(known.source, src))
        key = src["key"]
        records: dict[str, dict[str, Any]] = {}
        for ref in persons:
            record = resolve(tx, ref)
            records.setdefault(record["id"], copy.deepcopy(record))
        attached, already, cited = [], [], []
        for pid, record in records.items():
            if any(s["key"] == key for s in record.get("sources") or ()):
                already.append(pid)
            else:
                record.setdefault("sources", []).append(src)
                attached.append(pid)
            for path in cite:
                claim = dict(rules.claims(record)).get(path)
                if claim is None:
                    raise InvalidInput(Problem(f"{pid} has no {path} to cite the source from",
                                               field="--cite", source="sources add"))
                if key not in claim.setdefault("sources", []):
                    claim["sources"].append(key)
                    cited.append(Citation(pid, path))
        tx.put_source(src)
        _store(tx, records.values(), source="sources add")
        return Added(key, src, attached, already, cited)


def _validated(data: dict[str, Any], *, source: str) -> dict[str, Any]:
    from pydantic import ValidationError

    from dossier.model.person import Source, problems_from, source_paths

    try:
        return Source.model_validate(data).model_dump(mode="json")
    except ValidationError as exc:
        raise InvalidInput(problems_from(exc, source=source, withhold=source_paths(data))) from None


def _differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    secret = old.get("confidential") or new.get("confidential")
    return [f"  {name}: differs (confidential)" if secret and name in rules.SEALED_SOURCE_FIELDS
            else f"  {name}: {old.get(name)!r} in the database, {new.get(name)!r} given"
            for name in SOURCE_FIELDS if old.get(name) != new.get(name)]


def _store(tx: store.Transaction, records: Iterable[dict[str, Any]], *, source: str) -> list[str]:
    """Re-validate changed records and put them (``updated`` only where the person's own
    content changed: a source's new URL is the source's change); the ids that changed."""
    from dossier.model.person import dump, validate_person

    changed = []
    stamp = rules.now_stamp()
    for record in records:
        new = dump(validate_person(record, source=f"{source} ({record['id']})"))
        if rules.content(new) != rules.content(tx.get(record["id"]) or {}):
            tx.put(writing.stamp_changed(tx, new, stamp=stamp))
            changed.append(new["id"])
    return changed


# --- edit -----------------------------------------------------------------------


@dataclass
class Edited:
    key: str          # the key after the edit (a renamed source has a new one)
    old_key: str
    persons: list[str]  # records that changed
    changed: bool = True  # whether the source itself changed

    def summary(self) -> str:
        if not self.changed:
            return f"source {self.old_key}: no changes"
        renamed = f" (renamed to {self.key})" if self.key != self.old_key else ""
        return f"updated source {self.old_key}{renamed} in {len(self.persons)} record(s): " + \
            _ids(self.persons)


def edit_source(db: Path, key: str, assignments: Sequence[str]) -> Edited:
    """Apply ``FIELD=VALUE`` to the source in every record carrying it (one write).

    ``key=NEW`` renames it, rewriting every citation; NEW must not exist yet.
    """
    from dossier.api.assign import apply_assignments

    if not assignments:
        raise UsageError("nothing to change: give --set FIELD=VALUE (e.g. --set url=https://…)")
    with writing.transaction(db) as tx:
        uses = usage(tx)
        use = uses.get(key)
        if use is None:
            raise NotFound(f"no source {key!r} (see `dossier sources list`)")
        opened = sealing.open_source(tx, use.source, to_change=True)
        holder: dict[str, Any] = {"name": "-", "sources": [copy.deepcopy(opened)]}
        try:
            holder = apply_assignments(holder, [f"sources[0].{a}" for a in assignments])
        except InvalidInput as exc:
            raise InvalidInput([
                Problem(p.message, field=p.field.removeprefix("sources[0]."), source="--set")
                for p in exc.problems
            ]) from None
        new = _validated(holder["sources"][0], source="--set")
        new_key = new["key"]
        if new_key != key and new_key in uses:
            raise Conflict(f"cannot rename {key!r} to {new_key!r}: that key already exists")
        changed = replace_everywhere(tx, key, new, persons=use.persons, source="--set")
        return Edited(new_key, key, changed, new != opened)


def replace_everywhere(tx: store.Transaction, key: str, new: dict[str, Any], *,
                       persons: Sequence[str] | None = None, source: str = "sources") -> list[str]:
    """Put the source ``key`` as ``new`` in the registry and every person carrying it (a new
    key renames it, citations included); the ids of the persons that changed."""
    # (in its stored form, with the defaults the persons' copies get: two forms of one source
    # are a clash, which stopped every later edit of the persons citing it)
    new = _validated(new, source=source)
    new_key = new["key"]
    if persons is None:
        persons = writing.carriers(tx, key)
    records = [copy.deepcopy(tx[pid]) for pid in persons]
    for record in records:
        record["sources"] = [new if s["key"] == key else s for s in record["sources"]]
        if new_key != key:
            for _, claim in rules.claims(record):
                claim["sources"] = [new_key if k == key else k for k in claim.get("sources") or ()]
    changed = _store(tx, records, source=source)
    if new_key != key:
        tx.delete_source(key)
    tx.put_source(new)
    return changed


# --- rm -------------------------------------------------------------------------


@dataclass
class Removed:
    key: str
    persons: list[str]          # records the source was removed from
    uncited: list[Citation]     # citations removed (--force)
    unsourced: list[Citation]   # of those, claims left with no source at all

    def summary(self) -> list[str]:
        lines = [f"removed source {self.key} from {len(self.persons)} record(s): " + _ids(self.persons)
                 if self.persons else f"removed source {self.key} (no record carried it)"]
        lines += [f"removed citation: {c.person} {c.path}" for c in self.uncited]
        lines += [f"warning: {c.person} {c.path} is now unsourced" for c in self.unsourced]
        return lines


def remove_source(db: Path, key: str, *, force: bool = False) -> Removed:
    """Remove a source from every record; refuse while a claim cites it, unless ``force``."""
    with writing.transaction(db) as tx:
        use = _use(tx, key)
        if use.claims and not force:
            raise Conflict(
                f"source {key!r} is cited by {len(use.claims)} claim(s); nothing removed "
                "(--force removes the citations too)",
                details=[f"  {c.person}  {c.path}" for c in use.claims],
            )
        unsourced = []
        records = [copy.deepcopy(tx[pid]) for pid in use.persons]
        for record in records:
            record["sources"] = [s for s in record["sources"] if s["key"] != key]
            for path, claim in rules.claims(record):
                if key in (claim.get("sources") or ()):
                    claim["sources"] = [k for k in claim["sources"] if k != key]
                    if not claim["sources"]:
                        unsourced.append(Citation(record["id"], path))
        _store(tx, records, source="sources rm")
        tx.delete_source(key)
        return Removed(key, use.persons, use.claims, unsourced)


def _ids(ids: Sequence[str], shown: int = 10) -> str:
    more = f" and {len(ids) - shown} more" if len(ids) > shown else ""
    return ", ".join(ids[:shown]) + more
