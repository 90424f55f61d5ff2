"""A dossier kept by a team in git: split folders, mirror imports, the history, `updated`,
judgements that two persons differ, and the warnings a researcher gets at entry.

The git tests run the real ``git`` binary on real clones. All persons are fictional.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Result, make_person

SHARED = {"key": "provincial-report-1990", "title": "Provincial report", "url": "https://example.org/p",
          "kind": "report", "published": "1990"}


def person(name: str, pid: str, **fields: Any) -> dict[str, Any]:
    return make_person(name, id=pid, sources=[SHARED],
                       role_1988={"title": "Prosecutor", "place": "Tabriz", "sources": [SHARED["key"]]},
                       **fields)


TEAM = [person("Dariush Fakeri", "fakeri"), person("Kaveh Nadiri", "nadiri"),
        person("Bahman Ghaffarzadeh", "ghaffarzadeh"), person("Arash Abedi", "abedi")]


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


class Member:
    """One researcher: a clone of the team's repository and a working database of their own."""

    def __init__(self, run_bin: Callable[..., Result], clone: Path, db: Path, name: str) -> None:
        self.run_bin, self.clone, self.db, self.name = run_bin, clone, db, name

    def __call__(self, *args: str) -> Result:
        res = self.run_bin("--db", str(self.db), "--actor", self.name, *args)
        assert res.code == 0, res
        return res

    @property
    def records(self) -> Path:
        return self.clone / "records"


@pytest.fixture
def team(tmp_path: Path, run_bin: Callable[..., Result]) -> tuple[Member, Member]:
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    first = tmp_path / "a"
    git(tmp_path, "clone", "-q", str(origin), str(first))
    a = Member(run_bin, first, tmp_path / "a.json", "a")
    source = tmp_path / "team.ndjson"
    source.write_text("".join(json.dumps(p) + "\n" for p in TEAM), encoding="utf-8")
    a("import", str(source))
    a("export", "--split", str(a.records))
    git(first, "add", "-A")
    git(first, "commit", "-q", "-m", "the dossier")
    git(first, "push", "-q", "origin", "main")
    second = tmp_path / "b"
    git(tmp_path, "clone", "-q", str(origin), str(second))
    b = Member(run_bin, second, tmp_path / "b.json", "b")
    b("import", str(b.records), "--mirror")
    return a, b


def exported(member: Member) -> list[dict[str, Any]]:
    return json.loads(member("export", "-", "--format", "json").stdout)


