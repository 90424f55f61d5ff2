"""Every fast path gives what its slow path gives: records streamed from the stored lines,
the name index kept beside the database, check without validation and its memo.

Databases are generated (hypothesis) and written through the real api; the slow paths
validate every record and fold every name again.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dossier import api, names, store
from dossier.api import checks, nameindex
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


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=people(), query=st.sampled_from(GIVEN + FAMILY + ["Dariosh Fakery", "مهدی احمدی"]),
       edits=st.lists(st.tuples(st.integers(0, 11), st.sampled_from(GIVEN + FAMILY)), max_size=4))
def test_fast_paths_equal_slow_paths(records: list[dict[str, Any]], query: str,
                                     edits: list[tuple[int, str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "db.json"
        load(db, records)
        assert api.search(db, query) is not None  # makes the name index
        for i, alias in edits:  # writes that update the index in place
            if f"p-{i}" in store.read(db):
                api.edit(db, f"p-{i}", [f"aliases+={alias}"])
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
        # check: without validation (trusted) the findings are the validating path's, and the
        # memo of them is too
        assert snapshot.trusted
        day = date(2026, 6, 15)
        slow = checks.run(snapshot.keyed().items(), today=day, validate=True)
        assert checks.run(snapshot.keyed().items(), today=day, validate=False) == slow
        assert api.check(db, today=day) == slow
        assert api.check(db, today=day) == slow  # from the memo


def test_check_after_a_write_sees_the_write(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    load(db, [{"id": "p-0", "name": "Dariush Fakeri",
               "current_post": {"title": "Head", "as_of": "2026-01", "sources": []}}])
    day = date(2026, 6, 15)
    assert [f.code for f in api.check(db, today=day)] == ["E-UNSOURCED"]
    api.edit(db, "p-0", ["current_post.as_of=2019"])
    assert [f.code for f in api.check(db, today=day)] == ["E-UNSOURCED", "W-STALE-POST"]
    assert [f.code for f in api.check(db, today=date(2020, 1, 1))] == ["E-UNSOURCED"]  # another day
