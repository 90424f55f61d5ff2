"""Solar Hijri dates through the command line: `add --as-of`, `edit --set`, `--calendar jalali`.

tests/test_jalali.py tests the pure converter; these go through the CLI, the
model and the store. Expected days are those of test_jalali.py's cross-checked
table plus well-known anchors (7 Mordad 1367, 22 Bahman 1357, 14 Khordad 1368,
2 Khordad 1376, 12 Mordad 1392/1400); partial dates name the Gregorian period in
which the Solar Hijri one starts.
"""

from __future__ import annotations

import json

import pytest

KNOWN = [
    ("SH1367-05-07", "1988-07-29"),  # 7 Mordad 1367
    ("SH1366-12-29", "1988-03-19"),  # Nowruz boundary: 1366 is leap, so not yet its last day
    ("SH1366-12-30", "1988-03-20"),  # the last day of 1366
    ("SH1367-01-01", "1988-03-21"),  # Nowruz 1367
    ("SH1367-12-29", "1989-03-20"),  # 1367 is not leap: its last day
    ("SH1368-01-01", "1989-03-21"),
    ("SH1367-04-28", "1988-07-19"),
    ("SH1367-06-31", "1988-09-22"),  # the last 31-day month ...
    ("SH1367-07-01", "1988-09-23"),  # ... then 1 Mehr
    ("SH1367-11-01", "1989-01-21"),
    ("SH1366-10-01", "1987-12-22"),  # 1 Dey
    ("SH1357-11-22", "1979-02-11"),  # 22 Bahman 1357
    ("SH1358-01-01", "1979-03-21"),
    ("SH1368-03-14", "1989-06-04"),  # 14 Khordad 1368
    ("SH1376-03-02", "1997-05-23"),  # 2 Khordad 1376
    ("SH1392-05-12", "2013-08-03"),
    ("SH1399-12-30", "2021-03-20"),  # 1399 is leap
    ("SH1400-01-01", "2021-03-21"),
    ("SH1400-05-12", "2021-08-03"),
    ("SH1402-12-29", "2024-03-19"),
    ("SH1403-01-01", "2024-03-20"),  # Nowruz 1403 falls on 20 March
    ("SH1403-12-30", "2025-03-20"),  # 1403 is leap
    ("SH1304-01-01", "1925-03-21"),
    ("SH1367", "1988"),             # a year: where Nowruz falls
    ("SH1367-05", "1988-07"),       # a month: where its first day falls
    ("SH1367-10", "1988-12"),
    ("sh1367/5/7", "1988-07-29"),   # lower-case prefix, slashes, unpadded
]


def add(run, *args: str) -> dict:
    res = run("add", "Dariush Fakeri", *args, "--format", "json")
    assert res.code == 0, res
    return res.json()


@pytest.mark.parametrize(("written", "gregorian"), KNOWN)
def test_add_as_of(run, written, gregorian):
    post = add(run, "--current-post", "Judge", "--as-of", written)["current_post"]
    assert post["as_of"] == gregorian
    assert post["dates_as_written"] == {"as_of": written}


@pytest.mark.parametrize(("written", "gregorian"), KNOWN)
def test_edit_set_born(run, written, gregorian):
    person_id = add(run)["id"]
    res = run("edit", person_id, "--set", f"born={written}")
    assert res.code == 0, res
    person = run("show", person_id, "--format", "json").json()
    assert person["born"] == gregorian
    assert person["dates_as_written"] == {"born": written}
    assert f"born: {gregorian} ({written})" in run("show", person_id).stdout


@pytest.mark.parametrize(
    ("written", "gregorian"),
    [("۱۳۶۷/۰۵/۰۷", "1988-07-29"), ("۱۳۶۶/۱۲/۳۰", "1988-03-20"), ("۱۳۶۷/۰۱/۰۱", "1988-03-21"),
     ("١٣٦٧-٠٥-٠٧", "1988-07-29"), ("1367-05-07", "1988-07-29"), ("۱۳۶۷", "1988")],
)
def test_persian_digits_with_calendar_jalali(run, written, gregorian):
    post = add(run, "--current-post", "Judge", "--as-of", written, "--calendar", "jalali")["current_post"]
    assert post["as_of"] == gregorian
    res = run("edit", "dariush-fakeri", "--set", f"current_post.start={written}", "--calendar", "jalali")
    assert res.code == 0, res
    post = run("show", "dariush-fakeri", "--format", "json").json()["current_post"]
    assert post["start"] == gregorian
    assert post["dates_as_written"]["start"] == written


def test_edit_calendar_jalali_leaves_the_other_dates_gregorian(run):
    add(run, "--current-post", "Judge", "--as-of", "2017-07")
    res = run("edit", "dariush-fakeri", "--set", "born=۱۳۴۰/۰۶/۰۱", "--set", "status=alive",
              "--calendar", "jalali")
    assert res.code == 0, res
    person = run("show", "dariush-fakeri", "--format", "json").json()
    assert person["born"] == "1961-08-23"
    assert person["current_post"]["as_of"] == "2017-07"  # not read as the Solar Hijri year 2017


