"""Every fast path gives what its slow path gives: records streamed from the stored lines,
the name index kept beside the database, check without validation, from the facts kept
beside the database and followed through writes, and its memo.

Databases are generated (hypothesis) and written through the real api; the slow paths
validate every record and fold every name again.
"""

from __future__ import annotations

import contextlib
import tempfile
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError
from pydantic_core import SchemaValidator, core_schema

from dossier import api, names, store
from dossier.api import checks, nameindex
from dossier.errors import Conflict, InvalidInput
from dossier.model import person
from dossier.model.person import dump, validate_many

GIVEN = ["Dariush", "Kaveh", "Bahman", "Arash", "Jamshid", "Hossein", "Mehdi", "Mahdi", "داریوش", "کاوه"]
FAMILY = ["Fakeri", "Nadiri", "Ghaffarzadeh", "Abedi", "Nourbakhsh", "Mohammadi", "Ahmadi", "فاکری", "نادری"]
DAYS = st.sampled_from(["1988", "1988-07", "2019-01", "2024-05-31", None])


@st.composite
def people(draw: st.DrawFn) -> list[dict[str, Any]]:
    out = []
    for i in range(draw(st.integers(1, 12))):
        name = f"{draw(st.sampled_from(GIVEN))} {draw(st.sampled_from(FAMILY))}"
        source = {"key": f"report-{draw(st.integers(0, 3))}", "title": "Report", "kind": "report"}
        cited = draw(st.booleans())
        person: dict[str, Any] = {
            "id": f"p-{i}", "name": name,
            "aliases": draw(st.lists(st.sampled_from(GIVEN + FAMILY), max_size=2, unique=True)),
            "status": draw(st.sampled_from(["alive", "deceased", "unknown"])),
            "sources": [source],
            "role_1988": {"title": "Judge", "sources": [source["key"]] if cited else []},
        }
        if draw(st.booleans()):
            person["current_post"] = {"title": "Head", "as_of": draw(DAYS), "sources": [source["key"]]}
        if i and draw(st.booleans()):
            other = draw(st.sampled_from([j for j in range(i + 3) if j != i]))  # perhaps no one
            person["associates"] = [{"id": f"p-{other}", "sources": [source["key"]]}]
        out.append(person)
    return out


def load(db: Path, records: list[dict[str, Any]]) -> None:
    source = db.with_suffix(".ndjson")
    source.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    api.import_path(db, source, on_conflict="update")


WRITES = st.one_of(
    st.tuples(st.just("alias"), st.integers(0, 11), st.sampled_from(GIVEN + FAMILY)),
    st.tuples(st.just("post"), st.integers(0, 11), DAYS),
    st.tuples(st.just("cite"), st.integers(0, 11), st.none()),
    st.tuples(st.just("tag"), st.integers(0, 11), st.sampled_from(["tabriz", "evin"])),
    st.tuples(st.just("rm"), st.integers(0, 11), st.none()),
    st.tuples(st.just("merge"), st.integers(0, 11), st.integers(0, 11)),
    st.tuples(st.just("distinct"), st.integers(0, 11), st.integers(0, 11)),
    st.tuples(st.just("add"), st.integers(0, 14),
              st.tuples(st.sampled_from(GIVEN), st.sampled_from(FAMILY), st.integers(0, 4),
                        st.sampled_from(["Report", "Other"]))),
)


