"""Solar Hijri (Jalali) dates converted to Gregorian partial ISO dates.

Iranian sources date events in the Solar Hijri calendar. Accepted input:

* ``SH1367``, ``SH1367-05``, ``SH1367-05-07``: the ``SH`` prefix is
  case-insensitive, ``/`` may replace ``-`` (one separator throughout), month and
  day may be unpadded (``SH1367/5/7``), surrounding whitespace is ignored;
* without the prefix only when the caller says the calendar is Jalali
  (``jalali=True``): ``1367``, ``1367-05-07``, ``1367/5/7``, ``۱۳۶۷/۰۵/۰۷``.

Persian (۰-۹) and Arabic-Indic (٠-٩) digits count as ASCII digits. Unprefixed text
is never guessed to be Solar Hijri, whatever its digits, unless ``jalali=True``.

Conversion rules (a Solar Hijri month or year straddles two Gregorian ones, so a
partial date names the Gregorian period in which it *starts*; precision is kept):

* full date: the exact Gregorian day, SH1367-05-07 -> 1988-07-29;
* year-month: the Gregorian month holding that month's first day,
  SH1367-05 (1 Mordad 1367 = 1988-07-23) -> 1988-07;
* year: the Gregorian year holding its first day, Nowruz (1 Farvardin),
  SH1367 (1 Farvardin 1367 = 1988-03-21) -> 1988.

Years 1-1500 SH (622-2122 CE) are accepted; months 1-6 have 31 days, 7-11 have 30,
Esfand 29, or 30 in a leap year. Arithmetic and the leap-year rule (a 33-year
cycle) are jdatetime's. Anything else raises ValueError with a one-line message
naming the accepted forms.
"""

from __future__ import annotations

import re
from datetime import date

ACCEPTED = "accepted: SH1367, SH1367-05, SH1367-05-07"
MAX_YEAR = 1500

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "0123456789" * 2)
# Text copied from Persian pages often carries invisible direction marks.
_MARKS = "\u200e\u200f\u061c"
# A 4-digit year, so that 'SH13' is an error rather than the year 13.
_FORM = re.compile(r"([0-9]{4})(?:([-/])([0-9]{1,2})(?:\2([0-9]{1,2}))?)?")


def normalize_digits(text: str) -> str:
    """Persian/Arabic-Indic digits to ASCII."""
    return text.translate(_DIGITS)


def _clean(text: str) -> str:
    return text.strip().strip(_MARKS).strip()


def is_solar_hijri(text: str, *, jalali: bool = False) -> bool:
    """True if text is meant as a Solar Hijri date: SH prefix, or jalali=True."""
    return jalali or _clean(text)[:2].lower() == "sh"


def solar_hijri_to_partial(text: str, *, jalali: bool = False, first_day: bool = False) -> str:
    """Convert a Solar Hijri date (as above) to a Gregorian partial ISO date string (with
    ``first_day``, the Gregorian day its year or month starts: SH1367 is 1988-03-21).

    ValueError on bad input.
    """
    first, _, precision = _period(text, jalali)
    iso = first.isoformat()
    return iso if precision == 3 or first_day else iso[:7] if precision == 2 else iso[:4]


def solar_hijri_period(text: str, *, jalali: bool = False) -> tuple[date, date]:
    """The first and the last Gregorian day a Solar Hijri date means: SH1367-06 (Shahrivar)
    is 1988-08-23 to 1988-09-22, where its partial date (1988-08) alone would end on
    1988-08-31. ValueError on bad input."""
    first, last, _ = _period(text, jalali)
    return first, last


def _period(text: str, jalali: bool) -> tuple[date, date, int]:
    """(first day, last day, precision: 1 year, 2 month, 3 day)."""

    def bad(why: str) -> ValueError:
        return ValueError(f"not a Solar Hijri date: {text!r} ({why}); {ACCEPTED}")

    body = _clean(text)
    if not body:
        raise bad("empty")
    if body[:2].lower() == "sh":
        body = body[2:]
    elif not jalali:
        raise bad("no SH prefix and the calendar is not Jalali")
    match = _FORM.fullmatch(normalize_digits(body))
    if not match:
        raise bad("malformed")
    year, month, day = int(match[1]), int(match[3] or 1), int(match[4] or 1)
    if not 1 <= year <= MAX_YEAR:
        raise bad(f"year {year} is not 1-{MAX_YEAR}")
    if not 1 <= month <= 12:
        raise bad(f"month {month}")

    import jdatetime  # lazily: the CLI's cold start should not pay for it

    def length(m: int) -> int:
        return 31 if m <= 6 else 30 if m <= 11 else 29 + jdatetime.date(year, 1, 1).isleap()

    if not 1 <= day <= length(month):
        raise bad(f"day {day}; month {month} of {year} has {length(month)} days")
    # The default day 1 is what makes year/month precision mean "where it starts".
    first: date = jdatetime.date(year, month, day).togregorian()
    precision = 3 if match[4] else 2 if match[3] else 1
    last_month = month if precision > 1 else 12
    last_day = day if precision == 3 else length(last_month)
    last: date = jdatetime.date(year, last_month, last_day).togregorian()
    return first, last, precision
