"""The core API: one function per command, usable without the CLI.

Functions take the database path, raise ``DossierError`` subclasses, and return
models or plain data; they never print. Writes happen inside one
``store.transaction`` so a command is one atomic, locked change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dossier import names, store
from dossier.errors import Conflict, InvalidInput, NotFound, Problem, StorageError
from dossier.names import slugify, unique_id

if TYPE_CHECKING:
    from dossier import checks
    from dossier import merge as merging
    from dossier.models import Person
    from dossier.store import Snapshot

TIMESTAMPS = ("created", "updated")


def content(record: dict[str, Any]) -> dict[str, Any]:
    """A stored record without the timestamps the tool sets: what "changed" compares."""
    return {k: v for k, v in record.items() if k not in TIMESTAMPS}


# --- resolving references -------------------------------------------------


def resolve(snapshot: Snapshot, ref: str) -> dict[str, Any]:
    """Find one person by id, merged id, exact name or alias, then folded name.

    Several candidates raise ``Conflict`` (exit 5) listing them; none raises
    ``NotFound`` (exit 3).
    """
    record = snapshot.get(ref)
    if record is not None:
        return record
    records = snapshot.all()
    for finder in (_by_merged_id, _by_exact_name, _by_folded_name):
        hits = finder(records, ref)
        if len(hits) == 1:
            return hits[0]
        if hits:
            raise Conflict(
                f"{ref!r} matches {len(hits)} persons; use an id",
                details=[f"  {h['id']}  {h['name']}" for h in hits],
            )
    raise NotFound(f"no person {ref!r} (try `dossier search {ref!r}`)")


def _by_merged_id(records: list[dict[str, Any]], ref: str) -> list[dict[str, Any]]:
    return [r for r in records if ref in r.get("merged_ids", ())]


def _by_exact_name(records: list[dict[str, Any]], ref: str) -> list[dict[str, Any]]:
    wanted = ref.strip().casefold()
    return [r for r in records if wanted in {n.casefold() for n in names.record_names(r)}]


def _by_folded_name(records: list[dict[str, Any]], ref: str) -> list[dict[str, Any]]:
    key = names.match_key
    # Folded, honorifics set aside, spaces removed: "Pour Mohammadi" meets "Pourmohammadi".
    wanted = key(ref)
    if not wanted:
        return []
    return [r for r in records if wanted in {key(n) for n in names.record_names(r)}]


def show(db: Path, ref: str) -> Person:
    from dossier.models import Person

    return Person.model_validate(resolve(store.read(db), ref))


# --- listing ---------------------------------------------------------------


def list_persons(
    db: Path,
    *,
    tag: str | None = None,
    status: str | None = None,
    query: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Stored records in id order, filtered; no validation (the store holds valid data)."""
    records = store.read(db).all()
    if tag is not None:
        records = [r for r in records if tag in r.get("tags", ())]
    if status is not None:
        records = [r for r in records if r.get("status") == status]
    if query:
        needle = query.casefold()
        records = [r for r in records if needle in _haystack(r)]
    return records[:limit] if limit is not None else records


def _haystack(record: dict[str, Any]) -> str:
    parts = [*names.record_names(record), record["id"], *record.get("tags", ())]
    for key in ("role_1988", "current_post"):
        post = record.get(key) or {}
        parts += [post.get("title") or "", post.get("organization") or "", post.get("place") or ""]
    return "\n".join(parts).casefold()


# --- sources shared across the database -------------------------------------


def source_index(records: Iterable[dict[str, Any]]) -> dict[str, tuple[dict[str, Any], str]]:
    """Source key -> (its content, the first person citing it)."""
    index: dict[str, tuple[dict[str, Any], str]] = {}
    for record in records:
        for src in record.get("sources", ()):
            index.setdefault(src["key"], (src, record["id"]))
    return index


