"""Persons one at a time: resolve a reference, add, show, list, edit, remove, merge, search, check.

Each function takes the database path and plain arguments, and returns stored
records (dicts in the canonical form) or small dataclasses; nothing prints.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from dossier import store
from dossier.api import sealing, writing
from dossier.errors import (
    ChangedSince,
    Conflict,
    InvalidInput,
    NotFound,
    NotFoundDidYouMean,
    Problem,
    StorageError,
    quoted,
)
from dossier.model import rules
from dossier.model.ids import SLUG_RE, unique_id

if TYPE_CHECKING:
    from dossier import names
    from dossier.api.checks import Finding
    from dossier.api.merging import MergeResult
    from dossier.api.served import ServedFilter
    from dossier.store import Snapshot

Record = dict[str, Any]


# --- resolving references -------------------------------------------------


def resolve(snapshot: Snapshot, ref: str, *, spelling: bool = True) -> Record:
    """Find one person by id, merged id, exact name or alias, then folded name.

    Several candidates raise ``Conflict`` (exit 5) listing them; none raises
    ``NotFound`` (exit 3). A REF shaped like an id (``kaveh-nadiri``: lowercase letters,
    digits, hyphens) is only an id (or one merged into a person): never a name, so a
    mistyped or removed id names no one else (``rm``, ``edit`` of the wrong person).
    Without ``spelling`` (what removes or merges away a person) only the person's own id
    or exact name counts: an id merged into another names that other person only for
    reading. The persons a spelling finds are suggested when nothing else matched.
    """
    record = snapshot.get(ref)
    if record is not None:
        return record
    records = snapshot.all()
    id_shaped = SLUG_RE.fullmatch(ref) is not None
    finders = [] if id_shaped else [_by_exact_name]
    if spelling:
        finders.insert(0, _by_merged_id)
        if not id_shaped:
            finders.append(_by_folded_name)
    for finder in finders:
        hits = finder(records, ref)
        if len(hits) == 1:
            return hits[0]
        if hits:
            raise Conflict(
                f"{quoted(ref)} matches {len(hits)} persons; use an id",
                details=[f"  {h['id']}  {h['name']}" for h in hits],
            )
    merged = [] if spelling else _by_merged_id(records, ref)
    if merged:
        raise NotFound(f"{quoted(ref)} was merged into {merged[0]['id']} ({merged[0]['name']}); give that id "
                       "if it is that person you mean")
    # (folding every name again only where the spelling was not looked for: it found none)
    alike = [] if _by_folded_name in finders else _by_folded_name(records, ref)
    if id_shaped:  # (an id-shaped name or alias: "bahram" for Bahram Sayyad's alias "Bahram")
        alike += [r for r in _by_exact_name(records, ref) if r not in alike]
    if alike:
        what = "with id" if id_shaped else "named"
        raise NotFoundDidYouMean(f"no person {what} {quoted(ref)}; did you mean "
                                 + ", ".join(f"{h['id']} ({h['name']})" for h in alike[:5]) + "?")
    removal = _removal(snapshot, ref) if id_shaped else None
    if removal is not None:
        raise NotFound(f"no person {quoted(ref)}: removed on {str(removal.get('at'))[:10]} by "
                       f"{removal.get('actor')} (`dossier log {ref}`)")
    raise NotFound(f"no person {quoted(ref)} (try `dossier search {quoted(ref)}`)")


def _removal(snapshot: Snapshot, person_id: str) -> Record | None:
    """The history entry that removed ``person_id``, if that is the last thing it holds of it."""
    for line in snapshot.history_with([b'"id":' + orjson.dumps(person_id)]):
        entry: Record = orjson.loads(line)
        if entry.get("kind") == "person" and entry.get("id") == person_id:
            return entry if entry.get("op") == "removed" else None
    return None


def _by_merged_id(records: list[Record], ref: str) -> list[Record]:
    return [r for r in records if ref in r.get("merged_ids", ())]


def _by_exact_name(records: list[Record], ref: str) -> list[Record]:
    from dossier import names

    wanted = ref.strip().casefold()
    return [r for r in records if wanted in {n.casefold() for n in names.record_names(r)}]


def _by_folded_name(records: list[Record], ref: str) -> list[Record]:
    from dossier import names

    key = names.match_key
    # Folded, honorifics set aside, spaces removed: "Pour Mohammadi" meets "Pourmohammadi".
    wanted = key(ref)
    if not wanted:
        return []
    return [r for r in records if wanted in {key(n) for n in names.record_names(r)}]


def show(db: Path, ref: str) -> Record:
    """The stored record of one person, its sealed content opened if this user can
    (``api.sealing``: else it reads "withheld (encrypted)")."""
    snapshot = store.read(db)
    return sealing.open_person(snapshot, resolve(snapshot, ref))


# --- listing ---------------------------------------------------------------


def list_persons(
    db: Path,
    *,
    tag: str | None = None,
    status: str | None = None,
    query: str | None = None,
    limit: int | None = None,
    served_at: str | None = None,
    served_in: str | None = None,
    today: date | None = None,
) -> Sequence[Record]:
    """Stored records in id order, filtered; no validation (the store holds valid data).

    Unfiltered, the records are parsed only if used: their NDJSON is the stored bytes.
    ``served_at``/``served_in`` keep the persons with a post matching them
    (``dossier.api.served``; ``today``: the day a current post is held, default the
    current date); each record is then a copy with one more key, ``served``: the
    posts that matched, ``[{"path": "role_1988", "post": "Title (Organization, Place)"}]``.
    """
    wanted = served_or_none(served_at, served_in, today)
    snapshot = store.read(db)
    if tag is None and status is None and not query and limit is None and wanted is None:
        return store.Persons(snapshot)
    records = snapshot.all()
    if tag is not None:
        records = [r for r in records if tag in r.get("tags", ())]
    if status is not None:
        records = [r for r in records if r.get("status") == status]
    if query:
        needle = query.casefold()
        records = [r for r in records if needle in _haystack(r)]
    if wanted is not None:
        records = [{**r, "served": [s.as_dict() for s in served]} for r, served in wanted.select(records)]
    return records[:limit] if limit is not None else records


def _haystack(record: Record) -> str:
    from dossier import names

    parts = [*names.record_names(record), record["id"], *record.get("tags", ())]
    for key in ("role_1988", "current_post"):
        post = record.get(key) or {}
        parts += [post.get("title") or "", post.get("organization") or "", post.get("place") or ""]
    return "\n".join(parts).casefold()


def served_or_none(served_at: str | None, served_in: str | None,
                   today: date | None = None) -> ServedFilter | None:
    """The ``--served-at``/``--in`` filter (``served.served_filter``); None when neither is
    given, and then its module is not even imported (a search need not wait for it)."""
    if served_at is None and served_in is None:
        return None
    from dossier.api.served import served_filter

    return served_filter(served_at, served_in, today=today)


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
    sources: list[tuple[str, str]] = field(default_factory=list)  # (url, title): new sources
    source_keys: list[str] = field(default_factory=list)  # sources already in the database
    tags: list[str] = field(default_factory=list)
    born: str | None = None
    died: str | None = None
    narrative: str | None = None
    confidence: str | None = None  # of the posts given (the model's default when None)


class _Taken:
    """The ids of the persons stored and the ids merged away."""

    def __init__(self, tx: Snapshot, retired: frozenset[str]) -> None:
        self.tx, self.retired = tx, retired

    def __contains__(self, key: object) -> bool:
        return key in self.retired or key in self.tx


def add(db: Path, new: NewPerson, *, calendar: str = "gregorian",
        notify: Callable[[str], None] | None = None) -> Record:
    """Add one person; the posts given cite every source given, so none is unsourced.

    Sources are the ones already in the database named by ``source_keys`` (an unknown
    key is ``NotFound``), then the new ones given by URL and title.

    The person is added even when it looks like one already stored, or when a claim has
    no source; ``notify`` is told (``likely duplicate of …``, ``unsourced claim: …``).
    """
    from dossier import names
    from dossier.api import nameindex
    from dossier.model.bulk import in_parallel

    if notify is not None:
        # Looking for likely duplicates needs the name index, not the lock: it runs on the
        # other core while this one validates and writes (started before Pydantic is
        # imported, so that its work overlaps that import rather than the copy of the file).
        before = store.read(db)
        given = [new.name, *([new.native_name] if new.native_name else []), *new.aliases]
        alike = in_parallel(lambda: likely_duplicates(before, given))
    from dossier.model.person import dump, validate_person
    with writing.transaction(db) as tx:
        sources: list[Record] = []
        for key in dict.fromkeys(new.source_keys):
            found = tx.source(key)
            if found is None:
                raise NotFound(f"no source {key!r} in the database (see `dossier sources list`; "
                               "a new source is given with --source-url and --source-title)")
            sources.append(found)
        for url, title in new.sources:
            key = writing.new_source_key(tx, {"title": title, "url": url}, (s["key"] for s in sources))
            if all(s["key"] != key for s in sources):  # a source named twice is cited once
                sources.append(tx.source(key) or {"key": key, "title": title, "url": url})
        data: Record = {"name": new.name, "aliases": new.aliases, "tags": new.tags}
        if new.native_name:
            data["native_name"] = new.native_name
        for key in ("status", "born", "died", "narrative"):
            if getattr(new, key):
                data[key] = getattr(new, key)
        for key in ("role_1988", "current_post"):
            post = getattr(new, key)
            if post:
                data[key] = {**post, "sources": [s["key"] for s in sources]}
                if new.confidence:
                    data[key]["confidence"] = new.confidence
        data["sources"] = sources
        record = dump(validate_person(data, source="add", calendar=calendar))
        _begun_by_today(record)
        retired = tx.retired_ids()
        if new.id is None:
            # A Persian name gives a readable id (its romanisation, with vowels).
            record["id"] = unique_id(names.readable_slug(record["name"]), _Taken(tx, retired))
        else:
            record = dump(validate_person({**record, "id": new.id}, source="--id"))
            if record["id"] in tx:
                raise Conflict(f"id {record['id']!r} already exists")
            if record["id"] in retired:
                raise Conflict(f"id {record['id']!r} was merged into another person and stays theirs: "
                               "give another id")
        record["created"] = record["updated"] = rules.now_stamp()
        writing.put_person(tx, record)
    if notify is not None:
        found = alike() or {}
        # The child makes the name index anew when it is missing or stale (after an import of
        # many persons) and saves it for the state before this write, which may be after the
        # write appended to it: appended now (once: a no-op when it was), or every add would
        # make the index anew (seconds at 100,000 persons).
        nameindex.update(tx)
        for warning in entry_warnings(record, found):
            notify(f"warning: {warning}")
    return record


def _begun_by_today(record: Record) -> None:
    """Refuse a birth, a death or a confirmation of the current post dated after today, as
    the prompts of ``add`` do (``review.checked_day``): the flags take the same answers."""
    today = rules.today()
    post = record.get("current_post") or {}
    for path, holder, key in (("born", record, "born"), ("died", record, "died"),
                              ("current_post.as_of", post, "as_of")):
        value = holder.get(key)
        if value and rules.earliest_day(value) > today:
            raise InvalidInput(Problem(f"{rules.written_as(holder, key) or value} is after today "
                                       f"({today.isoformat()})",
                                       field=path, source="add"))


DUPLICATE_SCORE = 90  # as check's W-DUPLICATE


def likely_duplicates(snapshot: store.Snapshot, given: Sequence[str]) -> dict[str, int]:
    """Persons whose names score at least ``DUPLICATE_SCORE`` against one of ``given``: id ->
    the best score (by the name index, so cheap)."""
    from dossier.api import nameindex

    found: dict[str, int] = {}
    for hits in nameindex.search(snapshot, given, limit=5, threshold=DUPLICATE_SCORE):
        for hit in hits:
            found[hit.id] = max(found.get(hit.id, 0), hit.score)
    return found


def entry_warnings(record: Record, alike: dict[str, int]) -> list[str]:
    """What a researcher should know about a person just entered: the likely duplicates
    found (``likely_duplicates``), and claims without a source."""
    out = [f"{record['id']} is a likely duplicate of {pid} (score {score}); "
           f"if they are one person: dossier merge {pid} {record['id']}"
           for pid, score in alike.items()
           if pid != record["id"] and rules.distinct_note(record, pid) is None]
    out += [f"unsourced claim: {path}" for path, claim in rules.claims(record) if not rules.cited_keys(claim)]
    return out


# --- edit ------------------------------------------------------------------


def edit(db: Path, ref: str, assignments: Sequence[str], *, calendar: str = "gregorian",
         notify: Callable[[str], None] | None = None) -> Record | None:
    """Apply ``FIELD=VALUE`` / ``FIELD+=VALUE`` assignments; None if nothing changed.

    A post or associate link appended (``posts+=…``) that is identical to one the record
    has adds nothing, and ``notify`` says so.
    """
    from dossier.api.assign import apply_assignments
    from dossier.model.person import dump, validate_person

    with writing.transaction(db) as tx:
        record = sealing.open_person(tx, resolve(tx, ref), to_change=True)
        changed = dump(validate_person(apply_assignments(record, assignments, calendar=calendar),
                                       source="--set"))
        for field in ("posts", "associates"):
            kept = [item for i, item in enumerate(changed[field]) if item not in changed[field][:i]]
            if len(kept) < len(changed[field]):
                changed[field] = kept
                if notify is not None:
                    notify(f"{field}: an identical one is already recorded; nothing added")
        return replace(tx, record, changed, source="--set")


def edit_replace(db: Path, ref: str, new_data: Record, *, base: Record | None = None) -> Record | None:
    """Replace a record with edited data (the ``$EDITOR`` path); None if unchanged.

    ``base`` is the stored record the edit started from: when the record stored now is
    another (someone wrote it meanwhile), nothing is written and ``ChangedSince`` says
    which fields changed, rather than the edit silently undoing them.
    """
    from dossier.api.diff import field_changes

    with writing.transaction(db) as tx:
        record = resolve(tx, ref)
        current = tx.get(record["id"])
        if base is not None and current is not None and current != base:
            paths = [c.path for c in field_changes(rules.own_content(base), rules.own_content(current))]
            raise ChangedSince(
                f"{record['id']} was changed since the editor opened it (now updated {current.get('updated')}"
                f"{': ' + ', '.join(paths) if paths else ''}); the text does not hold that change: "
                "add it, or save the text as it is to replace it", current)
        return replace(tx, record, new_data, source="editor")


def replace(tx: store.Transaction, old: Record, new: Record, *, source: str) -> Record | None:
    """Validate ``new`` as the next version of ``old`` and put it; None if nothing changed.

    The id, the ids merged into it (``merge`` keeps them: an id merged away stays taken,
    and names this person) and the timestamps are not the editor's to change; a source key
    that another record holds with other content is a ``Conflict``.
    """
    from dossier.model.person import dump, validate_person

    new = {**new}
    if new.get("id", old["id"]) != old["id"]:
        raise InvalidInput(Problem("the id cannot be changed by edit", field="id", source=source))
    if new.get("merged_ids", []) != old.get("merged_ids", []):
        raise InvalidInput(Problem("the ids merged into a person are kept by merge; an edit cannot "
                                   "change them", field="merged_ids", source=source))
    new["id"] = old["id"]
    for key in rules.TIMESTAMPS:
        new[key] = old.get(key)
    record = dump(validate_person(new, source=source))
    stored = tx.get(old["id"]) or old
    if rules.content(tx.stored_form("persons", record)) == rules.content(stored):
        return None
    writing.put_person(tx, writing.stamp_changed(tx, record))
    return record


def change(db: Path, person_id: str, how: Any, *, source: str) -> Record | None:
    """Apply ``how(record)`` to a copy of a person's record in its own transaction."""
    with writing.transaction(db) as tx:
        record = tx.get(person_id)
        if record is None:
            raise NotFound(f"no person {person_id!r} (removed meanwhile?)")
        new = copy.deepcopy(record)
        how(new)
        return replace(tx, record, new, source=source)


