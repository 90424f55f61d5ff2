"""`dossier check`: each kind of finding on a crafted database; a clean one passes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from dossier import api, store
from dossier.api.checks import FINDING_CODES
from dossier.model.person import dump, validate_person
from tests.conftest import make_person

TODAY = date(2024, 6, 1)


def fill(db: Path, *records: dict[str, Any]) -> None:
    """Valid records, stored as the tool stores them (no cross-record checks)."""
    with store.transaction(db) as tx:
        tx.put_many(dump(validate_person(r)) for r in records)


def write_raw(db: Path, persons: dict[str, Any]) -> None:
    """A hand-edited database file: whatever the test writes, unvalidated."""
    db.write_text(json.dumps({"_meta": {"1": {"schema_version": 1}}, "persons": persons}), "utf-8")


def codes(findings: list[Any]) -> list[tuple[str, str, str]]:
    return [(f.code, f.id, f.field) for f in findings]


def person(pid: str, name: str, **fields: Any) -> dict[str, Any]:
    return make_person(name, id=pid, **fields)


CLEAN = [
    person("dariush-fakeri", "Dariush Fakeri",
           current_post={"title": "Judge", "as_of": "2024-01", "sources": ["example-report-1990"]},
           associates=[{"id": "bahman-ghaffarzadeh", "relation": "colleague",
                        "sources": ["example-report-1990"]}]),
    person("bahman-ghaffarzadeh", "Bahman Ghaffarzadeh", native_name="بهمن غفارزاده",
           posts=[{"title": "Interrogator", "start": "1985", "sources": ["example-report-1990"]}]),
]


def test_a_clean_database_has_no_findings(db: Path) -> None:
    fill(db, *CLEAN)
    assert api.check(db, today=TODAY) == []


def test_cli_on_a_clean_database_exits_0(run, db: Path) -> None:
    recent = date.today().isoformat()[:7]
    fill(db, person("dariush-fakeri", "Dariush Fakeri",
                    current_post={"title": "Judge", "as_of": recent, "sources": ["example-report-1990"]}))
    res = run("check")
    assert (res.code, res.stdout) == (0, ""), res
    assert "no problems found" in res.stderr
    res = run("check", "--strict", "--format", "json")
    assert (res.code, res.json()) == (0, [])


def test_cli_on_an_empty_database_exits_0(run) -> None:
    assert run("check").code == 0


def test_unsourced_claims_are_errors(db: Path) -> None:
    fill(db, person("dariush-fakeri", "Dariush Fakeri",
                    role_1988={"title": "Prosecutor", "sources": []},
                    current_post={"title": "Judge", "as_of": "2024-01"},
                    posts=[{"title": "Clerk", "sources": ["example-report-1990"]}, {"title": "Interrogator"}],
                    associates=[{"id": "bahman-ghaffarzadeh", "relation": "deputy"}]),
         CLEAN[1])
    findings = api.check(db, today=TODAY)
    assert codes(findings) == [
        ("E-UNSOURCED", "dariush-fakeri", "role_1988"),
        ("E-UNSOURCED", "dariush-fakeri", "current_post"),
        ("E-UNSOURCED", "dariush-fakeri", "posts[1]"),
        ("E-UNSOURCED", "dariush-fakeri", "associates[0]"),
    ]
    assert str(findings[0]) == "E-UNSOURCED dariush-fakeri: role_1988 has no source"
    assert str(findings[3]) == ("E-UNSOURCED dariush-fakeri: associates[0]: link to 'bahman-ghaffarzadeh' "
                                "has no source")


def test_cli_reports_errors_on_stdout_and_exits_4(run, db: Path) -> None:
    fill(db, person("dariush-fakeri", "Dariush Fakeri", role_1988={"title": "Prosecutor"}))
    res = run("check")
    assert res.code == 4, res
    assert res.stdout == "E-UNSOURCED dariush-fakeri: role_1988 has no source\n"
    assert "check: 1 error, 0 warnings" in res.stderr


def test_dangling_associate_is_an_error(db: Path) -> None:
    fill(db, person("dariush-fakeri", "Dariush Fakeri",
                    associates=[{"id": "nobody-here", "sources": ["example-report-1990"]}]))
    findings = api.check(db, today=TODAY)
    assert codes(findings) == [("E-DANGLING-ASSOCIATE", "dariush-fakeri", "associates[0].id")]
    assert "nobody-here" in findings[0].message


def test_a_link_to_a_merged_id_is_a_warning_naming_the_new_id(db: Path) -> None:
    fill(db, person("dariush-fakeri", "Dariush Fakeri",
                    associates=[{"id": "old-bahman", "sources": ["example-report-1990"]}]),
         {**CLEAN[1], "merged_ids": ["old-bahman"]})
    findings = api.check(db, today=TODAY)
    assert codes(findings) == [("W-MERGED-ASSOCIATE", "dariush-fakeri", "associates[0].id")]
    assert "bahman-ghaffarzadeh" in findings[0].message


def test_same_source_key_with_different_content_is_an_error(db: Path) -> None:
    other = person("bahman-ghaffarzadeh", "Bahman Ghaffarzadeh")
    other["sources"][0]["title"] = "Another title"
    fill(db, CLEAN[0], other)
    findings = api.check(db, today=TODAY)
    assert codes(findings) == [("E-SOURCE-CLASH", "dariush-fakeri", "sources[0]")]
    assert "'example-report-1990' differs from the copy cited by bahman-ghaffarzadeh" in findings[0].message


def test_stale_current_posts_are_warnings(db: Path) -> None:
    def post(as_of: str | None) -> dict[str, Any]:
        return {"title": "Judge", "sources": ["example-report-1990"], **({"as_of": as_of} if as_of else {})}

    fill(db,
         person("old-post", "Dariush Fakeri", current_post=post("2022-05")),
         person("no-date", "Bahman Ghaffarzadeh", current_post=post(None)),
         person("year-only", "Jamshid Nourbakhsh", current_post=post("2022")),  # may run to 2022-12-31
         person("recent", "Parviz Shokouhi", current_post=post("2023-01-15")))
    findings = api.check(db, today=TODAY)
    assert codes(findings) == [
        ("W-STALE-POST", "no-date", "current_post.as_of"),
        ("W-STALE-POST", "old-post", "current_post.as_of"),
    ]
    assert "2022-05" in findings[1].message
    # "today" decides: two years later everything is stale
    later = api.check(db, today=date(2026, 1, 1))
    assert {f.id for f in later} == {"old-post", "no-date", "year-only", "recent"}


def test_deceased_with_a_current_post_and_a_post_after_death_are_warnings(db: Path) -> None:
    post = {"title": "Judge", "as_of": "2024-01", "sources": ["example-report-1990"]}
    fill(db,
         person("dariush-fakeri", "Dariush Fakeri", status="deceased", current_post=post),
         person("bahman-ghaffarzadeh", "Bahman Ghaffarzadeh", died="2019", current_post=post),
         person("jamshid-nourbakhsh", "Jamshid Nourbakhsh", current_post={**post, "as_of": "2025-02"}))
    assert codes(api.check(db, today=TODAY)) == [
        ("W-IMPOSSIBLE-POST", "bahman-ghaffarzadeh", "current_post.as_of"),
        ("W-DECEASED-POST", "dariush-fakeri", "current_post"),
        ("W-IMPOSSIBLE-POST", "jamshid-nourbakhsh", "current_post.as_of"),
    ]


def test_likely_duplicates_same_folded_name(db: Path) -> None:
    fill(db,
         person("ebrahim-fakeri", "Ebrahim Fakeri"),
         person("ibrahim-fakeri", "Ibrahim Fakery"),
         person("other", "Jamshid Nourbakhsh", aliases=["Ebrahim Fakeri"]),
         person("pour", "Dariush Pour-Fakeri"),
         person("pour-2", "Dariush Pourfakeri"))
    findings = api.check(db, today=TODAY)
    assert codes(findings) == [
        ("W-DUPLICATE", "ebrahim-fakeri", "name"),
        ("W-DUPLICATE", "pour", "name"),
    ]
    assert "likely the same person as ibrahim-fakeri, other: same folded name" in findings[0].message
    assert "pour-2" in findings[1].message


def test_likely_duplicates_by_score(db: Path) -> None:
    fill(db,
         person("manouchehr-dehghani", "Manouchehr Dehghani"),
         person("manouchehr-dehghan", "Manuchehr Dehqan"),
         person("bahman-dehghani", "Bahman Dehghani"))  # same surname only: not a duplicate
    findings = api.check(db, today=TODAY)
    assert codes(findings) == [("W-DUPLICATE", "manouchehr-dehghan", "name")]
    assert "manouchehr-dehghani" in findings[0].message
    assert "(score 9" in findings[0].message


def test_a_person_entered_in_latin_and_again_only_in_persian_is_a_likely_duplicate(run, db: Path) -> None:
    # `add` warned "likely duplicate (score 94)" and check said "no problems found": check now
    # weighs names in two scripts as search does (a Persian word's guessed vowels), whether it
    # finds the facts anew or follows them through the add.
    expected = ("W-DUPLICATE ramin-sapeharnia: likely the same person as ramin-sepehrnia: "
                "name 'رامین سپهرنیا' resembles 'Ramin Sepehrnia' (score 94)")
    assert run("add", "Ramin Sepehrnia").code == 0
    assert run("check").stdout == ""  # (the facts kept, then followed through the add)
    added = run("add", "رامین سپهرنیا")
    assert "likely duplicate of ramin-sepehrnia (score 94)" in added.stderr
    assert run("check").stdout.splitlines() == [expected]
    for sidecar in (".facts", ".findings"):
        db.with_name(db.name + sidecar).unlink()
    assert run("check").stdout.splitlines() == [expected]
    # A name in the other script that search scores under 90 is not one (another given name).
    assert run("add", "Ali Ahmadi").code == 0
    assert run("add", "رضا احمدی").code == 0
    assert run("check").stdout.splitlines() == [expected]


def test_dates_of_a_life_that_cannot_be_are_warned_of(run, db: Path) -> None:
    # A death before the birth, a death date for a person recorded alive, and a year before 1900
    # (SH1367 entered as 1367: the AD year 1367) were stored and check said "no problems found".
    post = {"title": "Judge", "sources": ["example-report-1990"]}
    fill(db,
         person("born-after-death", "Kaveh Nadiri", status="deceased", born="SH1340", died="SH1330"),
         person("alive-and-dead", "Dariush Fakeri", status="alive", died="2019"),
         person("no-sh-prefix", "Jamshid Nourbakhsh", born="1367-05-07", role_1988={**post, "start": "1367"}),
         person("left-then-confirmed", "Arash Abedi",
                posts=[{**post, "start": "2001", "end": "1999"},
                       {**post, "end": "2020", "as_of": "2024-05"}]),
         person("fine", "Bahman Ghaffarzadeh", status="deceased", born="1950", died="1950-05",
                role_1988={**post, "start": "1988-07"}))
    found = [(f.code, f.id, f.field, f.message) for f in api.check(db, today=TODAY)]
    sh = "a Solar Hijri date without its SH prefix? (SH1367 is 1988)"
    assert found == [
        ("W-IMPOSSIBLE-DATE", "alive-and-dead", "status", "recorded alive, with a death date (2019)"),
        ("W-IMPOSSIBLE-DATE", "born-after-death", "died",
         "died 1951 (SH1330), before being born in 1961 (SH1340)"),
        ("W-IMPOSSIBLE-DATE", "left-then-confirmed", "posts[0].end",
         "posts[0] ends 1999, before it starts (2001)"),
        ("W-IMPOSSIBLE-DATE", "left-then-confirmed", "posts[1].as_of",
         "posts[1] is confirmed held 2024-05, after it ended (2020)"),
        ("W-IMPOSSIBLE-DATE", "no-sh-prefix", "born", f"born 1367-05-07: before 1900, {sh}"),
        ("W-IMPOSSIBLE-DATE", "no-sh-prefix", "role_1988.start", f"role_1988.start 1367: before 1900, {sh}"),
    ]
    assert run("check").code == 0
    assert run("check", "--strict").code == 4


def test_a_date_mended_after_a_check_leaves_no_warning_behind(run, db: Path) -> None:
    # The check after an edit kept the person's old W-IMPOSSIBLE-DATE and added the new one.
    assert run("add", "Kaveh Nadiri", "--born", "1960", "--died", "1950", "--status", "deceased").code == 0
    assert run("check").stdout == ("W-IMPOSSIBLE-DATE kaveh-nadiri: died 1950, before being born in 1960\n")
    assert run("edit", "kaveh-nadiri", "--set", "tags+=judiciary").code == 0
    assert run("check").stdout == ("W-IMPOSSIBLE-DATE kaveh-nadiri: died 1950, before being born in 1960\n")
    assert run("edit", "kaveh-nadiri", "--set", "died=1990").code == 0
    assert run("check").stdout == ""


def test_names_of_one_person_are_not_duplicates(db: Path) -> None:
    fill(db, person("dariush-fakeri", "Dariush Fakeri", aliases=["Daryoush Fakeri", "Dariush Fakery"],
                    native_name="داریوش فاکری"))
    assert api.check(db, today=TODAY) == []


def test_strict_makes_warnings_fail(run, db: Path) -> None:
    fill(db, person("dariush-fakeri", "Dariush Fakeri", status="deceased",
                    current_post={"title": "Judge", "as_of": "2000", "sources": ["example-report-1990"]}))
    res = run("check")
    assert res.code == 0, res
    assert res.stdout.splitlines() == [
        "W-STALE-POST dariush-fakeri: current_post last confirmed 2000, more than 2 years before "
        f"{date.today().isoformat()}",
        "W-DECEASED-POST dariush-fakeri: current_post is set but the person is deceased",
    ]
    assert "check: 0 errors, 2 warnings" in res.stderr
    assert run("check", "--strict").code == 4


def test_json_format(run, db: Path) -> None:
    fill(db, person("dariush-fakeri", "Dariush Fakeri", role_1988={"title": "Prosecutor"}, status="deceased",
                    current_post={"title": "Judge", "as_of": "2000", "sources": ["example-report-1990"]}))
    res = run("check", "--format", "json")
    assert res.code == 4
    findings = res.json()
    assert [f["code"] for f in findings] == ["E-UNSOURCED", "W-STALE-POST", "W-DECEASED-POST"]
    assert findings[0] == {"code": "E-UNSOURCED", "severity": "error", "id": "dariush-fakeri",
                           "field": "role_1988", "message": "role_1988 has no source"}
    assert {f["severity"] for f in findings[1:]} == {"warning"}


def test_evidence_errors_come_before_the_warnings(run, db: Path, tmp_path: Path) -> None:
    assert run("add", "Dariush Fakeri", "--status", "deceased", "--current-post", "Judge", "--as-of", "2000",
               "--source-url", "https://example.org/r", "--source-title", "Example report").code == 0
    (key,) = [s["key"] for s in run("sources", "list", "--format", "json").json()]
    (tmp_path / "copy.pdf").write_bytes(b"%PDF fictional")
    assert run("sources", "attach", key, str(tmp_path / "copy.pdf")).code == 0
    for stored in db.with_name(db.name + ".evidence").rglob("*"):
        if stored.is_file():
            stored.unlink()
    res = run("check", "--format", "json")
    assert res.code == 4
    assert [f["code"] for f in res.json()] == ["E-EVIDENCE-MISSING", "W-STALE-POST", "W-DECEASED-POST"]


# --- a hand-edited database file ------------------------------------------------------


def test_hand_edited_records_are_validated_not_crashed_on(run, db: Path) -> None:
    good = dump(validate_person(CLEAN[1]))
    dangling = dump(validate_person(person("dariush-fakeri", "Dariush Fakeri")))
    dangling["role_1988"]["sources"] = ["example-report-1990", "gone-1", "gone-2"]
    broken = dump(validate_person(person("jamshid-nourbakhsh", "Jamshid Nourbakhsh")))
    broken.update(born="1988-13", nmae="typo", aliases="not a list", posts="oops", associates=[7])
    write_raw(db, {"bahman-ghaffarzadeh": good, "dariush-fakeri": dangling, "jamshid-nourbakhsh": broken,
                   "wrong-key": {**good, "id": "parviz-shokouhi", "name": "Parviz Shokouhi"}})
    findings = api.check(db, today=TODAY)
    got = codes(findings)
    assert ("E-DANGLING-SOURCE", "dariush-fakeri", "role_1988.sources[1]") in got
    assert ("E-DANGLING-SOURCE", "dariush-fakeri", "role_1988.sources[2]") in got
    invalid = {field for code, pid, field in got if code == "E-INVALID" and pid == "jamshid-nourbakhsh"}
    assert {"born", "nmae", "aliases", "posts", "associates[0]"} <= invalid
    assert ("E-INVALID", "parviz-shokouhi", "id") in got
    # the model's own report of the first dangling key is not repeated as E-INVALID
    assert ("E-INVALID", "dariush-fakeri", "role_1988.sources[1]") not in got
    message = next(f for f in findings if f.field == "born").message
    assert message.startswith("born: not a date '1988-13'")
    res = run("check")
    assert res.code == 4, res
    assert "E-DANGLING-SOURCE dariush-fakeri: role_1988.sources[1]: source 'gone-1' is not" in res.stdout
    assert "Traceback" not in res.stderr


def test_a_hand_edited_name_that_looks_like_another_is_invalid_and_a_likely_duplicate(run, db: Path) -> None:
    # A left-to-right mark makes "Kaveh Nadiri" look like another person's name: the name is
    # invalid (an error), whatever else is said of it (a likely duplicate, a warning).
    first = dump(validate_person(person("kaveh-nadiri", "Kaveh Nadiri")))
    spoof = dump(validate_person(person("aa-kaveh", "Kaveh Nadiri")))
    spoof["name"] = "Kaveh Nadiri\u200e"
    write_raw(db, {"kaveh-nadiri": first, "aa-kaveh": spoof})
    got = codes(api.check(db, today=TODAY))
    assert ("E-INVALID", "aa-kaveh", "name") in got
    assert ("W-DUPLICATE", "aa-kaveh", "name") in got
    assert run("check").code == 4


def test_a_date_of_the_right_shape_but_no_meaning_is_invalid_not_a_crash(run, db: Path) -> None:
    record = dump(validate_person(person("dariush-fakeri", "Dariush Fakeri",
                                         current_post={"title": "Judge", "as_of": "2024-01",
                                                       "sources": ["example-report-1990"]})))
    record["current_post"]["as_of"] = "2017-13"
    write_raw(db, {"dariush-fakeri": record})
    assert ("E-INVALID", "dariush-fakeri", "current_post.as_of") in codes(api.check(db, today=TODAY))
    res = run("check")
    assert res.code == 4, res
    assert "Traceback" not in res.stderr
    res = run("review", "--list")
    assert res.code == 0, res
    assert "Traceback" not in res.stderr


def test_every_code_is_documented_and_used_by_the_tests() -> None:
    from dossier.api.checks import SECURITY_CODES

    assert all(code[:2] in ("E-", "W-") for code in FINDING_CODES)
    assert {FINDING_CODES[c][0] for c in FINDING_CODES if c.startswith("E-")} == {"error"}
    assert {FINDING_CODES[c][0] for c in FINDING_CODES if c.startswith("W-")} == {"warning"}
    assert all(code.startswith("S-") for code in SECURITY_CODES)  # check --security
    source = "".join(p.read_text("utf-8") for p in Path(__file__).parent.glob("test_*.py"))
    assert all(f'"{code}"' in source for code in [*FINDING_CODES, *SECURITY_CODES])


# --- an unreadable database file -------------------------------------------------------


def test_unreadable_database_exits_1_and_says_how_to_restore_the_backup(run, db: Path) -> None:
    fill(db, CLEAN[1])
    fill(db, CLEAN[0])  # the second write keeps the first state as db.json.bak
    bak = store.backup_path(db)
    assert bak.exists()
    db.write_text('{"_meta": {"1": {"schema_version": 1}}, "persons": {', "utf-8")
    res = run("check")
    assert res.code == 1, res
    assert "not valid JSON" in res.stderr
    assert f"cp {bak} {db}" in res.stderr
    assert "Traceback" not in res.stderr
    assert db.read_text("utf-8").endswith("{")  # never overwritten


def test_unreadable_database_without_a_backup(run, db: Path) -> None:
    db.write_text("garbage", "utf-8")
    res = run("check")
    assert res.code == 1
    assert "no backup db.json.bak exists" in res.stderr


def test_unreadable_backup_too(run, db: Path) -> None:
    db.write_text("garbage", "utf-8")
    store.backup_path(db).write_text("[]", "utf-8")
    res = run("check", "--format", "json")
    assert res.code == 1
    assert res.stdout == ""
    assert "unreadable too" in res.stderr


@pytest.mark.parametrize("strict", [[], ["--strict"]])
def test_check_writes_nothing(run, db: Path, strict: list[str]) -> None:
    fill(db, person("dariush-fakeri", "Dariush Fakeri", role_1988={"title": "Prosecutor"}))
    before = db.read_bytes()
    run("check", *strict)
    assert db.read_bytes() == before


def test_an_export_of_records_that_do_not_validate_says_so(run, db: Path, tmp_path: Path) -> None:
    good = dump(validate_person(CLEAN[1]))
    broken = dump(validate_person(person("jamshid-nourbakhsh", "Jamshid Nourbakhsh")))
    broken["born"] = "1988-13"
    write_raw(db, {"bahman-ghaffarzadeh": good, "jamshid-nourbakhsh": broken})
    out, split = tmp_path / "out.json", tmp_path / "split"
    for args in (("-", "--format", "ndjson"), (str(out),), (str(split), "--split")):
        res = run("export", *args)
        assert res.code == 0, res  # (the export is lossless, of what is stored)
        assert res.stderr.splitlines()[-1] == (
            "warning: jamshid-nourbakhsh does not validate (the file was edited outside dossier): "
            "exported as stored, which import refuses until fixed (`dossier check` says what)")
    assert run("--db", str(tmp_path / "new.json"), "import", str(out)).code == 4
    write_raw(db, {"bahman-ghaffarzadeh": good})
    assert "warning" not in run("export", str(tmp_path / "out.json")).stderr
