"""Property tests of the model's rules: partial dates, slugs, text."""

from __future__ import annotations

import calendar
import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dossier.errors import InvalidInput
from dossier.model.ids import SLUG_RE, slugify, unique_id
from dossier.model.person import validate_person
from dossier.model.rules import check_partial_date


@given(st.integers(1, 9999), st.integers(1, 12), st.data())
def test_valid_partial_dates_are_kept_unpadded(year, month, data):
    day = data.draw(st.integers(1, calendar.monthrange(year, month)[1]))
    for text in (f"{year:04d}", f"{year:04d}-{month:02d}", f"{year:04d}-{month:02d}-{day:02d}"):
        assert check_partial_date(text) == text
        assert validate_person({"name": "A", "born": text}).born == text


@given(st.text(max_size=12))
def test_anything_else_is_not_a_date(text):
    ok = re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", text)
    if ok:
        return
    with pytest.raises(ValueError, match="accepted forms are YYYY, YYYY-MM or YYYY-MM-DD"):
        check_partial_date(text)


@pytest.mark.parametrize("text", ["0000", "1988-00", "1988-13", "1988-02-30", "1900-02-29", "9999-99"])
def test_impossible_dates(text):
    with pytest.raises(ValueError, match="not a date"):
        check_partial_date(text)


def test_leap_day():
    assert check_partial_date("2000-02-29") == "2000-02-29"


@given(st.text(min_size=1, max_size=120))
def test_slugify_always_gives_a_valid_id(name):
    slug = slugify(name)
    assert SLUG_RE.fullmatch(slug)
    assert len(slug) <= 80


@given(st.lists(st.sampled_from(["a", "b", "a-b"]), max_size=30))
def test_unique_id_never_repeats(bases):
    taken: set[str] = set()
    for base in bases:
        new = unique_id(base, taken)
        assert new not in taken
        assert SLUG_RE.fullmatch(new)
        taken.add(new)


def test_unique_id_stays_within_80_chars():
    base = "a" * 80
    assert len(unique_id(base, {base})) == 80


_ALLOWED = st.characters(
    blacklist_categories=("Cs",),
    blacklist_characters="\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\u200d\u200e\u200f"
    "\u061c\u2060\ufeff",
)


@given(st.text(_ALLOWED, min_size=1, max_size=60))
def test_names_are_stored_nfc_or_rejected_with_the_field_named(name):
    try:
        person = validate_person({"name": name})
    except InvalidInput as exc:
        problems = exc.problems
    else:
        problems = []
    if problems:
        assert all(p.field == "name" for p in problems)
        return
    assert unicodedata.is_normalized("NFC", person.name)
    assert person.name == unicodedata.normalize("NFC", name).strip()


@pytest.mark.parametrize(
    "char", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
)
def test_bidi_controls_are_rejected_everywhere(char):
    with pytest.raises(InvalidInput, match=f"U\\+{ord(char):04X}"):
        validate_person({"name": "A", "narrative": f"text {char} text"})


def test_zwnj_kept_in_names_and_text():
    person = validate_person({"name": "A", "native_name": "می\u200cخواهم", "narrative": "x\u200cy"})
    assert "\u200c" in person.native_name
    assert "\u200c" in person.narrative


def test_newline_and_tab_allowed_in_narrative_only():
    assert validate_person({"name": "A", "narrative": "a\n\tb\r\nc"}).narrative == "a\n\tb\nc"
    with pytest.raises(InvalidInput, match="title"):
        validate_person({"name": "A", "role_1988": {"title": "a\nb"}})


def test_unknown_fields_are_errors_with_their_path():
    with pytest.raises(InvalidInput) as info:
        validate_person({"name": "A", "nmae": "typo", "role_1988": {"title": "x", "titel": "y"}})
    fields = {p.field for p in info.value.problems}
    assert fields == {"nmae", "role_1988.titel"}


def test_post_sources_must_resolve_within_the_record():
    with pytest.raises(InvalidInput) as info:
        validate_person({"name": "A", "role_1988": {"title": "x", "sources": ["nope"]}})
    assert info.value.problems[0].field == "role_1988.sources[0]"