# --- rm --------------------------------------------------------------------


def removal(db: Path, ref: str) -> tuple[Record, list[str]]:
    """The person ``ref`` names, and the ids of the persons that name it as an associate:
    a removal leaves their links pointing at no one (``check`` reports them; ``merge``
    moves them to the person kept instead)."""
    snapshot = store.read(db)
    record = resolve(snapshot, ref, spelling=False)
    # (a link to an id merged into it reaches it too)
    return record, [p["id"] for p in snapshot.linking_to({record["id"], *record.get("merged_ids", ())})]


def remove(db: Path, ref: str) -> Record:
    """Remove one person; the removed record."""
    with writing.transaction(db) as tx:
        record = resolve(tx, ref, spelling=False)
        tx.delete([record["id"]])
        return record


# --- search / check / merge (names) --------------------------------------------


def search(db: Path, query: str, *, limit: int | None = 10, served_at: str | None = None,
           served_in: str | None = None, today: date | None = None) -> list[names.Hit]:
    """Persons whose names match ``query`` (SPEC §4), best first (through the name index).

    With ``served_at``/``served_in``, only persons with a matching post (as ``list_persons``),
    each hit a ``ServedHit`` that names the posts.
    """
    from dossier.api import nameindex
    from dossier.model.bulk import paused_gc

    wanted = served_or_none(served_at, served_in, today)
    snapshot = store.read(db)
    with paused_gc():
        hits = nameindex.search(snapshot, [query], limit=limit if wanted is None else None)[0]
    if wanted is None:
        return hits
    from dossier.api.served import ServedHit

    out: list[names.Hit] = []
    for hit in hits:
        record = snapshot.get(hit.id)
        served = wanted.matches(record) if record is not None else []
        if served:
            out.append(ServedHit(hit.id, hit.name, hit.matched, hit.score, tuple(served)))
    return out[:limit] if limit is not None else out