def test_two_clones_merge_without_conflicts_and_mirror_back_to_a_clean_tree(team, tmp_path) -> None:
    a, b = team
    # A corrects the shared source (one file) and adds a person.
    a("sources", "edit", SHARED["key"], "--set", "url=https://example.org/provincial-report")
    a("add", "Jamshid Nourbakhsh", "--role-1988", "Interrogator", "--source-url", "https://example.org/j",
      "--source-title", "Jamshid report")
    a("export", "--split", str(a.records))
    changed = git(a.clone, "status", "--porcelain", "--untracked-files=all").splitlines()
    # One source corrected is one file: the four persons citing it are untouched.
    assert sorted(changed) == [" M records/sources/provincial-report-1990.yaml",
                               "?? records/jamshid-nourbakhsh.yaml", "?? records/sources/jamshid-report.yaml"]
    git(a.clone, "add", "-A")
    git(a.clone, "commit", "-q", "-m", "correct the provincial report; add Nourbakhsh")
    git(a.clone, "push", "-q", "origin", "main")
    # B edits another person and git-rms a third, meanwhile. (In another second than the one A's
    # copy stamped: times are to the second, and the same `updated` on changed content reads as
    # a hand edit of the file.)
    time.sleep(1 - time.time() % 1)
    b("edit", "nadiri", "--set", "status=alive")
    b("export", "--split", str(b.records))
    git(b.clone, "rm", "-q", "records/abedi.yaml")
    git(b.clone, "add", "-A")
    git(b.clone, "commit", "-q", "-m", "Nadiri is alive; Abedi was entered by mistake")
    git(b.clone, "pull", "-q", "--no-rebase", "origin", "main")  # a merge, and no conflict
    git(b.clone, "push", "-q", "origin", "main")
    # Each brings the working database to the merged folder; exporting changes no file.
    report = b("import", str(b.records), "--mirror").stderr
    assert "added 1, updated 0, removed 1" in report  # Nourbakhsh; Abedi
    b("export", "--split", str(b.records))
    assert git(b.clone, "status", "--porcelain") == ""
    git(a.clone, "pull", "-q", "--no-rebase", "origin", "main")
    report = a("import", str(a.records), "--mirror").stderr
    assert "added 0, updated 1, removed 1" in report  # Nadiri; Abedi
    a("export", "--split", str(a.records))
    assert git(a.clone, "status", "--porcelain") == ""
    # Both databases equal the folder, and each other.
    assert exported(a) == exported(b)
    ids = [p["id"] for p in exported(b)]
    assert ids == ["fakeri", "ghaffarzadeh", "jamshid-nourbakhsh", "nadiri"]
    fakeri = next(p for p in exported(b) if p["id"] == "fakeri")
    assert fakeri["sources"][0]["url"] == "https://example.org/provincial-report"
    # and the history says who did what, in each working copy
    entries = json.loads(b("log", "abedi", "--format", "json").stdout)
    assert entries[0]["op"] == "removed"
    assert entries[0]["actor"] == "b"
    assert entries[0]["command"].startswith("import ")


def test_mirror_dry_run_writes_nothing_and_says_what_it_would_do(team) -> None:
    _, b = team
    (b.records / "abedi.yaml").unlink()
    before = b.db.read_bytes()
    res = b("import", str(b.records), "--mirror", "--dry-run")
    assert res.stderr.strip() == "dry run: would have added 0, updated 0, removed 1, unchanged 3"
    assert b.db.read_bytes() == before


def test_import_of_an_edited_folder_without_mirror_names_the_ways_forward(team, run_bin) -> None:
    _, b = team
    path = b.records / "nadiri.yaml"
    path.write_text(path.read_text() + "narrative: Seen in 1991.\n")
    res = run_bin("--db", str(b.db), "import", str(b.records))
    assert res.code == 5
    assert "--on-conflict update" in res.stderr
    assert "--mirror" in res.stderr


# --- `updated` means changed -------------------------------------------------------------


def test_updated_changes_exactly_when_a_person_changes(run, db, tmp_path) -> None:
    source = tmp_path / "in.ndjson"
    old = {"created": "2020-01-01T00:00:00Z", "updated": "2020-01-01T00:00:00Z"}  # not this second
    source.write_text("".join(json.dumps({**p, **old}) + "\n" for p in TEAM), encoding="utf-8")
    assert run("import", str(source)).code == 0
    stamps = {p["id"]: p["updated"] for p in run("export", "-", "--format", "json").json()}
    # a re-import, a source edit and a no-op edit leave every person's `updated`
    assert run("import", str(source)).code == 0
    assert run("sources", "edit", SHARED["key"], "--set", "publisher=Example Watch").code == 0
    assert run("edit", "fakeri", "--set", "status=unknown").stderr == "no changes\n"
    after = {p["id"]: p["updated"] for p in run("export", "-", "--format", "json").json()}
    assert after == stamps
    # an edit bumps one person, and diff --since finds exactly that one
    assert run("edit", "nadiri", "--set", "status=alive").code == 0
    after = {p["id"]: p["updated"] for p in run("export", "-", "--format", "json").json()}
    assert [pid for pid in after if after[pid] != stamps[pid]] == ["nadiri"]
    since = run("diff", "--since", after["nadiri"], "--format", "json").json()
    assert [c["id"] for c in since["changed"]] == ["nadiri"]


