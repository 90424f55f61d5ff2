"""The sample corpus (records/) as a reader of the published profiles would meet it.

The records are loaded through the real CLI (`import records/`, then
`export - --format json`), so these checks hold whatever the folder layout.
They name living officials: every source must back a claim, every citation must
resolve, nothing may point at this project's working files, persons known only
by a partial name stay out of public output, and `high` needs two sources.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from dossier.cli import app

RECORDS = Path(__file__).resolve().parent.parent / "records"

# The seed articles' file names ("004_88771c7e3cb1d538.txt") and the ways a note
# or key once referred to them ("Seed document …", "seed004-…").
SEED_FILE = re.compile(r"\d{3}_[0-9a-f]{16}|seed[\s_-]*documents?|\bseed\d", re.IGNORECASE)

Claim = dict[str, Any]


@pytest.fixture(scope="module")
def persons(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    db = tmp_path_factory.mktemp("sample") / "db.json"
    runner = CliRunner()
    res = runner.invoke(app, ["--db", str(db), "import", str(RECORDS)], catch_exceptions=False)
    assert res.exit_code == 0, f"import records/ failed: {res.stderr}"
    res = runner.invoke(app, ["--db", str(db), "export", "-", "--format", "json"], catch_exceptions=False)
    assert res.exit_code == 0, f"export failed: {res.stderr}"
    data = json.loads(res.stdout)
    records = data["persons"] if isinstance(data, dict) else data
    assert records, "records/ holds no person"
    return records


def claims(person: dict[str, Any]) -> Iterator[tuple[str, Claim]]:
    """Every claim of a person with a label that names it: (label, claim)."""
    for field in ("role_1988", "current_post"):
        if person.get(field):
            yield f"{field} {person[field]['title']!r}", person[field]
    for i, post in enumerate(person.get("posts") or []):
        yield f"posts[{i}] {post['title']!r}", post
    for i, link in enumerate(person.get("associates") or []):
        yield f"associates[{i}] -> {link['id']}", link


def strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every string in a record, keys included, with where it is: (path, text)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(key, f"{path}.<key>")
            yield from strings(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from strings(item, f"{path}[{i}]")


def test_every_source_is_cited_by_at_least_one_claim(persons: list[dict[str, Any]]) -> None:
    listed: dict[str, list[str]] = {}
    for person in persons:
        for source in person.get("sources") or []:
            listed.setdefault(source["key"], []).append(person["id"])
    cited = {key for person in persons for _, claim in claims(person) for key in claim.get("sources") or []}
    dead = [f"source {key!r} (listed by {', '.join(ids)}) is cited by no claim of any person"
            for key, ids in sorted(listed.items()) if key not in cited]
    assert not dead, "\n".join(dead)


def test_every_cited_key_is_among_the_persons_sources(persons: list[dict[str, Any]]) -> None:
    bad = []
    for person in persons:
        own = {source["key"] for source in person.get("sources") or []}
        for label, claim in claims(person):
            bad += [f"{person['id']}: {label} cites {key!r}, which is not among its sources"
                    for key in claim.get("sources") or [] if key not in own]
    assert not bad, "\n".join(bad)


def test_no_text_names_a_seed_file(persons: list[dict[str, Any]]) -> None:
    bad = [f"{person['id']}: {path} mentions {m.group(0)!r}: {text[:120]!r}"
           for person in persons
           for path, text in strings(person, "record")
           if (m := SEED_FILE.search(text))]
    assert not bad, "\n".join(bad)


def test_persons_known_by_a_single_name_are_restricted(persons: list[dict[str, Any]]) -> None:
    bad = [f"{person['id']}: name {person['name']!r} is a single word but the record is not restricted"
           for person in persons
           if len(person["name"].split()) == 1 and not person.get("restricted")]
    assert not bad, "\n".join(bad)


def test_high_confidence_claims_cite_at_least_two_sources(persons: list[dict[str, Any]]) -> None:
    bad = [f"{person['id']}: {label} is 'high' confidence but cites {len(cited)} source(s)"
           for person in persons
           for label, claim in claims(person)
           if claim.get("confidence") == "high" and len(cited := set(claim.get("sources") or [])) < 2]
    assert not bad, "\n".join(bad)
