"""`dossier sources`: one source, many copies: counts, claims, add, edit, rm."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from dossier import store
from dossier.api import sources
from dossier.cli import views
from tests.conftest import make_person, seed

REPORT = {"key": "un-report-1989", "title": "UN report", "url": "https://example.org/un",
          "publisher": "United Nations", "published": "1989", "kind": "report"}
WITNESS = {"key": "witness-7", "title": "Interview with a former prisoner", "kind": "testimony",
           "confidential": True}




def corpus(db: Path) -> None:
    seed(
        db,
        make_person("Dariush Fakeri", id="dariush-fakeri", sources=[REPORT, WITNESS],
                    role_1988={"title": "Prosecutor", "sources": ["un-report-1989", "witness-7"]},
                    current_post={"title": "Judge", "sources": ["un-report-1989"]}),
        make_person("Kaveh Namdar", id="kaveh-namdar", sources=[REPORT],
                    role_1988={"title": "Judge", "sources": ["un-report-1989"]},
                    associates=[{"id": "dariush-fakeri", "relation": "fellow member",
                                 "sources": ["un-report-1989"]}]),
        # carries the report but cites nothing from it
        make_person("Bahram Sadeghi", id="bahram-sadeghi", sources=[REPORT], role_1988=None),
    )


def record(db: Path, person_id: str) -> dict[str, Any]:
    return store.read(db).get(person_id)  # type: ignore[return-value]


def test_list_counts_claims_and_persons(run, db):
    corpus(db)
    rows = {r["key"]: r for r in run("sources", "list", "--format", "json").json()}
    assert rows["un-report-1989"]["claims"] == 4  # role_1988 x2, current_post, associates[0]
    assert rows["un-report-1989"]["persons"] == 3
    assert rows["un-report-1989"]["publisher"] == "United Nations"
    assert rows["witness-7"]["claims"] == 1
    assert rows["witness-7"]["confidential"] is True
    table = run("sources", "list").stdout.splitlines()
    assert table[0].split("\t") == list(views.SOURCES.columns)
    assert "un-report-1989\tUN report\tUnited Nations\t1989\treport\t\t4\t3" in table
    assert "witness-7\tInterview with a former prisoner\t\t\ttestimony\tyes\t1\t1" in table


def test_list_empty_database(run, db):
    assert run("sources", "list", "--format", "json").json() == []
    assert not db.exists()


def test_show_lists_every_citing_claim(run, db):
    corpus(db)
    shown = run("sources", "show", "un-report-1989", "--format", "json").json()
    assert shown["source"]["title"] == "UN report"
    assert [(c["person"], c["path"]) for c in shown["claims"]] == [
        ("dariush-fakeri", "role_1988"), ("dariush-fakeri", "current_post"),
        ("kaveh-namdar", "role_1988"), ("kaveh-namdar", "associates[0]"),
    ]
    assert [p["id"] for p in shown["persons"]] == ["bahram-sadeghi", "dariush-fakeri", "kaveh-namdar"]
    text = run("sources", "show", "un-report-1989").stdout
    assert "title: UN report\n" in text
    assert "url: https://example.org/un\n" in text
    assert "cited by: 4 claim(s)\n  dariush-fakeri  role_1988\n" in text
    assert "  kaveh-namdar  associates[0]\n" in text


def test_show_unknown_key_exits_3(run, db):
    corpus(db)
    res = run("sources", "show", "nope")
    assert res.code == 3
    assert "no source 'nope'" in res.stderr


def test_rm_refuses_a_cited_source_and_writes_nothing(run, db):
    corpus(db)
    before = db.read_bytes()
    res = run("sources", "rm", "un-report-1989")
    assert res.code == 5
    assert "cited by 4 claim(s)" in res.stderr
    assert "  kaveh-namdar  associates[0]" in res.stderr
    assert db.read_bytes() == before


def test_rm_force_removes_citations_and_says_which(run, db):
    corpus(db)
    res = run("sources", "rm", "un-report-1989", "--force")
    assert res.code == 0, res
    assert "removed citation: dariush-fakeri current_post" in res.stderr
    assert "removed citation: kaveh-namdar associates[0]" in res.stderr
    # the 1988 post keeps the witness; the current post and Namdar's claims lost their only source
    assert "warning: dariush-fakeri current_post is now unsourced" in res.stderr
    assert "warning: kaveh-namdar role_1988 is now unsourced" in res.stderr
    assert "dariush-fakeri role_1988 is now unsourced" not in res.stderr
    fakeri = record(db, "dariush-fakeri")
    assert [s["key"] for s in fakeri["sources"]] == ["witness-7"]
    assert fakeri["role_1988"]["sources"] == ["witness-7"]
    assert fakeri["current_post"]["sources"] == []
    assert record(db, "bahram-sadeghi")["sources"] == []
    assert "un-report-1989" not in run("sources", "list").stdout


def test_rm_uncited_source_removes_every_copy(run, db):
    seed(db, make_person("A Person", id="a-person", sources=[REPORT], role_1988=None),
         make_person("B Person", id="b-person", sources=[REPORT], role_1988=None))
    res = run("sources", "rm", "un-report-1989")
    assert res.code == 0, res
    assert "removed source un-report-1989 from 2 record(s): a-person, b-person" in res.stderr
    assert record(db, "a-person")["sources"] == record(db, "b-person")["sources"] == []
    assert run("sources", "rm", "un-report-1989").code == 3


def test_rm_of_a_source_its_persons_were_removed_from_says_so(run, db):
    # "removed source … from 0 record(s): " ended at the colon.
    seed(db, make_person("A Person", id="a-person", sources=[REPORT], role_1988=None))
    assert run("rm", "a-person", "--yes").code == 0
    assert run("sources", "list", "--format", "json").json()[0]["persons"] == 0
    res = run("sources", "rm", "un-report-1989")
    assert (res.code, res.stderr) == (0, "removed source un-report-1989 (no record carried it)\n")
    assert run("sources", "list", "--format", "json").json() == []


def test_edit_changes_every_copy_in_one_write(run, db):
    corpus(db)
    created = {pid: record(db, pid)["created"] for pid in ("dariush-fakeri", "kaveh-namdar")}
    res = run("sources", "edit", "un-report-1989", "--set", "url=https://example.org/un-a43",
              "--set", "confidential=no", "--set", "note=Annex II")
    assert res.code == 0, res
    assert "in 3 record(s)" in res.stderr
    copies = [s for r in store.read(db).all() for s in r["sources"] if s["key"] == "un-report-1989"]
    assert len(copies) == 3
    assert all(c["url"] == "https://example.org/un-a43" and c["note"] == "Annex II" for c in copies)
    assert {pid: record(db, pid)["created"] for pid in created} == created
    assert run("sources", "edit", "un-report-1989", "--set", "note=Annex II").stderr.strip() == (
        "source un-report-1989: no changes"
    )


def test_edit_key_renames_every_citation(run, db):
    corpus(db)
    assert run("sources", "edit", "un-report-1989", "--set", "key=un-1989").code == 0
    fakeri = record(db, "dariush-fakeri")
    assert fakeri["role_1988"]["sources"] == ["un-1989", "witness-7"]
    assert fakeri["current_post"]["sources"] == ["un-1989"]
    assert record(db, "kaveh-namdar")["associates"][0]["sources"] == ["un-1989"]
    assert run("sources", "show", "un-report-1989").code == 3
    assert len(run("sources", "show", "un-1989", "--format", "json").json()["claims"]) == 4


def test_edit_rename_onto_an_existing_key_is_a_conflict(run, db):
    corpus(db)
    before = db.read_bytes()
    res = run("sources", "edit", "un-report-1989", "--set", "key=witness-7")
    assert res.code == 5
    assert db.read_bytes() == before


@pytest.mark.parametrize(
    ("assignment", "field"),
    [("url=ftp://example.org/x", "url"), ("published=1989-13", "published"),
     ("confidential=maybe", "confidential"), ("kind=rumour", "kind"), ("colour=red", "colour"),
     ("title=", "title")],
)
def test_edit_bad_value_exits_4_naming_the_field(run, db, assignment, field):
    corpus(db)
    before = db.read_bytes()
    res = run("sources", "edit", "un-report-1989", "--set", assignment)
    assert res.code == 4, res
    assert f"{field}:" in res.stderr
    assert db.read_bytes() == before


def test_add_attaches_to_persons_and_cites_claims(run, db):
    corpus(db)
    res = run("sources", "add", "--title", "Amnesty: Blood-soaked secrets", "--url",
              "https://example.org/amnesty", "--publisher", "Amnesty International", "--published",
              "2018-12", "--kind", "report", "--person", "dariush-fakeri", "--person", "Kaveh Namdar",
              "--cite", "role_1988")
    assert res.code == 0, res
    assert res.stdout == "amnesty-blood-soaked-secrets\n"
    assert "cited by dariush-fakeri role_1988, kaveh-namdar role_1988" in res.stderr
    fakeri = record(db, "dariush-fakeri")
    assert fakeri["sources"][-1]["publisher"] == "Amnesty International"
    assert fakeri["role_1988"]["sources"][-1] == "amnesty-blood-soaked-secrets"
    assert fakeri["current_post"]["sources"] == ["un-report-1989"]
    row = next(r for r in run("sources", "list", "--format", "json").json()
               if r["key"] == "amnesty-blood-soaked-secrets")
    assert (row["claims"], row["persons"]) == (2, 2)


def test_add_same_source_again_reuses_it(run, db):
    corpus(db)
    args = ("sources", "add", "--title", "Report B", "--url", "https://example.org/b")
    assert run(*args, "--person", "kaveh-namdar").stdout == "report-b\n"
    again = run(*args, "--person", "kaveh-namdar", "--person", "bahram-sadeghi")
    assert again.stdout == "report-b\n"
    assert "kaveh-namdar already carried it" in again.stderr
    # same title, other content: a new key, never an overwrite
    other = run("sources", "add", "--title", "Report B", "--url", "https://example.org/other",
                "--person", "kaveh-namdar")
    assert other.stdout == "report-b-2\n"


def test_add_existing_key_with_other_content_is_a_conflict(run, db):
    corpus(db)
    before = db.read_bytes()
    res = run("sources", "add", "--key", "un-report-1989", "--title", "Another UN report",
              "--person", "bahram-sadeghi")
    assert res.code == 5
    assert "already exists with different content" in res.stderr
    assert "title: 'UN report' in the database, 'Another UN report' given" in res.stderr
    assert db.read_bytes() == before


def test_add_existing_key_with_same_content_attaches_it(run, db):
    seed(db, make_person("A Person", id="a-person", sources=[REPORT], role_1988=None),
         make_person("B Person", id="b-person", role_1988=None))
    res = run("sources", "add", "--key", "un-report-1989", "--title", "UN report", "--url",
              "https://example.org/un", "--publisher", "United Nations", "--published", "1989",
              "--kind", "report", "--person", "b-person")
    assert res.code == 0, res
    assert record(db, "b-person")["sources"][-1] == record(db, "a-person")["sources"][0]


def test_add_needs_a_person_and_existing_claims(run, db):
    corpus(db)
    before = db.read_bytes()
    res = run("sources", "add", "--title", "Orphan")
    assert res.code == 2
    assert "--person" in res.stderr
    res = run("sources", "add", "--title", "X", "--person", "bahram-sadeghi", "--cite", "current_post")
    assert res.code == 4
    assert "bahram-sadeghi has no current_post" in res.stderr
    assert run("sources", "add", "--title", "X", "--person", "nobody").code == 3
    assert run("sources", "add", "--title", "X", "--url", "javascript:x",
               "--person", "kaveh-namdar").code == 4
    assert db.read_bytes() == before


def test_solar_hijri_published_date(run, db):
    corpus(db)
    run("sources", "add", "--title", "Kayhan", "--published", "SH1367-05-07", "--person", "kaveh-namdar")
    assert run("sources", "show", "kayhan", "--format", "json").json()["source"]["published"] == "1988-07-29"


def test_the_api_takes_the_database_path_as_text_too(db):
    from dossier import api

    api.add(str(db), api.NewPerson(name="Kaveh Nadiri"))
    assert api.show(str(db), "kaveh-nadiri")["name"] == "Kaveh Nadiri"
    assert [r["id"] for r in api.list_persons(os.fspath(db))] == ["kaveh-nadiri"]
    assert api.export(str(db), "-", fmt="ndjson").count == 1


def test_usage_api_without_cli(db):
    corpus(db)
    uses = sources.usage(store.read(db))
    assert list(uses) == ["un-report-1989", "witness-7"]
    assert [str(c) for c in uses["witness-7"].claims] == ["dariush-fakeri role_1988"]
    removed = sources.remove_source(db, "witness-7", force=True)
    assert removed.unsourced == []  # the 1988 post still cites the UN report
    assert json.dumps(record(db, "dariush-fakeri")["role_1988"]["sources"]) == '["un-report-1989"]'


def test_a_source_with_evidence_attached_stays_one_source_for_every_person_citing_it(run, db, tmp_path):
    for name in ("Ava Fictus", "Bo Fictus"):
        assert run("add", name, "--source-url", "https://example.org/a", "--source-title", "Src A").code == 0
    (tmp_path / "copy.txt").write_text("the page as captured\n")
    assert run("sources", "attach", "src-a", str(tmp_path / "copy.txt")).code == 0
    snapshot = store.read(db)
    carried = [s for s in snapshot.get("ava-fictus")["sources"] if s["key"] == "src-a"]
    assert carried == [snapshot.source("src-a")]
    # (the registry's copy lacked the defaults the persons' had: every later edit was a clash, exit 5)
    for pid in ("ava-fictus", "bo-fictus"):
        res = run("edit", pid, "--set", "tags+=checked")
        assert res.code == 0, res
    assert run("check").code == 0
