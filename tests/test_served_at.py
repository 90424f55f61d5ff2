"""``--served-at TEXT`` / ``--in YEAR|DATE`` on ``list``, ``search`` and ``export`` (issue 18,
"Where and when"): crafted careers with partial dates at the edges of 1988, post text in
both scripts, the matched post reported, exit codes. Every name here is fictional."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from conftest import seed
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dossier import api
from dossier.api.served import served_filter
from dossier.errors import UsageError
from dossier.model import rules
from dossier.names import fold_words

TODAY = date(2026, 5, 1)
SRC = {"key": "example-report", "title": "Example report", "url": "https://example.org/r"}


def person(pid: str, name: str, **fields: Any) -> dict[str, Any]:
    return {"id": pid, "name": name, "sources": [SRC], **fields}


def post(title: str, **fields: Any) -> dict[str, Any]:
    return {"title": title, "sources": ["example-report"], **fields}


CAREERS = [
    # ended the month before 1988 began
    person("parviz-namdari", "Parviz Namdari",
           posts=[post("Warden", organization="Evin Prison", place="Tehran", start="1984", end="1987-12")]),
    # began on the last day of 1988, end not recorded
    person("kamran-tahmasbi", "Kamran Tahmasbi",
           posts=[post("Deputy warden", organization="Evin Prison", start="1988-12-31")]),
    # a year-only post of 1988, its place written in Persian script
    person("soheil-farzin", "Soheil Farzin", posts=[post("Interrogator", place="زندان اوین", start="1988")]),
    # a post at Evin with no date at all
    person("behrouz-kiani", "Behrouz Kiani", posts=[post("Guard", place="Evin")]),
    # a 1988 role without dates, on a commission in Tabriz
    person("nima-dastgheib", "Nima Dastgheib",
           role_1988=post("Member of the provincial commission", place="Tabriz")),
    # a current post at Evin, last confirmed in 2020, no start
    person("arash-vafadar", "Arash Vafadar", native_name="آرش وفادار",
           current_post=post("Head of Evin prison", as_of="2020-03")),
    # a 1988 role written in Persian script: prosecutor in Tabriz
    person("farhad-sanaei", "Farhad Sanaei", role_1988=post("دادستان", organization="دادگاه انقلاب",
                                                            place="تبریز")),
    # nothing at Evin or Tabriz; a career post 1986-1990 elsewhere
    person("omid-rostami", "Omid Rostami",
           posts=[post("Judge", organization="Revolutionary Court", place="Shiraz", start="1986",
                       end="1990-06")]),
]


@pytest.fixture
def careers(db):
    seed(db, *CAREERS)
    return db


def ids(records: Any) -> list[str]:
    return [r["id"] for r in records]


# --- the rule: which days a post covers ----------------------------------------------------


@pytest.mark.parametrize(("path", "fields", "when", "covered"), [
    ("posts[0]", {"start": "1984", "end": "1987-12"}, "1988", False),      # ended 1987-12-31
    ("posts[0]", {"start": "1984", "end": "1987-12"}, "1987-12-31", True),
    ("posts[0]", {"start": "1988-12-31"}, "1988", True),                   # one day of 1988 suffices
    ("posts[0]", {"start": "1988-12-31"}, "1988-07", False),
    ("posts[0]", {"start": "1988-12-31"}, "1989", False),                  # no end: nothing after it
    ("posts[0]", {"start": "1988"}, "1988-06-15", True),                   # a year spans the year
    ("posts[0]", {"start": "1988"}, "1987", False),
    ("posts[0]", {"end": "1988-03"}, "1988-03-31", True),                  # a month spans the month
    ("posts[0]", {"end": "1988-03"}, "1988-04-01", False),
    ("posts[0]", {"start": "1985", "as_of": "1988-08"}, "1988-08-15", True),  # as_of extends it
    ("posts[0]", {}, "1988", False),                                       # undated: never with --in
    ("role_1988", {}, "1988", True),                                       # the 1988 role covers 1988
    ("role_1988", {}, "1988-12-31", True),
    ("role_1988", {}, "1989", False),
    ("role_1988", {"start": "1986"}, "1987", True),                        # its dates widen it
    ("role_1988", {"start": "1986", "end": "1986"}, "1988", True),         # never narrow it
    ("current_post", {"as_of": "2020-03"}, "2020", True),
    ("current_post", {"as_of": "2020-03"}, "2023", True),                  # held from as_of to today
    ("current_post", {"as_of": "2020-03"}, "2019", False),
    ("current_post", {"as_of": "2020-03"}, "1988", False),
    ("current_post", {}, TODAY.isoformat(), True),                         # held now
    ("current_post", {}, "2025", False),
    ("current_post", {"start": "1986"}, "1988", True),
    ("current_post", {"as_of": "2020"}, "2027", False),                    # not after today
])
def test_post_covers(path, fields, when, covered):
    period = rules.parse_period(when)
    assert period is not None
    assert rules.post_covers(path, {"title": "T", **fields}, period, TODAY) is covered


def test_post_span_tolerates_hand_edited_dates():
    assert rules.post_span("posts[0]", {"title": "T", "start": "July 1988", "end": 1990}, TODAY) is None
    assert rules.post_span("posts[0]", "not a post", TODAY) is None
    assert rules.post_span("role_1988", {"start": "x"}, TODAY) == rules.YEAR_1988


@pytest.mark.parametrize("text", ["88", "1988-13", "1988-02-30", "July 1988", "SH1367-13", "", "0000"])
def test_in_refuses_what_is_no_date(text):
    with pytest.raises(UsageError, match=r"--in: not a (Solar Hijri )?date"):
        rules.parse_period(text)


def test_in_takes_a_solar_hijri_date_as_the_days_it_means():
    assert rules.parse_period("SH1367") == (date(1988, 3, 21), date(1989, 3, 20))
    assert rules.parse_period("SH1367-06") == (date(1988, 8, 23), date(1988, 9, 22))


# --- list ------------------------------------------------------------------------------------


def test_who_served_at_evin_in_1988(run, careers):
    res = run("list", "--served-at", "Evin", "--in", "1988", "--format", "json")
    assert res.code == 0, res
    found = {r["id"]: r["served"] for r in res.json()}
    # ended 1987-12 (parviz), undated (behrouz), current since 2020 (arash): left out
    assert found == {
        "kamran-tahmasbi": [{"path": "posts[0]", "post": "Deputy warden (Evin Prison)"}],
        "soheil-farzin": [{"path": "posts[0]", "post": "Interrogator (زندان اوین)"}],
    }


def test_without_in_every_post_at_the_place_matches_dated_or_not(run, careers):
    res = run("list", "--served-at", "evin", "--format", "json")
    assert ids(res.json()) == ["arash-vafadar", "behrouz-kiani", "kamran-tahmasbi", "parviz-namdari",
                               "soheil-farzin"]
    assert res.json()[0]["served"] == [{"path": "current_post", "post": "Head of Evin prison"}]


def test_who_sat_on_a_commission_in_tabriz(run, careers):
    res = run("list", "--served-at", "commission Tabriz", "--format", "json")
    assert [(r["id"], r["served"]) for r in res.json()] == [
        ("nima-dastgheib", [{"path": "role_1988", "post": "Member of the provincial commission (Tabriz)"}])]


@pytest.mark.parametrize(("text", "expected"), [
    ("اوین", ["arash-vafadar", "behrouz-kiani", "kamran-tahmasbi", "parviz-namdari", "soheil-farzin"]),
    ("Evin", ["arash-vafadar", "behrouz-kiani", "kamran-tahmasbi", "parviz-namdari", "soheil-farzin"]),
    ("زندان اوین", ["soheil-farzin"]),        # every word must be found: زندان is not translated
    ("Tabriz", ["farhad-sanaei", "nima-dastgheib"]),   # Latin query, Persian post
    ("تبریز", ["farhad-sanaei", "nima-dastgheib"]),    # Persian query, Latin post
    ("enqelab", ["farhad-sanaei"]),           # a romanised Persian word
    ("Tabriz prosecutor", []),                # دادستان is not translated either
    ("Evin Tabriz", []),                      # the words must all be in one post
    ("EVIN  prison", ["arash-vafadar", "kamran-tahmasbi", "parviz-namdari"]),
    ("commiss", ["nima-dastgheib"]),          # a word may be the start of one
    ("court", ["omid-rostami"]),
    ("Shiraz judge", ["omid-rostami"]),       # title and place of one post
    ("Nowhere", []),
])
def test_text_matches_in_either_script(run, careers, text, expected):
    res = run("list", "--served-at", text, "--format", "json")
    assert res.code == 0, res
    assert ids(res.json()) == expected


def test_words_written_apart_or_joined_meet(run, db):
    seed(db, person("reza-parsa", "Reza Parsa", posts=[post("Guard", place="Gohardasht")]),
         person("hamid-sadr", "Hamid Sadr", posts=[post("Guard", place="Gohar Dasht")]))
    for text in ("Gohardasht", "Gohar Dasht", "gohar-dasht"):
        found = run("list", "--served-at", text, "--format", "json").json()
        assert ids(found) == ["hamid-sadr", "reza-parsa"]


def test_an_honorific_is_a_word_of_a_post(run, db):
    seed(db, person("reza-parsa", "Reza Parsa", posts=[post("Representative of Ayatollah Fakeri")]))
    assert ids(run("list", "--served-at", "Ayatollah", "--format", "json").json()) == ["reza-parsa"]
    assert ids(run("list", "--served-at", "Ayatollah Fakeri", "--format", "json").json()) == ["reza-parsa"]


def test_in_without_served_at_means_any_post(run, careers):
    res = run("list", "--in", "1988", "--format", "json")
    assert res.code == 0
    assert ids(res.json()) == ["farhad-sanaei", "kamran-tahmasbi", "nima-dastgheib", "omid-rostami",
                               "soheil-farzin"]
    assert ids(run("list", "--in", "1988-07", "--format", "json").json()) == [
        "farhad-sanaei", "nima-dastgheib", "omid-rostami", "soheil-farzin"]


def test_every_matching_post_is_reported_in_record_order(run, db):
    seed(db, person("reza-parsa", "Reza Parsa", role_1988=post("Interrogator", place="Evin"),
                    current_post=post("Adviser", place="Tehran", as_of="2021"),
                    posts=[post("Guard", place="Qom", start="1982", end="1983"),
                           post("Deputy", organization="Evin Prison", start="1985", end="1989")]))
    res = run("list", "--served-at", "Evin", "--in", "1988", "--format", "json")
    assert res.json()[0]["served"] == [{"path": "role_1988", "post": "Interrogator (Evin)"},
                                       {"path": "posts[1]", "post": "Deputy (Evin Prison)"}]
    table = run("list", "--served-at", "Evin", "--in", "1988").stdout.splitlines()
    assert table[0].split("\t") == ["id", "name", "native name", "position in 1988", "current post", "served"]
    assert table[1].split("\t")[-1] == "role_1988: Interrogator (Evin); posts[1]: Deputy (Evin Prison)"


def test_the_table_csv_and_ndjson_say_which_post(run, careers):
    rows = run("list", "--served-at", "Tabriz").stdout.splitlines()
    assert rows[1].split("\t")[0] == "farhad-sanaei"
    assert rows[1].split("\t")[-1] == "role_1988: دادستان (دادگاه انقلاب, تبریز)"
    lines = run("list", "--served-at", "Tabriz", "--format", "ndjson").stdout.splitlines()
    assert [json.loads(x)["served"][0]["path"] for x in lines] == ["role_1988", "role_1988"]
    csv_out = run("list", "--served-at", "Tabriz", "--format", "csv").stdout.splitlines()
    assert csv_out[0].endswith(",served")
    assert csv_out[2].endswith(",role_1988: Member of the provincial commission (Tabriz)")


def test_without_the_filter_records_are_as_stored(run, careers):
    for rec in run("list", "--format", "json").json():
        assert "served" not in rec
    assert "served" not in run("list").stdout.splitlines()[0]
    for line in run("list", "--format", "ndjson").stdout.splitlines():
        assert "served" not in json.loads(line)
    assert all("served" not in hit for hit in run("search", "Farzin", "--format", "json").json())


def test_filters_combine_and_limit_counts_after_them(run, careers):
    assert ids(run("list", "--served-at", "Evin", "--query", "kamran", "--format", "json").json()) == [
        "kamran-tahmasbi"]
    assert ids(run("list", "--served-at", "Evin", "--limit", "2", "--format", "json").json()) == [
        "arash-vafadar", "behrouz-kiani"]


def test_current_post_is_held_now(db):
    seed(db, *CAREERS)
    now = date.today()
    for when in (str(now.year), now.isoformat()):
        assert ids(api.list_persons(db, served_at="evin", served_in=when)) == ["arash-vafadar"]
    assert ids(api.list_persons(db, served_at="evin", served_in="2023", today=date(2022, 1, 1))) == []
    assert ids(api.list_persons(db, served_at="evin", served_in="2021", today=date(2022, 1, 1))) == [
        "arash-vafadar"]


# --- search and export -------------------------------------------------------------------------


def test_search_keeps_the_hits_with_such_a_post(run, careers):
    seed(careers, person("arash-vafa", "Arash Vafa", posts=[post("Clerk", place="Mashhad", start="1988")]))
    plain = run("search", "Arash Vafadar", "--format", "json").json()
    assert {h["id"] for h in plain} >= {"arash-vafadar"}
    hits = run("search", "آرش وفادار", "--served-at", "Evin", "--format", "json").json()
    assert hits == [{"id": "arash-vafadar", "name": "Arash Vafadar", "matched": "آرش وفادار", "score": 100,
                     "served": [{"path": "current_post", "post": "Head of Evin prison"}]}]
    in_1988 = run("search", "Arash Vafadar", "--served-at", "Evin", "--in", "1988", "--format", "json")
    assert in_1988.json() == []
    table = run("search", "Vafadar", "--served-at", "اوین")
    assert table.stdout.splitlines()[0].split("\t") == ["id", "name", "matched", "score", "served"]
    assert table.stdout.splitlines()[1].endswith("\tcurrent_post: Head of Evin prison")
    none = run("search", "Vafadar", "--in", "1988")
    assert none.code == 0
    assert none.stdout == ""
    assert "no match for 'Vafadar' with such a post" in none.stderr


def test_search_limit_counts_after_the_filter(db):
    seed(db, *(person(f"reza-karimi-{i}", "Reza Karimi",
                      posts=[post("Guard", place="Evin" if i == 7 else "Qom")]) for i in range(1, 13)))
    hits = api.search(db, "Reza Karimi", limit=3, served_at="Evin")
    assert [h.id for h in hits] == ["reza-karimi-7"]


def test_export_writes_the_chosen_records_unchanged(run, careers, tmp_path):
    full = {json.loads(x)["id"]: x for x in run("export", "-", "--format", "ndjson").stdout.splitlines()}
    chosen = run("export", "-", "--format", "ndjson", "--served-at", "Evin", "--in", "1988").stdout
    chosen = chosen.splitlines()
    assert chosen == [full["kamran-tahmasbi"], full["soheil-farzin"]]  # stored lines, no extra key
    out = tmp_path / "evin.json"
    res = run("export", str(out), "--served-at", "Evin", "--in", "1988")
    assert res.code == 0
    assert "exported 2 of 8 persons (served at 'Evin', in 1988)" in res.stderr
    again = tmp_path / "again.json"
    assert run("--db", str(tmp_path / "new.json"), "import", str(out)).code == 0
    assert run("--db", str(tmp_path / "new.json"), "export", str(again)).code == 0
    assert again.read_bytes() == out.read_bytes()  # the filtered export imports as it is
    everyone = run("export", "-", "--format", "ndjson", "--in", "1900").stdout
    assert everyone == ""


def test_export_filtered_to_everyone_is_the_full_export(run, db):
    seed(db, *(person(pid, name, native_name=native, posts=[post("Guard", place=place, start="1988")])
               for pid, name, native, place in (("reza-parsa", "Reza Parsa", "رضا پارسا", "Evin"),
                                                ("hamid-sadr", "Hamid Sadr", None, "اوین"))))
    for fmt in ("json", "ndjson", "csv", "yaml", "ftm", "popolo"):
        full = run("export", "-", "--format", fmt)
        chosen = run("export", "-", "--format", fmt, "--served-at", "Evin", "--in", "1988-05")
        assert (chosen.code, chosen.stdout) == (0, full.stdout), fmt


def test_usage_errors_exit_2(run, careers, tmp_path):
    for args in (["list", "--in", "88"], ["list", "--in", "1988-13"], ["list", "--served-at", " "],
                 ["list", "--served-at", "--", "--in", "1988"], ["search", "X", "--in", "July"],
                 ["export", "-", "--served-at", "..."],
                 ["export", "--split", str(tmp_path / "recs"), "--served-at", "Evin"]):
        res = run(*args)
        assert res.code == 2, (args, res)
        assert res.stderr.startswith("error: --"), res
        assert res.stdout == ""
    assert not (tmp_path / "recs").exists()


def test_no_match_is_exit_0(run, careers):
    res = run("list", "--served-at", "Nowhere", "--in", "1988", "--format", "json")
    assert (res.code, res.json()) == (0, [])
    res = run("list", "--served-at", "Nowhere")
    assert res.code == 0
    assert res.stdout.splitlines() == ["id\tname\tnative name\tposition in 1988\tcurrent post\tserved"]


def test_empty_database(run, db):
    assert run("list", "--served-at", "Evin", "--format", "json").json() == []
    assert not db.exists()


# --- properties ------------------------------------------------------------------------------

_DAYS = st.dates(min_value=date(1950, 1, 1), max_value=date(2025, 12, 31))
_PRECISION = st.sampled_from([4, 7, 10])  # YYYY, YYYY-MM, YYYY-MM-DD


def _partial(day: date, precision: int) -> str:
    return day.isoformat()[:precision]


@settings(max_examples=400, deadline=None)
@given(days=st.lists(_DAYS, min_size=3, max_size=3), p=st.tuples(_PRECISION, _PRECISION, _PRECISION),
       path=st.sampled_from(["posts[0]", "role_1988", "current_post"]))
def test_a_post_with_start_le_d_le_end_matches_in_d(days, p, path):
    start_day, day, end_day = sorted(days)
    fields = {"title": "Guard", "start": _partial(start_day, p[0]), "end": _partial(end_day, p[1])}
    when = rules.parse_period(_partial(day, p[2]))
    assert when is not None
    assert rules.post_covers(path, fields, when, TODAY)


@settings(max_examples=400, deadline=None)
@given(start=_DAYS, length=st.integers(0, 4000), gap=st.integers(1, 4000),
       p=st.tuples(_PRECISION, _PRECISION))
def test_a_career_post_never_matches_a_period_after_its_end(start, length, gap, p):
    end = start + timedelta(days=length)
    fields = {"title": "Guard", "start": _partial(start, p[0]), "end": _partial(end, p[1])}
    after = rules.latest_day(fields["end"]) + timedelta(days=gap)
    assert not rules.post_covers("posts[0]", fields, (after, after), TODAY)


@settings(max_examples=300, deadline=None)
@given(day=_DAYS, fields=st.fixed_dictionaries({}, optional={
    "start": _DAYS.map(date.isoformat), "end": _DAYS.map(date.isoformat),
    "as_of": _DAYS.map(date.isoformat)}))
def test_a_day_covered_means_its_month_and_year_are(day, fields):
    post_ = {"title": "Guard", **fields}
    if rules.post_covers("posts[0]", post_, (day, day), TODAY):
        for precision in (4, 7):
            when = rules.parse_period(_partial(day, precision))
            assert when is not None
            assert rules.post_covers("posts[0]", post_, when, TODAY)


_LETTERS = st.sampled_from(list("abcdefghijklmnopqrstuvwxyz") + list("ابپتجچحخدرزژسشصطعغفقکگلمنوهی"))
_WORDS = st.lists(st.text(_LETTERS, min_size=2, max_size=9), min_size=1, max_size=4).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(title=_WORDS, place=_WORDS, start=st.integers(0, 3), count=st.integers(1, 4), field=st.booleans())
def test_any_words_of_a_post_find_it(title, place, start, count, field):
    """Neighbouring words of a post's title or place, in either script, find the post."""
    text = " ".join((title if field else place).split()[start:start + count])
    assume(fold_words(text))
    wanted = served_filter(text, None, today=TODAY)
    assert wanted is not None
    record = {"id": "x", "name": "X", "posts": [{"title": title, "place": place}]}
    assert [s.path for s in wanted.matches(record)] == ["posts[0]"]


