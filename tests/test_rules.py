"""The record rules every command shares: one answer to "is this post stale today?"."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dossier.model import rules
from tests.conftest import make_person, seed

LEAP_DAY = "2020-02-29"


@pytest.mark.parametrize(("today", "stale"), [("2022-02-28", False), ("2022-03-01", True)])
def test_check_profiles_and_review_agree_on_the_edge_days(run, db: Path, tmp_path: Path, today: str,
                                                           stale: bool) -> None:
    # 24 calendar months after 29 February 2020 end on 28 February 2022 (no 29th that year).
    post = {"title": "Judge", "as_of": LEAP_DAY, "sources": ["example-report-1990"]}
    seed(db, make_person("Dariush Fakeri", id="fakeri", current_post=post))
    check = run("check", "--format", "json", "--today", today).json()
    flagged_by_check = any(f["code"] == "W-STALE-POST" for f in check)
    out = tmp_path / f"site-{today}"
    assert run("profiles", str(out), "--today", today).code == 0
    flagged_by_profiles = "Possibly out of date" in (out / "fakeri.md").read_text(encoding="utf-8")
    listed = run("review", "--list", "--format", "json", "--today", today).json()
    flagged_by_review = [r["id"] for r in listed] == ["fakeri"]
    assert (flagged_by_check, flagged_by_profiles, flagged_by_review) == (stale, stale, stale)


def test_staleness_counts_calendar_months_from_the_last_day_a_partial_date_can_mean() -> None:
    post = {"title": "Judge", "as_of": "2020"}  # 2020 can mean as late as 2020-12-31
    assert rules.staleness(post, date(2022, 12, 31)) is None
    assert rules.staleness(post, date(2023, 1, 1)) == "stale"
    assert rules.staleness({"title": "Judge", "as_of": "2020-02"}, date(2022, 2, 28)) is None  # ends 02-29
    assert rules.staleness({"title": "Judge", "as_of": "2020-02"}, date(2022, 3, 1)) == "stale"
    assert rules.staleness({"title": "Judge", "as_of": None}, date(2022, 3, 1)) == "undated"
    assert rules.staleness({"title": "Judge", "as_of": "2020-01-31"}, date(2020, 3, 31), 1) == "stale"
    assert rules.staleness({"title": "Judge", "as_of": "2020-01-31"}, date(2020, 2, 29), 1) is None


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)), st.integers(0, 600))
def test_months_before_and_between_agree(day: date, months: int) -> None:
    earlier = rules.months_before(day, months)
    assert earlier <= day
    assert rules.months_between(earlier, day) == months


def test_unknown_today_is_a_usage_error(run) -> None:
    for command in (["check"], ["review", "--list"], ["profiles", "out"]):
        res = run(*command, "--today", "2022-02-30")
        assert res.code == 2, (command, res)
        assert "--today: not a date '2022-02-30'" in res.stderr


def test_person_fields_are_the_record_models() -> None:
    # The publisher renders stored records without Pydantic when they hold every field.
    from dossier.model.person import Person, dump, validate_person
    from dossier.model.rules import PERSON_FIELDS

    # ``sealed`` (encryption at rest) is left out of the dump while empty
    assert set(Person.model_fields) - {"sealed"} == PERSON_FIELDS
    assert set(dump(validate_person({"name": "Kaveh Nadiri"}))) == PERSON_FIELDS
