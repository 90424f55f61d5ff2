"""Solar Hijri -> Gregorian partial dates (dossier.model.jalali).

Expected values were computed with jdatetime and cross-checked against an
independent implementation of the jalaali-js (Borkowski) algorithm; the anchors
(Nowruz 1367/1403/1404, 7 Mordad 1367, 22 Bahman 1357, ...) are well-known dates.
"""

from __future__ import annotations

import datetime as dt
import re

import jdatetime
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dossier.model.jalali import (
    ACCEPTED,
    is_solar_hijri,
    normalize_digits,
    solar_hijri_to_partial,
)

FORMS = "SH1367, SH1367-05, SH1367-05-07"
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@pytest.mark.parametrize(
    ("text", "jalali", "expected"),
    [
        # full dates: exact day
        ("SH1367-05-07", False, "1988-07-29"),  # 7 Mordad 1367
        ("SH1366-12-29", False, "1988-03-19"),  # 1366 is leap: not yet the last day
        ("SH1366-12-30", False, "1988-03-20"),  # Nowruz boundary, day before
        ("SH1367-01-01", False, "1988-03-21"),  # Nowruz 1367
        ("SH1367-12-29", False, "1989-03-20"),  # 1367 is not leap: last day ...
        ("SH1368-01-01", False, "1989-03-21"),  # ... and the day after
        ("SH1402-12-29", False, "2024-03-19"),  # last day of non-leap 1402
        ("SH1403-01-01", False, "2024-03-20"),  # Nowruz 1403 falls on 20 March
        ("SH1403-12-30", False, "2025-03-20"),  # 1403 is leap
        ("SH1404-01-01", False, "2025-03-21"),
        ("SH1399-12-30", False, "2021-03-20"),  # 1399 is leap
        ("SH1400-01-01", False, "2021-03-21"),
        ("SH1366-10-01", False, "1987-12-22"),  # 1 Dey
        ("SH1358-01-01", False, "1979-03-21"),
        ("SH1357-11-22", False, "1979-02-11"),  # 22 Bahman 1357
        ("SH1367-04-28", False, "1988-07-19"),
        ("SH1367-06-31", False, "1988-09-22"),  # last 31-day month ...
        ("SH1367-07-01", False, "1988-09-23"),  # ... then 1 Mehr
        ("SH1367-11-01", False, "1989-01-21"),
        ("SH1304-01-01", False, "1925-03-21"),  # the calendar's official adoption
        ("SH1500-12-29", False, "2122-03-20"),  # upper bound of the accepted range
        # spellings of the same day
        ("sh1367/05/07", False, "1988-07-29"),
        ("  SH1367/5/7\n", False, "1988-07-29"),
        ("\u200fSH1367-05-07\u200f", False, "1988-07-29"),
        ("SH۱۳۶۷-۰۵-۰۷", False, "1988-07-29"),
        ("SH1367-05-07", True, "1988-07-29"),
        ("1367-05-07", True, "1988-07-29"),
        ("1367/5/7", True, "1988-07-29"),
        ("۱۳۶۷/۰۵/۰۷", True, "1988-07-29"),
        ("١٣٦٧-٠٥-٠٧", True, "1988-07-29"),  # Arabic-Indic digits
        # year-month: the Gregorian month of the month's first day
        ("SH1367-05", False, "1988-07"),  # 1 Mordad = 1988-07-23
        ("SH1367-5", False, "1988-07"),
        ("SH1367/07", False, "1988-09"),  # 1 Mehr = 1988-09-23
        ("SH1366-10", False, "1987-12"),  # 1 Dey = 1987-12-22
        ("SH1366-11", False, "1988-01"),  # 1 Bahman = 1988-01-21
        ("SH1357-11", False, "1979-01"),  # though 22 Bahman is in February
        ("SH1403-12", False, "2025-02"),  # 1 Esfand = 2025-02-19
        ("SH1367-01", False, "1988-03"),
        ("۱۳۶۷/۰۵", True, "1988-07"),
        # year: the Gregorian year of Nowruz
        ("SH1367", False, "1988"),
        ("sh1403", False, "2024"),
        ("SH1404", False, "2025"),
        ("1357", True, "1978"),  # Nowruz 1357 = 1978-03-21, though 22 Bahman is in 1979
        ("SH1358", False, "1979"),
        ("۱۳۶۷", True, "1988"),
    ],
)
def test_known_conversions(text: str, jalali: bool, expected: str) -> None:
    assert solar_hijri_to_partial(text, jalali=jalali) == expected