def test_duplicate_source_keys_in_one_record():
    src = {"key": "k", "title": "t"}
    with pytest.raises(InvalidInput, match="appears twice"):
        validate_person({"name": "A", "sources": [src, src]})


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "data:text/html,x", "file:///etc/passwd", "ftp://x.org/",
     "https://user:pw@x.org/", "https://x.org/a b", "https://", "http:/x"],
)
def test_only_plain_http_urls(url):
    with pytest.raises(InvalidInput, match=r"sources\[0\]\.url"):
        validate_person({"name": "A", "sources": [{"key": "k", "title": "t", "url": url}]})


@pytest.mark.parametrize("bad", ["CON", "con", ".hidden", "../../x", "a--b", "-a", "a" * 81, ""])
def test_bad_ids(bad):
    with pytest.raises(InvalidInput, match=r"^id: "):
        validate_person({"id": bad, "name": "A"})


def test_yaml_style_dates_are_read_as_meant():
    import datetime

    person = validate_person({"name": "A", "born": 1950, "died": datetime.date(2001, 2, 3)})
    assert (person.born, person.died) == ("1950", "2001-02-03")


@pytest.mark.parametrize("number", [88, 750, 0, -1988, 19880])
def test_a_number_that_is_no_four_digit_year_is_no_date(number, tmp_path, run):
    # JSON `"born": 88` was stored as "0088" (and YAML's `born: 12:30`, the number 750, as "0750")
    # where the text "88" is refused: SPEC §1 names `88` as a validation error.
    with pytest.raises(InvalidInput, match=r"^born: not a date"):
        validate_person({"name": "A", "born": number})
    with pytest.raises(InvalidInput, match=r"^posts\[0\]\.start: not a date"):
        validate_person({"name": "A", "posts": [{"title": "Judge", "start": number}]})
    given = tmp_path / "n.yaml"
    given.write_text(f"- name: Numa Fict\n  born: {'12:30' if number == 750 else number}\n", encoding="utf-8")
    res = run("--db", str(tmp_path / "db.json"), "import", str(given))
    assert res.code == 4, res
    assert not (tmp_path / "db.json").exists()


@pytest.mark.parametrize("key", ["rust-check", "python-check"])
def test_a_field_named_as_a_check_of_the_model_is_an_unknown_field(key):
    # The labels of a text type's two checks are dropped or cut from an error's place: a key of
    # that name in a record was then no error at all, or an unknown field with no name.
    with pytest.raises(InvalidInput) as caught:
        validate_person({"name": "Kaveh Nadiri", key: 1, "posts": [{"title": "Judge", key: 1}]})
    assert sorted(str(p) for p in caught.value.problems) == [f"posts[0].{key}: unknown field",
                                                              f"{key}: unknown field"]


def test_solar_hijri_text_dropped_when_the_date_is_edited():
    person = validate_person({"name": "A", "born": "SH1330"})
    assert person.dates_as_written == {"born": "SH1330"}
    data = person.model_dump(mode="json") | {"born": "1960"}
    assert validate_person(data).dates_as_written == {}


def test_a_key_that_is_no_date_field_under_dates_as_written_is_refused():
    # An editor's autoindent put another field under it: it was dropped without a word.
    with pytest.raises(InvalidInput, match=r"^dates_as_written: unknown field 'birthplace'"):
        validate_person({"name": "A", "born": "1950", "dates_as_written": {"born": "SH1329",
                                                                           "birthplace": "Tabriz"}})
    with pytest.raises(InvalidInput, match=r"^role_1988.dates_as_written: unknown field 'place'"):
        validate_person({"name": "A", "role_1988": {"title": "Judge", "dates_as_written": {"place": "x"}}})
    # It is one problem among the record's others, each found (it hid them all).
    with pytest.raises(InvalidInput) as caught:
        validate_person({"name": "A\x00", "born": "1988-13",
                         "posts": [{"title": "t", "dates_as_written": {"born": "SH1367"}},
                                   {"title": "u", "dates_as_written": {"x": "1"}}]})
    assert [p.field for p in caught.value.problems] == [
        "name", "born", "posts[0].dates_as_written", "posts[1].dates_as_written"]
    kept = validate_person({"name": "A", "born": "1950-07", "dates_as_written": {"born": "SH1329-05"}})
    assert kept.dates_as_written == {"born": "SH1329-05"}
