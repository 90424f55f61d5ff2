"""The researcher's commands through the real CLI: add, list, show, edit, rm, --version."""

from __future__ import annotations

import json
import os
import resource
import stat
import subprocess
import sys

import pytest
import yaml

from dossier import __version__
from tests.conftest import make_person, stored


def add(run, *args: str) -> str:
    res = run("add", *args)
    assert res.code == 0, res
    return res.stdout.strip()


def test_version(run):
    res = run("--version")
    assert res.code == 0
    assert res.stdout == f"dossier {__version__}\n"


def test_add_prints_id_and_creates_private_file(run, db):
    assert add(run, "Dariush Fakeri") == "dariush-fakeri"
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


def test_add_derives_unique_ids(run):
    assert add(run, "Dariush Fakeri") == "dariush-fakeri"
    assert add(run, "Dariush Fakeri") == "dariush-fakeri-2"
    assert add(run, "Dariush  FAKERI!") == "dariush-fakeri-3"


def test_add_persian_name_gets_ascii_id(run):
    assert add(run, "داریوش فاکری") == "dariush-fakeri"  # romanised with its vowels, readable


def test_add_with_explicit_id_conflict_exits_5(run, db):
    add(run, "Dariush Fakeri", "--id", "fakeri")
    before = db.read_bytes()
    res = run("add", "Other Person", "--id", "fakeri")
    assert res.code == 5
    assert "fakeri" in res.stderr
    assert db.read_bytes() == before


def test_add_all_flags_and_sources_cite_posts(run):
    res = run(
        "add", "Dariush Fakeri", "--alias", "Dariosh Fakery", "--alias", "Fakeri",
        "--native-name", "داریوش فاکری", "--status", "alive",
        "--role-1988", "Prosecutor", "--org-1988", "Revolutionary Court", "--place-1988", "Tabriz",
        "--current-post", "Judge", "--current-org", "Supreme Court", "--as-of", "2017-07",
        "--source-url", "https://example.org/a", "--source-title", "Report A",
        "--source-url", "https://example.org/b", "--source-title", "Report B",
        "--tag", "tabriz", "--format", "json",
    )
    assert res.code == 0, res
    person = res.json()
    assert person["aliases"] == ["Dariosh Fakery", "Fakeri"]
    assert person["role_1988"] == {
        "title": "Prosecutor", "organization": "Revolutionary Court", "place": "Tabriz",
        "start": None, "end": None, "as_of": None, "sources": ["report-a", "report-b"],
        "confidence": "medium", "dates_as_written": {},
    }
    assert person["current_post"]["as_of"] == "2017-07"
    assert person["current_post"]["sources"] == ["report-a", "report-b"]
    assert [s["url"] for s in person["sources"]] == ["https://example.org/a", "https://example.org/b"]


def test_add_reuses_an_identical_source_database_wide(run):
    src = ("--source-url", "https://example.org/a", "--source-title", "Report A")
    add(run, "Dariush Fakeri", "--role-1988", "Judge", *src)
    second = run("add", "Kaveh Namdar", "--role-1988", "Judge", *src, "--format", "json").json()
    assert second["sources"][0]["key"] == "report-a"
    other = run("add", "Bahram Sadeghi", "--source-url", "https://example.org/z",
                "--source-title", "Report A", "--format", "json").json()
    assert other["sources"][0]["key"] == "report-a-2"


def test_add_solar_hijri_date_keeps_the_text_as_written(run):
    res = run("add", "Dariush Fakeri", "--current-post", "Judge", "--as-of", "SH1367-05-07",
              "--format", "json")
    post = res.json()["current_post"]
    assert post["as_of"] == "1988-07-29"
    assert post["dates_as_written"] == {"as_of": "SH1367-05-07"}