def check(db: Path, *, today: date | None = None) -> list[Finding]:
    """Integrity findings; ``today`` (for stale posts) defaults to the current date (``rules.today``).

    A database whose checksum holds and whose every record was validated when written is
    not validated again. Two files beside it keep work for later: the findings of a state
    of the database on a day (``<db>.findings``: checking that same state again that day
    reads them), and what the checks know of each person (``<db>.facts``, ``checks.Facts``),
    to which every write adds the ids it changed: a check after a write looks again at
    those persons only. A write that removes no person and changes no stored person's
    links, sources or names adds them (and the names of the persons it added) to the
    findings too, and the check after it redoes only their findings.
    """
    from dossier.api import checks
    from dossier.model.bulk import paused_gc

    day = rules.today(today)
    try:
        snapshot = store.read(db)
        with paused_gc():
            findings = checks.of_snapshot(snapshot, day)
    except StorageError as exc:
        raise StorageError(exc.message, details=_restore_advice(db)) from None
    evidence = _evidence_findings(db)
    if evidence:  # (errors: among the other errors, in id order, not after the warnings)
        findings = findings + evidence
        checks.sort_findings(findings)
    return findings


def _evidence_findings(db: Path) -> list[Finding]:
    """The evidence copies missing or altered (files change on their own: never remembered)."""
    from dossier.api import checks, evidence

    how = {"missing": f"copy {evidence.folder(db).name}/ from whoever attached it, or attach the "
                      "original again", "altered": "attach the original again to restore it"}
    return [checks.Finding(f"E-EVIDENCE-{d.problem.upper()}", d.key, "evidence",
                           f"evidence {d.name[:12]}…: {d.problem} ({how[d.problem]}: "
                           f"dossier sources attach {d.key} FILE)")
            for d in evidence.verify(db)[1]]


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