def test_persian_digits_without_jalali_are_refused(run, db):
    res = run("add", "Dariush Fakeri", "--current-post", "Judge", "--as-of", "۱۳۶۷/۰۵/۰۷")
    assert res.code == 4
    assert "current_post.as_of:" in res.stderr
    assert not db.exists()


@pytest.mark.parametrize(
    ("written", "why"),
    [("SH1367-13-01", "month 13"), ("SH1367-05-32", "day 32"), ("SH1367-12-30", "day 30"),
     ("SH1367-00", "month 0"), ("SH13670", "malformed"), ("SH2000", "year 2000")],
)
def test_bad_solar_hijri_exits_4_naming_the_field(run, db, written, why):
    res = run("add", "Dariush Fakeri", "--current-post", "Judge", "--as-of", written)
    assert res.code == 4, res
    assert "current_post.as_of:" in res.stderr
    assert why in res.stderr
    assert not db.exists()
    add(run)
    before = db.read_bytes()
    res = run("edit", "dariush-fakeri", "--set", f"born={written}")
    assert res.code == 4, res
    assert "born:" in res.stderr
    assert why in res.stderr
    assert db.read_bytes() == before


@pytest.mark.parametrize(("written", "why"), [("1367-13-01", "month 13"), ("۱۳۶۷/۰۵/۳۲", "day 32")])
def test_bad_jalali_edit_exits_4_naming_the_field(run, db, written, why):
    add(run, "--current-post", "Judge")
    before = db.read_bytes()
    res = run("edit", "dariush-fakeri", "--set", f"current_post.as_of={written}", "--calendar", "jalali")
    assert res.code == 4, res
    assert "current_post.as_of:" in res.stderr
    assert why in res.stderr
    assert db.read_bytes() == before


def test_real_executable(run_bin):
    res = run_bin("add", "Dariush Fakeri", "--current-post", "Judge", "--as-of", "۱۳۶۷/۰۵/۰۷",
                  "--calendar", "jalali", "--format", "json")
    assert res.code == 0, res
    assert '"as_of": "1988-07-29"' in res.stdout
    bad = run_bin("edit", "dariush-fakeri", "--set", "born=SH1367-13-01")
    assert bad.code == 4
    assert bad.stderr.startswith("error: --set: born: not a Solar Hijri date: 'SH1367-13-01' (month 13)")


@pytest.mark.parametrize(("since", "day"), [("SH1367", "1988-03-21"), ("SH1405-09", "2026-11-22"),
                                            ("SH1405-09-15", "2026-12-06")])
def test_since_takes_a_solar_hijri_date_from_the_day_it_starts(run, since, day):
    from dossier.api.diff import since_stamp

    assert since_stamp(since) == day
    assert run("add", "Kaveh Nadiri").code == 0
    for command in (["log", "--format", "json"], ["diff", "--format", "json"]):
        solar = run(*command, "--since", since)
        assert solar.code == 0, solar
        assert solar.stdout == run(*command, "--since", day).stdout
    bad = run("log", "--since", "SH1367-13")
    assert bad.code == 2
    assert "month 13" in bad.stderr


def test_a_stored_source_cited_by_key_is_not_read_again_in_solar_hijri(run, db, tmp_path):
    # A record citing a source of the database by key, imported with --calendar jalali, had that
    # stored (Gregorian) source read again in Solar Hijri: "1990 is not 1-1500", nothing imported.
    assert run("add", "Bahram Sadeghi", "--role-1988", "Clerk", "--source-url", "https://example.org/r",
               "--source-title", "Report").code == 0
    (key,) = [s["key"] for s in run("sources", "list", "--format", "json").json()]
    assert run("sources", "edit", key, "--set", "published=1990").code == 0
    given = tmp_path / "in.ndjson"
    given.write_text(json.dumps({"id": "kaveh-nadiri", "name": "Kaveh Nadiri", "sources": [key],
                                 "role_1988": {"title": "Judge", "start": "1367", "sources": [key]}}) + "\n",
                     encoding="utf-8")
    res = run("import", str(given), "--calendar", "jalali")
    assert res.code == 0, res
    person = run("show", "kaveh-nadiri", "--format", "json").json()
    assert (person["role_1988"]["start"], person["sources"][0]["published"]) == ("1988", "1990")


def test_an_unquoted_yaml_date_is_read_in_the_calendar_given(run, db, tmp_path):
    # YAML reads `born: 1367-05-07` as a date and `died: 1400` as a number: with --calendar
    # jalali both were stored as Gregorian (the year 1367), where quoted texts were converted.
    given = tmp_path / "j.yaml"
    given.write_text("- name: Kaveh Nadiri\n  born: 1367-05-07\n  died: 1400\n  status: deceased\n"
                     "  posts:\n  - title: Judge\n    start: '1367'\n    end: 1368\n", encoding="utf-8")
    assert run("import", str(given), "--calendar", "jalali").code == 0
    person = run("show", "kaveh-nadiri", "--format", "json").json()
    assert (person["born"], person["died"]) == ("1988-07-29", "2021")
    assert person["dates_as_written"] == {"born": "1367-05-07", "died": "1400"}
    assert (person["posts"][0]["start"], person["posts"][0]["end"]) == ("1988", "1989")