def test_add_refuses_a_birth_death_or_confirmation_still_to_come_as_its_prompts_do(run, db):
    # The prompts of interactive `add` refused `--born 2031`; the same answer as a flag was stored.
    from datetime import UTC, datetime

    year = datetime.now(UTC).year + 5
    for args, field in ((["--born", str(year)], "born"), (["--died", f"{year}-01"], "died"),
                        (["--current-post", "Judge", "--as-of", f"{year}-02-03"], "current_post.as_of"),
                        (["--current-post", "Judge", "--as-of", "SH1420-01-01"], "current_post.as_of"),
                        (["--born", "1420", "--calendar", "jalali"], "born")):
        res = run("add", "Dariush Fakeri", *args)
        assert res.code == 4, (args, res)
        assert res.stderr.startswith(f"error: add: {field}: "), res.stderr
        assert "is after today" in res.stderr
    assert not db.exists()
    assert run("add", "Dariush Fakeri", "--born", "1950", "--died", "SH1400").code == 0


def test_add_persian_digits_need_jalali_calendar(run):
    assert run("add", "A B", "--current-post", "Judge", "--as-of", "۱۳۶۷/۰۵/۰۷").code == 4
    res = run("add", "A B", "--current-post", "Judge", "--as-of", "۱۳۶۷/۰۵/۰۷",
              "--calendar", "jalali", "--format", "json")
    assert res.json()["current_post"]["as_of"] == "1988-07-29"


@pytest.mark.parametrize(
    ("args", "field", "value"),
    [
        (["--current-post", "Judge", "--as-of", "1988-13"], "current_post.as_of", "1988-13"),
        (["--current-post", "Judge", "--as-of", "1988-02-30"], "current_post.as_of", "1988-02-30"),
        (["--current-post", "Judge", "--as-of", "July 1988"], "current_post.as_of", "July 1988"),
        (["--current-post", "Judge", "--as-of", "88"], "current_post.as_of", "88"),
        (["--id", "Bad Id"], "id", "Bad Id"),
        (["--id", "../../x"], "id", "../../x"),
        (["--source-url", "javascript:alert(1)", "--source-title", "t"], "sources[0].url", "javascript:"),
        (["--source-url", "ftp://example.org/x", "--source-title", "t"], "sources[0].url", "ftp://"),
        (["--alias", "a\u202eb"], "aliases[0]", "U+202E"),
        (["--alias", "a\x07b"], "aliases[0]", "U+0007"),
        (["--native-name", "داریوش\u200bفاکری"], "native_name", "U+200B"),
    ],
)
def test_bad_input_exits_4_names_field_and_value_and_writes_nothing(run, db, args, field, value):
    res = run("add", "Dariush Fakeri", *args)
    assert res.code == 4, res
    assert f"{field}:" in res.stderr
    assert value in res.stderr
    assert "Traceback" not in res.stderr
    assert not db.exists()


@pytest.mark.parametrize("name", ["", "x" * 5000, "a\x00b", "a\u202eb", "line\nbreak"])
def test_bad_names_exit_4(run, db, name):
    res = run("add", name)
    assert res.code == 4, res
    assert "name:" in res.stderr
    assert not db.exists()


def test_zwnj_is_kept_and_text_is_nfc(run):
    person = run("add", "Cafe\u0301 Name", "--native-name", "مهدی\u200cپور", "--format", "json").json()
    assert person["name"] == "Café Name"
    assert person["native_name"] == "مهدی\u200cپور"


def test_usage_errors_exit_2(run, db):
    assert run("add", "X", "--status", "dead").code == 2
    assert run("add", "X", "--source-url", "https://example.org").code == 2
    assert run("list", "--format", "xml").code == 2
    assert run("nonsense").code == 2
    assert not db.exists()