def test_a_hand_edit_of_a_split_file_gets_a_new_updated_an_export_keeps_its_own(run, db, tmp_path) -> None:
    source = tmp_path / "in.ndjson"
    old = "2020-01-01T00:00:00Z"
    source.write_text(json.dumps({**TEAM[0], "created": old, "updated": old}) + "\n", encoding="utf-8")
    run("import", str(source))
    out = tmp_path / "records"
    run("export", "--split", str(out))
    stored = run("show", "fakeri", "--format", "json").json()["updated"]
    path = out / "fakeri.yaml"
    path.write_text(path.read_text() + "narrative: Edited by hand.\n")
    assert run("import", str(out), "--mirror").code == 0
    hand = run("show", "fakeri", "--format", "json").json()
    assert hand["narrative"] == "Edited by hand."
    assert hand["updated"] > stored  # the file said the old time with new content: a hand edit
    # An exported file carries its own `updated`: importing it keeps that time.
    run("export", "--split", str(out))
    text = path.read_text().replace(hand["updated"], "2030-01-01T00:00:00Z")
    path.write_text(text.replace("Edited by hand.", "Edited, then exported."))
    run("import", str(out), "--mirror")
    assert run("show", "fakeri", "--format", "json").json()["updated"] == "2030-01-01T00:00:00Z"


# --- the history ---------------------------------------------------------------------------


def test_every_write_leaves_one_entry_with_its_actor_and_changes(run, run_bin, db, monkeypatch) -> None:
    def log(*args: str) -> list[dict[str, Any]]:
        res = run("log", *args, "--format", "json")
        assert res.code == 0, res
        return res.json()

    steps: list[tuple[list[str], str, str, str]] = [
        (["--actor", "alice", "add", "Dariush Fakeri", "--role-1988", "Judge", "--source-url",
          "https://example.org/a", "--source-title", "Report A"], "alice", "dariush-fakeri", "added"),
        (["--actor", "bob", "edit", "dariush-fakeri", "--set", "status=alive"], "bob", "dariush-fakeri",
         "changed"),
        (["sources", "edit", "report-a", "--set", "publisher=Example"], "carol", "report-a", "changed"),
        (["add", "Kaveh Nadiri"], "carol", "kaveh-nadiri", "added"),
        (["distinct", "dariush-fakeri", "kaveh-nadiri", "--note", "different fathers"], "carol",
         "kaveh-nadiri", "changed"),
        (["rm", "kaveh-nadiri", "--yes"], "carol", "kaveh-nadiri", "removed"),
    ]
    monkeypatch.setenv("DOSSIER_ACTOR", "carol")
    for args, actor, pid, op in steps:
        before = len(log())
        assert run(*args).code == 0
        new = log()[: len(log()) - before]
        assert new[0]["actor"] == actor, (args, new)
        assert new[0]["id"] == pid or any(e["id"] == pid for e in new), (args, new)
        assert any(e["op"] == op for e in new), (args, new)
    edit = log("dariush-fakeri")
    change = next(e for e in edit if e["actor"] == "bob")
    assert change["changes"] == [{"path": "status", "old": "unknown", "new": "alive"}]
    assert change["command"] == "edit dariush-fakeri --set status=alive"
    source = log("report-a")[0]
    assert source["changes"] == [{"path": "publisher", "old": None, "new": "Example"}]
    # a command that changes nothing writes no entry (and not the file)
    count, before = len(log()), db.read_bytes()
    assert run("edit", "dariush-fakeri", "--set", "status=alive").stderr == "no changes\n"
    assert len(log()) == count
    assert db.read_bytes() == before
    # a removed person's history stays readable by its old id
    gone = log("kaveh-nadiri")
    assert [e["op"] for e in gone] == ["removed", "changed", "added"]
    assert log("kaveh-nadiri", "--limit", "1")[0]["op"] == "removed"


