"""`dossier review`: which current posts are stale, and the walk driven by scripted answers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from dossier import store
from dossier.api import review
from dossier.cli import views
from dossier.model import rules
from tests.conftest import Terminal, make_person, seed

TODAY = date(2026, 6, 15)




def judge(person_id: str, as_of: str | None, **fields: Any) -> dict[str, Any]:
    post = {"title": "Judge", "organization": "Supreme Court", "sources": ["example-report-1990"]}
    if as_of:
        post["as_of"] = as_of
    return make_person(person_id.replace("-", " ").title(), id=person_id, current_post=post, **fields)


def corpus(db: Path) -> None:
    seed(db,
         judge("fresh", "2025-01"),          # 17 months: not stale at 24
         judge("edge-year", "2024"),         # last day 2024-12-31: not stale
         judge("old-month", "2024-05"),      # last day 2024-05-31 < 2024-06-15: stale
         judge("ancient", "2017-07"),
         judge("never", None),               # no as_of: stale, listed first
         make_person("No Current Post", id="no-current-post"))


def record(db: Path, person_id: str) -> dict[str, Any]:
    return store.read(db).get(person_id)  # type: ignore[return-value]


class Script:
    """Answers questions in order; records what was asked and said."""

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.asked: list[tuple[str, Sequence[str] | None, str]] = []
        self.said: list[str] = []

    def ask(self, question: str, choices: Sequence[str] | None, default: str) -> str:
        self.asked.append((question, choices, default))
        if not self.answers:
            raise review.Quit()
        answer = self.answers.pop(0)
        return default if answer == "" else answer

    def say(self, lines: Sequence[str]) -> None:
        self.said += lines


# --- which posts are stale --------------------------------------------------------


def test_stale_posts_order_and_cutoff(db):
    corpus(db)
    stale = review.list_stale(db, today=TODAY)
    assert [s.id for s in stale] == ["never", "ancient", "old-month"]
    assert [s.months for s in stale] == [None, 106, 24]
    assert stale[1].sources[0]["title"] == "Example report"
    assert [s.id for s in review.list_stale(db, today=TODAY, older_than=12)] == [
        "never", "ancient", "old-month", "edge-year", "fresh"]
    assert [s.id for s in review.list_stale(db, today=TODAY, older_than=120)] == ["never"]


@pytest.mark.parametrize(
    ("today", "months", "expected"),
    [(date(2026, 6, 15), 24, date(2024, 6, 15)), (date(2024, 2, 29), 12, date(2023, 2, 28)),
     (date(2026, 3, 31), 1, date(2026, 2, 28)), (date(2026, 1, 10), 13, date(2024, 12, 10))],
)
def test_months_before(today, months, expected):
    assert rules.months_before(today, months) == expected


def test_list_formats(run, db):
    corpus(db)
    rows = run("review", "--list", "--today", "2026-06-15", "--format", "json").json()
    assert [r["id"] for r in rows] == ["never", "ancient", "old-month"]
    assert rows[1]["as_of"] == "2017-07"
    assert rows[1]["post"]["title"] == "Judge"
    table = run("review", "--list", "--today", "2026-06-15").stdout.splitlines()
    assert table[0].split("\t") == list(views.STALE.columns)
    assert table[2] == "ancient\tAncient\tJudge (Supreme Court)\t2017-07\t106\texample-report-1990"
    assert run("review", "--list", "--older-than", "6", "--today", "2026-06-15",
               "--format", "json").json()[-1]["id"] == "fresh"


def test_off_a_terminal_review_refuses_without_list(run_bin, db):
    corpus(db)
    before = db.read_bytes()
    res = run_bin("review")
    assert res.code == 2
    assert "--list" in res.stderr
    assert db.read_bytes() == before


def test_bad_today_is_a_usage_error(run, db):
    res = run("review", "--list", "--today", "15/06/2026")
    assert res.code == 2
    assert "--today" in res.stderr


# --- the walk -----------------------------------------------------------------


def walk(db: Path, script: Script, **kwargs: Any) -> review.Tally:
    return review.review_walk(db, ask=script.ask, say=script.say, today=TODAY, **kwargs)


def test_confirm_needs_a_source_and_takes_its_date(db):
    corpus(db)
    # never: confirmed by the stored report (its published date, 1990, is what it confirms);
    # ancient: skipped; then quit.
    script = Script("c", "example-report-1990", "", "s", "q")
    tally = walk(db, script)
    assert (tally.confirmed, tally.skipped, tally.quit_at) == (["never"], ["ancient"], 1)
    post = record(db, "never")["current_post"]
    assert post["as_of"] == "1990"  # the date the evidence confirms, not the day of the review
    assert post["sources"] == ["example-report-1990"]
    assert record(db, "ancient")["current_post"]["as_of"] == "2017-07"
    assert "[1/3] Never (never)" in script.said
    assert "  sources: [example-report-1990] Example report · 1990 · https://example.org/r" in script.said
    assert tally.summary() == "1 confirmed, 0 left, 0 edited, 1 skipped of 3 stale; quit with 1 not reviewed"


def test_a_post_is_not_confirmed_held_after_the_death(run, db):
    # `review --confirm` of a person who died in 2011 recorded the post as held in 2026.
    seed(db, judge("dead-judge", "2010", status="deceased", died="SH1390"))
    before = db.read_bytes()
    res = run("review", "dead-judge", "--confirm", "--source", "example-report-1990", "--as-of", "2026-05")
    assert res.code == 4, res
    assert res.stderr == ("error: review: current_post.as_of: died 2011 (SH1390): the post cannot be "
                          "confirmed held on 2026-05, after the death\n")
    assert db.read_bytes() == before
    # The walk says the person died, before asking.
    script = Script("s", "q")
    walk(db, script)
    assert "  deceased: died 2011 (SH1390)" in script.said


def test_confirm_with_a_new_source_from_its_url(db):
    corpus(db)
    walk(db, Script("c", "https://example.org/2026/court", "Court annual report 2026", "2026-05", "q"))
    person = record(db, "never")
    assert person["current_post"]["as_of"] == "2026-05"
    new = [s for s in person["sources"] if s["url"] == "https://example.org/2026/court"]
    assert [s["title"] for s in new] == ["Court annual report 2026"]
    assert new[0]["key"] in person["current_post"]["sources"]
    assert store.read(db).source(new[0]["key"]) == new[0]  # in the registry of sources too


def test_confirm_without_a_source_is_refused_and_asked_again(db):
    corpus(db)
    before = record(db, "never")
    script = Script("c", "", "c", "no-such-source", "", "s", "q")
    walk(db, script)
    assert any("a source is needed" in line for line in script.said)
    assert any("no source 'no-such-source'" in line for line in script.said)
    assert record(db, "never") == before


def test_edit_corrects_the_post_without_confirming_it(db):
    corpus(db)
    walk(db, Script("s", "e", "Chief Justice", "", "n", "", ""))  # "" takes the default
    post = record(db, "ancient")["current_post"]
    # a correction is not a confirmation: as_of stays
    assert (post["title"], post["organization"]) == ("Chief Justice", "Supreme Court")
    assert post["as_of"] == "2017-07"
    assert post["sources"] == ["example-report-1990"]
    assert record(db, "ancient")["posts"] == []


def test_edit_new_post_moves_the_old_one_to_the_career(db):
    corpus(db)
    script = Script("s", "e", "Minister of Justice", "Government", "y", "example-report-1990", "2026-01")
    walk(db, script)
    person = record(db, "ancient")
    assert person["current_post"]["title"] == "Minister of Justice"
    assert person["current_post"]["as_of"] == "2026-01"
    assert [(p["title"], p["as_of"]) for p in person["posts"]] == [("Judge", "2017-07")]
    # a new post does not silently inherit the old post's sources
    assert ("Sources cited (keys, separated by ;)", None, "") in script.asked


def test_left_the_post_asks_when_and_which_source(db):
    corpus(db)
    tally = walk(db, Script("l", "2025-03", "example-report-1990", "q"))
    assert tally.left == ["never"]
    person = record(db, "never")
    assert person["current_post"] is None
    assert [(p["title"], p["end"], p["sources"]) for p in person["posts"]] == [
        ("Judge", "2025-03", ["example-report-1990"])]


def test_bad_answer_is_reported_and_asked_again(db):
    corpus(db)
    before = record(db, "never")
    script = Script("e", "Judge", "", "n", "no-such-source", "", "s")
    tally = walk(db, script)
    assert any("no-such-source" in line and "not among this record's sources" in line
               for line in script.said)
    assert tally.skipped == ["never"]
    assert record(db, "never") == before


def test_a_mistyped_date_is_asked_again_without_the_answers_before_it(db):
    corpus(db)
    script = Script("c", "https://example.org/2026/court", "Court annual report 2026", "2026-13", "2026-05",
                    "q")
    tally = walk(db, script)
    assert tally.confirmed == ["never"]
    assert "error: not a date '2026-13': month 13 is not 01-12" in script.said
    assert record(db, "never")["current_post"]["as_of"] == "2026-05"
    assert [q for q, _, _ in script.asked].count("  title of that source") == 1


def test_a_new_source_needs_the_date_it_confirms_asked_without_losing_its_url(db):
    corpus(db)
    script = Script("c", "https://example.org/2026/court", "Court annual report 2026", "", "2026-05", "q")
    assert walk(db, script).confirmed == ["never"]
    assert "error: a date is needed" in script.said
    assert record(db, "never")["current_post"]["as_of"] == "2026-05"


def test_a_post_is_not_confirmed_or_left_on_a_day_to_come(db):
    corpus(db)
    script = Script("c", "example-report-1990", "2026-07", "2026-06",
                    "l", "2027", "2026", "example-report-1990", "q")
    tally = walk(db, script)  # today is 2026-06-15
    assert (tally.confirmed, tally.left) == (["never"], ["ancient"])
    assert "error: 2026-07 is after today (2026-06-15)" in script.said
    assert "error: 2027 is after today (2026-06-15)" in script.said
    assert record(db, "never")["current_post"]["as_of"] == "2026-06"
    assert record(db, "ancient")["posts"][-1]["end"] == "2026"


def test_an_edit_that_changes_nothing_says_so_and_asks_again(db):
    corpus(db)
    before = record(db, "ancient")
    script = Script("s", "e", "", "", "n", "", "", "s", "q")  # every default taken
    tally = walk(db, script)
    assert "no changes" in script.said
    assert (tally.edited, tally.skipped) == ([], ["never", "ancient"])
    assert ("As of (a date the sources confirm; empty: as of 2017-07 stays)", None, "") in script.asked
    assert record(db, "ancient") == before


# --- the script flags -----------------------------------------------------------------


def test_review_confirm_from_a_script(run, db):
    corpus(db)
    res = run("review", "ancient", "--confirm", "--source", "example-report-1990", "--as-of", "2026-02")
    assert res.code == 0, res
    assert res.stderr == "confirmed ancient: as of 2026-02\n"
    assert record(db, "ancient")["current_post"]["as_of"] == "2026-02"
    # without a date, the source's own date; without a source, a usage error
    assert run("review", "never", "--confirm", "--source", "example-report-1990").code == 0
    assert record(db, "never")["current_post"]["as_of"] == "1990"
    res = run("review", "old-month", "--confirm")
    assert res.code == 2
    assert "--source" in res.stderr
    res = run("review", "old-month", "--confirm", "--source", "nothing-like-it")
    assert res.code == 3
    res = run("review", "old-month", "--confirm", "--source", "example-report-1990", "--as-of", "2026-07",
              "--today", "2026-06-15")
    assert res.code == 4
    assert "--as-of: 2026-07 is after today (2026-06-15)" in res.stderr
    res = run("review", "old-month", "--confirm", "--source", "example-report-1990", "--today", "1989-06-15")
    assert res.code == 4  # (the source's own date, 1990, is the one after that day)
    assert "source 'example-report-1990' is dated 1990, after today: give the date it confirms (--as-of)" \
        in res.stderr


def test_review_left_from_a_script(run, db):
    corpus(db)
    res = run("review", "ancient", "--left", "--end", "2020-09", "--source-url", "https://example.org/n",
              "--source-title", "News of the appointment")
    assert res.code == 0, res
    person = record(db, "ancient")
    assert person["current_post"] is None
    assert person["posts"][-1]["end"] == "2020-09"
    assert run("review", "fresh", "--left", "--source", "example-report-1990").code == 2  # no --end
    res = run("review", "fresh", "--left", "--end", "SH1410", "--source", "example-report-1990")
    assert res.code == 4
    assert "--end: SH1410 is after today" in res.stderr
    entry = run("log", "ancient", "--format", "json").json()[0]
    assert entry["op"] == "changed"
    assert {c["path"] for c in entry["changes"]} >= {"current_post", "posts[0]"}


def test_open_in_editor_uses_the_injected_edit(db):
    corpus(db)
    opened: list[str] = []

    def edit_record(person_id: str) -> Any:
        opened.append(person_id)
        return None if len(opened) == 1 else object()  # first time: closed unchanged

    script = Script("o", "o", "q")
    tally = walk(db, script, edit_record=edit_record)
    assert opened == ["never", "never"]
    assert tally.edited == ["never"]
    assert "no changes" in script.said
    assert "o" in (script.asked[0][1] or ())
    no_editor = Script("q")
    walk(db, no_editor)
    assert "o" not in (no_editor.asked[0][1] or ())


def test_nothing_stale(db):
    seed(db, judge("fresh", "2026-05"))
    tally = walk(db, Script())
    assert tally.summary() == "no stale current posts"


# --- on a real terminal ---------------------------------------------------------


def test_review_through_a_pseudo_terminal(db):
    corpus(db)
    term = Terminal("review", "--today", "2026-06-15")
    term.expect("[1/3] Never (never)")
    term.expect("[q]uit")
    term.type("c")
    term.expect("Which source confirms it")
    term.type("example-report-1990")
    term.expect("date it confirms")
    term.type("2026-06-01")
    term.expect("[2/3] Ancient (ancient)")
    term.expect("[q]uit")
    term.type("q")
    term.expect("not reviewed")
    assert term.finish() == 0
    seen = term.seen
    assert b"1 confirmed, 0 left, 0 edited, 0 skipped of 3 stale; quit with 2 not reviewed" in seen
    assert record(db, "never")["current_post"]["as_of"] == "2026-06-01"
    assert record(db, "ancient")["current_post"]["as_of"] == "2017-07"