def test_a_usage_error_is_one_line(run_bin, db):
    # Click printed four lines (Usage:, Try…, a blank line, Error:); every error is one line.
    for args, message in ((["add", "X", "--status", "zombie"], "Invalid value for '--status': 'zombie' is "
                           "not one of 'alive', 'deceased', 'unknown'. (dossier add -h for help)"),
                          (["lst"], "No such command 'lst'. (dossier -h for help)"),
                          (["show"], "Missing argument 'REF'. (dossier show -h for help)")):
        res = run_bin(*args)
        assert (res.code, res.stderr) == (2, f"error: {message}\n"), args
    assert not db.exists()
    assert run_bin("--version").code == 0
    assert run_bin("list", "-h").code == 0
    bare = run_bin("sources")  # a group with no command: its help
    assert bare.code == 2
    assert "The sources cited across the database." in bare.stderr


def test_add_without_name_off_terminal_refuses(run_bin, db):
    res = run_bin("add")
    assert res.code == 2
    assert "NAME is required" in res.stderr
    assert not db.exists()


def test_list_formats(run):
    add(run, "Dariush Fakeri", "--role-1988", "Prosecutor", "--tag", "tabriz")
    add(run, "Kaveh Namdar", "--status", "deceased")
    table = run("list")
    assert table.stdout.splitlines()[0].split("\t")[:2] == ["id", "name"]
    assert "dariush-fakeri\tDariush Fakeri" in table.stdout
    assert [p["id"] for p in run("list", "--format", "json").json()] == ["dariush-fakeri", "kaveh-namdar"]
    lines = run("list", "--format", "ndjson").stdout.splitlines()
    assert [json.loads(x)["name"] for x in lines] == ["Dariush Fakeri", "Kaveh Namdar"]
    csv_out = run("list", "--format", "csv").stdout.splitlines()
    assert csv_out[0].startswith("id,name,native_name,aliases,status,role_1988_title")
    assert [p["id"] for p in run("list", "--tag", "tabriz", "--format", "json").json()] == ["dariush-fakeri"]
    assert [p["id"] for p in run("list", "--status", "deceased", "--format", "json").json()] == [
        "kaveh-namdar"
    ]
    assert [p["id"] for p in run("list", "--query", "prosec", "--format", "json").json()] == [
        "dariush-fakeri"
    ]
    assert len(run("list", "--limit", "1", "--format", "json").json()) == 1


def test_list_empty_database_is_valid_json(run, db):
    assert run("list", "--format", "json").json() == []
    assert not db.exists()


def test_show_formats_and_refs(run):
    add(run, "Dariush Fakeri", "--alias", "Dariosh Fakery", "--role-1988", "Prosecutor",
        "--source-url", "https://example.org/a", "--source-title", "Report A")
    text = run("show", "dariush-fakeri").stdout
    assert "position in 1988: Prosecutor  [sources: report-a; confidence: medium]" in text
    assert "current post: unknown" in text
    assert run("show", "Dariosh Fakery", "--format", "json").json()["id"] == "dariush-fakeri"
    as_yaml = run("show", "dariush-fakeri", "--format", "yaml").stdout
    assert yaml.safe_load(as_yaml)["name"] == "Dariush Fakeri"
    missing = run("show", "nobody")
    assert missing.code == 3
    assert "nobody" in missing.stderr


def test_show_tells_a_start_from_an_end(run):
    # "Start only, 2010" and "End only, 2010" read the same, and a post left through `review`
    # ("Deputy minister, 2022-08, as of 2020") read as started in 2022-08.
    add(run, "Dariush Fakeri")
    assert run("edit", "dariush-fakeri", "--set", 'posts+={"title": "Start only", "start": "2010"}',
               "--set", 'posts+={"title": "End only", "end": "SH1389"}',
               "--set", 'posts+={"title": "Both", "start": "2001", "end": "2005"}').code == 0
    text = run("show", "dariush-fakeri").stdout
    assert "Start only, from 2010  [" in text
    assert "End only, until 2010 (SH1389)  [" in text
    assert "Both, 2001–2005  [" in text