def source_clashes(
    record: dict[str, Any], index: dict[str, tuple[dict[str, Any], str]]
) -> list[str]:
    """Keys of ``record`` that the database already holds with other content."""
    clashes = []
    for src in record.get("sources", ()):
        known = index.get(src["key"])
        if known and known[0] != src and known[1] != record["id"]:
            clashes.append(f"source {src['key']!r} differs from the one cited by {known[1]}")
    return clashes


def _source_key(title: str, url: str | None, index: dict[str, Any], taken: set[str]) -> str:
    for key, (src, _) in index.items():
        if src.get("title") == title and src.get("url") == url:
            return key
    return unique_id(slugify(title)[:60].rstrip("-") or "source", taken | set(index))


# --- add -------------------------------------------------------------------


@dataclass
class NewPerson:
    """What ``add`` takes: the SPEC §3 options, already parsed."""

    name: str
    id: str | None = None
    aliases: list[str] = field(default_factory=list)
    native_name: str | None = None
    status: str | None = None
    role_1988: dict[str, Any] | None = None
    current_post: dict[str, Any] | None = None
    sources: list[tuple[str, str]] = field(default_factory=list)  # (url, title)
    tags: list[str] = field(default_factory=list)


def add(db: Path, new: NewPerson, *, calendar: str = "gregorian") -> Person:
    """Add one person; the posts given cite every source given, so none is unsourced."""
    from dossier.models import dump, now_utc, validate_person

    with store.transaction(db) as tx:
        records = tx.all()
        index = source_index(records)
        sources, keys = [], set[str]()
        for url, title in new.sources:
            key = _source_key(title, url, index, keys)
            keys.add(key)
            known = index.get(key)
            sources.append(known[0] if known else {"key": key, "title": title, "url": url})
        data: dict[str, Any] = {"name": new.name, "aliases": new.aliases, "tags": new.tags}
        if new.native_name:
            data["native_name"] = new.native_name
        if new.status:
            data["status"] = new.status
        for key in ("role_1988", "current_post"):
            post = getattr(new, key)
            if post:
                data[key] = {**post, "sources": [s["key"] for s in sources]}
        data["sources"] = sources
        person = validate_person(data, source="add", calendar=calendar)
        if new.id is not None:
            person = _with_id(person, new.id)
            if person.id in tx:
                raise Conflict(f"id {person.id!r} already exists")
        else:
            person.id = unique_id(slugify(person.name), tx)
        stamp = now_utc()
        person.created = person.updated = stamp
        tx.put(dump(person))
        return person


def _with_id(person: Person, person_id: str) -> Person:
    from dossier.models import dump, validate_person

    return validate_person({**dump(person), "id": person_id}, source="--id")


# --- edit ------------------------------------------------------------------


def edit_assignments(
    db: Path, ref: str, assignments: Sequence[str], *, calendar: str = "gregorian"
) -> Person | None:
    """Apply ``FIELD=VALUE`` / ``FIELD+=VALUE`` assignments; None if nothing changed."""
    from dossier.assign import apply_assignments

    with store.transaction(db) as tx:
        record = resolve(tx, ref)
        changed = apply_assignments(record, assignments)
        if calendar == "jalali":
            _jalali_dates(changed, assignments)
        return _replace(tx, record, changed, source="--set")


_DATE_FIELDS = frozenset(["born", "died", "start", "end", "as_of"])


def _jalali_dates(record: dict[str, Any], assignments: Sequence[str]) -> None:
    """Read the dates *assigned* by ``--set`` as Solar Hijri (Persian digits welcome).

    Only those: the record's other dates are Gregorian, so validating the whole
    record in the Jalali calendar would misread them. The text is kept in
    ``dates_as_written`` as ``add --calendar jalali`` keeps it.
    """
    from dossier import jalali
    from dossier.assign import _ASSIGNMENT, _steps

    for text in assignments:
        m = _ASSIGNMENT.fullmatch(text)
        steps = _steps(m["path"]) if m and m["op"] == "=" else []
        if not steps or steps[-1] not in _DATE_FIELDS:
            continue
        parent: Any = record
        for step in steps[:-1]:
            parent = parent[step]
        value, name = parent.get(steps[-1]), str(steps[-1])
        if not isinstance(value, str) or not value.strip():
            continue
        try:
            parent[name] = jalali.solar_hijri_to_partial(value, jalali=True)
        except ValueError as exc:
            raise InvalidInput(Problem(str(exc), field=m["path"], source="--set")) from None  # type: ignore[index]
        parent["dates_as_written"] = {**(parent.get("dates_as_written") or {}), name: value.strip()}