@pytest.mark.parametrize(("when", "held"), [
    ("1988-09", True), ("1988-09-22", True), ("1988-08-23", True), ("1988-08-22", False),
    ("1988-08-01", False), ("1988-10", False), ("SH1367-06", True), ("SH1367-06-31", True),
    ("SH1367-07", False)])
def test_a_post_entered_in_solar_hijri_covers_the_days_of_its_solar_hijri_month(run, when, held):
    # Shahrivar 1367 runs from 1988-08-23 to 1988-09-22: stored as the partial date 1988-08, the
    # month it starts in, it was taken to cover August only.
    assert run("add", "Soheil Farzin").code == 0
    post = '{"title": "Prosecutor deputy", "start": "SH1367-06", "end": "SH1367-06", "sources": []}'
    assert run("edit", "soheil-farzin", "--set", f"posts+={post}").code == 0
    res = run("list", "--served-at", "Prosecutor deputy", "--in", when, "--format", "json")
    assert res.code == 0, res
    assert [p["id"] for p in res.json()] == (["soheil-farzin"] if held else [])


def test_a_date_entered_with_the_jalali_calendar_covers_its_solar_hijri_month(run):
    # A post given whole has its dates read in the calendar too: "1367-06" was stored as the
    # year 1367 of the Gregorian calendar.
    assert run("add", "Soheil Farzin").code == 0
    post = '{"title": "Prosecutor deputy", "start": "1367-06", "end": "1367-06", "sources": []}'
    assert run("edit", "soheil-farzin", "--set", f"posts+={post}", "--calendar", "jalali").code == 0
    stored = run("show", "soheil-farzin", "--format", "json").json()["posts"][0]
    assert stored["start"] == "1988-08"
    assert stored["dates_as_written"] == {"start": "1367-06", "end": "1367-06"}
    res = run("list", "--served-at", "Prosecutor deputy", "--in", "1988-09", "--format", "json")
    assert [p["id"] for p in res.json()] == ["soheil-farzin"]


def test_columns_combine_with_served_at(run, careers):
    res = run("list", "--served-at", "Evin", "--in", "1988", "--columns", "id,status")
    assert res.code == 0, res
    lines = res.stdout.splitlines()
    assert lines[0].split("\t") == ["id", "status", "served"]
    assert all(len(line.split("\t")) == 3 for line in lines[1:])