def test_messages_write_the_zwnj_of_a_persian_name_as_it_is(run, db):
    # "no person 'کاوه زرین\u200cکمرر' (try `dossier search 'کاوه زرین\u200cکمرر'`)": the command
    # pasted from it searched for the six characters \u200c and found nothing.
    add(run, "کاوه زرین‌کمر")
    missing = run("show", "کاوه زرین‌کمرر")
    assert missing.code == 3
    assert missing.stderr == "error: no person 'کاوه زرین‌کمرر' (try `dossier search 'کاوه زرین‌کمرر'`)\n"
    assert run("search", "کاوه زرین‌کمرر", "--format", "json").json()[0]["id"] == "kaveh-zarinkamr"
    assert run("search", "زرین‌کمرر رنج").stderr == "no match for 'زرین‌کمرر رنج'\n"
    add(run, "کاوه زرین‌کمری")
    assert "resembles 'کاوه زرین‌کمری'" in run("check").stdout
    assert "\\u200c" not in run("check").stdout
    assert "'a\\u202eb'" in run("show", "a\u202eb").stderr  # (a bidi control stays escaped)


def test_show_marks_unsourced_claims(run):
    add(run, "Dariush Fakeri", "--role-1988", "Prosecutor")
    assert "[UNSOURCED; confidence: medium]" in run("show", "dariush-fakeri").stdout


def test_ambiguous_ref_exits_5_listing_candidates(run):
    add(run, "Dariush Fakeri")
    add(run, "Dariush Fakeri")
    res = run("show", "Dariush Fakeri")
    assert res.code == 5
    assert "dariush-fakeri\n" in res.stderr.replace("  Dariush", "\n")
    assert "dariush-fakeri-2" in res.stderr


def test_markup_in_names_prints_as_typed(run_bin):
    assert run_bin("add", "[bold]Kaveh[/] Namdar").code == 0
    out = run_bin("show", "bold-kaveh-namdar").stdout
    assert "name: [bold]Kaveh[/] Namdar" in out
    assert "[bold]Kaveh[/] Namdar" in run_bin("list").stdout


def test_edit_set_dotted_paths_lists_and_bools(run):
    add(run, "Dariush Fakeri", "--source-url", "https://example.org/a", "--source-title", "Report A")
    res = run("edit", "dariush-fakeri",
              "--set", "current_post.title=Head of court", "--set", "current_post.as_of=2020",
              "--set", "current_post.sources=report-a", "--set", "current_post.confidence=high",
              "--set", "tags=a;b", "--set", "tags+=c", "--set", "restricted=yes",
              "--set", 'posts+={"title": "Judge", "start": "1990"}')
    assert res.code == 0, res
    person = run("show", "dariush-fakeri", "--format", "json").json()
    assert person["current_post"]["title"] == "Head of court"
    assert person["current_post"]["confidence"] == "high"
    assert person["current_post"]["sources"] == ["report-a"]
    assert person["tags"] == ["a", "b", "c"]
    assert person["restricted"] is True
    assert person["posts"][0]["start"] == "1990"
    assert person["updated"] >= person["created"]
    assert run("edit", "dariush-fakeri", "--set", "current_post=").code == 0
    assert run("show", "dariush-fakeri", "--format", "json").json()["current_post"] is None


def test_edit_unchanged_writes_nothing(run, db):
    add(run, "Dariush Fakeri", "--status", "alive")
    before = db.read_bytes()
    res = run("edit", "dariush-fakeri", "--set", "status=alive")
    assert res.code == 0
    assert "no changes" in res.stderr
    assert db.read_bytes() == before


@pytest.mark.parametrize(
    ("assignment", "code"),
    [
        ("born=1988-13", 4),
        ("nope=1", 4),
        ("current_post.sources=missing-key", 4),
        ("id=other", 4),
        ("status=dead", 4),
        ("restricted=maybe", 4),
        ("no equals sign", 4),
    ],
)
def test_edit_bad_assignment_writes_nothing(run, db, assignment, code):
    add(run, "Dariush Fakeri")
    before = db.read_bytes()
    res = run("edit", "dariush-fakeri", "--set", assignment)
    assert res.code == code, res
    assert "Traceback" not in res.stderr
    assert db.read_bytes() == before


