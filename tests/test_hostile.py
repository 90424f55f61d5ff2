"""Hostile input: each case is refused with exit 4, one clear message, nothing written,
no traceback, in bounded time and memory (the process runs under an address-space cap).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).with_name("dossier")
MEMORY_CAP = 2 * 1024**3  # bytes of address space for one import
GOOD = {"name": "Kaveh Namdar"}


def cited(url: str = "", **source: str) -> bytes:
    return person(sources=[{"key": "k", "title": "t", **({"url": url} if url else {}), **source}])


def person(**fields: object) -> bytes:
    return json.dumps({**GOOD, **fields}).encode() + b"\n"


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


BILLION_LAUGHS = b"""\
- name: &a ["x","x","x","x","x","x","x","x","x"]
  aliases: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  tags: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
  narrative: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
  posts: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
  sources: [*e,*e,*e,*e,*e,*e,*e,*e,*e]
"""

CASES: list[tuple[str, str, bytes]] = [
    ("truncated json", "t.json", b'[{"name": "Kaveh Namdar"}, {"name": "Ka'),
    ("malformed json", "t.json", b"[{name: 1}]"),
    ("json scalar", "t.json", b"42"),
    ("json object without persons", "t.json", b'{"people": []}'),
    ("json persons not a list", "t.json", b'{"persons": {"a": 1}}'),
    ("duplicate json keys", "t.json", b'[{"name": "Kaveh Namdar", "name": "Other Name"}]'),
    ("NaN", "t.json", b'[{"name": "Kaveh Namdar", "born": NaN}]'),
    ("Infinity", "t.ndjson", b'{"name": "Kaveh Namdar", "born": Infinity}\n'),
    ("100-level nesting", "t.json", f'[{{"name": "A", "narrative": {nested(100)}}}]'.encode()),
    ("10000-level nesting", "t.json", f'[{{"name": "A", "narrative": {nested(10000)}}}]'.encode()),
    ("ndjson bad line", "t.ndjson", person() + b"{oops\n" + person(name="Other Name")),
    ("ndjson truncated", "t.ndjson", person() + b'{"name": "Ka'),
    ("ndjson array line", "t.ndjson", b"[1, 2]\n"),
    ("csv unknown column", "t.csv", b"id,name,colour\nkaveh,Kaveh Namdar,red\n"),
    ("csv without name", "t.csv", b"id,status\nkaveh,alive\n"),
    ("csv unterminated quote", "t.csv", b'id,name\nkaveh,"Kaveh Namdar\n'),
    ("csv too many cells", "t.csv", b"id,name\nkaveh,Kaveh Namdar,extra\n"),
    ("yaml bad indentation", "t.yaml", b"- name: Kaveh\n   aliases:\n  - x\n"),
    ("yaml tab indentation", "t.yaml", b"- name: Kaveh\n\taliases: []\n"),
    ("yaml alias bomb", "t.yaml", BILLION_LAUGHS),
    ("yaml python tag", "t.yaml", b"- !!python/object/apply:os.system ['echo pwned']\n"),
    ("yaml python name tag", "t.yaml", b"- name: !!python/name:os.system\n"),
    ("yaml scalar document", "t.yaml", b"just a string\n"),
    ("invalid utf-8", "t.json", b'[{"name": "Kaveh \xff\xfe Namdar"}]'),
    ("utf-16", "t.json", '[{"name": "Kaveh Namdar"}]'.encode("utf-16")),
    ("utf-8 bom in json", "t.json", b'\xef\xbb\xbf[{"name": "Kaveh Namdar"}]'),
    ("nul byte", "t.ndjson", b'{"name": "Kaveh\x00Namdar"}\n'),
    ("empty file", "t.json", b""),
    ("whitespace only", "t.ndjson", b"\n\n  \n"),
    ("unknown extension", "t.txt", person()),
    ("1 MB name", "t.ndjson", person(name="N" * 1_000_000)),
    ("bidi override in name", "t.ndjson", person(name="Kaveh \u202eramdaN")),
    ("bidi isolate in alias", "t.ndjson", person(aliases=["a\u2067b"])),
    ("zero-width space in name", "t.ndjson", person(name="Kaveh\u200bNamdar")),
    ("zero-width joiner in native name", "t.ndjson", person(native_name="کاوه\u200dنامدار")),
    ("bidi in id", "t.ndjson", person(id="kaveh\u202e")),
    ("path id", "t.ndjson", person(id="../../x")),
    ("device id", "t.ndjson", person(id="CON")),
    ("lowercase device id", "t.ndjson", person(id="nul")),
    ("hidden id", "t.ndjson", person(id=".hidden")),
    ("date 0000", "t.ndjson", person(born="0000")),
    ("date 9999-99", "t.ndjson", person(born="9999-99")),
    ("date 1988-02-30", "t.ndjson", person(born="1988-02-30")),
    ("solar hijri month 13", "t.ndjson", person(born="SH1367-13")),
    ("javascript url", "t.ndjson", cited("javascript:alert(1)")),
    ("data url", "t.ndjson", cited("data:text/html,<script>")),
    ("file url", "t.ndjson", cited("file:///etc/passwd")),
    ("url credentials", "t.ndjson", cited("https://u:p@x.org/")),
    ("url spaces", "t.ndjson", cited("https://x.org/a b")),
    ("unknown field", "t.ndjson", person(nmae="typo")),
    ("wrong type", "t.ndjson", person(name=123)),
    ("wrong enum", "t.ndjson", person(status="dead")),
    ("dangling source key", "t.ndjson", person(role_1988={"title": "Judge", "sources": ["nope"]})),
    ("escape sequence in narrative", "t.ndjson", person(narrative="\x1b[31mred\x1b[0m")),
    ("person is a list", "t.ndjson", b"[]\n"),
    ("sha256 not hex", "t.ndjson", cited(sha256="z" * 64)),
]


def limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("hostile") / "db.json"
    src = db.with_name("seed.ndjson")
    src.write_bytes(person(id="anchor-person", name="Anchor Person"))
    subprocess.run([BIN, "--db", db, "import", src], check=True, capture_output=True)
    return db


def test_there_are_at_least_forty_cases():
    assert len(CASES) >= 40


@pytest.mark.parametrize(("what", "name", "data"), CASES, ids=[c[0] for c in CASES])
def test_hostile_import_is_refused_cleanly(loaded, tmp_path, what, name, data):
    before = loaded.read_bytes()
    path = tmp_path / name
    path.write_bytes(data)
    proc = subprocess.run([BIN, "--db", loaded, "import", path], capture_output=True,
                          timeout=60, preexec_fn=limit_memory)
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 4, f"{what}: exit {proc.returncode}: {err[:500]}"
    assert "Traceback" not in err
    assert err.strip(), "no message"
    assert name in err, f"{what}: the message does not name the file: {err[:300]}"
    assert len(err) < 5000, "the message is not bounded"
    assert loaded.read_bytes() == before


def test_fifty_megabyte_file_is_refused_in_bounded_memory(loaded, tmp_path):
    before = loaded.read_bytes()
    path = tmp_path / "big.ndjson"
    with path.open("wb") as fh:
        fh.write(person(id="bulk-0", name="Bulk Person"))
        fh.write(b'{"name": "' + b"x" * (50 * 1024 * 1024) + b'"}\n')
    proc = subprocess.run([BIN, "--db", loaded, "import", path], capture_output=True,
                          timeout=120, preexec_fn=limit_memory)
    assert proc.returncode == 4, proc.stderr[:500]
    assert b"big.ndjson:2" in proc.stderr
    assert loaded.read_bytes() == before