def merge(db: Path, keep_ref: str, other_ref: str, *, dry_run: bool = False,
          force: bool = False) -> tuple[Record, MergeResult]:
    """Merge OTHER into KEEP in one transaction (nothing written with ``dry_run``).

    Two persons judged different (``distinct``) are merged only with ``force``.
    """
    from dossier.api.merging import merge_records
    from dossier.model.person import dump, validate_person

    with writing.transaction(db, dry_run=dry_run) as tx:
        keep = sealing.open_person(tx, resolve(tx, keep_ref), to_change=True)
        other = sealing.open_person(tx, resolve(tx, other_ref, spelling=False), to_change=True)
        # OTHER's narrative is appended to KEEP's: a sealed one must be read to be combined.
        sealed = (other if other.get("sealed")
                  else keep if keep.get("sealed") and other.get("narrative") else None)
        if sealed is not None:
            raise sealing.withheld_error(f"{sealed['id']}: the narrative (merging appends one to the other)")
        judged = rules.distinct_note(keep, other["id"])
        if judged is not None and not force:
            why = f" ({judged})" if judged else ""
            raise Conflict(f"{keep['id']} and {other['id']} were judged to be different persons{why}; "
                           "merge them with --force, or first `dossier distinct "
                           f"{keep['id']} {other['id']} --undo`")
        result = merge_records(keep, other, tx.all())
        stamp = rules.now_stamp()
        merged = dump(validate_person(result.record, source="merge"))
        changed = [writing.stamp_changed(tx, merged, stamp=stamp)]
        for record in result.repointed:
            linked = dump(validate_person(record, source=f"merge: {record['id']}"))
            changed.append(writing.stamp_changed(tx, linked, stamp=stamp))
        for record in changed:
            writing.put_person(tx, record)
        tx.delete([other["id"]])
        tx.notes[("persons", other["id"])] = {"merged_into": keep["id"]}
        return merged, result