def test_rm(run, run_bin, db):
    add(run, "Dariush Fakeri")
    refused = run_bin("rm", "dariush-fakeri")
    assert refused.code == 2
    assert run("list", "--format", "json").json() != []
    assert run("rm", "dariush-fakeri", "--yes").code == 0
    assert run("list", "--format", "json").json() == []
    assert run("rm", "dariush-fakeri", "--yes").code == 3


def test_rm_of_an_unknown_person_is_not_found_on_a_terminal_or_not(run_bin):
    res = run_bin("rm", "nobody-at-all")
    assert res.code == 3, res
    assert "no person" in res.stderr


def linked_pair(run) -> None:
    add(run, "Dariush Fakeri")
    add(run, "Bahram Sadeghi")
    link = 'associates+={"id": "dariush-fakeri", "relation": "deputy"}'
    assert run("edit", "bahram-sadeghi", "--set", link).code == 0


def test_rm_of_a_person_others_link_to_names_them(run):
    linked_pair(run)
    res = run("rm", "dariush-fakeri", "--yes")
    assert res.code == 0, res
    assert res.stderr.splitlines() == [
        "removed dariush-fakeri",
        "warning: bahram-sadeghi names dariush-fakeri as an associate: the link points at no one now "
        "(see `dossier check`)"]
    assert "E-DANGLING-ASSOCIATE bahram-sadeghi" in run("check").stdout


def test_rm_names_the_links_to_an_id_merged_into_the_person_too(run):
    linked_pair(run)  # bahram-sadeghi links to dariush-fakeri
    add(run, "Dariush Fakery")
    assert run("merge", "dariush-fakery", "dariush-fakeri").code == 0  # the link now goes to dariush-fakery
    add(run, "Kaveh Testi")
    old_link = 'associates+={"id": "dariush-fakeri", "relation": "colleague"}'  # (a merged id)
    assert run("edit", "kaveh-testi", "--set", old_link).code == 0
    res = run("rm", "dariush-fakery", "--yes")
    assert res.stderr.splitlines()[-1].startswith(
        "warning: bahram-sadeghi, kaveh-testi name dariush-fakery as an associate"), res


def test_rm_at_a_terminal_names_the_links_before_it_asks(run, db):
    from tests.conftest import Terminal

    linked_pair(run)
    before = db.read_bytes()
    term = Terminal("rm", "dariush-fakeri")
    term.expect("warning: bahram-sadeghi names dariush-fakeri as an associate: removed, the link would "
                "point at no one (`dossier merge KEEP dariush-fakeri` moves it to the person kept instead)")
    term.expect("Remove dariush-fakeri (Dariush Fakeri)?")
    term.type("n")
    assert term.finish() == 0
    assert db.read_bytes() == before


def test_db_option_beats_environment(run, tmp_path, db):
    other = tmp_path / "other.json"
    assert run("--db", str(other), "add", "Dariush Fakeri").code == 0
    assert other.exists()
    assert not db.exists()


def test_environment_variable_chooses_database(run_bin, tmp_path):
    target = tmp_path / "env.json"
    assert run_bin("add", "Dariush Fakeri", env={"DOSSIER_DB": str(target)}).code == 0
    assert stored(target)["dariush-fakeri"]["name"] == "Dariush Fakeri"


def test_corrupt_database_is_reported_and_never_touched(run, run_bin, db):
    db.write_bytes(b'{"persons": {"x": ')
    for res in (run("add", "Dariush Fakeri"), run("list"), run_bin("add", "Dariush Fakeri")):
        assert res.code == 1
        assert str(db) in res.stderr
        assert "Traceback" not in res.stderr
    assert db.read_bytes() == b'{"persons": {"x": '


