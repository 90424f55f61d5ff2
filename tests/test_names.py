"""Folding (SPEC §4): one match key for every spelling; and `show REF` through it."""

from __future__ import annotations

import re
import string
import unicodedata
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dossier import store
from dossier.model.ids import slugify, unique_id
from dossier.model.person import dump, validate_person
from dossier.names import fold, fold_words, match_key, score, skeleton_token
from tests.conftest import make_person


@pytest.mark.parametrize(
    "spellings",
    [
        # the seeds' own variants
        ["Raisi", "Raeesi", "Raeisi", "RAISI", "Ra'isi"],
        ["Avaei", "Avaie", "Avaii", "Avai"],
        ["Mostafa", "Mustafa", "Moustafa"],
        ["Khamenei", "Khameni", "Khamenee"],
        ["Dariush", "Daryoush", "Dariyoush", "Daryush"],
        ["Maryam", "Mariam"],
        # rule by rule
        ["Pour", "Pur", "Poor"],  # ou/u/oo
        ["Saeed", "Said", "Saeid", "Saied"],  # ee/i/ei/ae
        ["Hossein", "Hosseyn", "Husain", "Hosein"],  # ey, ai, double letters
        ["Heidari", "Heydari", "Haidari"],
        ["Mokhtar", "Moxtar"],  # kh/x
        ["Ghasem", "Qasem", "Qassem"],  # gh/q
        ["Abbaszadeh", "Abbaszade", "Abaszadeh"],  # -eh/-e, doubles
        ["Ruhollah", "Rouhollah", "Ruhallah", "Rohollah"],  # -ollah/-allah
        ["Abdollah", "Abdullah", "Abdolah"],
        ["Javad", "Jawad"],
        ["Djafar", "Jafar", "Jaafar", "Ja'far", "Jaʿfar"],
        ["Kazem", "Kadhem"],
        ["Rezaei", "Rezaee", "Rezai", "Rezayi"],
        ["Mahmoud", "Mahmud", "Mahmood"],
        ["Ébrahim", "Ebrahim"],  # accents
    ],
)
def test_latin_variants_fold_together(spellings: list[str]) -> None:
    assert len({fold(s) for s in spellings}) == 1, {s: fold(s) for s in spellings}


@pytest.mark.parametrize(
    "spellings",
    [
        ["Pourmohammadi", "Pour-Mohammadi", "Pour Mohammadi", "pour mohammadi"],
        ["Hossein-Ali", "Hosseinali", "Hossein Ali"],
        ["Shams-ed-Din", "Shamseddin", "Shamsedin"],
    ],
)
def test_joined_and_split_compounds_share_a_match_key(spellings: list[str]) -> None:
    assert len({match_key(s) for s in spellings}) == 1, {s: match_key(s) for s in spellings}


@pytest.mark.parametrize(
    "spellings",
    [
        # yeh forms, harakat, tatweel
        ["ابراهیم رئیسی", "ابراهيم رئيسي", "اِبراهیم رَئیسی", "ابراهـــیم رئیسی"],
        ["کامبیز", "كامبيز"],  # kaf forms
        ["فاطمة", "فاطمه"],  # teh marbuta
        ["عباس‌زاده", "عباسزاده"],  # ZWNJ
        ["آوایی", "اوایی"],  # alef madda
        ["ﻋﻠﻰ", "علی"],  # presentation forms, alef maksura
    ],
)
def test_persian_letter_forms_fold_together(spellings: list[str]) -> None:
    assert len({fold(s) for s in spellings}) == 1, {s: fold(s) for s in spellings}


@pytest.mark.parametrize(
    ("with_title", "plain"),
    [
        ("Ayatollah Ali Khamenei", "Ali Khamenei"),
        ("Grand Ayatollah Ruhollah Khomeini", "Ruhollah Khomeini"),
        ("Hojatoleslam Ebrahim Raisi", "Ebrahim Raisi"),
        ("Hojjatoleslam Ebrahim Raisi", "Ebrahim Raisi"),
        ("Hojjat-ol-Eslam Ebrahim Raisi", "Ebrahim Raisi"),
        ("Hojjatoleslam val-Moslemin Ebrahim Raisi", "Ebrahim Raisi"),
        ("Mullah Mirza Najaf Aghazadeh", "Mirza Najaf Aghazadeh"),
        ("Sheikh Dariush Fakeri", "Dariush Fakeri"),
        ("Seyyed Ali", "Ali"),
        ("Seyed Ali", "Ali"),
        ("Sayyid Ali", "Ali"),
        ("Mr. Montazeri", "Montazeri"),
        ("Dr. Ahmed Shaheed", "Ahmed Shaheed"),
        ("Haj Dariush Fakeri", "Dariush Fakeri"),
        ("آیت‌الله علی خامنه‌ای", "علی خامنه‌ای"),
        ("آیت الله علی خامنه‌ای", "علی خامنه‌ای"),
        ("حجت‌الاسلام ابراهیم رئیسی", "ابراهیم رئیسی"),
        ("سید ابراهیم رئیسی", "ابراهیم رئیسی"),
        ("حاج نادر", "نادر"),
    ],
)
def test_honorifics_are_set_aside(with_title: str, plain: str) -> None:
    assert fold(with_title) == fold(plain)


def test_a_name_made_only_of_honorifics_keeps_them() -> None:
    assert fold("Sheikh") != ""
    assert fold("Ayatollah") == fold("ayatollah")


