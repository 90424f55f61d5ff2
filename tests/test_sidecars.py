"""Files kept beside the database for speed (``.names``, ``.facts``, ``.findings``) only ever
cost time: a damaged, torn or foreign one gives the results of none at all, never a
traceback or a wrong answer."""

from __future__ import annotations

import base64
import os
import shutil
import time
from array import array
from collections.abc import Callable
from datetime import date
from pathlib import Path

import orjson
import pytest

from dossier import api
from tests.conftest import make_person

DAY = date(2026, 6, 15)
SIDECARS = (".names", ".facts", ".findings")


def records() -> list[dict[str, object]]:
    return [
        make_person("Dariush Fakeri", id="dariush-fakeri", aliases=["Daryoush Fakery"]),
        make_person("Dariosh Fakeri", id="dariosh-fakeri"),  # a likely duplicate
        make_person("Kaveh Nadiri", id="kaveh-nadiri", native_name="کاوه نادری",
                    current_post={"title": "Judge", "as_of": "2019-01", "sources": []}),
    ]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    db = tmp_path / "db.json"
    source = tmp_path / "in.ndjson"
    source.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records()))
    api.import_path(db, source)
    return db


def results(db: Path) -> tuple[object, ...]:
    return (api.search(db, "Dariush Fakeri", limit=None), api.search(db, "کاوه", limit=None),
            api.check(db, today=DAY))


def without_sidecars(db: Path) -> tuple[object, ...]:
    for suffix in SIDECARS:
        db.with_name(db.name + suffix).unlink(missing_ok=True)
    found = results(db)
    for suffix in SIDECARS:
        db.with_name(db.name + suffix).unlink(missing_ok=True)
    return found


def change_of_state(change: object) -> Callable[[bytes], bytes]:
    """A change line from the state the file is for to itself, holding ``change``."""
    def damage(data: bytes) -> bytes:
        state = orjson.loads(data.rstrip(b"\n").rsplit(b"\n", 1)[-1])["to"]
        return data + orjson.dumps({"from": state, "to": state, "change": change}) + b"\n"
    return damage


DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "empty": lambda data: b"",
    "garbage": lambda data: b"\x00\xff not json \n{{{\n",
    "first line cut": lambda data: data[: len(data) // 3],
    "state line cut": lambda data: data[: data.index(b"\n") + 5],
    "last byte gone": lambda data: data[:-1],
    "another state": lambda data: data.replace(b'{"to":[', b'{"to":[1', 1),
    "wrong shape": lambda data: b'{"version":1}\n[]\n',
    "change from elsewhere": lambda data: data + b'{"from":[1,2,3],"to":[4,5,6],"change":[]}\n',
    "torn change": lambda data: data + b'{"from":[',
    "a list for a change line": lambda data: data + b"[]\n",
    "an empty change line": lambda data: data + b"{}\n",
    "a change that is a number": change_of_state(5),
    "a change of numbers": change_of_state([1]),
    "a change of the other kind": change_of_state({"remove": 1}),
}


@pytest.mark.parametrize("suffix", SIDECARS)
@pytest.mark.parametrize("how", list(DAMAGE))
def test_a_damaged_sidecar_gives_the_results_of_none(db: Path, suffix: str, how: str) -> None:
    expected = without_sidecars(db)
    results(db)  # makes every sidecar
    side = db.with_name(db.name + suffix)
    assert side.exists()
    side.write_bytes(DAMAGE[how](side.read_bytes()))
    assert results(db) == expected
    assert results(db) == expected  # and the sidecar made anew is right too


ORDERS = {b'"ints":["little",': b'"ints":["big",', b'"ints":["big",': b'"ints":["little",'}


PACKED_DAMAGE = ["another byte order", "an array cut", "lists of another index", "entries of absent persons",
                 "names that are not text", "a number out of range"]