def test_log_of_a_merged_person_and_the_text_format(run, db) -> None:
    assert run("--actor", "alice", "add", "Dariush Fakeri").code == 0
    assert run("--actor", "alice", "add", "Dariush Fakery").code == 0
    assert run("--actor", "bob", "merge", "dariush-fakeri", "dariush-fakery").code == 0
    merged = run("log", "dariush-fakery", "--format", "json").json()
    assert merged[0]["op"] == "removed"
    assert merged[0]["merged_into"] == "dariush-fakeri"
    # the person it was merged into shows the merged id's entries too
    assert {e["id"] for e in run("log", "dariush-fakeri", "--format", "json").json()} == {
        "dariush-fakeri", "dariush-fakery"}
    text = run("log", "dariush-fakeri", "--limit", "2").stdout
    assert "bob  merge dariush-fakeri dariush-fakery" in text
    assert "aliases: + \"Dariush Fakery\"" in text
    assert run("log", "--since", "2999-01-01").stderr == "no history\n"
    assert run("log", "dariush-fakery", "--since", "2999-01-01").stderr == "no history\n"
    # a reference that names nothing the database holds or held is not found, as in `show`
    unknown = run("log", "nobody-ever")
    assert (unknown.code, unknown.stderr) == (3, "error: no person, source or history of 'nobody-ever' "
                                                 "(try `dossier search 'nobody-ever'`)\n")


def test_a_removed_id_points_to_its_history_and_a_mistyped_one_to_the_person(run, db) -> None:
    # `show` of a person removed meanwhile said only "try search": its history is kept and says
    # who removed it; `log` of a mistyped id gave no suggestion where `show` gives one.
    assert run("--actor", "alice", "add", "Dariush Fakeri").code == 0
    assert run("--actor", "bob", "add", "Kaveh Nadiri").code == 0
    assert run("--actor", "bob", "rm", "kaveh-nadiri", "--yes").code == 0
    for args in (["show", "kaveh-nadiri"], ["edit", "kaveh-nadiri", "--set", "status=alive"]):
        gone = run(*args)
        assert gone.code == 3, (args, gone)
        assert gone.stderr.startswith("error: no person 'kaveh-nadiri': removed on ")
        assert gone.stderr.endswith(" by bob (`dossier log kaveh-nadiri`)\n")
    assert run("log", "kaveh-nadiri", "--format", "json").json()[0]["op"] == "removed"
    typo = run("log", "dariush-fakery")
    assert typo.code == 3
    assert typo.stderr == ("error: no person with id 'dariush-fakery'; "
                           "did you mean dariush-fakeri (Dariush Fakeri)?\n")


def test_log_of_a_person_with_no_history_is_empty_not_unknown(run, db) -> None:
    # (a file of an older schema, or written through TinyDB: persons without history entries)
    person = {"id": "kaveh-testi", "name": "Kaveh Testi"}
    db.write_text(json.dumps({"_meta": {"1": {"schema_version": 1}}, "persons": {"kaveh-testi": person}}))
    res = run("log", "kaveh-testi")
    assert (res.code, res.stderr) == (0, "no history\n")
    lines = run("log", "--format", "ndjson").stdout.splitlines()
    numbers = [json.loads(line)["n"] for line in lines]
    assert numbers == sorted(numbers, reverse=True)


def test_the_history_is_not_exported(run, db) -> None:
    assert run("add", "Dariush Fakeri").code == 0
    assert run("edit", "dariush-fakeri", "--set", "status=alive").code == 0
    for fmt in ("json", "ndjson", "yaml", "csv"):
        out = run("export", "-", "--format", fmt).stdout
        assert "status=alive" not in out, fmt
        assert '"actor"' not in out, fmt


# --- judged different ---------------------------------------------------------------------------


