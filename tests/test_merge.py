"""`dossier merge KEEP OTHER`: nothing of OTHER is lost, links follow, OTHER's id resolves."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dossier import api, store
from dossier.model.person import dump, validate_person
from tests.conftest import make_person

REPORT = {"key": "example-report-1990", "title": "Example report", "url": "https://example.org/r",
          "kind": "report", "published": "1990"}
TESTIMONY = {"key": "testimony-2001", "title": "A fictional testimony", "kind": "testimony"}
ARTICLE = {"key": "article-2019", "title": "A fictional article", "url": "https://example.org/a",
           "kind": "article"}


def fill(db: Path, *records: dict[str, Any]) -> None:
    with store.transaction(db) as tx:
        tx.put_many(dump(validate_person(r)) for r in records)


def stored(db: Path) -> dict[str, dict[str, Any]]:
    snapshot = store.read(db)
    return {pid: snapshot.get(pid) for pid in snapshot.ids()}


@pytest.fixture
def two_records(db: Path) -> Path:
    """One fictional official recorded twice under two spellings, plus two linked persons."""
    keep = make_person(
        "Dariush Fakeri", id="dariush-fakeri", aliases=["Daryoush Fakeri"], tags=["prosecutor"],
        role_1988={"title": "Prosecutor", "place": "Tabriz", "sources": ["example-report-1990"]},
        current_post={"title": "Judge", "as_of": "2023", "sources": ["example-report-1990"]},
        posts=[{"title": "Clerk", "start": "1980", "sources": ["example-report-1990"]}],
        associates=[
            {"id": "dariush-fakery", "relation": "same person?", "sources": ["example-report-1990"]},
            {"id": "bahman-ghaffarzadeh", "relation": "colleague", "sources": ["example-report-1990"]},
        ],
        narrative="Recorded from the 1990 report.\n",
        merged_ids=["d-fakeri-old"],
    )
    other = make_person(
        "Dariush Fakery", id="dariush-fakery", native_name="داریوش فاکری", aliases=["D. Fakeri"],
        status="alive", born="1950", tags=["judiciary", "prosecutor"],
        role_1988={"title": "Deputy prosecutor", "place": "Tabriz", "sources": ["testimony-2001"]},
        current_post={"title": "Adviser", "as_of": "2019", "sources": ["article-2019"]},
        posts=[{"title": "Clerk", "start": "1980", "sources": ["example-report-1990"]},
               {"title": "Interrogator", "start": "1984", "sources": ["testimony-2001"]}],
        associates=[
            {"id": "dariush-fakeri", "relation": "same person?", "sources": ["testimony-2001"]},
            {"id": "bahman-ghaffarzadeh", "relation": "colleague", "sources": ["testimony-2001"]},
            {"id": "jamshid-nourbakhsh", "relation": "superior", "sources": ["article-2019"]},
        ],
        sources=[REPORT, TESTIMONY, ARTICLE],
        narrative="Recorded from a testimony.\n",
        merged_ids=["d-fakery-older"],
        restricted=True,
    )
    linked = make_person("Bahman Ghaffarzadeh", id="bahman-ghaffarzadeh", associates=[
        {"id": "dariush-fakery", "relation": "deputy of", "sources": ["example-report-1990"]},
        {"id": "dariush-fakeri", "relation": "deputy of", "sources": ["example-report-1990"]},
    ])
    unrelated = make_person("Jamshid Nourbakhsh", id="jamshid-nourbakhsh", associates=[
        {"id": "dariush-fakery", "relation": "superior of", "sources": ["example-report-1990"]}])
    fill(db, keep, other, linked, unrelated)
    return db


def test_merge_moves_everything_of_other_into_keep(run, two_records: Path) -> None:
    res = run("merge", "dariush-fakeri", "dariush-fakery")
    assert res.code == 0, res
    assert "merged dariush-fakery into dariush-fakeri" in res.stderr
    assert "links re-pointed in bahman-ghaffarzadeh, jamshid-nourbakhsh" in res.stderr
    db = stored(two_records)
    assert "dariush-fakery" not in db
    merged = db["dariush-fakeri"]
    # names
    assert merged["name"] == "Dariush Fakeri"
    assert merged["native_name"] == "داریوش فاکری"
    assert merged["aliases"] == ["Daryoush Fakeri", "Dariush Fakery", "D. Fakeri"]
    # every source, the shared one once
    assert [s["key"] for s in merged["sources"]] == ["example-report-1990", "testimony-2001", "article-2019"]
    # KEEP's claims stay; OTHER's differing ones become career posts; no exact duplicate post
    assert merged["role_1988"]["title"] == "Prosecutor"
    assert merged["current_post"]["title"] == "Judge"
    assert [p["title"] for p in merged["posts"]] == ["Clerk", "Interrogator", "Deputy prosecutor", "Adviser"]
    # the 1988 position keeps its year among the career posts: `list --in 1988` still finds it
    found = run("list", "--in", "1988", "--served-at", "deputy prosecutor", "--format", "json").json()
    assert [p["id"] for p in found] == ["dariush-fakeri"]
    assert (merged["posts"][2]["as_of"], merged["posts"][3]["as_of"]) == ("1988", "2019")
    assert "position in 1988 'Deputy prosecutor' kept as a career post (as of 1988)" in res.stderr
    # tags, scalars, narrative, merged ids
    assert merged["tags"] == ["prosecutor", "judiciary"]
    assert (merged["status"], merged["born"], merged["restricted"]) == ("alive", "1950", True)
    assert merged["narrative"] == (
        "Recorded from the 1990 report.\n\n---\n\n*Merged from `dariush-fakery`:*\n\n"
        "Recorded from a testimony.\n"
    )
    assert merged["merged_ids"] == ["d-fakeri-old", "dariush-fakery", "d-fakery-older"]
    assert merged["updated"] is not None


def test_merge_repoints_and_dedupes_links(run, two_records: Path) -> None:
    assert run("merge", "dariush-fakeri", "dariush-fakery").code == 0
    db = stored(two_records)
    merged = db["dariush-fakeri"]
    # the link KEEP -> OTHER is gone; the same link from both records is one, citing both sources
    assert merged["associates"] == [
        {"id": "bahman-ghaffarzadeh", "relation": "colleague", "confidence": "medium",
         "sources": ["example-report-1990", "testimony-2001"]},
        {"id": "jamshid-nourbakhsh", "relation": "superior", "confidence": "medium",
         "sources": ["article-2019"]},
    ]
    # others' links to OTHER now point to KEEP; identical links collapse into one
    assert db["bahman-ghaffarzadeh"]["associates"] == [
        {"id": "dariush-fakeri", "relation": "deputy of", "confidence": "medium",
         "sources": ["example-report-1990"]},
    ]
    assert [a["id"] for a in db["jamshid-nourbakhsh"]["associates"]] == ["dariush-fakeri"]
    assert all(a["id"] != "dariush-fakery" for r in db.values() for a in r["associates"])


def test_after_merge_the_database_checks_clean_of_links_and_sources(two_records: Path) -> None:
    api.merge(two_records, "dariush-fakeri", "dariush-fakery")
    bad = [f for f in api.check(two_records) if f.code in {"E-DANGLING-ASSOCIATE", "E-DANGLING-SOURCE",
                                                           "E-SOURCE-CLASH", "W-MERGED-ASSOCIATE"}]
    assert bad == []


def test_show_old_id_resolves_to_keep(run, two_records: Path) -> None:
    assert run("merge", "dariush-fakeri", "dariush-fakery").code == 0
    for ref in ("dariush-fakery", "d-fakery-older", "Dariush Fakery", "داریوش فاکری"):
        res = run("show", ref, "--format", "json")
        assert (res.code, res.json()["id"]) == (0, "dariush-fakeri"), ref


def test_an_id_merged_away_is_never_given_again(run, db: Path, tmp_path: Path) -> None:
    assert run("add", "Brisa Tolland").stdout.strip() == "brisa-tolland"
    assert run("add", "Brisa Toland").stdout.strip() == "brisa-toland"
    assert run("merge", "brisa-tolland", "brisa-toland").code == 0
    assert run("add", "Brisa Toland").stdout.strip() == "brisa-toland-2"
    res = run("add", "Brisa Toland", "--id", "brisa-toland")
    assert res.code == 5
    assert "was merged into another person" in res.stderr
    # nor by an import (an export from before the merge, read again), unless told to skip it
    old = tmp_path / "old.ndjson"
    old.write_text('{"id": "brisa-toland", "name": "Brisa Toland"}\n{"name": "Brisa Toland"}\n')
    res = run("import", str(old))
    assert res.code == 5, res
    assert "old.ndjson:1: brisa-toland: was merged into another person" in res.stderr
    assert "leave it out with --on-conflict skip" in res.stderr
    assert "source key" not in res.stderr
    res = run("import", str(old), "--on-conflict", "skip")
    assert res.code == 0, res
    assert "skipped brisa-toland (" in res.stderr
    # even once the person it went to is removed: the id is not handed to someone else
    assert run("rm", "brisa-tolland", "--yes").code == 0
    assert run("add", "Brisa Toland").stdout.strip() == "brisa-toland-3"


def older_file(db: Path, *records: dict[str, Any]) -> None:
    """A database written before the header kept the ids merged away (schema 1)."""
    persons = {r["id"]: dump(validate_person(r)) for r in records}
    db.write_text(json.dumps({"_meta": {"1": {"schema_version": 1}}, "persons": persons}), "utf-8")


def test_ids_merged_away_before_the_header_kept_them_are_found_in_the_records(run, db: Path) -> None:
    older_file(db, make_person("Brisa Tolland", id="brisa-tolland", merged_ids=["brisa-toland"]))
    assert "retired_ids" not in store.read(db).meta
    assert run("add", "Brisa Toland").stdout.strip() == "brisa-toland-2"
    assert store.read(db).meta["retired_ids"] == ["brisa-toland"]


def test_ids_merged_away_stay_retired_when_the_first_write_removes_their_person(run, db: Path) -> None:
    older_file(db, make_person("Brisa Tolland", id="brisa-tolland", merged_ids=["brisa-toland"]),
               make_person("Kaveh Testi", id="kaveh-testi"))
    assert run("rm", "brisa-tolland", "--yes").code == 0
    assert run("add", "Brisa Toland", "--id", "brisa-toland").code == 5
    assert run("add", "Brisa Toland").stdout.strip() == "brisa-toland-2"


def test_ids_merged_away_through_tinydb_are_kept_in_the_header(run, db: Path) -> None:
    fill(db, make_person("Nader Testi", id="nader-testi"))
    with store.tinydb(db) as tiny:  # (a script's own merge)
        table = tiny.table("persons")
        table.update({"merged_ids": ["nader-testy"]}, doc_ids=["nader-testi"])
    assert store.read(db).meta["retired_ids"] == ["nader-testy"]
    assert run("add", "Nader Testy").stdout.strip() == "nader-testy-2"


def test_merge_by_names_and_merge_chains(run, db: Path) -> None:
    fill(db, make_person("Bahman Ghaffarzadeh", id="a"), make_person("Bahman Qaffarzade", id="b"),
         make_person("Bahman Ghafarzadeh", id="c"))
    assert run("merge", "Bahman Ghaffarzade", "c").code == 5  # folds like all three names
    # The person merged away is named exactly: a spelling is only suggested.
    spelt = run("merge", "a", "Bahman Ghafarzade")
    assert spelt.code == 3
    assert "did you mean a (Bahman Ghaffarzadeh), b (Bahman Qaffarzade), c (Bahman Ghafarzadeh)?" \
        in spelt.stderr
    assert run("merge", "b", "c").code == 0
    assert run("merge", "a", "b").code == 0
    res = run("show", "c", "--format", "json")
    assert res.json()["id"] == "a"
    assert res.json()["merged_ids"] == ["b", "c"]
    assert res.json()["aliases"] == ["Bahman Qaffarzade", "Bahman Ghafarzadeh"]


def test_dry_run_prints_the_merged_record_and_writes_nothing(run, two_records: Path) -> None:
    before = two_records.read_bytes()
    res = run("merge", "dariush-fakeri", "dariush-fakery", "--dry-run")
    assert res.code == 0, res
    assert "name: Dariush Fakeri" in res.stdout
    assert "aliases: Daryoush Fakeri; Dariush Fakery; D. Fakeri" in res.stdout
    assert "merged ids: d-fakeri-old, dariush-fakery, d-fakery-older" in res.stdout
    assert "dry run, nothing written" in res.stderr
    assert two_records.read_bytes() == before


def test_same_key_different_content_is_a_conflict_and_nothing_is_written(run, db: Path) -> None:
    other = make_person("Dariush Fakery", id="dariush-fakery")
    other["sources"][0]["title"] = "Example report, second edition"
    fill(db, make_person("Dariush Fakeri", id="dariush-fakeri"), other)
    before = db.read_bytes()
    res = run("merge", "dariush-fakeri", "dariush-fakery")
    assert res.code == 5, res
    assert "source 'example-report-1990' differs" in res.stderr
    assert db.read_bytes() == before


def test_merge_keeps_other_claims_when_keep_has_none(db: Path) -> None:
    keep = {"id": "keep", "name": "Dariush Fakeri"}
    fill(db, keep, make_person("Dariush Fakery", id="other", status="deceased", died="2001"))
    person, result = api.merge(db, "keep", "other")
    assert person["role_1988"] is not None
    assert person["role_1988"]["title"] == "Prosecutor"
    assert person["posts"] == []
    assert [s["key"] for s in person["sources"]] == ["example-report-1990"]
    assert (person["status"], person["died"]) == ("deceased", "2001")
    assert result.notes == []


def test_conflicting_scalars_keep_keeps_and_notes_it(run, db: Path) -> None:
    fill(db, make_person("Dariush Fakeri", id="keep", born="1950", status="alive"),
         make_person("Dariush Fakery", id="other", born="1951", status="deceased"))
    res = run("merge", "keep", "other")
    assert res.code == 0
    assert "note: kept born 1950; other had 1951" in res.stderr
    assert "note: kept status 'alive'; other had 'deceased'" in res.stderr
    merged = stored(db)["keep"]
    assert (merged["born"], merged["status"]) == ("1950", "alive")


@pytest.mark.parametrize(
    ("args", "code"),
    [(["keep", "keep"], 2), (["keep", "nobody"], 3), (["nobody", "keep"], 3)],
)
def test_merge_errors(run, db: Path, args: list[str], code: int) -> None:
    fill(db, make_person("Dariush Fakeri", id="keep"))
    before = db.read_bytes()
    res = run("merge", *args)
    assert res.code == code, res
    assert db.read_bytes() == before


def test_merge_through_the_binary(run_bin, two_records: Path) -> None:
    res = run_bin("merge", "Dariush Fakeri", "D. Fakeri")
    assert res.code == 0, res
    assert set(stored(two_records)) == {"dariush-fakeri", "bahman-ghaffarzadeh", "jamshid-nourbakhsh"}


def test_the_ids_merged_into_a_person_are_not_an_edits_to_change(run, db):
    # Deleting merged_ids in $EDITOR was saved: the old id then named no one, and yet stayed
    # taken ("was merged into another person and stays theirs").
    assert run("add", "Kaveh Zarrinkamar").code == 0
    assert run("add", "Kawe Zarin Kamar").code == 0
    assert run("merge", "kaveh-zarrinkamar", "kawe-zarin-kamar").code == 0
    before = db.read_bytes()
    for value in ("merged_ids=", "merged_ids+=someone-else"):
        res = run("edit", "kaveh-zarrinkamar", "--set", value)
        assert res.code == 4, res
        assert res.stderr == ("error: --set: merged_ids: the ids merged into a person are kept by merge; "
                              "an edit cannot change them\n")
    assert db.read_bytes() == before
    assert run("show", "kawe-zarin-kamar", "--format", "json").json()["id"] == "kaveh-zarrinkamar"
