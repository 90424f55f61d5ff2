"""FollowTheMoney and Popolo writers: valid against the formats' schemas, nothing lost, redacted.

FtM output is checked against tests/fixtures/ftm_schema.json (generated from
the followthemoney package: required properties, property types, entity
ranges); Popolo output against the Popolo JSON Schemas in
tests/fixtures/popolo_schemas.json (draft-03), with the small validator below
(jsonschema is not a dependency).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from dossier import store
from dossier.interchange import ftm, popolo
from dossier.model.person import dump, validate_person
from tests.conftest import make_person

FIXTURES = Path(__file__).parent / "fixtures"
FTM = json.loads((FIXTURES / "ftm_schema.json").read_text(encoding="utf-8"))
POPOLO = json.loads((FIXTURES / "popolo_schemas.json").read_text(encoding="utf-8"))
POPOLO_URL = "http://www.popoloproject.com/schemas/{}.json#"

REPORT = {"key": "un-report-1989", "title": "UN report", "url": "https://example.org/un",
          "publisher": "United Nations", "published": "1989", "kind": "report"}
BOOK = {"key": "prison-memoir", "title": "A prison memoir", "publisher": "Exile Press", "kind": "testimony"}
WITNESS = {"key": "witness-7", "title": "Interview with witness 7", "url": "https://example.org/secret-witness",
           "publisher": "Confidential Archive", "kind": "testimony", "confidential": True}


def records() -> list[dict[str, Any]]:
    people = [
        make_person(
            "Dariush Fakeri", id="dariush-fakeri", native_name="داریوش فاکری", aliases=["Dariosh Fakery"],
            born="SH1340-06-01", narrative="Named in *two* reports.\n", tags=["tabriz"],
            sources=[REPORT, BOOK, WITNESS],
            role_1988={"title": "Prosecutor", "organization": "Revolutionary Court", "place": "Tabriz",
                       "sources": ["un-report-1989", "witness-7"], "confidence": "high"},
            current_post={"title": "Judge", "organization": "Supreme Court", "as_of": "2017-07",
                          "sources": ["un-report-1989"]},
            posts=[{"title": "Deputy prosecutor", "organization": "Revolutionary Court", "place": "Tabriz",
                    "start": "1984", "end": "1986", "sources": ["prison-memoir"], "confidence": "low"},
                   {"title": "Clerk", "start": "1980"}],
            associates=[{"id": "kaveh-namdar", "relation": "fellow member", "sources": ["un-report-1989"]},
                        {"id": "secret-person", "relation": "brother"}],
        ),
        # 1988 post and current post are the same post: that occupancy is current
        make_person("Kaveh Namdar", id="kaveh-namdar", sources=[REPORT],
                    role_1988={"title": "Judge", "organization": "Supreme Court",
                               "sources": ["un-report-1989"]},
                    current_post={"title": "judge", "organization": "supreme court",
                                  "sources": ["un-report-1989"]}),
        # make_person's 1988 post (Prosecutor, Tabriz) and no current post
        make_person("Bahram Sadeghi", id="bahram-sadeghi", status="deceased", died="1999"),
        make_person("Secret Person", id="secret-person", restricted=True,
                    role_1988={"title": "Interrogator", "sources": ["example-report-1990"]}),
    ]
    return [dump(validate_person(p)) for p in people]


@pytest.fixture
def stored(db: Path) -> list[dict[str, Any]]:
    """The records as the store holds them (what `export` reads)."""
    with store.transaction(db) as tx:
        tx.put_many(records())
    return store.read(db).all()


def text_of(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# --- FollowTheMoney -------------------------------------------------------------

FTM_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2}(T\d{2}(:\d{2}(:\d{2})?)?)?)?)?$")


def ftm_problems(entities: list[dict[str, Any]]) -> list[str]:
    """Everything FtM would reject or change in these entities (see the fixture)."""
    problems = []
    by_id = {e["id"]: e["schema"] for e in entities}
    if len(by_id) != len(entities):
        problems.append("duplicate ids")
    for e in entities:
        where = f"{e.get('id')} ({e.get('schema')})"
        if set(e) != {"id", "schema", "properties"}:
            problems.append(f"{where}: keys {sorted(e)}")
        if not re.match(FTM["entity_id_pattern"], e["id"]):
            problems.append(f"{where}: bad id")
        schema = FTM["schemata"].get(e["schema"])
        if schema is None:
            problems.append(f"{where}: schema not in the fixture")
            continue
        props = e["properties"]
        problems += [f"{where}: required {r} missing" for r in schema["required"] if not props.get(r)]
        for name, values in props.items():
            kind = schema["properties"].get(name)
            if kind is None:
                problems.append(f"{where}: no property {name}")
                continue
            if not isinstance(values, list) or not values:
                problems.append(f"{where}.{name}: not a non-empty list")
                continue
            for v in values:
                if not isinstance(v, str) or not v or v != v.strip():
                    problems.append(f"{where}.{name}: {v!r} is not a clean string")
                elif kind == "date" and not FTM_DATE.match(v):
                    problems.append(f"{where}.{name}: {v!r} is not an FtM date")
                elif kind == "url" and urlsplit(v).scheme not in ("http", "https"):
                    problems.append(f"{where}.{name}: {v!r} is not a URL")
                elif kind == "country" and not re.fullmatch(r"[a-z]{2}", v):
                    problems.append(f"{where}.{name}: {v!r} is not a country code")
                elif kind.startswith("entity:"):
                    target = by_id.get(v)
                    if target is None:
                        problems.append(f"{where}.{name}: {v} is not in the output")
                    elif kind.removeprefix("entity:") not in FTM["schemata"][target]["is_a"]:
                        problems.append(f"{where}.{name}: {v} is a {target}, not a {kind}")
    return problems


def test_ftm_is_valid(stored):
    entities = list(ftm.ftm_entities(stored))
    assert ftm_problems(entities) == []
    assert {e["schema"] for e in entities} == {"Person", "Organization", "Position", "Occupancy", "Associate"}


def test_ftm_validator_catches_mistakes(stored):
    entities = list(ftm.ftm_entities(stored))
    person = next(e for e in entities if e["schema"] == "Person")
    occupancy = next(e for e in entities if e["schema"] == "Occupancy")
    broken = [
        {**person, "properties": {**person["properties"], "birthdate": ["1961"]}},
        {**occupancy, "properties": {**occupancy["properties"], "holder": ["dossier-nobody"]}},
        {"id": "x y", "schema": "Position", "properties": {"startDate": ["July 1988"]}},
    ]
    found = " | ".join(ftm_problems(broken))
    for expected in ("no property birthdate", "dossier-nobody is not in the output", "bad id",
                     "required name missing", "no property startDate"):
        assert expected in found


def test_ftm_carries_every_person_post_and_public_source(stored):
    entities = list(ftm.ftm_entities(stored))
    by_id = {e["id"]: e for e in entities}
    persons = {e["id"]: e["properties"] for e in entities if e["schema"] == "Person"}
    assert set(persons) == {"dossier-dariush-fakeri", "dossier-kaveh-namdar", "dossier-bahram-sadeghi"}
    fakeri = persons["dossier-dariush-fakeri"]
    assert fakeri["name"] == ["Dariush Fakeri"]
    assert fakeri["alias"] == ["داریوش فاکری", "Dariosh Fakery"]
    assert fakeri["birthDate"] == ["1961-08-23"]
    assert fakeri["notes"] == ["Named in *two* reports."]
    assert fakeri["keywords"] == ["tabriz"]
    assert fakeri["sourceUrl"] == ["https://example.org/un"]
    assert fakeri["publisher"] == ["United Nations", "Exile Press"]
    assert "[prison-memoir] A prison memoir (Exile Press, testimony)" in fakeri["description"][0]
    assert persons["dossier-bahram-sadeghi"]["deathDate"] == ["1999"]
    # every post of every exported person is a Position held through an Occupancy
    held = {(by_id[e["properties"]["holder"][0]]["properties"]["name"][0],
             by_id[e["properties"]["post"][0]]["properties"]["name"][0])
            for e in entities if e["schema"] == "Occupancy"}
    assert held == {("Dariush Fakeri", "Prosecutor"), ("Dariush Fakeri", "Judge"),
                    ("Dariush Fakeri", "Deputy prosecutor"), ("Dariush Fakeri", "Clerk"),
                    ("Kaveh Namdar", "Judge"), ("Bahram Sadeghi", "Prosecutor")}
    for record in stored:
        if record["restricted"]:
            continue
        for src in record["sources"]:
            if not src["confidential"]:
                assert src["title"] in text_of(persons[f"dossier-{record['id']}"])


def test_ftm_positions_and_occupancies(stored):
    entities = list(ftm.ftm_entities(stored))
    by_id = {e["id"]: e for e in entities}
    occupancies = {
        (e["properties"]["holder"][0], by_id[e["properties"]["post"][0]]["properties"]["name"][0]):
        e["properties"] for e in entities if e["schema"] == "Occupancy"}
    role = occupancies[("dossier-dariush-fakeri", "Prosecutor")]
    assert role["status"] == ["ended"]  # the record names a different current post
    assert role["summary"] == ["Position in 1988"]
    assert role["description"] == [
        "Confidence: high. Sources: UN report (United Nations, 1989, report) <https://example.org/un>. "
        "1 confidential source withheld."]
    assert role["sourceUrl"] == ["https://example.org/un"]
    current = occupancies[("dossier-dariush-fakeri", "Judge")]
    assert (current["status"], current["summary"]) == (["current"], ["Current post, confirmed as of 2017-07"])
    career = occupancies[("dossier-dariush-fakeri", "Deputy prosecutor")]
    assert (career["startDate"], career["endDate"], career["status"]) == (["1984"], ["1986"], ["ended"])
    assert career["description"][0].startswith("Confidence: low. Sources: A prison memoir")
    clerk = occupancies[("dossier-dariush-fakeri", "Clerk")]
    assert clerk["status"] == ["unknown"]
    assert occupancies[("dossier-bahram-sadeghi", "Prosecutor")]["status"] == ["unknown"]  # no current post
    assert "Unsourced." in clerk["description"][0]
    assert occupancies[("dossier-kaveh-namdar", "Judge")]["status"] == ["current"]
    # the same post (any letter case) is one Position, with its Organization
    positions = [e for e in entities if e["schema"] == "Position"]
    judges = [e for e in positions if e["properties"]["name"][0].lower() == "judge"]
    assert len(judges) == 1
    org = by_id[judges[0]["properties"]["organization"][0]]
    assert (org["schema"], org["properties"]["name"]) == ("Organization", ["Supreme Court"])
    prosecutor = next(e for e in positions if e["properties"].get("organization")
                      and e["properties"]["name"] == ["Prosecutor"])
    assert prosecutor["properties"]["subnationalArea"] == ["Tabriz"]
    assert "country" not in prosecutor["properties"]  # the record does not say


def test_ftm_redacts_restricted_persons_and_confidential_sources(stored):
    out = text_of(list(ftm.ftm_entities(stored)))
    for secret in ("secret-person", "Secret Person", "Interrogator", "secret-witness", "witness 7",
                   "Confidential Archive"):
        assert secret not in out
    links = [e for e in ftm.ftm_entities(stored) if e["schema"] == "Associate"]
    assert [(e["properties"]["person"], e["properties"]["associate"], e["properties"]["relationship"])
            for e in links] == [(["dossier-dariush-fakeri"], ["dossier-kaveh-namdar"], ["fellow member"])]
    full = list(ftm.ftm_entities(stored, redact=False))
    assert ftm_problems(full) == []
    assert "https://example.org/secret-witness" in text_of(full)
    assert "dossier-secret-person" in {e["id"] for e in full}


def test_ftm_write_is_ndjson_and_deterministic(stored):
    data = ftm.write(stored)
    lines = data.decode("utf-8").splitlines()
    assert [json.loads(line) for line in lines] == list(ftm.ftm_entities(stored))
    assert ftm.write(list(reversed(stored))) == data
    assert lines[0].startswith('{"id":"dossier-bahram-sadeghi","schema":"Person"')


# --- Popolo ---------------------------------------------------------------------

_TYPES = {"string": str, "array": list, "object": dict, "null": type(None)}
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$")


def popolo_problems(value: Any, schema: dict[str, Any], where: str = "$") -> list[str]:
    """The draft-03 subset the Popolo schemas use, plus: no property outside the schema."""
    if "$ref" in schema:
        if schema["$ref"] not in POPOLO:
            return [f"{where}: schema {schema['$ref']} not in the fixture"]
        schema = POPOLO[schema["$ref"]]
    problems = []
    types = schema.get("type")
    if types is not None:
        types = types if isinstance(types, list) else [types]
        if not any(isinstance(value, _TYPES[t]) for t in types):
            return [f"{where}: {value!r} is not {'/'.join(types)}"]
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            problems.append(f"{where}: {value!r} does not match {schema['pattern']}")
        if schema.get("format") == "uri" and not _URI.match(value):
            problems.append(f"{where}: {value!r} is not a URI")
        if schema.get("format") == "date-time":
            try:
                datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                problems.append(f"{where}: {value!r} is not a date-time")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            problems += popolo_problems(item, schema["items"], f"{where}[{i}]")
    if isinstance(value, dict) and "properties" in schema:
        props = schema["properties"]
        problems += [f"{where}.{k}: not a property of {schema.get('title')}" for k in value if k not in props]
        for name, sub in props.items():
            if name in value:
                problems += popolo_problems(value[name], sub, f"{where}.{name}")
            elif sub.get("required"):
                problems.append(f"{where}.{name}: required")
    return problems


def popolo_document_problems(doc: dict[str, Any]) -> list[str]:
    kinds = {"persons": "person", "organizations": "organization", "posts": "post",
             "memberships": "membership", "areas": "area"}
    problems = [f"$: unexpected key {k}" for k in doc if k not in kinds]
    for key, kind in kinds.items():
        for i, obj in enumerate(doc.get(key, [])):
            problems += popolo_problems(obj, {"$ref": POPOLO_URL.format(kind)}, f"{key}[{i}]")
    ids = {key: {o["id"] for o in doc.get(key, [])} for key in kinds}
    for key, objs in (("memberships", doc["memberships"]), ("posts", doc["posts"])):
        for o in objs:
            for field, target in (("person_id", "persons"), ("post_id", "posts"),
                                  ("organization_id", "organizations"), ("area_id", "areas")):
                if field in o and o[field] not in ids[target]:
                    problems.append(f"{key} {o['id']}: {field} {o[field]} not in {target}")
    return problems


def test_popolo_is_valid(stored):
    doc = popolo.popolo_document(stored)
    assert popolo_document_problems(doc) == []
    assert {k: len(v) for k, v in doc.items()} == {
        "persons": 3, "organizations": 2, "posts": 5, "memberships": 7, "areas": 1}


def test_popolo_validator_catches_mistakes():
    bad = {"persons": [{"id": "x", "birth_date": "July 1988", "sources": [{"note": "no url"}],
                        "nickname": "X"}],
           "organizations": [], "posts": [], "areas": [],
           "memberships": [{"id": "m", "person_id": "nobody", "start_date": 1988}]}
    found = " | ".join(popolo_document_problems(bad))
    for expected in ("birth_date: 'July 1988' does not match", "sources[0].url: required",
                     "nickname: not a property", "person_id nobody not in persons",
                     "1988 is not string/null"):
        assert expected in found


def test_popolo_carries_persons_posts_and_sources(stored):
    doc = popolo.popolo_document(stored)
    persons = {p["id"]: p for p in doc["persons"]}
    fakeri = persons["dariush-fakeri"]
    assert fakeri["other_names"] == [{"name": "داریوش فاکری", "note": "native name"},
                                     {"name": "Dariosh Fakery", "note": "alias"}]
    assert fakeri["birth_date"] == "1961-08-23"
    assert fakeri["biography"] == "Named in *two* reports."
    assert fakeri["sources"] == [
        {"url": "https://example.org/un", "note": "UN report (United Nations, 1989, report)"},
        {"url": "urn:dossier:source:prison-memoir", "note": "A prison memoir (Exile Press, testimony)"},
    ]
    posts = {p["id"]: p for p in doc["posts"]}
    held = sorted((m["person_id"], posts[m["post_id"]]["label"], m["label"]) for m in doc["memberships"])
    assert held == [
        ("bahram-sadeghi", "Prosecutor", "Position in 1988; confidence: medium"),
        ("dariush-fakeri", "Clerk", "Career post; confidence: medium; unsourced"),
        ("dariush-fakeri", "Deputy prosecutor", "Career post; confidence: low"),
        ("dariush-fakeri", "Judge", "Current post, confirmed as of 2017-07; confidence: medium"),
        ("dariush-fakeri", "Prosecutor",
         "Position in 1988; confidence: high; 1 confidential source withheld"),
        ("kaveh-namdar", "Judge", "Current post; confidence: medium"),
        ("kaveh-namdar", "Judge", "Position in 1988; confidence: medium"),
    ]
    deputy = next(m for m in doc["memberships"] if m["role"] == "Deputy prosecutor")
    assert (deputy["start_date"], deputy["end_date"]) == ("1984", "1986")
    assert deputy["sources"] == [{"url": "urn:dossier:source:prison-memoir",
                                  "note": "A prison memoir (Exile Press, testimony)"}]
    assert doc["areas"] == [{"id": deputy["area_id"], "name": "Tabriz"}]
    org = next(o for o in doc["organizations"] if o["id"] == deputy["organization_id"])
    assert org["name"] == "Revolutionary Court"
    un = {"url": "https://example.org/un", "note": "UN report (United Nations, 1989, report)"}
    assert un in org["sources"]


def test_popolo_redacts_and_is_deterministic(stored):
    doc = popolo.popolo_document(stored)
    out = text_of(doc)
    for secret in ("secret-person", "Secret Person", "Interrogator", "secret-witness", "witness 7"):
        assert secret not in out
    full = popolo.popolo_document(stored, redact=False)
    assert popolo_document_problems(full) == []
    assert "https://example.org/secret-witness" in text_of(full)
    assert popolo.write(list(reversed(stored))) == popolo.write(stored)
    assert json.loads(popolo.write(stored)) == doc


# --- through `dossier export` -------------------------------------------------------


def test_export_ftm_and_popolo_through_the_cli(run, stored, tmp_path):
    res = run("export", "--format", "ftm")
    assert res.code == 0, res
    entities = [json.loads(line) for line in res.stdout.splitlines()]
    assert entities == list(ftm.ftm_entities(stored))
    assert ftm_problems(entities) == []
    doc = run("export", "-", "--format", "popolo").json()
    assert doc == popolo.popolo_document(stored)
    target = tmp_path / "site" / "popolo.json"
    target.parent.mkdir()
    assert run("export", str(target), "--format", "popolo").code == 0
    assert popolo_document_problems(json.loads(target.read_text(encoding="utf-8"))) == []


def test_export_publication_formats_refuse_split(run, stored, tmp_path):
    res = run("export", str(tmp_path / "out"), "--format", "ftm", "--split")
    assert res.code == 2
    assert "--split" in res.stderr
    assert not (tmp_path / "out").exists()