def edit_replace(db: Path, ref: str, new_data: dict[str, Any]) -> Person | None:
    """Replace a record with edited data (the ``$EDITOR`` path); None if unchanged."""
    with store.transaction(db) as tx:
        record = resolve(tx, ref)
        return _replace(tx, record, new_data, source="editor")


def _replace(tx: store.Transaction, old: dict[str, Any], new: dict[str, Any], *, source: str):
    from dossier.models import dump, now_utc, validate_person

    new = {**new}
    if new.get("id", old["id"]) != old["id"]:
        raise InvalidInput(Problem("the id cannot be changed by edit", field="id", source=source))
    new["id"] = old["id"]
    for key in TIMESTAMPS:
        new[key] = old.get(key)
    person = validate_person(new, source=source)
    clashes = source_clashes(dump(person), source_index(r for r in tx.all() if r["id"] != old["id"]))
    if clashes:
        raise Conflict(clashes[0], details=clashes[1:])
    if content(dump(person)) == content(old):
        return None
    person.updated = now_utc()
    tx.put(dump(person))
    return person


def editable(db: Path, ref: str) -> dict[str, Any]:
    """The stored record, for the editor."""
    return resolve(store.read(db), ref)


# --- rm --------------------------------------------------------------------


def remove(db: Path, ref: str) -> dict[str, Any]:
    with store.transaction(db) as tx:
        record = resolve(tx, ref)
        tx.delete([record["id"]])
        return record


# --- search / check / merge (names) --------------------------------------------


def search(db: Path, query: str, *, limit: int | None = 10) -> list[names.Hit]:
    """Persons whose names match ``query`` (SPEC §4), best first; stored dicts, no validation."""
    return names.search(store.read(db).all(), query, limit=limit)


def check(db: Path, *, today: date | None = None) -> list[checks.Finding]:
    """Integrity findings; ``today`` (for stale posts) defaults to the real date."""
    from dossier import checks as checks_

    try:
        snapshot = store.read(db)
    except StorageError as exc:
        raise StorageError(exc.message, details=_restore_advice(db)) from None
    items = ((key, snapshot.get(key)) for key in snapshot.ids())  # consumed with the GC paused
    return checks_.run(items, today=today or date.today())  # type: ignore[arg-type]


def _restore_advice(db: Path) -> list[str]:
    bak = store.backup_path(db)
    if not bak.exists():
        return [f"  no backup {bak.name} exists next to it; restore the file from your own copies"]
    problem = store.probe(bak)
    if problem:
        return [f"  the backup {bak} is unreadable too: {problem}"]
    return [
        f"  {bak} holds the version before the last write and is readable; to restore it:",
        f"    cp {bak} {db}   (keep a copy of the damaged file first if you want to inspect it)",
    ]


def merge(
    db: Path, keep_ref: str, other_ref: str, *, dry_run: bool = False
) -> tuple[Person, merging.MergeResult]:
    """Merge OTHER into KEEP in one transaction (nothing written with ``dry_run``)."""
    from dossier import merge as merging_
    from dossier.models import dump, now_utc, validate_person

    with store.transaction(db, dry_run=dry_run) as tx:
        keep, other = resolve(tx, keep_ref), resolve(tx, other_ref)
        result = merging_.merge_records(keep, other, tx.all())
        stamp = now_utc()
        person = validate_person(result.record, source="merge")
        person.updated = stamp
        changed = [dump(person)]
        for record in result.repointed:
            linked = validate_person(record, source=f"merge: {record['id']}")
            linked.updated = stamp
            changed.append(dump(linked))
        tx.put_many(changed)
        tx.delete([other["id"]])
        return person, result