def write(db: Path, what: str, i: int, value: Any) -> None:
    """One write through the api, when the persons it names exist (or, to add one, not)."""
    ids = set(store.read(db).ids())
    if what == "add":
        if f"p-{i}" not in ids:
            with contextlib.suppress(Conflict):  # a source key the database holds as another source
                api.import_path(db, _added(db, i, *value), on_conflict="update")
        return
    if f"p-{i}" not in ids:
        return
    if what == "alias":
        api.edit(db, f"p-{i}", [f"aliases+={value}"])
    elif what == "post":
        dated = [f"current_post.as_of={value}"] if value else []
        api.edit(db, f"p-{i}", ["current_post.title=Head", *dated])
    elif what == "cite":  # the 1988 role cites the person's source (if it did not)
        key = store.read(db)[f"p-{i}"]["sources"][0]["key"]
        api.edit(db, f"p-{i}", [f"role_1988.sources+={key}"])
    elif what == "tag":
        api.edit(db, f"p-{i}", [f"tags+={value}"])
    elif what == "rm":
        api.remove(db, f"p-{i}")
    elif f"p-{value}" in ids and value != i:
        if what == "merge":
            api.merge(db, f"p-{i}", f"p-{value}", force=True)
        else:
            api.distinct(db, f"p-{i}", f"p-{value}")


def _added(db: Path, i: int, given: str, family: str, source: int, title: str) -> Path:
    """A file to import a person ``p-i`` from: a name that may be another's, or resemble it; a
    source that may be another's, with the same content or not; a link, perhaps to no one."""
    person: dict[str, Any] = {
        "id": f"p-{i}", "name": f"{given} {family}",
        "sources": [{"key": f"report-{source}", "title": title, "kind": "report"}],
        "role_1988": {"title": "Judge", "sources": [f"report-{source}"]},
    }
    if i % 3 == 0:
        person["associates"] = [{"id": f"p-{(i + 1) % 5}", "sources": [f"report-{source}"]}]
    if i % 4 == 1:  # judged different from a person perhaps alike, perhaps not there
        person["distinct_from"] = [{"id": f"p-{(i + 2) % 6}"}]
    path = db.with_name(f"added-{i}.ndjson")
    path.write_bytes(orjson.dumps(person) + b"\n")
    return path


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=people(), query=st.sampled_from(GIVEN + FAMILY + ["Dariosh Fakery", "مهدی احمدی"]),
       writes=st.lists(WRITES, max_size=5))