@pytest.mark.parametrize(
    "name",
    ["Hojjat", "Saeed", "Said", "Hajar", "Molavi", "Sheikhi", "Seyedi", "Ayat", "Mirza", "Agha", "Hadi",
     "Mullahzadeh", "Drakhshan", "Mrad"],
)
def test_names_that_resemble_honorifics_are_kept(name: str) -> None:
    assert fold(f"{name} Fakeri") != fold("Fakeri")


def test_examples_of_folded_forms() -> None:
    assert fold("Hojjatoleslam Mostafa Pour-Mohammadi") == "mustafa pur muhamadi"
    assert fold("Ebrahim Raeesi") == fold("Ebrahim Raisi") == "ibrahim risi"
    # Persian script is romanised with its vowels, so it folds as its usual Latin spelling.
    assert fold("ابراهیم رئیسی") == fold("Ebrahim Raisi") == "ibrahim risi"
    assert fold_words("  Ali -- Khamenei ") == ("ali", "xamini")
    assert fold("") == fold("  ") == fold("...") == ""


def test_persian_and_latin_skeletons_meet() -> None:
    latin = [skeleton_token(w) for w in fold_words("Mostafa Pourmohammadi")]
    persian = [skeleton_token(w) for w in fold_words("مصطفی پورمحمدی")]
    assert latin == persian == ["mstf", "prmhmd"]


def test_score() -> None:
    assert score(fold_words("Ebrahim Raisi"), fold_words("Raisi Ebrahim")) == 100
    assert score(fold_words("Pour Mohammadi"), fold_words("Pourmohammadi")) == 100
    assert 85 <= score(fold_words("Raisi"), fold_words("Ebrahim Raisi")) < 100
    assert score(fold_words("John Smith"), fold_words("Ebrahim Raisi")) < 50


mixed_text = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", categories=["L", "M", "N", "P", "Zs"]),
        st.sampled_from("ابتثجحخدذرزسشصضطظعغفقکگلمنوهیيكةۀأإآئؤءـ\u200c\u064e\u0650\u0651 -'’.kheyaouq"),
    ),
    max_size=40,
)
honorific_text = st.lists(
    st.sampled_from(["Ayatollah", "ayat", "ollah", "Hojjat", "ol", "eslam", "Seyyed", "sayid", "Haj",
                     "hadji", "hajji", "Mr.", "dr", "mula", "Mullah", "Ali", "Raisi", "Pour", "-", "سید",
                     "آیت", "الله", "zadeh", "e", "h", "y", "Sheikh", "shaykh", "val", "moslemin", "grand",
                     "al", "Syed", "Saeed"]),
    max_size=8,
).map(" ".join)


@settings(max_examples=400, deadline=None)
@given(st.one_of(mixed_text, honorific_text))
@example("AYAT/AYATOLA/OLA")  # only honorifics; its last two without them are a name
def test_fold_is_idempotent_and_ascii(text: str) -> None:
    once = fold(text)
    assert fold(once) == once
    assert re.fullmatch(r"([a-z0-9]+( [a-z0-9]+)*)?", once), once
    assert match_key(once) == match_key(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=string.ascii_letters + " -'.", max_size=30), st.text(max_size=30))
def test_fold_ignores_case_and_normalization_form(latin: str, text: str) -> None:
    assert fold(latin.upper()) == fold(latin.lower())
    assert fold(unicodedata.normalize("NFD", text)) == fold(unicodedata.normalize("NFC", text))


def test_slugify_and_unique_id_unchanged() -> None:
    assert slugify("Ebrahim Raisi") == "ebrahim-raisi"
    assert slugify("ابراهیم رئیسی") == "brhym-ri-ysy"
    assert unique_id("ebrahim-raisi", {"ebrahim-raisi", "ebrahim-raisi-2"}) == "ebrahim-raisi-3"


# --- show REF resolves through fold -------------------------------------------------


def fill(db: Path, *records: dict) -> None:
    with store.transaction(db) as tx:
        tx.put_many(dump(validate_person(r)) for r in records)


@pytest.fixture
def fakeri(db: Path) -> Path:
    fill(db, make_person("Dariush Pour-Fakeri", id="dariush-pourfakeri", aliases=["Dariush Fakeri-Pour"]),
         make_person("Bahman Ghaffarzadeh", id="bahman-ghaffarzadeh", native_name="بهمن غفارزاده"))
    return db


@pytest.mark.parametrize(
    "ref",
    ["Dariush Pour-Fakeri", "dariush pour fakeri", "Daryoush Pourfakeri", "Seyyed Dariush Pour Fakeri",
     "Haj Dariush Poor-Fakeri", "Dariush Fakeri Pour"],
)
def test_show_resolves_any_folded_spelling(run, fakeri: Path, ref: str) -> None:
    res = run("show", ref, "--format", "json")
    assert res.code == 0, res
    assert res.json()["id"] == "dariush-pourfakeri"


def test_show_resolves_a_persian_spelling_of_the_native_name(run, fakeri: Path) -> None:
    res = run("show", "بهمن غفار‌زاده", "--format", "json")  # ZWNJ inside the surname
    assert (res.code, res.json()["id"]) == (0, "bahman-ghaffarzadeh")


def test_show_by_a_folded_name_of_several_persons_is_a_conflict(run, db: Path) -> None:
    fill(db, make_person("Dariush Fakeri", id="dariush-fakeri"),
         make_person("Daryoush Fakeri", id="daryoush-fakeri"))
    res = run("show", "Dariush Fakery")
    assert res.code == 5, res
    assert "dariush-fakeri" in res.stderr
    assert "daryoush-fakeri" in res.stderr


def test_show_a_fuzzy_spelling_is_not_found_but_points_to_search(run, fakeri: Path) -> None:
    res = run("show", "Fakeri")
    assert res.code == 3
    assert "dossier search" in res.stderr
