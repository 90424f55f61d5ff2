"""`dossier search`: every spelling finds its person first; nonsense finds nobody.

The database holds the real sample corpus (records/, the seeds' spellings) and
a set of fictional persons with Persian-script native names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from dossier import api, store
from dossier.model.person import dump, validate_person
from dossier.names import THRESHOLD, match_key, search
from tests.conftest import REPO, make_person

# Fictional persons: common Persian given names and surnames, combined at random.
FICTIONAL: list[dict[str, Any]] = [
    make_person("Bahman Ghaffarzadeh", id="bahman-ghaffarzadeh", native_name="بهمن غفارزاده",
                aliases=["Bahman Qaffarzade"]),
    make_person("Siavash Haghighatpour", id="siavash-haghighatpour", native_name="سیاوش حقیقت‌پور"),
    make_person("Jamshid Nourbakhsh", id="jamshid-nourbakhsh", native_name="جمشید نوربخش"),
    make_person("Manouchehr Dehghani", id="manouchehr-dehghani", native_name="منوچهر دهقانی"),
    make_person("Nader Esmaeilzadeh", id="nader-esmaeilzadeh", native_name="نادر اسماعیل‌زاده"),
    make_person("Kambiz Talebzadeh", id="kambiz-talebzadeh", native_name="کامبیز طالب‌زاده"),
    make_person("Parviz Shokouhi", id="parviz-shokouhi", native_name="پرویز شکوهی"),
    make_person("Dariush Fakeri", id="dariush-fakeri"),
    make_person("Hormoz Varzandeh", id="hormoz-varzandeh", native_name="هرمز ورزنده",
                aliases=["Hormuz Varzande"]),
]


def fill(db: Path, records: list[dict[str, Any]]) -> None:
    with store.transaction(db) as tx:
        tx.put_many(dump(validate_person(r)) for r in records)


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("search") / "db.json"
    api.import_path(db, REPO / "records")  # the sample corpus, as a user imports it
    fill(db, FICTIONAL)
    return db


FOUND = [
    # Ebrahim Raisi: the seeds write Raisi and Raeesi
    ("Ebrahim Raisi", "ebrahim-raisi"),
    ("Ebrahim Raeesi", "ebrahim-raisi"),
    ("Ebrahim Raeisi", "ebrahim-raisi"),
    ("Ibrahim Raisi", "ebrahim-raisi"),
    ("raisi", "ebrahim-raisi"),
    ("RAEESI", "ebrahim-raisi"),
    ("Ayatollah Ebrahim Raisi", "ebrahim-raisi"),
    ("Hojatoleslam Ebrahim Raisi", "ebrahim-raisi"),
    ("Hojjat-ol-Eslam Raeisi", "ebrahim-raisi"),
    ("Seyyed Ebrahim Raisi", "ebrahim-raisi"),
    ("ابراهیم رئیسی", "ebrahim-raisi"),  # Persian script, no native name stored: skeletons meet
    ("ابراهيم رئيسي", "ebrahim-raisi"),  # Arabic yeh
    ("رئیسی", "ebrahim-raisi"),
    # Mostafa Pourmohammadi: Pourmohammadi / Pour-Mohammadi / Pour Mohammadi
    ("Mostafa Pourmohammadi", "mostafa-pourmohammadi"),
    ("Mostafa Pour-Mohammadi", "mostafa-pourmohammadi"),
    ("Mostafa Pour Mohammadi", "mostafa-pourmohammadi"),
    ("Mustafa Pourmohammadi", "mostafa-pourmohammadi"),
    ("Moustafa Poormohammadi", "mostafa-pourmohammadi"),
    ("Pourmohammadi", "mostafa-pourmohammadi"),
    ("Pour-Mohammadi", "mostafa-pourmohammadi"),
    ("mullah Pour Mohammadi", "mostafa-pourmohammadi"),
    ("Hojjatoleslam Mostafa Pour-Mohammadi", "mostafa-pourmohammadi"),
    ("مصطفی پورمحمدی", "mostafa-pourmohammadi"),
    ("مصطفي پور محمدي", "mostafa-pourmohammadi"),
    # Alireza Avaei: Avaei / Avaie / Avaii
    ("Alireza Avaei", "alireza-avaei"),
    ("Alireza Avaie", "alireza-avaei"),
    ("Alireza Avaii", "alireza-avaei"),
    ("Ali-Reza Avaei", "alireza-avaei"),
    ("Ali Reza Avaee", "alireza-avaei"),
    ("علیرضا آوایی", "alireza-avaei"),
    ("Ali Avai", "ali-avai"),
    # Ali Khamenei
    ("Ali Khamenei", "ali-khamenei"),
    ("Ali Khamanei", "ali-khamenei"),
    ("Ayatollah Ali Khamenei", "ali-khamenei"),
    ("Ayatollah Khamenei", "ali-khamenei"),
    ("Seyed Ali Khamenei", "ali-khamenei"),
    ("آیت‌الله علی خامنه‌ای", "ali-khamenei"),
    # Ruhollah Khomeini
    ("Ruhollah Khomeini", "ruhollah-khomeini"),
    ("Rouhollah Khomeyni", "ruhollah-khomeini"),
    ("Ayatollah Ruhollah Khomeini", "ruhollah-khomeini"),
    ("Ayatollah Khomeini", "ruhollah-khomeini"),
    ("روح‌الله خمینی", "ruhollah-khomeini"),
    # the others of the corpus
    ("Hossein-Ali Nayyeri", "hossein-ali-nayyeri"),
    ("Hossein Ali Nayeri", "hossein-ali-nayyeri"),
    ("Hosseinali Nayyeri", "hossein-ali-nayyeri"),
    ("Hussein Ali Nayyiri", "hossein-ali-nayyeri"),
    ("Nayyeri", "hossein-ali-nayyeri"),
    ("Mokhtar Heidarzadeh", "mukhtar-heydarzadeh"),
    ("Heydarzade", "mukhtar-heydarzadeh"),
    ("Mullah Mirza Najaf Aghazadeh", "mirza-najaf-aghazadeh"),
    ("Najaf Aqazadeh", "mirza-najaf-aghazadeh"),
    ("Shamseddin Kazemi", "shamsedin-kazemi"),
    ("Shams-ed-Din Kazemi", "shamsedin-kazemi"),
    ("Ali Falahian", "ali-fallahian"),
    ("Fallahian", "ali-fallahian"),
    ("Ahmed Khatami", "ahmad-khatami"),
    ("Mohammadi", "mohammadi"),
    ("Nasser", "naser"),
    # fictional persons, Latin and Persian script
    ("Bahman Ghaffarzadeh", "bahman-ghaffarzadeh"),
    ("Bahman Ghafar-Zadeh", "bahman-ghaffarzadeh"),
    ("Ghaffarzadeh", "bahman-ghaffarzadeh"),
    ("بهمن غفارزاده", "bahman-ghaffarzadeh"),
    ("Siavash Haqiqatpour", "siavash-haghighatpour"),
    ("Siyavash Haghighat-Pour", "siavash-haghighatpour"),
    ("Haghighat Pour", "siavash-haghighatpour"),
    ("سیاوش حقیقت‌پور", "siavash-haghighatpour"),
    ("سیاوش حقیقت پور", "siavash-haghighatpour"),  # a space where the ZWNJ belongs
    ("Jamshid Noorbakhsh", "jamshid-nourbakhsh"),
    ("Jamsheed Nurbakhsh", "jamshid-nourbakhsh"),
    ("جمشید نوربخش", "jamshid-nourbakhsh"),
    ("جَمشید نوربَخش", "jamshid-nourbakhsh"),  # harakat
    ("جمشـــید نوربخش", "jamshid-nourbakhsh"),  # tatweel
    ("سید جمشيد نوربخش", "jamshid-nourbakhsh"),  # honorific, Arabic yeh
    ("Dr. Manouchehr Dehghani", "manouchehr-dehghani"),
    ("Manuchehr Dehqani", "manouchehr-dehghani"),
    ("منوچهر دهقانی", "manouchehr-dehghani"),
    ("Nader Esmailzadeh", "nader-esmaeilzadeh"),
    ("Haj Nader Ismailzade", "nader-esmaeilzadeh"),
    ("حاج نادر اسماعیل‌زاده", "nader-esmaeilzadeh"),
    ("Kambiz Taleb-Zadeh", "kambiz-talebzadeh"),
    ("Talebzade", "kambiz-talebzadeh"),
    ("كامبيز طالب زاده", "kambiz-talebzadeh"),  # Arabic kaf and yeh, split compound
    ("Parviz Shokoohi", "parviz-shokouhi"),
    ("Parwiz Shokuhi", "parviz-shokouhi"),
    ("پرویز شکوهی", "parviz-shokouhi"),
    ("Mr. Dariush Fakeri", "dariush-fakeri"),
    ("Daryush Fakery", "dariush-fakeri"),
    ("Hormuz Varzandeh", "hormoz-varzandeh"),
    ("هرمز ورزنده", "hormoz-varzandeh"),
]

NOT_FOUND = [
    "John Smith",
    "Maria Garcia",
    "Zhang Wei",
    "Tehran",
    "Evin prison",
    "death commission",
    "Supreme Leader",
    "1988",
    "xyzzy",
    "qwerty uiop",
    "Lorem ipsum",
    "Hassan Rouhani",
    "Montazeri",
    "Mousavi Tabrizi",
    "Kourosh Farrokhzad",
    "Babak Zanjani",
    "Shirin Ebadi",
    "Abolhassan Banisadr",
    "Mir Hossein Mousavi",
    "تهران",
    "آزادی",
    "زندان اوین",
    "Ayatollah",
    "Dr.",
]


def test_tables_are_large_enough() -> None:
    assert len(FOUND) >= 60
    assert len(NOT_FOUND) >= 20


@pytest.mark.parametrize(("query", "expected"), FOUND)
def test_every_spelling_finds_its_person_first(corpus_db: Path, query: str, expected: str) -> None:
    hits = api.search(corpus_db, query)
    assert hits, f"{query!r} found nothing"
    assert hits[0].id == expected, [(h.id, h.score) for h in hits]
    assert THRESHOLD <= hits[0].score <= 100


@pytest.mark.parametrize("query", NOT_FOUND)
def test_nonsense_finds_nothing_above_the_threshold(corpus_db: Path, query: str) -> None:
    assert api.search(corpus_db, query) == []


def test_single_surname_scores_high_and_full_name_scores_100(corpus_db: Path) -> None:
    assert api.search(corpus_db, "Ebrahim Raeesi")[0].score == 100
    assert api.search(corpus_db, "Raisi")[0].score >= 85


def test_best_first_and_limit(corpus_db: Path) -> None:
    hits = api.search(corpus_db, "Ali", limit=None)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert {"ali-avai", "ali-khamenei", "ali-fallahian"} <= {h.id for h in hits}
    assert len(api.search(corpus_db, "Ali", limit=2)) == 2


def test_matched_is_the_name_or_alias_that_matched(corpus_db: Path) -> None:
    hit = api.search(corpus_db, "Ebrahim Raeesi")[0]
    assert (hit.name, hit.matched) == ("Ebrahim Raisi", "Ebrahim Raeesi")
    hit = api.search(corpus_db, "جمشید نوربخش")[0]
    assert (hit.name, hit.matched) == ("Jamshid Nourbakhsh", "جمشید نوربخش")


def test_of_names_that_match_alike_the_one_in_the_query_script_is_shown(db: Path) -> None:
    # "Parviz" meets the Latin name and the Persian one alike: the shorter romanisation of
    # the Persian name made it the one shown for a Latin query.
    fill(db, [make_person("Parviz Fictional", id="parviz-fictional", native_name="پرویز خیالی")])
    assert api.search(db, "Parviz")[0].matched == "Parviz Fictional"
    assert api.search(db, "پرویز")[0].matched == "پرویز خیالی"


# --- through the command line ------------------------------------------------


@pytest.fixture
def seeded(db: Path) -> Path:
    api.import_path(db, REPO / "records")
    fill(db, FICTIONAL)
    return db


def test_cli_json_is_a_list_of_id_name_matched_score(run, seeded: Path) -> None:
    res = run("search", "Pour Mohammadi", "--format", "json")
    assert res.code == 0, res
    hits = res.json()
    assert hits[0] == {"id": "mostafa-pourmohammadi", "name": "Mostafa Pourmohammadi",
                       "matched": "Pour Mohammadi", "score": 100}
    assert all(set(h) == {"id", "name", "matched", "score"} for h in hits)
    assert all(isinstance(h["score"], int) and 0 <= h["score"] <= 100 for h in hits)


def test_cli_table_and_limit(run, seeded: Path) -> None:
    res = run("search", "Ali", "--limit", "2")
    assert res.code == 0, res
    lines = res.stdout.splitlines()
    assert lines[0].split("\t") == ["id", "name", "matched", "score"]
    assert len(lines) == 3
    assert lines[1].split("\t")[0] == "ali-avai"


def test_cli_no_match_exits_0_with_empty_json_or_a_message(run, seeded: Path) -> None:
    res = run("search", "John Smith", "--format", "json")
    assert (res.code, res.json()) == (0, [])
    res = run("search", "John Smith")
    assert (res.code, res.stdout) == (0, "")
    assert "no match for 'John Smith'" in res.stderr


def test_cli_persian_query_through_the_binary(run_bin, seeded: Path) -> None:
    res = run_bin("search", "نادر اسماعیل زاده", "--format", "json")
    assert res.code == 0, res
    assert res.json()[0]["id"] == "nader-esmaeilzadeh"


def test_cli_search_on_an_empty_database(run) -> None:
    res = run("search", "Raisi", "--format", "json")
    assert (res.code, res.json()) == (0, [])


def test_cli_limit_must_be_positive(run) -> None:
    assert run("search", "Raisi", "--limit", "0").code == 2


# --- properties ------------------------------------------------------------------

SYLLABLES = ["ba", "da", "fa", "gha", "ha", "ja", "ka", "kha", "la", "ma", "na", "pa", "ra", "sa",
             "sha", "ta", "va", "za", "mo", "ri", "zu", "hos", "ein", "zadeh", "pour", "ni", "di"]
word = st.lists(st.sampled_from(SYLLABLES), min_size=2, max_size=4).map("".join)
name = st.lists(word, min_size=1, max_size=3).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(names=st.lists(name, min_size=2, max_size=8, unique_by=match_key), pick=st.integers(0, 7))
def test_a_name_finds_itself_first(names: list[str], pick: int) -> None:
    records = [{"id": f"p{i}", "name": n} for i, n in enumerate(names)]
    target = records[pick % len(records)]
    hits = search(records, target["name"], limit=None)
    assert hits[0].id == target["id"]
    assert hits[0].score == 100


@settings(max_examples=100, deadline=None)
@given(first=word, last=word, honorific=st.sampled_from(["Ayatollah", "Hojjatoleslam", "Mullah", "Sheikh",
                                                         "Seyyed", "Haj", "Mr.", "Dr."]))
@example(first="mola", last="mola", honorific="Ayatollah")  # a name of honorific words only
def test_honorifics_do_not_change_the_match(first: str, last: str, honorific: str) -> None:
    assume(match_key(f"{first} {last}"))
    records = [{"id": "target", "name": f"{first.title()} {last.title()}"}]
    hits = search(records, f"{honorific} {first} {last}")
    assert [h.score for h in hits] == [100]


PERSIAN_WORDS = ["بهمن", "غفارزاده", "سیاوش", "حقیقت‌پور", "جمشید", "نوربخش", "منوچهر", "دهقانی", "نادر",
                 "کامبیز", "طالب‌زاده", "پرویز", "شکوهی", "حسین", "محمدی", "مهدی", "احمدی"]
persian_name = st.lists(st.sampled_from(PERSIAN_WORDS), min_size=1, max_size=2).map(" ".join)
# Names that persons often share (an added person then joins a saved name's entries).
latin_name = st.one_of(st.sampled_from(["Dariush Fakeri", "Kaveh Nadiri", "Hossein Mohammadi",
                                        "Hosein Mohamadi", "Bahman Abedi"]), name)
# A person with Latin names only, Persian ones only, or both: the index searches the persons
# lacking the query's script in a pass of their own.
indexed_person = st.one_of(
    st.builds(lambda n: {"name": n}, latin_name),
    st.builds(lambda n: {"name": n}, persian_name),
    st.builds(lambda n, p, a: {"name": n, "native_name": p, "aliases": a}, latin_name, persian_name,
              st.lists(st.one_of(latin_name, persian_name), max_size=2)),
)
change = st.one_of(st.tuples(st.just("add"), st.integers(0, 15), indexed_person),
                   st.tuples(st.just("remove"), st.integers(0, 15), st.none()))


@settings(max_examples=200, deadline=None)
@given(people=st.lists(indexed_person, max_size=10), changes=st.lists(change, max_size=6),
       queries=st.lists(st.one_of(latin_name, persian_name), min_size=1, max_size=3), between=st.booleans())
def test_a_saved_index_with_changes_replayed_finds_what_a_fresh_one_finds(
        people: list[dict[str, Any]], changes: list[tuple[str, int, Any]], queries: list[str],
        between: bool) -> None:
    """The index kept beside the database is saved packed and loaded lazily; a write's changes
    are replayed onto it without unpacking it. It must find what folding every name finds,
    searched before, between and after the changes, and saved again after them."""
    import orjson

    from dossier.names import NameIndex, fold_person

    def hits(index: NameIndex) -> list[list[tuple[str, str, int]]]:
        return [[(h.id, h.matched, h.score) for h in index.search(q, limit=None)] for q in queries]

    current = {f"p{i}": {"id": f"p{i}", **person} for i, person in enumerate(people)}
    fresh = NameIndex(current.values())
    loaded = NameIndex.from_state(orjson.loads(orjson.dumps(fresh.state())))
    if between:
        assert hits(loaded) == hits(fresh)
    for what, i, person in changes:
        person_id = f"p{i}"
        for index in (fresh, loaded):
            if what == "add":
                index.add(fold_person({"id": person_id, **person}))
            else:
                index.remove(person_id)
        if what == "add":
            current[person_id] = {"id": person_id, **person}
        else:
            current.pop(person_id, None)
        if between:
            assert hits(loaded) == hits(fresh)
    assert hits(loaded) == hits(fresh)
    saved_again = NameIndex.from_state(orjson.loads(orjson.dumps(loaded.state())))
    assert hits(saved_again) == hits(fresh)
    made_now = NameIndex(current.values())
    assert [sorted((i, s) for i, _, s in q) for q in hits(loaded)] == \
           [sorted((i, s) for i, _, s in q) for q in hits(made_now)]