def test_fast_paths_equal_slow_paths(records: list[dict[str, Any]], query: str,
                                     writes: list[tuple[str, int, Any]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "db.json"
        load(db, records)
        day = date(2026, 6, 15)
        assert api.search(db, query) is not None  # makes the name index
        api.check(db, today=day)  # gathers every person's facts for check
        for what, i, value in writes:  # writes that follow in those files, in place
            write(db, what, i, value)
        snapshot = store.read(db)
        stored = snapshot.all()
        # records: the stored lines are the canonical dumps of the validated records
        persons, problems = validate_many(stored)
        assert problems == {}
        assert [dump(p) for p in persons] == stored
        assert snapshot.persons_ndjson() == b"".join(orjson.dumps(r) + b"\n" for r in stored)
        # search: the index kept beside the database gives what folding every name gives
        assert nameindex.SIDECAR.load(snapshot) is not None
        fresh = names.NameIndex(stored).search(query, limit=None)
        assert api.search(db, query, limit=None) == fresh
        # check: the facts brought up to date by the writes, and the findings kept of this
        # state, give the validating path's findings
        assert snapshot.trusted
        slow = checks.run(snapshot.keyed().items(), today=day, validate=True)
        assert checks.run(snapshot.keyed().items(), today=day, validate=False) == slow
        assert checks.FACTS.load(snapshot) is not None
        assert api.check(db, today=day) == slow  # from the findings patched, or the facts
        assert api.check(db, today=day) == slow  # from the findings kept
        later = date(2027, 3, 1)  # the next day's check: current posts looked at again
        assert api.check(db, today=later) == checks.run(snapshot.keyed().items(), today=later)


def test_check_after_a_write_sees_the_write(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    load(db, [{"id": "p-0", "name": "Dariush Fakeri",
               "current_post": {"title": "Head", "as_of": "2026-01", "sources": []}}])
    day = date(2026, 6, 15)
    assert [f.code for f in api.check(db, today=day)] == ["E-UNSOURCED"]
    api.edit(db, "p-0", ["current_post.as_of=2019"])
    assert [f.code for f in api.check(db, today=day)] == ["E-UNSOURCED", "W-STALE-POST"]
    assert [f.code for f in api.check(db, today=date(2020, 1, 1))] == ["E-UNSOURCED"]  # another day


def test_facts_gathered_on_two_cores_are_the_slow_paths(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checks, "PARALLEL_MIN", 2)  # a forked child gathers half the facts
    records = []
    for i, (first, family) in enumerate((g, f) for g in GIVEN for f in FAMILY):
        person: dict[str, Any] = {
            "id": f"p-{i}", "name": f"{first} {family}",
            "sources": [{"key": f"report-{i % 3}", "title": "Report", "kind": "report"}],
            "role_1988": {"title": "Judge", "sources": [f"report-{i % 3}"] if i % 4 else []},
        }
        if i % 3:
            person["current_post"] = {"title": "Head", "as_of": ["2019-01", "2025-05", None][i % 3],
                                      "sources": [f"report-{i % 3}"]}
        if i % 5 == 0:
            person["associates"] = [{"id": f"p-{i + 200}", "sources": [f"report-{i % 3}"]}]
        records.append(person)
    db = tmp_path / "db.json"
    load(db, records)
    snapshot = store.read(db)
    day = date(2026, 6, 15)
    slow = checks.run(snapshot.keyed().items(), today=day, validate=True)
    assert {f.code for f in slow} >= {"E-UNSOURCED", "E-DANGLING-ASSOCIATE", "W-STALE-POST", "W-DUPLICATE"}
    assert api.check(db, today=day) == slow
    assert checks.FACTS.load(store.read(db)) is not None


def test_check_after_writes_that_change_no_links_redoes_only_those_persons(tmp_path: Path) -> None:
    """Writes that add or remove no person and change no link, source or name leave every
    finding across persons as it was: the check patches the findings kept of the state
    before (``<db>.findings`` followed the writes), and gives what the slow path gives."""
    db = tmp_path / "db.json"
    source = {"key": "report-0", "title": "Report", "kind": "report"}
    load(db, [
        {"id": "p-0", "name": "Dariush Fakeri", "sources": [source],
         "role_1988": {"title": "Judge", "sources": []},
         "associates": [{"id": "p-9", "sources": ["report-0"]}]},  # no such person
        {"id": "p-1", "name": "Dariosh Fakeri", "sources": [source],  # a likely duplicate
         "current_post": {"title": "Head", "as_of": "2025-01", "sources": ["report-0"]}},
        {"id": "p-2", "name": "Kaveh Nadiri", "sources": [source],
         "current_post": {"title": "Head", "as_of": "2019-01", "sources": ["report-0"]}},
    ])
    day = date(2026, 6, 15)

    def slow() -> list[checks.Finding]:
        return checks.run(store.read(db).keyed().items(), today=day, validate=True)

    before = api.check(db, today=day)
    assert {f.code for f in before} == {"E-UNSOURCED", "E-DANGLING-ASSOCIATE", "W-DUPLICATE",
                                        "W-STALE-POST"}
    api.edit(db, "p-0", ["role_1988.sources+=report-0"])  # E-UNSOURCED goes
    api.edit(db, "p-1", ["current_post.as_of=2019"])  # W-STALE-POST comes
    api.edit(db, "p-2", ["tags+=evin"])  # nothing changes
    kept = checks.FINDINGS.load(store.read(db))
    assert kept is not None
    assert kept[1] == [{"changed": [f"p-{i}"], "added": []} for i in range(3)]  # what the check patches
    assert api.check(db, today=day) == slow() != before
    assert api.check(db, today=day) == slow()  # again, through the same changes
    api.edit(db, "p-2", ["aliases+=Kave Nadiri"])  # a name: the findings kept are stale
    assert checks.FINDINGS.load(store.read(db)) is None
    assert api.check(db, today=day) == slow()


def only_the_patch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every slower path of check fail: what it gives is the findings kept, patched."""
    def not_the_patch(*_: Any, **__: Any) -> None:
        raise AssertionError("the findings kept were not patched")

    for slower in ("_kept_facts", "_gathered", "run"):
        monkeypatch.setattr(checks, slower, not_the_patch)


def _sourced(i: int, name: str, **more: Any) -> dict[str, Any]:
    source = {"key": "report-0", "title": "Report", "kind": "report"}
    return {"id": f"p-{i}", "name": name, "sources": [source],
            "role_1988": {"title": "Judge", "sources": ["report-0"]}, **more}


def test_the_check_after_a_post_edit_is_the_patched_findings(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "db.json"
    load(db, [_sourced(0, "Dariush Fakeri"), _sourced(1, "Kaveh Nadiri")])
    day = date(2026, 6, 15)
    api.check(db, today=day)
    api.edit(db, "p-1", ["current_post.title=Head", "current_post.sources+=report-0"])
    slow = checks.run(store.read(db).keyed().items(), today=day, validate=True)
    assert [f.code for f in slow] == ["W-STALE-POST"]  # (no as_of)

    only_the_patch(monkeypatch)
    assert api.check(db, today=day) == slow


def test_a_link_or_a_judgement_written_is_not_patched(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    load(db, [_sourced(0, "Dariush Fakeri"), _sourced(1, "Dariosh Fakeri"), _sourced(2, "Kaveh Nadiri")])
    day = date(2026, 6, 15)

    def slow() -> list[checks.Finding]:
        return checks.run(store.read(db).keyed().items(), today=day, validate=True)

    assert {f.code for f in api.check(db, today=day)} == {"W-DUPLICATE"}
    api.edit(db, "p-2", ['associates+={"id": "p-9", "sources": ["report-0"]}'])  # no such person
    assert "E-DANGLING-ASSOCIATE" in {f.code for f in slow()}
    assert api.check(db, today=day) == slow()
    api.distinct(db, "p-0", "p-1")
    assert "W-DUPLICATE" not in {f.code for f in slow()}
    assert api.check(db, today=day) == slow()


def test_a_deceased_persons_post_findings_are_made_anew(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    load(db, [_sourced(0, "Dariush Fakeri", status="deceased", died="2020",
                       current_post={"title": "Head", "as_of": "2026-01", "sources": ["report-0"]})])
    day = date(2026, 6, 15)
    assert {f.code for f in api.check(db, today=day)} == {"W-DECEASED-POST", "W-IMPOSSIBLE-POST"}
    api.edit(db, "p-0", ["died=", "status=alive"])
    assert api.check(db, today=day) == []


def test_findings_of_a_hand_edited_file_are_not_patched(tmp_path: Path) -> None:
    """The findings of a file validated whole (a hand edit) may hold E-INVALID: an edit after
    it that fixes the record must not keep them."""
    db = tmp_path / "db.json"
    load(db, [_sourced(0, "Dariush Fakeri"), _sourced(1, "Kaveh Nadiri")])
    day = date(2026, 6, 15)
    api.check(db, today=day)
    db.write_bytes(db.read_bytes().replace(b'"status":"unknown"', b'"status":"unknowx"', 1))
    invalid = [f.id for f in api.check(db, today=day) if f.code == "E-INVALID"]
    assert len(invalid) == 1
    api.edit(db, invalid[0], ["status=alive"])  # no link, source or name changes
    kept = checks.FINDINGS.load(store.read(db))
    assert kept is not None
    assert kept[1] == [{"changed": invalid, "added": []}]  # followed, yet not patched
    assert api.check(db, today=day) == checks.run(store.read(db).keyed().items(), today=day)
    assert "E-INVALID" not in {f.code for f in api.check(db, today=day)}


def test_the_check_after_an_add_is_the_patched_findings(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A person added whose names are new: the check compares them with the names kept
    beside the findings, and takes no slower path. Its name resembles one stored, it links
    to a person, and its source is one that persons whose ids sort after it carry."""
    db = tmp_path / "db.json"
    load(db, [_sourced(1, "Dariush Fakeri"), _sourced(2, "Kaveh Nadiri"),
              {**_sourced(3, "Bahman Abedi"), "associates": [{"id": "p-0", "sources": ["report-0"]}]}])
    day = date(2026, 6, 15)
    assert [f.code for f in api.check(db, today=day)] == ["E-DANGLING-ASSOCIATE"]  # no p-0 yet
    api.add(db, api.NewPerson(name="Dariush Fakouri", id="p-0", role_1988={"title": "Judge"},
                              source_keys=["report-0"]))
    api.add(db, api.NewPerson(name="Kavehh Nadiri", id="p-4", role_1988={"title": "Judge"}))  # 90: just
    slow = checks.run(store.read(db).keyed().items(), today=day, validate=True)
    assert sorted(f.code for f in slow) == ["E-UNSOURCED", "W-DUPLICATE", "W-DUPLICATE"]

    only_the_patch(monkeypatch)
    assert api.check(db, today=day) == slow


def test_an_added_name_that_others_have_changes_their_finding(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A person added first in id order, with a name two persons share (written another way)
    and another that resembles one stored: the group's finding names it first, and the
    finding of the names that resemble each other is about it now."""
    db = tmp_path / "db.json"
    load(db, [_sourced(1, "Dariush Fakeri"), _sourced(2, "Daryoush Fakeri", aliases=["Kaveh Nadiri"]),
              _sourced(3, "Kavehh Nadiri")])
    day = date(2026, 6, 15)
    assert [f.id for f in api.check(db, today=day)] == ["p-1", "p-2"]
    api.add(db, api.NewPerson(name="Dariush Fakeri", id="p-0", aliases=["Kaveh Nadiri"],
                              role_1988={"title": "Judge"}, source_keys=["report-0"]))
    slow = checks.run(store.read(db).keyed().items(), today=day, validate=True)
    assert [f.message for f in slow] == [
        "likely the same person as p-1, p-2: same folded name 'dariush fakiri' "
        "(Dariush Fakeri / Daryoush Fakeri)",
        "likely the same person as p-2: same folded name 'kav nadiri' (Kaveh Nadiri)",
        "likely the same person as p-3: name 'Kaveh Nadiri' resembles 'Kavehh Nadiri' (score 95)"]

    only_the_patch(monkeypatch)
    assert api.check(db, today=day) == slow


def test_findings_patched_after_many_writes_are_kept_as_patched(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """After ``SAVE_AFTER`` writes the check keeps the findings it patched (and what they are
    found among, with the persons added): the next check starts from them."""
    monkeypatch.setattr(checks, "SAVE_AFTER", 2)
    db = tmp_path / "db.json"
    load(db, [_sourced(1, "Dariush Fakeri"), _sourced(3, "Kaveh Nadiri")])
    day = date(2026, 6, 15)
    api.check(db, today=day)

    def writes_since() -> int:
        kept = checks.FINDINGS.load(store.read(db))
        assert kept is not None
        return len(kept[1])

    for i, name in [(0, "Dariush Fakeri"), (2, "Kavehh Nadiri"), (4, "Bahman Abedi"), (5, "Dariush Fakouri")]:
        api.add(db, api.NewPerson(name=name, id=f"p-{i}", role_1988={"title": "Judge"},
                                  source_keys=["report-0"]))
        writes = writes_since()
        assert api.check(db, today=day) == checks.run(store.read(db).keyed().items(), today=day)
        assert writes_since() == (0 if writes >= 2 else writes)


# --- the model's check in Rust, before its Python check (``person._rust_first``) ---------------

TEXT_TYPES = {"Line": person.Line, "Title": person.Title, "Name": person.Name, "Text": person.Text}
ALL_CHARS = [chr(i) for i in range(0x110000)]


def _checks(kind: Any) -> tuple[SchemaValidator, SchemaValidator]:
    """The Rust check of a type, tolerant (a text it refuses comes back None), and its Python check."""
    union = TypeAdapter(kind).core_schema
    assert union["type"] == "union"
    (rust, rust_label), (python, python_label) = union["choices"]
    assert (rust_label, python_label) == (person.RUST_CHECK, person.PYTHON_CHECK)
    tolerant = core_schema.with_default_schema(rust, on_error="default", default=None)
    return SchemaValidator(core_schema.list_schema(tolerant)), SchemaValidator(python)


def _python_keeps(python: SchemaValidator, texts: list[str]) -> list[str]:
    """The texts the Python check refuses or changes (none, when the Rust check accepted them)."""
    wrong = []
    for text in texts:
        try:
            kept = python.validate_python(text)
        except ValidationError:
            kept = None
        if kept != text:
            wrong.append(text)
    return wrong


@pytest.mark.parametrize("kind", sorted(TEXT_TYPES))
def test_every_character_the_rust_check_takes_the_python_check_keeps(kind: str) -> None:
    # Every code point, inside a text and alone (the first and last character of a text, which
    # the Python check strips): what the Rust check accepts, the Python check returns unchanged.
    rust, python = _checks(TEXT_TYPES[kind])
    inside = [t for t in rust.validate_python([f"a{c}a" for c in ALL_CHARS]) if t is not None]
    alone = [t for t in rust.validate_python(ALL_CHARS) if t is not None]
    assert len(inside) > 500  # ASCII, Latin and Persian
    assert _python_keeps(python, inside + alone) == []
    assert "a\u200ca" in inside  # the ZWNJ of Persian, inside a word
    assert {"a\u064ea", "a\u0301a", "a\u200da", "a\u202ea"}.isdisjoint(inside)  # marks, ZWJ, bidi


def test_any_text_of_the_characters_the_rust_check_takes_is_nfc() -> None:
    # Why the Rust check needs no NFC check: each character it takes is a starter that is its
    # own NFC, and the first character of its decomposition is a starter that is the second
    # of no canonical composition: composition and reordering never cross two of them.
    rust, _ = _checks(person.Text)
    taken = [t[1] for t in rust.validate_python([f"a{c}a" for c in ALL_CHARS]) if t is not None]
    seconds = {chr(int(d.split()[1], 16)) for d in map(unicodedata.decomposition, ALL_CHARS)
               if d and not d.startswith("<") and len(d.split()) == 2}
    seconds |= {chr(i) for i in range(0x1161, 0x1176)} | {chr(i) for i in range(0x11A8, 0x11C3)}  # Hangul
    for char in taken:
        first = unicodedata.normalize("NFD", char)[0]
        assert unicodedata.combining(char) == 0, char
        assert unicodedata.normalize("NFC", char) == char, char
        assert unicodedata.combining(first) == 0, char
        assert first not in seconds, char


TRICKY = ("a", "Z", " ", "\u00a0", "\t", "\n", "\r", "\x1f", "\x85", "\u2028", "\u200c", "\u200d",
          "\u202e", "\u061c", "\ufeff", "e", "\u0301", "\u00e9", "\u0627", "\u0653", "\u0622", "\u064e",
          "\u06cc", "\u0649", "\u1100", "\u1161", "\u212b", "\u0958", "-", "0", "9", "1", "/", ":",
          "\u0661", "\u06f1", "SH", "con", "index")


@settings(max_examples=400, deadline=None)
@given(text=st.lists(st.sampled_from(TRICKY), max_size=8).map("".join))
def test_a_type_reads_a_text_as_its_python_check_alone_does(text: str) -> None:
    # The whole type (Rust check, then Python check) against its Python check alone: the same
    # text back, or both refuse it with the Python check's own message.
    for kind in (*TEXT_TYPES.values(), person.Slug, person.PartialDate, person.Url, person.Sha256):
        _, python = _checks(kind)
        try:
            expected: Any = python.validate_python(text)
        except ValidationError as exc:
            expected = [e["msg"] for e in exc.errors()]
        try:
            got: Any = TypeAdapter(kind).validate_python(text)
        except ValidationError as exc:
            got = [e["msg"] for e in exc.errors() if e["loc"][-1:] != (person.RUST_CHECK,)]
        assert got == expected, (kind, text)


def test_the_dates_ids_urls_and_digests_the_rust_check_takes_the_python_check_keeps() -> None:
    years = ["0000", "0001", "0009", "0010", "0099", "0100", "0999", "1000", "1367", "1988", "9999"]
    dates = [f"{y}{m}{d}" for y in years for m in ["", *(f"-{i:02d}" for i in range(0, 14))]
             for d in ["", *(f"-{i:02d}" for i in range(0, 33))] if m or not d]
    slugs = ["a", "a-b", "con", "con-1", "com1", "a--b", "-a", "a-", "x" * 80 + "-y", "kaveh-nadiri-2"]
    urls = ["https://example.org/a?b#c", "http://a.b:8080", "https://a/\x7f", "ftp://a.b/", "https://a b/",
            *(f"https://e.org/{c}" for c in ALL_CHARS[:0x3000])]
    digests = ["a" * 64, "A" * 64, "0" * 63, "g" * 64]
    for kind, texts in ((person.PartialDate, dates), (person.Slug, slugs), (person.Url, urls),
                        (person.Sha256, digests)):
        rust, python = _checks(kind)
        taken = [t for t in rust.validate_python(texts) if t is not None]
        assert taken
        assert _python_keeps(python, taken) == [], kind
    assert "1988-02-29" not in _checks(person.PartialDate)[0].validate_python(["1988-02-29"])  # (Python's)


def test_a_date_read_in_solar_hijri_is_never_taken_as_gregorian_by_the_rust_check() -> None:
    persons, problems = validate_many([{"name": "Kaveh Nadiri", "born": "1367-05-07", "died": "1400",
                                        "posts": [{"title": "Judge", "start": "1367"}],
                                        "sources": [{"key": "a-b", "title": "T", "published": "1370"}]}],
                                      calendar="jalali")
    assert problems == {}
    record = dump(persons[0])
    assert (record["born"], record["died"], record["posts"][0]["start"]) == ("1988-07-29", "2021", "1988")
    assert record["dates_as_written"] == {"born": "1367-05-07", "died": "1400"}
    assert record["sources"][0]["published"] == "1991"


TRAPS = ['],"sources":[', '],"restricted":', '"', "]", "[", ",", "\\", "sources", "کاوه", " "]


@settings(max_examples=300, deadline=None)
@given(tags=st.lists(st.lists(st.sampled_from(TRAPS), min_size=1, max_size=4).map("".join), max_size=3),
       titles=st.lists(st.lists(st.sampled_from(TRAPS), min_size=1, max_size=4).map("".join), max_size=3),
       cited=st.booleans())
def test_the_sources_read_from_a_stored_line_are_the_whole_lines(tags: list[str], titles: list[str],
                                                                 cited: bool) -> None:
    # An import reads only the sources of each canonical line (rules.sources_of_line).
    from dossier.model import rules
    from dossier.model.person import stored_line, validate_person

    sources = [{"key": f"report-{i}", "title": f"x{t}y", "note": t} for i, t in enumerate(titles)]
    post = {"title": "Judge", "sources": [s["key"] for s in sources] if cited else []}
    data = {"name": "Kaveh Nadiri", "tags": [f"t{t}" for t in tags], "sources": sources,
            "role_1988": post, "posts": [post], "narrative": "".join(tags)}
    try:
        person = validate_person(data)
    except InvalidInput:  # (a text the model refuses: nothing stored to read)
        assume(False)
    line = stored_line(person)
    assert rules.sources_of_line(line) == orjson.loads(line)["sources"]