def test_distinct_silences_check_and_guards_merge(run, db) -> None:
    for name in ("Dariush Fakeri", "Dariush Fakery"):
        assert run("add", name, "--role-1988", "Judge", "--source-url", "https://example.org/a",
                   "--source-title", "Report A").code == 0
    duplicates = [f for f in run("check", "--format", "json").json() if f["code"] == "W-DUPLICATE"]
    assert [f["id"] for f in duplicates] == ["dariush-fakeri"]
    assert run("distinct", "dariush-fakeri", "Dariush Fakery", "--note", "born 20 years apart").code == 0
    assert [f for f in run("check", "--format", "json").json() if f["code"] == "W-DUPLICATE"] == []
    shown = run("show", "dariush-fakery", "--format", "json").json()
    assert shown["distinct_from"] == [{"id": "dariush-fakeri", "note": "born 20 years apart"}]
    # (the text said nothing of it: a colleague saw two persons of one name, and no judgement)
    assert "distinct from: dariush-fakeri (born 20 years apart)\n" in run("show", "dariush-fakery").stdout
    assert "distinct from: dariush-fakery (born 20 years apart)\n" in run("show", "dariush-fakeri").stdout
    res = run("merge", "dariush-fakeri", "dariush-fakery")
    assert res.code == 5
    assert "born 20 years apart" in res.stderr
    assert "--force" in res.stderr
    # the judgement survives an export and import round trip
    exported = run("export", "-", "--format", "json").stdout
    assert '"distinct_from"' in exported
    assert run("distinct", "dariush-fakeri", "dariush-fakery", "--undo").code == 0
    assert [f["id"] for f in run("check", "--format", "json").json() if f["code"] == "W-DUPLICATE"] == [
        "dariush-fakeri"]
    assert run("merge", "dariush-fakeri", "dariush-fakery").code == 0


def test_a_judged_pair_merges_with_force(run, db) -> None:
    assert run("add", "Dariush Fakeri").code == 0
    assert run("add", "Dariush Fakery").code == 0
    assert run("distinct", "dariush-fakeri", "dariush-fakery").code == 0
    assert run("merge", "dariush-fakeri", "dariush-fakery", "--force").code == 0


# --- warnings at entry ---------------------------------------------------------------------------


def test_add_warns_of_a_likely_duplicate_and_an_unsourced_claim_but_adds(run, db) -> None:
    assert run("add", "Dariush Fakeri", "--role-1988", "Judge", "--source-url", "https://example.org/a",
               "--source-title", "Report A").code == 0
    res = run("add", "Daryoush Fakery", "--role-1988", "Prosecutor")
    assert res.code == 0
    assert res.stdout == "daryoush-fakery\n"
    assert "warning: daryoush-fakery is a likely duplicate of dariush-fakeri (score" in res.stderr
    assert "warning: unsourced claim: role_1988" in res.stderr
    res = run("add", "داریوش فاکری")  # the same person, entered only in Persian script
    assert "likely duplicate of dariush-fakeri" in res.stderr


def test_appending_an_identical_post_adds_nothing_and_says_so(run, db) -> None:
    assert run("add", "Dariush Fakeri").code == 0
    post = '{"title": "Judge", "organization": "Court", "start": "1990"}'
    assert run("edit", "dariush-fakeri", "--set", f"posts+={post}").code == 0
    res = run("edit", "dariush-fakeri", "--set", f"posts+={post}")
    assert res.code == 0
    assert "posts: an identical one is already recorded; nothing added" in res.stderr
    assert "no changes" in res.stderr
    assert len(run("show", "dariush-fakeri", "--format", "json").json()["posts"]) == 1


def test_reading_a_database_that_does_not_exist_says_so(run, tmp_path) -> None:
    missing = str(tmp_path / "typo.json")
    for args, code in ((["list"], 0), (["export", "-"], 0), (["show", "x"], 3), (["search", "x"], 0)):
        res = run("--db", missing, *args)
        assert res.code == code, (args, res)
        assert f"note: {missing} does not exist yet" in res.stderr
    assert not Path(missing).exists()
