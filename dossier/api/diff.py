"""What changed between two states of the database: persons added, removed, changed.

``diff_records(old, new)`` is pure (lists of stored/exported person dicts in,
a ``Diff`` out); ``render_text`` and ``render_markdown`` turn a ``Diff`` into a
report or a changelog page (``profiles --changelog`` can call them too).

Field by field, with dotted paths (``role_1988.title``, ``current_post.as_of``):

* the tool's timestamps (``created``, ``updated``) are not changes, nor is
  ``dates_as_written`` (a changed date shows as its Gregorian value);
* a missing field, ``null``, ``[]``, ``{}`` and ``""`` are all "empty", so an
  export written before a field existed does not show it as changed;
* lists of text (``aliases``, ``tags``, a claim's ``sources``) are compared as
  sets: each item added or removed is one change; a pure reordering is one;
* ``sources`` are matched by ``key`` and ``associates`` by ``id``, so the path
  names them: ``sources[un-report-1989].url``, ``associates[kaveh-namdar]``;
* ``posts`` have no key: identical posts pair first, then posts with the same
  title and organization, then the same title; the rest are added/removed.
  Paths carry the new index (``posts[1].end``), a removed post its old one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from dossier import store
from dossier.errors import InvalidInput, Problem, UsageError
from dossier.interchange import format_of, read_bytes
from dossier.model import jalali, rules

# The tool's timestamps are not changes; nor is ``dates_as_written``, the display
# form of a date (a changed date shows as such, in Gregorian).
IGNORED = frozenset(["created", "updated", "dates_as_written"])
_KEYED = {"sources": "key", "associates": "id"}
_LONG = 80


@dataclass(frozen=True)
class Change:
    path: str
    kind: str  # "changed", "added" (old is None) or "removed" (new is None)
    old: Any = None
    new: Any = None


@dataclass
class PersonChange:
    id: str
    name: str
    changes: list[Change] = field(default_factory=list)


@dataclass
class Diff:
    added: list[dict[str, Any]] = field(default_factory=list)     # {"id", "name"}
    removed: list[dict[str, Any]] = field(default_factory=list)   # {"id", "name"[, "merged_into"]}
    changed: list[PersonChange] = field(default_factory=list)
    since: str = ""               # what the new state is compared with, for headings
    removed_known: bool = True    # False for --since: the database no longer has them
    fields_known: bool = True     # False for --since: only that a person changed

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def counts(self) -> str:
        return f"{len(self.added)} added, {len(self.removed)} removed, {len(self.changed)} changed"

    def to_json(self) -> dict[str, Any]:
        return {
            "since": self.since,
            "added": self.added,
            "removed": self.removed,
            "changed": [asdict(c) for c in self.changed],
            "removed_known": self.removed_known,
            "fields_known": self.fields_known,
        }


def _who(record: dict[str, Any]) -> dict[str, Any]:
    return {"id": record["id"], "name": record.get("name", "")}


def diff_records(old: Sequence[dict[str, Any]], new: Sequence[dict[str, Any]], *, since: str = "") -> Diff:
    """Persons of ``new`` not in ``old`` (added), the reverse (removed), and field changes.

    Persons are matched by id. A removed id that a new record lists in
    ``merged_ids`` is reported as merged into that record.
    """
    before = {r["id"]: r for r in old}
    after = {r["id"]: r for r in new}
    merged_into = {mid: r["id"] for r in new for mid in r.get("merged_ids") or ()}
    out = Diff(since=since)
    for pid in sorted(after.keys() - before.keys()):
        out.added.append(_who(after[pid]))
    for pid in sorted(before.keys() - after.keys()):
        entry = _who(before[pid])
        if pid in merged_into:
            entry["merged_into"] = merged_into[pid]
        out.removed.append(entry)
    for pid in sorted(before.keys() & after.keys()):
        changes: list[Change] = []
        _diff_dict("", before[pid], after[pid], changes)
        if changes:
            out.changed.append(PersonChange(pid, after[pid].get("name", ""), changes))
    return out


def touched_since(records: Iterable[dict[str, Any]], since: str) -> Diff:
    """Persons touched at or after ``since`` (an ISO date or datetime, UTC).

    Added: created then; changed: created before, updated then. Neither what
    changed nor who was removed can be known without the earlier state.
    """
    out = Diff(since=since, removed_known=False, fields_known=False)
    for record in sorted(records, key=lambda r: r["id"]):
        if (record.get("updated") or "") < since:
            continue
        if (record.get("created") or "") >= since:
            out.added.append(_who(record))
        else:
            out.changed.append(PersonChange(record["id"], record.get("name", "")))
    return out


def field_changes(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """The changes from one version of a record to the next, field by field (as ``diff`` shows them)."""
    changes: list[Change] = []
    _diff_dict("", old, new, changes)
    return changes


# --- comparing values -------------------------------------------------------


def _empty(value: Any) -> bool:
    return value is None or value == [] or value == {} or value == ""


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _diff_dict(path: str, old: dict[str, Any], new: dict[str, Any], out: list[Change]) -> None:
    keys = list(new) + [k for k in old if k not in new]
    for key in keys:
        if key in IGNORED:
            continue
        _diff_value(_join(path, key), old.get(key), new.get(key), out, name=key)


def _diff_value(path: str, old: Any, new: Any, out: list[Change], *, name: str = "") -> None:
    if old == new or (_empty(old) and _empty(new)):
        return
    if isinstance(old, dict) and isinstance(new, dict):
        _diff_dict(path, old, new, out)
    elif isinstance(old, list | type(None)) and isinstance(new, list | type(None)) and (
        old is not None or new is not None
    ):
        _diff_list(path, old or [], new or [], out, name=name)
    elif _empty(old):
        out.append(Change(path, "added", None, new))
    elif _empty(new):
        out.append(Change(path, "removed", old, None))
    else:
        out.append(Change(path, "changed", old, new))


def _diff_list(path: str, old: list[Any], new: list[Any], out: list[Change], *, name: str) -> None:
    if all(not isinstance(v, dict | list) for v in [*old, *new]):
        gone = [v for v in old if v not in new]
        came = [v for v in new if v not in old]
        out += [Change(path, "removed", v, None) for v in gone]
        out += [Change(path, "added", None, v) for v in came]
        if not gone and not came:
            out.append(Change(path, "changed", old, new))  # same items, new order
        return
    key = _KEYED.get(name)
    if key and all(isinstance(v, dict) and key in v for v in [*old, *new]):
        before = {v[key]: v for v in old}
        after = {v[key]: v for v in new}
        for k in [*after, *(k for k in before if k not in after)]:
            item_path = f"{path}[{k}]"
            if k not in before:
                out.append(Change(item_path, "added", None, after[k]))
            elif k not in after:
                out.append(Change(item_path, "removed", before[k], None))
            else:
                _diff_value(item_path, before[k], after[k], out)
        return
    for i, j in _pair(old, new):
        if i is None:
            out.append(Change(f"{path}[{j}]", "added", None, new[j]))  # type: ignore[index]
        elif j is None:
            out.append(Change(f"{path}[{i}]", "removed", old[i], None))
        else:
            _diff_value(f"{path}[{j}]", old[i], new[j], out)


def _pair(old: list[Any], new: list[Any]) -> list[tuple[int | None, int | None]]:
    """Pairs of (old index, new index) for keyless items; None on one side: added/removed."""
    free_old = list(range(len(old)))
    pairs: list[tuple[int | None, int | None]] = []
    unmatched: list[int] = []
    for j, item in enumerate(new):
        i = next((i for i in free_old if old[i] == item), None)
        if i is None:
            unmatched.append(j)
        else:
            free_old.remove(i)
            pairs.append((i, j))

    def same(a: Any, b: Any, fields: tuple[str, ...]) -> bool:
        return isinstance(a, dict) and isinstance(b, dict) and all(a.get(f) == b.get(f) for f in fields)

    for fields in (("title", "organization"), ("title",)):
        for j in list(unmatched):
            i = next((i for i in free_old if same(old[i], new[j], fields)), None)
            if i is not None:
                free_old.remove(i)
                unmatched.remove(j)
                pairs.append((i, j))
    pairs += [(None, j) for j in unmatched] + [(i, None) for i in free_old]
    return sorted(pairs, key=lambda p: (p[1] if p[1] is not None else len(new) + (p[0] or 0)))


# --- the `diff` command -----------------------------------------------------


def diff_export(db: Path, path: str, *, stdin: BinaryIO | None = None) -> Diff:
    """The database now against an earlier ``export --format json`` (or ndjson; ``-``: stdin),
    a YAML or CSV export, or a folder of ``export --split`` (a team's ``records/``)."""
    if path != "-" and (Path(path).is_dir() or format_of(path) in ("yaml", "csv")):
        return diff_records(_imported(path), store.read(db).all(), since=Path(path).name)
    data, source = read_bytes(path, stdin)
    old = read_export(data, source)
    if not all(map(_complete, old)):
        old = [_canonical(r) for r in old]
    return diff_records(old, store.read(db).all(), since=Path(source).name if path != "-" else source)


def _imported(path: str) -> list[dict[str, Any]]:
    """The persons of ``path`` as an import into an empty database holds them (the sources
    of a split folder inlined, every record validated; bad input is the import's error)."""
    import tempfile

    from dossier.api.transfer import import_path

    with tempfile.TemporaryDirectory(prefix="dossier-diff-") as scratch:
        old = Path(scratch) / "old.json"
        import_path(old, path)
        return store.read(old).all()


def read_export(data: bytes, source: str) -> list[dict[str, Any]]:
    """Persons of a JSON export (an array, or ``{"persons": [...]}``) or of NDJSON."""
    import orjson

    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        doc = _ndjson(data)
        if doc is None:
            raise InvalidInput(Problem(f"not a JSON export: {exc}", source=source)) from None
    if isinstance(doc, dict) and isinstance(doc.get("persons"), list):
        doc = doc["persons"]
    if not isinstance(doc, list):
        raise InvalidInput(Problem('expected a JSON array of persons, or {"persons": [...]}',
                                   source=source))
    bad = [i for i, r in enumerate(doc) if not (isinstance(r, dict) and isinstance(r.get("id"), str))]
    if bad:
        raise InvalidInput([Problem("not a person with an id", source=source, field=f"[{i}]")
                            for i in bad[:20]])
    return doc


def _ndjson(data: bytes) -> list[Any] | None:
    import orjson

    try:
        return [orjson.loads(line) for line in data.splitlines() if line.strip()]
    except orjson.JSONDecodeError:
        return None


def _complete(record: dict[str, Any]) -> bool:
    """Whether a record has every field the store writes (an export of this version):
    then it needs no validation pass, the costly part of a diff of a large export."""
    from dossier.model.person import Person, Post, Source

    posts = [record.get(k) for k in ("role_1988", "current_post")] + list(record.get("posts") or [])
    return (record.keys() >= Person.model_fields.keys()
            and all(p.keys() >= Post.model_fields.keys() for p in posts if isinstance(p, dict))
            and all(isinstance(s, dict) and s.keys() >= Source.model_fields.keys()
                    for s in record.get("sources") or ()))


def _canonical(record: dict[str, Any]) -> dict[str, Any]:
    """The record as the store would hold it (defaults filled in), so an older
    export's missing fields are not changes; left as is if it no longer validates."""
    from dossier.model.person import dump, validate_person

    try:
        return dump(validate_person(record))
    except InvalidInput:
        return record


def diff_since(db: Path, since: str) -> Diff:
    """Persons added or changed at or after ``since`` (YYYY, YYYY-MM, YYYY-MM-DD or an ISO datetime)."""
    return touched_since(store.read(db).all(), since_stamp(since))


def since_stamp(text: str) -> str:
    """``--since``: a partial date, or an ISO date-time made a UTC timestamp (``...Z``)."""
    from datetime import UTC, datetime

    text = text.strip()
    if "T" in text or " " in text:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            moment = None
        if moment is not None:
            moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
            return rules.stamp(moment.replace(microsecond=0))
    try:
        if jalali.is_solar_hijri(text):  # from the day it starts: SH1367 is 1988-03-21 on
            return jalali.solar_hijri_to_partial(text, first_day=True)
        return rules.check_partial_date(text)
    except ValueError as exc:  # (an option's value: a usage error, as --in's and --today's are)
        raise UsageError(f"--since: {exc} (or an ISO date and time)") from None