def test_a_mistyped_or_removed_id_names_no_one_else(run, db):
    # An id is an id: a typo in one, or one removed, does not fall through to the person whose
    # name it spells (that removed or edited the wrong person); a spelling is suggested.
    add(run, "Farhad Mir-Hosseini")
    add(run, "Farhad Mirhoseini", "--id", "farhad-mirhoseini")
    assert run("rm", "farhad-mirhoseini", "--yes").code == 0
    before = db.read_bytes()
    for args in (["rm", "farhad-mirhoseini", "--yes"], ["show", "farhad-mirhoseini"],
                 ["edit", "farhad-mir-hoseini", "--set", "status=alive"]):
        res = run(*args)
        assert res.code == 3, (args, res)
        assert "did you mean farhad-mir-hosseini (Farhad Mir-Hosseini)?" in res.stderr
    # What removes a person takes no spelling of a name either; the other commands do.
    assert run("rm", "Farhad Mirhoseini", "--yes").code == 3
    assert db.read_bytes() == before
    assert run("show", "Farhad Mirhoseini", "--format", "json").json()["id"] == "farhad-mir-hosseini"
    assert run("rm", "Farhad Mir-Hosseini", "--yes").code == 0
    # An id without a hyphen is an id too.
    add(run, "Ali Avaie", "--id", "aliavaie")
    add(run, "Ali Avai")
    assert run("rm", "aliavaie", "--yes").code == 0
    typo = run("edit", "aliavaie", "--set", "status=alive")
    assert typo.code == 3
    assert "did you mean ali-avai (Ali Avai)?" in typo.stderr
    # Nor is it a name or an alias: `rm bahram --yes` run twice removed Bahram, then Bahram Sayyad.
    add(run, "Bahram")
    add(run, "Bahram Sayyad", "--alias", "Bahram")
    assert run("rm", "bahram", "--yes").code == 0
    again = run("rm", "bahram", "--yes")
    assert again.code == 3
    assert "did you mean bahram-sayyad (Bahram Sayyad)?" in again.stderr
    assert run("show", "Bahram", "--format", "json").json()["id"] == "bahram-sayyad"  # a name: a name
    # What removes a person does not follow an id merged away to the person it went to.
    add(run, "Kaveh Nadiri")
    add(run, "Kaveh Nadiry", "--id", "kaveh-nadiry")
    assert run("merge", "kaveh-nadiri", "kaveh-nadiry").code == 0
    assert run("show", "kaveh-nadiry", "--format", "json").json()["id"] == "kaveh-nadiri"  # reading does
    gone = run("rm", "kaveh-nadiry", "--yes")
    assert gone.code == 3
    assert "'kaveh-nadiry' was merged into kaveh-nadiri (Kaveh Nadiri)" in gone.stderr
    assert run("show", "kaveh-nadiri").code == 0


def test_database_from_a_future_version_is_refused(run, db):
    db.write_text('{"_meta": {"1": {"schema_version": 99}}, "persons": {}}')
    res = run("add", "Dariush Fakeri")
    assert res.code == 1
    assert "newer dossier" in res.stderr


def test_database_without_schema_version_is_migrated(run, db):
    db.write_text('{"_default": {"1": {"id": "kaveh-namdar", "name": "Kaveh Namdar"}}}')
    assert [p["id"] for p in run("list", "--format", "json").json()] == ["kaveh-namdar"]
    add(run, "Dariush Fakeri")
    assert db.read_text().startswith('{"dossier":{"schema":2,')  # written in the current schema
    assert set(stored(db)) == {"kaveh-namdar", "dariush-fakeri"}


def test_a_migrated_record_is_written_in_its_canonical_form(run, db):
    # The first write of a bare TinyDB file writes each valid record as dossier does (every
    # field): its NDJSON line, streamed as stored, is the whole record, as `show` says; and
    # the history holds the command's change only.
    db.write_text(json.dumps({"persons": {"1": {
        "id": "kaveh-namdar", "name": " Kaveh Namdar ", "sources": [{"key": "r1", "title": "R"}],
        "role_1988": {"title": "Judge", "sources": ["r1"]}}}}))
    add(run, "Dariush Fakeri")
    kaveh = json.loads(run("list", "--format", "ndjson").stdout.splitlines()[1])
    assert kaveh == run("show", "kaveh-namdar", "--format", "json").json()
    assert kaveh["name"] == "Kaveh Namdar"
    assert kaveh["status"] == "unknown"
    assert kaveh["role_1988"]["confidence"] == "medium"
    assert kaveh["sources"] == [run("sources", "show", "r1", "--format", "json").json()["source"]]
    assert [e["id"] for e in run("log", "--format", "json").json()] == ["dariush-fakeri"]
    assert run("check").code == 0