@pytest.mark.parametrize(
    ("text", "jalali", "reason"),
    [
        ("SH1367-13", False, "month 13"),
        ("SH1367-00-01", False, "month 0"),
        ("SH1367-05-32", False, "day 32"),
        ("SH1367-05-00", False, "day 0"),
        ("SH1367-07-31", False, "day 31"),  # Mehr has 30 days
        ("SH1402-12-30", False, "day 30"),  # 1402 is not leap
        ("SH1367-12-30", False, "day 30"),
        ("SH0000", False, "year 0"),
        ("SH1501", False, "year 1501"),
        ("1988-07-29", True, "year 1988"),  # a Gregorian date is not read as Jalali
        ("SH", False, "malformed"),
        ("SH13", False, "malformed"),
        ("SH1367-5-", False, "malformed"),
        ("SH1367-05/07", False, "malformed"),  # mixed separators
        ("SH1367-123", False, "malformed"),
        ("SH 1367", False, "malformed"),
        ("SHabcd", False, "malformed"),
        ("July 1367", True, "malformed"),
        ("", False, "empty"),
        ("   ", True, "empty"),
        ("abc", False, "no SH prefix"),
        ("1367-05-07", False, "no SH prefix"),
        ("۱۳۶۷/۰۵/۰۷", False, "no SH prefix"),  # Persian digits alone do not mean Jalali
    ],
)
def test_bad_input(text: str, jalali: bool, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(FORMS)) as err:
        solar_hijri_to_partial(text, jalali=jalali)
    message = str(err.value)
    assert reason in message
    assert "\n" not in message
    assert repr(text) in message


def test_accepted_forms_constant() -> None:
    assert FORMS in ACCEPTED


@pytest.mark.parametrize(
    ("text", "jalali", "expected"),
    [
        ("SH1367", False, True),
        ("  sh1367-05-07", False, True),
        ("SH", False, True),  # meant as Solar Hijri, even if malformed
        ("1988-07-29", False, False),
        ("۱۳۶۷/۰۵/۰۷", False, False),
        ("۱۳۶۷/۰۵/۰۷", True, True),
        ("1367", True, True),
        ("", False, False),
    ],
)
def test_is_solar_hijri(text: str, jalali: bool, expected: bool) -> None:
    assert is_solar_hijri(text, jalali=jalali) is expected


def test_normalize_digits() -> None:
    assert normalize_digits("۰۱۲۳۴۵۶۷۸۹") == "0123456789"
    assert normalize_digits("٠١٢٣٤٥٦٧٨٩") == "0123456789"
    assert normalize_digits("SH۱۳۶۷/۰۵-x") == "SH1367/05-x"


def _month_length(year: int, month: int) -> int:
    if month <= 6:
        return 31
    if month <= 11:
        return 30
    return 30 if jdatetime.date(year, 1, 1).isleap() else 29


@st.composite
def solar_hijri_days(draw: st.DrawFn) -> tuple[int, int, int]:
    year = draw(st.integers(1, 1500))
    month = draw(st.integers(1, 12))
    return year, month, draw(st.integers(1, _month_length(year, month)))


def _spell(year: int, month: int, day: int, sep: str, pad: bool, persian: bool) -> str:
    text = sep.join(f"{n:02d}" if pad else str(n) for n in (month, day))
    text = f"{year:04d}{sep}{text}"
    return text.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")) if persian else text


@given(solar_hijri_days(), st.sampled_from("-/"), st.booleans(), st.booleans(), st.booleans())
def test_round_trip(
    ymd: tuple[int, int, int], sep: str, pad: bool, persian: bool, prefixed: bool
) -> None:
    text = _spell(*ymd, sep, pad, persian)
    result = solar_hijri_to_partial("SH" + text if prefixed else text, jalali=not prefixed)
    assert ISO_DAY.match(result)
    back = jdatetime.date.fromgregorian(date=dt.date.fromisoformat(result))
    assert (back.year, back.month, back.day) == ymd


@given(solar_hijri_days())
def test_partials_name_where_the_period_starts(ymd: tuple[int, int, int]) -> None:
    year, month, _ = ymd
    first_of_month = solar_hijri_to_partial(f"SH{year:04d}-{month:02d}-01")
    assert solar_hijri_to_partial(f"SH{year:04d}-{month:02d}") == first_of_month[:7]
    nowruz = solar_hijri_to_partial(f"SH{year:04d}-01-01")
    assert solar_hijri_to_partial(f"SH{year:04d}") == nowruz[:4]


@given(st.integers(1, 1500), st.integers(1, 12), st.integers(1, 5))
def test_day_past_month_end_is_rejected(year: int, month: int, extra: int) -> None:
    day = _month_length(year, month) + extra
    with pytest.raises(ValueError, match=re.escape(FORMS)):
        solar_hijri_to_partial(f"SH{year:04d}-{month:02d}-{day:02d}")
