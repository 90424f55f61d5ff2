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

# (what, file name, content, the start of the one line that must explain it: FILE:LINE: field: message)
CASES: list[tuple[str, str, bytes, str]] = [
    ("truncated json", "t.json", b'[{"name": "Kaveh Namdar"}, {"name": "Ka',
     't.json:1: not valid JSON: unexpected end of data'),
    ("malformed json", "t.json", b"[{name: 1}]",
     't.json:1: not valid JSON: unexpected character, expected a string key'),
    ("json scalar", "t.json", b"42",
     't.json:1: expected an array of persons or {"persons": [...]}, got int'),
    ("json object without persons", "t.json", b'{"people": []}',
     't.json:1: name: required field is missing'),
    ("json persons not a list", "t.json", b'{"persons": {"a": 1}}',
     't.json:1: persons: must be a list of persons'),
    ("duplicate json keys", "t.json", b'[{"name": "Kaveh Namdar", "name": "Other Name"}]',
     "t.json:1: key 'name' appears twice in one object (JSON keeps only the last)"),
    ("NaN", "t.json", b'[{"name": "Kaveh Namdar", "born": NaN}]',
     't.json:1: not valid JSON: unexpected character, expected a JSON value'),
    ("Infinity", "t.ndjson", b'{"name": "Kaveh Namdar", "born": Infinity}\n',
     't.ndjson:1: not valid JSON: unexpected character, expected a JSON value'),
    ("100-level nesting", "t.json", f'[{{"name": "A", "narrative": {nested(100)}}}]'.encode(),
     't.json:1: narrative: Input should be a valid string'),
    ("10000-level nesting", "t.json", f'[{{"name": "A", "narrative": {nested(10000)}}}]'.encode(),
     't.json:1: not valid JSON: depth limit exceeded'),
    ("ndjson bad line", "t.ndjson", person() + b"{oops\n" + person(name="Other Name"),
     't.ndjson:2: not valid JSON: unexpected character, expected a string key'),
    ("ndjson truncated", "t.ndjson", person() + b'{"name": "Ka',
     't.ndjson:2: not valid JSON: unexpected end of data'),
    ("ndjson array line", "t.ndjson", b"[1, 2]\n",
     't.ndjson:1: a person must be a mapping, got list'),
    ("csv unknown column", "t.csv", b"id,name,colour\nkaveh,Kaveh Namdar,red\n",
     "t.csv:1: unknown column 'colour'"),
    ("csv without name", "t.csv", b"id,status\nkaveh,alive\n",
     "t.csv:1: no 'name' column (the first line must be the header)"),
    ("csv unterminated quote", "t.csv", b'id,name\nkaveh,"Kaveh Namdar\n',
     't.csv:2: not valid CSV: unexpected end of data (a quote that is never closed?)'),
    ("csv too many cells", "t.csv", b"id,name\nkaveh,Kaveh Namdar,extra\n",
     't.csv:2: row has 3 cells, the header has 2'),
    ("yaml bad indentation", "t.yaml", b"- name: Kaveh\n   aliases:\n  - x\n",
     't.yaml:2: not valid YAML: mapping values are not allowed in this context'),
    ("yaml tab indentation", "t.yaml", b"- name: Kaveh\n\taliases: []\n",
     't.yaml:2: not valid YAML: while scanning a plain scalar found a tab character'),
    ("yaml alias bomb", "t.yaml", BILLION_LAUGHS,
     't.yaml:1: YAML aliases (*name) are not accepted: write the value out in full'),
    ("yaml python tag", "t.yaml", b"- !!python/object/apply:os.system ['echo pwned']\n",
     "t.yaml:1: not valid YAML: could not determine a constructor for the tag 'tag:yaml.org,2002:python/o"),
    ("yaml python name tag", "t.yaml", b"- name: !!python/name:os.system\n",
     "t.yaml:1: not valid YAML: could not determine a constructor for the tag 'tag:yaml.org,2002:python/n"),
    ("yaml impossible date", "t.yaml", b"- name: Kaveh Namdar\n  born: 1960-02-30\n",
     "t.yaml:2: born: not a date '1960-02-30': 1960-02 has no day 30"),  # (the field's line)
    ("yaml tag its value cannot hold", "t.yaml", b"- name: Kaveh Namdar\n  born: !!int x\n",
     "t.yaml:2: not valid YAML: 'x' cannot be read as int"),
    ("yaml collection its tag cannot hold", "t.yaml", b"- name: Kaveh Namdar\n  tags: !!set [a]\n",
     "t.yaml:2: not valid YAML: this sequence cannot be read as set"),
    ("git merge conflict", "t.yaml",
     b"- name: Kaveh Namdar\n<<<<<<< HEAD\n  born: 1950\n=======\n  born: 1951\n>>>>>>> theirs\n",
     "t.yaml:2: holds an unresolved merge conflict (the <<<<<<< line): resolve it in git, then import again"),
    ("yaml scalar document", "t.yaml", b"just a string\n",
     't.yaml:1: expected a person (a mapping) or a list of persons, got a single value'),
    ("invalid utf-8", "t.json", b'[{"name": "Kaveh \xff\xfe Namdar"}]',
     't.json:1: not valid UTF-8 (byte 0xff at column 18); save the file as UTF-8'),
    ("utf-16", "t.json", '[{"name": "Kaveh Namdar"}]'.encode("utf-16"),
     't.json:1: file is UTF-16; save it as UTF-8'),
    ("utf-8 bom in json", "t.json", b'\xef\xbb\xbf[{"name": "Kaveh Namdar"}]',
     't.json:1: starts with a byte order mark, which JSON does not allow; save it as UTF-8 without BOM'),
    ("nul byte", "t.ndjson", b'{"name": "Kaveh\x00Namdar"}\n',
     't.ndjson:1: contains a NUL byte (a binary file?)'),
    ("empty file", "t.json", b"",
     't.json:1: file is empty'),
    ("whitespace only", "t.ndjson", b"\n\n  \n",
     't.ndjson:1: file is empty'),
    ("unknown extension", "t.txt", person(),
     "t.txt: cannot tell the format from the extension '.txt'; use --format json|ndjson|csv|yaml"),
    ("1 MB name", "t.ndjson", person(name="N" * 1_000_000),
     't.ndjson:1: name: String should have at most 200 characters'),
    ("bidi override in name", "t.ndjson", person(name="Kaveh \u202eramdaN"),
     't.ndjson:1: name: a name may not contain U+202E RIGHT-TO-LEFT OVERRIDE'),
    ("bidi isolate in alias", "t.ndjson", person(aliases=["a\u2067b"]),
     't.ndjson:1: aliases[0]: a name may not contain U+2067 RIGHT-TO-LEFT ISOLATE'),
    ("zero-width space in name", "t.ndjson", person(name="Kaveh\u200bNamdar"),
     't.ndjson:1: name: a name may not contain U+200B ZERO WIDTH SPACE'),
    ("zero-width joiner in native name", "t.ndjson", person(native_name="کاوه\u200dنامدار"),
     't.ndjson:1: native_name: a name may not contain U+200D ZERO WIDTH JOINER'),
    ("bidi in id", "t.ndjson", person(id="kaveh\u202e"),
     "t.ndjson:1: id: not a valid id 'kaveh\\u202e': use lowercase ASCII letters, digits and single hyphens"),
    ("path id", "t.ndjson", person(id="../../x"),
     "t.ndjson:1: id: not a valid id '../../x': use lowercase ASCII letters, digits and single hyphens"),
    ("device id", "t.ndjson", person(id="CON"),
     "t.ndjson:1: id: not a valid id 'CON': use lowercase ASCII letters, digits and single hyphens"),
    ("lowercase device id", "t.ndjson", person(id="nul"),
     "t.ndjson:1: id: 'nul' is reserved (a device or site page name) and cannot be an id"),
    ("hidden id", "t.ndjson", person(id=".hidden"),
     "t.ndjson:1: id: not a valid id '.hidden': use lowercase ASCII letters, digits and single hyphens"),
    ("date 0000", "t.ndjson", person(born="0000"),
     "t.ndjson:1: born: not a date '0000': year 0000 does not exist"),
    ("date 9999-99", "t.ndjson", person(born="9999-99"),
     "t.ndjson:1: born: not a date '9999-99': month 99 is not 01-12"),
    ("date 1988-02-30", "t.ndjson", person(born="1988-02-30"),
     "t.ndjson:1: born: not a date '1988-02-30': 1988-02 has no day 30"),
    ("solar hijri month 13", "t.ndjson", person(born="SH1367-13"),
     "t.ndjson:1: born: not a Solar Hijri date: 'SH1367-13' (month 13); accepted: SH1367,"),
    ("javascript url", "t.ndjson", cited("javascript:alert(1)"),
     "t.ndjson:1: sources[0].url: only http and https URLs are accepted, not 'javascript:alert(1)'"),
    ("data url", "t.ndjson", cited("data:text/html,<script>"),
     "t.ndjson:1: sources[0].url: only http and https URLs are accepted, not 'data:text/html,<script>'"),
    ("file url", "t.ndjson", cited("file:///etc/passwd"),
     "t.ndjson:1: sources[0].url: only http and https URLs are accepted, not 'file:///etc/passwd'"),
    ("url credentials", "t.ndjson", cited("https://u:p@x.org/"),
     "t.ndjson:1: sources[0].url: URL may not carry credentials: 'https://u:p@x.org/'"),
    ("url spaces", "t.ndjson", cited("https://x.org/a b"),
     "t.ndjson:1: sources[0].url: URL may not contain spaces: 'https://x.org/a b'"),
    ("unknown field", "t.ndjson", person(nmae="typo"),
     't.ndjson:1: nmae: unknown field'),
    ("wrong type", "t.ndjson", person(name=123),
     't.ndjson:1: name: Input should be a valid string'),
    ("wrong enum", "t.ndjson", person(status="dead"),
     "t.ndjson:1: status: Input should be 'alive', 'deceased' or 'unknown'"),
    ("dangling source key", "t.ndjson", person(role_1988={"title": "Judge", "sources": ["nope"]}),
     "t.ndjson:1: role_1988.sources[0]: source 'nope' is not among this record's sources"),
    ("escape sequence in narrative", "t.ndjson", person(narrative="\x1b[31mred\x1b[0m"),
     't.ndjson:1: narrative: text may not contain U+001B control character'),
    ("person is a list", "t.ndjson", b"[]\n",
     't.ndjson:1: a person must be a mapping, got list'),
    ("sha256 not hex", "t.ndjson", cited(sha256="z" * 64),
     "t.ndjson:1: sources[0].sha256: sha256 must be 64 hexadecimal digits"),
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


@pytest.mark.parametrize(("what", "name", "data", "expected"), CASES, ids=[c[0] for c in CASES])
def test_hostile_import_is_refused_cleanly(loaded, tmp_path, what, name, data, expected):
    before = loaded.read_bytes()
    path = tmp_path / name
    path.write_bytes(data)
    proc = subprocess.run([BIN, "--db", loaded, "import", path], capture_output=True,
                          timeout=60, preexec_fn=limit_memory)
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 4, f"{what}: exit {proc.returncode}: {err[:500]}"
    assert "Traceback" not in err
    assert err.strip(), "no message"
    first = err.splitlines()[0].replace(f"{tmp_path}/", "")
    assert first.startswith(f"error: {expected}"), f"{what}: {first[:300]}"
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


@pytest.mark.parametrize("args", [["show", "REF"], ["rm", "REF", "--yes"], ["log", "REF"],
                                  ["edit", "REF", "--set", "status=alive"], ["merge", "anchor-person", "REF"],
                                  ["sources", "show", "REF"]], ids=lambda a: " ".join(a))
def test_a_reference_that_is_no_utf8_names_no_one(loaded, args):
    # A REF of bytes that are no UTF-8 (a pasted Latin-1 name, say) was an internal error (exit 1).
    before = loaded.read_bytes()
    ref = b"Kaveh Nad\xefri"
    proc = subprocess.run([BIN, "--db", loaded, *(ref if a == "REF" else a for a in args)],
                          capture_output=True, timeout=60)
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 3, (args, err)
    assert "internal error" not in err
    assert "Traceback" not in err
    assert loaded.read_bytes() == before
