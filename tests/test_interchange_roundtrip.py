"""Property: export → import into an empty database → export is byte-identical, in every format.

Persons are generated with Persian text and ZWNJ, partial dates, posts,
associates, shared sources, multi-line narratives and cells a spreadsheet
would run as formulas.
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dossier import store
from dossier.api import exporting, transfer
from dossier.errors import InvalidInput
from dossier.interchange import yamlio
from dossier.model.person import dump, stored_line, validate_person

PERSIAN = "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیآ"
ZWNJ = "\u200c"
LATIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHKMRSZ0123456789"
RISKY = "=+-@';[]\",:#&*!?{}|>%"

word = st.text(alphabet=LATIN + PERSIAN + ZWNJ + RISKY + "éü", min_size=1, max_size=12)
line = st.lists(word, min_size=1, max_size=4).map(" ".join)
optional_line = st.none() | line
narrative = st.lists(st.one_of(line, st.just(""), st.just("  indented"), st.just("tab\there"),
                               st.just("trailing space "), st.just("- item")),
                     max_size=4).map("\n".join) | st.just("")
slug = st.from_regex(r"[a-z]{1,6}(-[a-z0-9]{1,4}){0,2}", fullmatch=True)


@st.composite
def partial_date(draw: Any) -> str:
    year = draw(st.integers(1900, 2030))
    month = draw(st.none() | st.integers(1, 12))
    if month is None:
        return f"{year:04d}"
    day = draw(st.none() | st.integers(1, 28))
    return f"{year:04d}-{month:02d}" + (f"-{day:02d}" if day else "")


optional_date = st.none() | partial_date()
timestamp = st.none() | st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2030, 1, 1)).map(
    lambda d: d.replace(microsecond=0).isoformat() + "Z"
)


def source(key: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"key": st.just(key), "title": line},
        optional={
            "publisher": optional_line,
            "url": st.none() | slug.map(lambda s: f"https://example.org/{s}?q=a;b"),
            "published": optional_date,
            "kind": st.sampled_from(["report", "article", "testimony", "other"]),
            "confidential": st.booleans(),
            # YAML and CSV write an empty optional text as absent, so it comes back as null
            "note": st.none() | narrative.filter(bool),
        },
    )


def cites(keys: list[str]) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(keys), unique=True) if keys else st.just([])


def post(keys: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"title": line},
        optional={
            "organization": optional_line,
            "place": optional_line,
            "start": optional_date,
            "end": optional_date,
            "as_of": optional_date,
            "sources": cites(keys),
            "confidence": st.sampled_from(["high", "medium", "low"]),
        },
    )


@st.composite
def persons(draw: Any) -> list[dict[str, Any]]:
    pool_keys = draw(st.lists(slug, min_size=0, max_size=4, unique=True))
    pool = {k: draw(source(k)) for k in pool_keys}
    count = draw(st.integers(1, 4))
    ids = draw(st.lists(slug, min_size=count, max_size=count, unique=True))
    out = []
    for person_id in ids:
        keys = draw(st.lists(st.sampled_from(pool_keys), unique=True)) if pool_keys else []
        record = draw(st.fixed_dictionaries(
            {"name": line},
            optional={
                "native_name": st.none() | st.text(alphabet=PERSIAN + ZWNJ + " ", min_size=1, max_size=15),
                "aliases": st.lists(line, max_size=3),
                "status": st.sampled_from(["alive", "deceased", "unknown"]),
                "born": optional_date,
                "died": optional_date,
                "role_1988": st.none() | post(keys),
                "current_post": st.none() | post(keys),
                "posts": st.lists(post(keys), max_size=2),
                "associates": st.lists(st.fixed_dictionaries(
                    {"id": slug.filter(lambda s, me=person_id: s != me)},
                    optional={"relation": optional_line, "sources": cites(keys),
                              "confidence": st.sampled_from(["high", "low"])}), max_size=2),
                "narrative": narrative,
                "tags": st.lists(line, max_size=3),
                "restricted": st.booleans(),
                "merged_ids": st.lists(slug, max_size=2),
                "created": timestamp,
                "updated": timestamp,
            },
        ))
        if draw(st.booleans()):
            record["id"] = person_id  # else derived from the name
        record["sources"] = [pool[k] for k in keys]
        out.append(record)
    return out


def valid(records: list[dict[str, Any]]) -> bool:
    try:
        for r in records:
            validate_person(r)
    except InvalidInput:
        return False
    return True


def export_to(db: Path, target: Path, fmt: str, split: bool) -> bytes:
    exporting.export(db, target, fmt=fmt, split=split)
    if split:
        return b"".join(str(p.relative_to(target)).encode() + b"\0" + p.read_bytes()
                        for p in sorted(target.rglob("*")) if p.is_file())
    return target.read_bytes()


CASES = [("json", False), ("ndjson", False), ("csv", False), ("yaml", False), ("yaml", True), ("csv", True),
         ("json", True), ("ndjson", True)]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=persons())
# found by this test: two sources of one person with the same URL (the CSV source_urls cell)
@example(records=[{"name": "0", "sources": [
    {"key": "a", "title": "0", "url": "https://example.org/aaaa-1011?q=a;b"},
    {"key": "a-0", "title": "0", "url": "https://example.org/aaaa-1011?q=a;b"}]}])
def test_export_import_export_is_byte_identical(records: list[dict[str, Any]]) -> None:
    if not valid(records):
        return
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        source = tmp_path / "in.ndjson"
        source.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
        first_db = tmp_path / "one.json"
        transfer.import_path(first_db, source)
        for fmt, split in CASES:
            case = f"{fmt}{'-split' if split else ''}"
            second_db = tmp_path / f"{case}.json"
            name = f"{case}-out" if split else f"{case}-out.{fmt}"
            first = export_to(first_db, tmp_path / f"1{name}", fmt, split)
            report = transfer.import_path(second_db, tmp_path / f"1{name}", fmt=fmt)
            assert len(report.added) == len(records), case
            second = export_to(second_db, tmp_path / f"2{name}", fmt, split)
            assert first == second, case
            # lossless in the strong sense too: the same stored records
            assert store.read(second_db).all() == store.read(first_db).all(), case
            # and importing it once more changes nothing
            report = transfer.import_path(second_db, tmp_path / f"2{name}", fmt=fmt)
            assert report.summary() == f"0 added, 0 updated, {len(records)} unchanged, 0 skipped", case


# Values a record file can hold, and some it cannot (a float, a date: the generic way).
scalars = (st.none() | st.booleans() | st.integers() | st.text() | narrative | word
           | st.sampled_from(["yes", "null", "~", "1988-07", "- x", "a: b", "#", "", " lead", "x" * 100]))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=8) | word, inner, max_size=5), max_leaves=25)


def generic_dump(value: Any) -> str:
    import yaml

    return yaml.dump(value, Dumper=yamlio._Dumper, sort_keys=True, default_flow_style=False,
                     allow_unicode=True, width=88)


@settings(max_examples=300, deadline=None)
@given(value=values | persons().map(lambda rs: [yamlio.compact(r) for r in rs]))
@example(value={"x": 1.5, "d": datetime(2001, 1, 1)})  # not a record's: dumped the generic way
@example(value=[{"a": "b"}, [1]] * 2)  # the same containers twice: aliases
def test_record_yaml_is_the_yaml_the_generic_representer_writes(value: Any) -> None:
    assert yamlio.dump(value) == generic_dump(value)


@settings(max_examples=100, deadline=None)
@given(records=persons())
def test_a_validated_persons_line_is_the_stores_line_of_its_dump(records: list[dict[str, Any]]) -> None:
    if not valid(records):
        return
    for record in records:
        person = validate_person({**record, "created": "2001-02-03T04:05:06+01:00"})
        assert stored_line(person) == store.line_of(dump(person))