@pytest.mark.parametrize("how", PACKED_DAMAGE)
def test_a_name_index_packed_elsewhere_is_made_anew(db: Path, how: str) -> None:
    """The index keeps lists of numbers packed as this machine lays them out: a sidecar
    copied from a machine of the other byte order, or whose arrays do not fit, is not used."""
    expected = without_sidecars(db)
    results(db)
    side = db.with_name(db.name + ".names")
    data = side.read_bytes()
    if how == "another byte order":
        mine = next(order for order in ORDERS if order in data)
        damaged = data.replace(mine, ORDERS[mine], 1)
    elif how == "an array cut":
        damaged = data.replace(b'"entry_record":"', b'"entry_record":"AAAA', 1)
    else:
        head, rest = data.split(b"\n", 1)
        state = orjson.loads(head)
        if how == "lists of another index":  # the entries of one name, where the index has many
            state["content"]["by_words"][1] = "AAAAAA== AQAAAA=="
        elif how == "a number out of range":  # the first name's first entry, changed on disk
            items, ends = state["content"]["by_words"][1].split(" ")
            numbers = array("I", base64.b64decode(items))
            numbers[0] = 999_999
            state["content"]["by_words"][1] = f"{base64.b64encode(numbers.tobytes()).decode()} {ends}"
        elif how == "entries of absent persons":  # every entry of person 1,000
            count = len(base64.b64decode(state["content"]["entry_record"])) // 4
            state["content"]["entry_record"] = base64.b64encode(array("I", [1000] * count).tobytes()).decode()
        else:
            state["content"]["by_words"][0] = 5
        damaged = orjson.dumps(state) + b"\n" + rest
    assert damaged != data
    side.write_bytes(damaged)
    assert results(db) == expected
    assert side.read_bytes() != damaged  # made anew
    assert results(db) == expected


def test_sidecars_of_another_database_are_not_used(db: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    source = tmp_path / "other.ndjson"
    source.write_bytes(orjson.dumps(make_person("Bahman Abedi", id="bahman-abedi")) + b"\n")
    api.import_path(other, source)
    results(other)
    expected = without_sidecars(db)
    for suffix in SIDECARS:
        shutil.copy2(other.with_name(other.name + suffix), db.with_name(db.name + suffix))
    assert results(db) == expected


def test_a_torn_change_line_costs_only_time(db: Path) -> None:
    results(db)  # the sidecars are made
    api.edit(db, "dariosh-fakeri", ["aliases+=Dariush Fakeri"])  # each gets a change line
    results(db)  # read through it
    api.edit(db, "kaveh-nadiri", ["current_post.as_of=2020"])  # and another
    for suffix in (".names", ".facts"):  # a crash tore the last one
        side = db.with_name(db.name + suffix)
        side.write_bytes(side.read_bytes()[:-7])
    fresh = db.with_name("fresh.json")
    shutil.copy(db, fresh)
    assert results(db) == results(fresh)


def test_a_same_size_hand_edit_that_keeps_the_time_is_not_served_kept_results(db: Path) -> None:
    assert "E-DANGLING-SOURCE" not in {f.code for f in api.check(db, today=DAY)}  # kept now
    before = db.stat()
    cited, dangling = b'"sources":["example-report-1990"]', b'"sources":["example-report-1991"]'
    assert cited in db.read_bytes()
    db.write_bytes(db.read_bytes().replace(cited, dangling, 1))
    os.utime(db, ns=(before.st_atime_ns, before.st_mtime_ns))  # the size and time it had
    assert (db.stat().st_size, db.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert "E-DANGLING-SOURCE" in {f.code for f in api.check(db, today=DAY)}


def test_a_name_holding_a_newline_keeps_its_place_in_the_index(db: Path) -> None:
    """The index keeps the names as written joined by newlines; a name holding one (written
    through the TinyDB table API, which does not validate) is kept as a list instead, so
    every later name still has its own place."""
    from tinydb import Query

    from dossier import names, store

    with store.tinydb(db) as tiny:
        tiny.table("persons").update({"name": "Dariosh\nFakeri"}, Query().id == "dariosh-fakeri")
    queries = ("Daryoush Fakery", "Kaveh Nadiri")
    fresh = [names.NameIndex(store.read(db).all()).search(q, limit=None) for q in queries]
    assert [hits[0].matched for hits in fresh] == list(queries)
    assert [api.search(db, q, limit=None) for q in queries] == fresh  # makes the index, reads it
    assert db.with_name(db.name + ".names").exists()
    assert [api.search(db, q, limit=None) for q in queries] == fresh


def test_an_add_that_made_the_name_index_leaves_it_following_the_add(db: Path, monkeypatch) -> None:
    from dossier import store
    from dossier.api import nameindex, persons

    assert not db.with_name(db.name + ".names").exists()  # an import does not make it
    real = persons.likely_duplicates

    def slow(snapshot: store.Snapshot, given: list[str]) -> dict[str, int]:
        time.sleep(0.5)  # in the forked child: it saves the index it made after the add wrote
        return real(snapshot, given)

    monkeypatch.setattr(persons, "likely_duplicates", slow)
    warnings: list[str] = []
    api.add(db, api.NewPerson(name="Daryush Fakeri", sources=[("https://example.org/n", "Note")],
                              role_1988={"title": "Clerk"}), notify=warnings.append)
    assert any("likely duplicate of dariush-fakeri" in w for w in warnings)
    assert nameindex.SIDECAR.load(store.read(db)) is not None  # of the state after the add