def test_stored_file_is_utf8_without_escapes(run, db):
    add(run, "Dariush Fakeri", "--native-name", "داریوش فاکری")
    assert "داریوش فاکری" in db.read_text(encoding="utf-8")


def test_previous_version_is_kept_as_bak(run, db):
    add(run, "Dariush Fakeri")
    first = db.read_bytes()
    add(run, "Kaveh Namdar")
    assert db.with_name(db.name + ".bak").read_bytes() == first


def test_piped_output_has_no_ansi_and_no_wrapping(run_bin):
    long_title = "Head of the logistics section of the Administrative Justice Court of the province"
    run_bin("add", "Dariush Fakeri", "--current-post", long_title, "--native-name", "داریوش فاکری")
    for args in (["list"], ["show", "dariush-fakeri"], ["list", "--format", "json"]):
        res = run_bin(*args, env={"NO_COLOR": "", "FORCE_COLOR": ""})
        assert "\x1b[" not in res.stdout
        assert long_title in res.stdout


def test_json_output_is_utf8_unescaped(run):
    add(run, "Dariush Fakeri", "--native-name", "داریوش فاکری")
    out = run("list", "--format", "json").stdout
    assert "داریوش فاکری" in out
    assert "\\u" not in out


def test_unknown_error_has_no_traceback_without_debug(run_bin, db):
    db.mkdir()
    res = run_bin("add", "Dariush Fakeri")
    assert res.code == 1
    assert "is a folder" in res.stderr
    assert "Traceback" not in res.stderr


@pytest.mark.parametrize("name", ["Index", "Sources", "Con"])
def test_names_that_would_clash_with_site_pages_or_devices_get_safe_ids(run, name):
    assert add(run, name) == f"{name.lower()}-person"
    assert run("add", "Someone Else", "--id", name.lower()).code == 4


def test_full_export_is_private_like_the_database(run, tmp_path):
    add(run, "Dariush Fakeri")
    target = tmp_path / "export.json"
    assert run("export", str(target)).code == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_interactive_add_refuses_options_it_would_ignore(run_bin):
    res = run_bin("add", "--tag", "x")
    assert res.code == 2


def _person_file(tmp_path, person):
    data = tmp_path / f"{person.get('id', 'in')}.ndjson"
    data.write_text(json.dumps(person) + "\n", encoding="utf-8")
    return data


def _import_interrupted_in(function, run, tmp_path, person):
    """``dossier import`` of ``person`` with a Ctrl-C arriving in ``function`` (its code
    swapped for one that raises KeyboardInterrupt, whatever it is given)."""
    data = _person_file(tmp_path, person)

    def interrupted(*_):
        raise KeyboardInterrupt

    kept = function.__code__
    function.__code__ = interrupted.__code__
    try:
        return run("import", str(data))
    finally:
        function.__code__ = kept


def test_ctrl_c_while_records_are_serialised_stops_as_interrupted(run, db, tmp_path):
    """Pydantic reports an exception raised in a callback of its serializer as its own error:
    a Ctrl-C landing there must still stop the command as interrupted, not as a bug."""
    from dossier.model import person

    res = _import_interrupted_in(person._empty, run, tmp_path, make_person("Dariush Fakeri"))
    assert (res.code, res.stderr) == (130, "interrupted\n")
    assert not db.exists()