# --- judged different -------------------------------------------------------------


@dataclass
class Judged:
    """What ``distinct`` did to a pair."""

    a: str
    b: str
    undo: bool
    changed: bool

    def summary(self) -> str:
        if not self.changed:
            return f"{self.a} and {self.b}: no changes"
        if self.undo:
            return f"{self.a} and {self.b} may be the same person again (check reports them if alike)"
        return f"{self.a} and {self.b} are recorded as different persons"


def distinct(db: Path, a_ref: str, b_ref: str, *, note: str | None = None, undo: bool = False) -> Judged:
    """Record on both records that two persons are different people (``undo``: remove that).

    ``check`` then no longer reports the pair as a likely duplicate, and ``merge``
    of the pair needs ``force``. The judgement is part of each record, so it is
    exported and survives every round trip.
    """
    from dossier.model.person import dump, validate_person

    with writing.transaction(db) as tx:
        a, b = resolve(tx, a_ref), resolve(tx, b_ref)
        if a["id"] == b["id"]:
            raise InvalidInput(Problem(f"{a_ref!r} and {b_ref!r} are the same person", field="B"))
        stamp = rules.now_stamp()
        changed = False
        for one, other in ((a, b), (b, a)):
            others = [d for d in one.get("distinct_from") or () if d["id"] != other["id"]]
            if not undo:
                others.append({"id": other["id"], "note": note})
                others.sort(key=lambda d: d["id"])
            record = dump(validate_person({**one, "distinct_from": others}, source="distinct"))
            if rules.content(record) != rules.content(one):
                writing.put_person(tx, writing.stamp_changed(tx, record, stamp=stamp))
                changed = True
        return Judged(a["id"], b["id"], undo, changed)