@pytest.mark.parametrize("where", ["the folder's fsync after the rename", "the files beside it"])
def test_ctrl_c_after_the_write_says_the_changes_were_written(run, db, tmp_path, where):
    """A Ctrl-C that lands once the import's file is in place (while the folder is synced,
    or the files beside the database follow it) must not let the user believe nothing was
    imported: re-running an ``add`` would add the person twice."""
    from dossier import store
    from dossier.api import checks

    person = make_person("Dariush Fakeri", id="dariush-fakeri")
    stopped = store._fsync_dir if where.startswith("the folder") else checks.follow
    res = _import_interrupted_in(stopped, run, tmp_path, person)
    assert (res.code, res.stderr) == (130, f"interrupted after the changes were written to {db}\n")
    assert run("show", "dariush-fakeri").code == 0
    again = run("import", str(_person_file(tmp_path, person)))
    assert (again.code, again.stderr) == (0, "0 added, 0 updated, 1 unchanged, 0 skipped\n")


def test_ctrl_c_just_before_the_rename_says_nothing_was_written(run, db, tmp_path):
    from dossier import store

    run("import", str(_person_file(tmp_path, make_person("Kaveh Nadiri", id="kaveh-nadiri"))))
    res = _import_interrupted_in(store._link_backup, run, tmp_path, make_person("Dariush Fakeri"))
    assert (res.code, res.stderr) == (130, "interrupted\n")
    assert run("show", "dariush-fakeri").code == 3


def _buffered_env() -> dict[str, str]:
    # Standard output buffered as it is for a user (this test environment may unbuffer it).
    return {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}


def test_the_executable_ends_early_with_its_output_and_exit_code(run_bin):
    """``dossier`` ends its process without tearing the interpreter down: the output still
    waiting in the buffer is written, and each outcome keeps its exit code."""
    version = subprocess.run([sys.executable, "-m", "dossier", "--version"], capture_output=True,
                             env=_buffered_env(), check=False)
    assert (version.returncode, version.stdout) == (0, f"dossier {__version__}\n".encode())
    missing = run_bin("show", "nobody-at-all")
    assert (missing.code, "no person 'nobody-at-all'" in missing.stderr) == (3, True)
    assert run_bin("no-such-command").code == 2
    assert run_bin("add", "Dariush Fakeri", "--born", "1988-13").code == 4


def test_output_that_cannot_be_written_is_an_error(tmp_path):
    def no_growth() -> None:  # a file that may not grow: the write fails (EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, resource.RLIM_INFINITY))

    with (tmp_path / "out.txt").open("wb") as fh:
        res = subprocess.run([sys.executable, "-m", "dossier", "--version"], stdout=fh,
                             stderr=subprocess.PIPE, env=_buffered_env(), check=False, preexec_fn=no_growth)
    assert res.returncode == 1
    assert res.stderr.decode().startswith("error: cannot write the output: File too large")


def test_a_program_running_main_in_itself_keeps_its_exit_handlers_and_code(tmp_path):
    host = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('host handler ran', file=sys.stderr))\n"
        "from dossier.cli import main\n"
        "sys.argv = ['dossier', 'list']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "sys.exit(5)\n"
    )
    res = subprocess.run([sys.executable, "-c", host], capture_output=True, env=_buffered_env(), check=False)
    assert (res.returncode, res.stderr.decode().endswith("host handler ran\n")) == (5, True)


@pytest.mark.parametrize("args", [("list", "--format", "json"), ("list",),
                                  ("export", "-", "--format", "ndjson"),
                                  ("search", "Fakeri", "--format", "json")])
def test_output_that_cannot_be_written_is_a_plain_error(run, args):
    import subprocess

    from tests.conftest import BIN

    add(run, "Dariush Fakeri")
    with open("/dev/full", "wb") as full:  # (every write fails: no space left on device)
        proc = subprocess.run([str(BIN), *args], stdout=full, stderr=subprocess.PIPE,
                              stdin=subprocess.DEVNULL)
    assert proc.returncode == 1
    assert proc.stderr.decode() == "error: cannot write the output: No space left on device\n"
