"""Batch import and lossless export, through the CLI and the API (dossier.api.transfer)."""

from __future__ import annotations

import codecs
import json
import os
from pathlib import Path

import orjson
import pytest
import yaml
from conftest import REPO, make_person

from dossier import store
from dossier.api import exporting, transfer
from dossier.errors import InvalidInput

RECORDS = REPO / "records"


def ndjson(records: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return path


def stored(db: Path) -> dict[str, dict]:
    return {r["id"]: r for r in store.read(db).all()}


def seed(run, tmp_path: Path, *records: dict) -> None:
    src = write(tmp_path / "seed.ndjson", ndjson(list(records) or [make_person(id="seed-person")]))
    res = run("import", str(src))
    assert res.code == 0, res


def snapshot(db: Path) -> tuple[bytes, int]:
    return db.read_bytes(), db.stat().st_mtime_ns


# --- the sample corpus ------------------------------------------------------------


def files(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` by its relative path."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_records_folder_imports_and_split_export_reproduces_it(run, db, tmp_path):
    res = run("import", str(RECORDS))
    assert res.code == 0, res
    count = len(list(RECORDS.glob("*.yaml")))
    assert count > 0
    assert res.stderr.strip().endswith(f"{count} added, 0 updated, 0 unchanged, 0 skipped")
    out = tmp_path / "out"
    res = run("export", "--split", str(out))
    assert res.code == 0, res
    assert files(out) == files(RECORDS)  # persons and sources/, byte for byte
    before = snapshot(db)
    res = run("import", str(RECORDS))
    assert res.stderr.strip().endswith(f"0 added, 0 updated, {count} unchanged, 0 skipped")
    assert snapshot(db) == before


def test_an_ndjson_line_may_cite_a_source_of_the_database_by_key(run, db, tmp_path):
    # The database holds the source, and no person any more: the key is still a source.
    assert run("add", "Kaveh Nadiri", "--role-1988", "Judge", "--source-url", "https://example.org/r",
               "--source-title", "Example report").code == 0
    (key,) = [s["key"] for s in run("sources", "list", "--format", "json").json()]
    assert run("rm", "kaveh-nadiri", "--yes").code == 0
    line = {"id": "bahram-sadeghi", "name": "Bahram Sadeghi", "sources": [key],
            "role_1988": {"title": "Clerk", "sources": [key]}}
    (tmp_path / "in.ndjson").write_text(json.dumps(line) + "\n", encoding="utf-8")
    res = run("import", str(tmp_path / "in.ndjson"))
    assert res.code == 0, res
    assert run("show", "bahram-sadeghi", "--format", "json").json()["sources"][0]["title"] == "Example report"


def test_a_yaml_problem_about_a_field_is_at_the_field_s_line(run, db, tmp_path):
    path = write(tmp_path / "bad.yaml", "- name: Kaveh Nadiri\n  aliases:\n  - Kaveh N.\n"
                 "  stauts: alive\n  role_1988:\n    title: Judge\n    start: 1988-13\n"
                 "- name: Bahram Sadeghi\n  born: never\n")
    res = run("import", str(path))
    assert res.code == 4
    assert res.stderr.splitlines()[:3] == [
        f"error: {path}:4: stauts: unknown field",
        f"{path}:7: role_1988.start: not a date '1988-13': month 13 is not 01-12",
        f"{path}:9: born: not a date 'never': accepted forms are YYYY, YYYY-MM or YYYY-MM-DD (or Solar "
        "Hijri SH1367, SH1367-05, SH1367-05-07)"]


def test_a_broken_source_file_is_named_first(run, db, tmp_path):
    # Its persons then name a source that is not there: those lines follow the cause, which a
    # long list of them (cut at 100) hid.
    out = tmp_path / "out"
    assert run("import", str(RECORDS)).code == 0
    assert run("export", "--split", str(out)).code == 0
    broken = sorted((out / "sources").iterdir())[0]
    broken.write_text(broken.read_text(encoding="utf-8") + "title: [oops\n", encoding="utf-8")
    res = run("--db", str(tmp_path / "other.json"), "import", str(out))
    assert res.code == 4
    first = res.stderr.splitlines()[0]
    assert first.startswith(f"error: {broken}:"), res.stderr
    assert "not valid YAML" in first


def test_split_export_writes_sources_once_and_cites_them_by_key(run, tmp_path):
    shared = {"key": "shared-report", "title": "Shared report", "url": "https://example.org/s"}
    seed(run, tmp_path,
         make_person("Dariush Fakeri", id="fakeri", sources=[shared],
                     role_1988={"title": "Judge", "sources": ["shared-report"]}),
         make_person("Kaveh Nadiri", id="nadiri", sources=[shared],
                     role_1988={"title": "Clerk", "sources": ["shared-report"]}))
    out = tmp_path / "out"
    assert run("export", "--split", str(out)).code == 0
    assert sorted(files(out)) == ["fakeri.yaml", "nadiri.yaml", "sources/shared-report.yaml"]
    person = yaml.safe_load((out / "fakeri.yaml").read_text())
    assert person["sources"] == ["shared-report"]  # by key: the source has its own file
    assert yaml.safe_load((out / "sources" / "shared-report.yaml").read_text()) == {**shared, "kind": "other"}
    # One correction to the source is one file: both persons follow it on import.
    path = out / "sources" / "shared-report.yaml"
    path.write_text(path.read_text().replace("example.org/s", "example.org/corrected"))
    res = run("import", str(out), "--mirror")
    assert res.code == 0, res
    for pid in ("fakeri", "nadiri"):
        shown = run("show", pid, "--format", "json").json()
        assert shown["sources"][0]["url"] == "https://example.org/corrected"


def test_split_export_owns_its_folder(run, tmp_path):
    seed(run, tmp_path, make_person("Dariush Fakeri", id="fakeri"), make_person("Kaveh Nadiri", id="nadiri"))
    out = tmp_path / "out"
    assert run("export", "--split", str(out)).code == 0
    first = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    assert set(first) == {"fakeri.yaml", "nadiri.yaml", "sources"}
    write(out / "notes.yaml", "name: A note kept by hand\n")  # not a record file
    write(out / "README.md", "the team's notes\n")
    assert run("edit", "fakeri", "--set", "status=alive").code == 0
    assert run("rm", "nadiri", "--yes").code == 0
    res = run("export", "--split", str(out))
    assert res.code == 0, res
    assert "1 written, 1 removed, 1 unchanged" in res.stderr  # fakeri; nadiri; the source
    assert not (out / "nadiri.yaml").exists()
    assert (out / "notes.yaml").exists()
    assert (out / "README.md").exists()
    assert "status: alive" in (out / "fakeri.yaml").read_text()
    assert run("export", "--split", str(out)).stderr.endswith("0 written, 0 removed, 2 unchanged\n")


def test_a_large_split_export_formats_in_two_processes_with_the_same_files(db, tmp_path, monkeypatch):
    from dossier.model import bulk

    records = [make_person(f"Person {i}", id=f"p-{i:02d}", source_key=f"report-{i % 4}",
                           narrative=f"Line one of {i}.\nLine two.") for i in range(11)]
    transfer.import_path(db, write(tmp_path / "in.ndjson", ndjson(records)))
    serial, forked = tmp_path / "serial", tmp_path / "forked"
    exporting.export(db, serial, split=True)
    calls: list[int] = []
    sent: list[int] = []
    real = bulk.in_parallel
    monkeypatch.setattr(bulk, "in_parallel",
                        lambda work: calls.append(1) or real(lambda: sent.append(1) or work()))
    monkeypatch.setattr(exporting, "PARALLEL_MIN", 4)
    report = exporting.export(db, forked, split=True)
    assert files(forked) == files(serial)
    assert (report.written, report.unchanged) == (15, 0)  # 11 persons, 4 sources
    assert (calls, sent) == ([1], [])  # the child's work ran: not in this process
    # Into a folder that holds files already, each one is compared: a file changed by
    # hand is written again, the rest are left as they are.
    (forked / "p-07.yaml").write_text("name: changed by hand\n")
    (forked / "sources" / "report-1.yaml").unlink()
    report = exporting.export(db, forked, split=True)
    assert files(forked) == files(serial)
    assert (report.written, report.unchanged) == (2, 13)


def test_a_re_import_compared_in_two_processes_decides_as_one_process_does(db, tmp_path, monkeypatch):
    # A re-import parses and compares the second half of its records in a forked child: the
    # same report, the same records stored, the same problems as all of them in one process.
    import shutil

    from dossier.model import bulk

    records = [make_person(f"Person {i}", id=f"p-{i:02d}", source_key=f"report-{i % 4}") for i in range(12)]
    transfer.import_path(db, write(tmp_path / "first.ndjson", ndjson(records)))
    changed = [dict(r) for r in records]
    changed[2]["status"] = "alive"  # the command's half
    changed[9]["status"] = "deceased"  # the child's half
    changed[10] = {**changed[10], "sources": ["report-1"],  # a source of the database, by key
                   "role_1988": {"title": "Clerk", "sources": ["report-1"]}}
    changed.append(make_person("Person New", id="p-new"))
    again = write(tmp_path / "again.ndjson", ndjson(changed))
    broken = write(tmp_path / "broken.ndjson",
                   ndjson(changed[:10]) + '{"id": "p-x", \n' + ndjson(changed[10:]))
    calls: list[int] = []
    real = bulk.in_parallel
    monkeypatch.setattr(bulk, "in_parallel", lambda work, **kw: calls.append(1) or real(work, **kw))

    def outcome(parallel_min: int, source: Path) -> tuple[object, dict[str, dict]]:
        monkeypatch.setattr(transfer, "PARALLEL_MIN", parallel_min)
        copy = tmp_path / f"db-{parallel_min}-{source.stem}.json"
        shutil.copy(db, copy)
        try:
            report: object = transfer.import_path(copy, source, on_conflict="update")
            report = (report.added, report.updated, sorted(report.unchanged))  # type: ignore[attr-defined]
        except InvalidInput as exc:
            report = [str(p) for p in exc.problems]
        return report, {k: {f: v for f, v in r.items() if f not in ("created", "updated")}
                        for k, r in stored(copy).items()}

    # Values JSON cannot carry (a YAML .nan, a key that is a number), a record that is null or a
    # list, in the child's half: each refused as in one process.
    exporting.export(db, tmp_path / "split", split=True, fmt="yaml")
    with (tmp_path / "split" / "p-09.yaml").open("a", encoding="utf-8") as f:
        f.write("native_name: .nan\n1: x\n")
    odd = write(tmp_path / "odd.ndjson", ndjson(records[:10]) + "null\n[1]\n" + ndjson(records[10:]))
    for source in (again, broken, tmp_path / "split", odd):
        calls.clear()
        forked = outcome(4, source)
        assert calls  # (the comparison, and the validation, in two processes)
        assert forked == outcome(10**9, source), source
    report, records_now = outcome(4, again)
    unchanged = [f"p-{i:02d}" for i in range(12) if i not in (2, 9, 10)]
    assert report == (["p-new"], ["p-02", "p-09", "p-10"], unchanged)
    assert records_now["p-10"]["sources"][0]["key"] == "report-1"
    assert outcome(4, broken)[0][0].startswith(f"{broken}:11: ")


def test_a_record_the_export_child_cannot_format_fails_the_export_before_any_file(db, tmp_path,
                                                                                   monkeypatch):
    records = [make_person(f"Person {i}", id=f"p-{i:02d}") for i in range(11)]
    transfer.import_path(db, write(tmp_path / "in.ndjson", ndjson(records)))
    monkeypatch.setattr(exporting, "PARALLEL_MIN", 4)
    real = exporting.write_one

    def failing(record: dict, fmt: str) -> bytes:  # a bug met by the child's part (the last persons)
        if record.get("id") == "p-10":
            raise ValueError("cannot format p-10")
        return real(record, fmt)

    monkeypatch.setattr(exporting, "write_one", failing)
    out = tmp_path / "out"
    with pytest.raises(ValueError, match="cannot format p-10"):  # the error itself, as without a child
        exporting.export(db, out, split=True)
    assert not out.exists()


def test_split_export_in_another_format(run, tmp_path):
    seed(run, tmp_path, make_person("Dariush Fakeri", id="fakeri"))
    out = tmp_path / "out"
    assert run("export", "--split", "--format", "json", str(out)).code == 0
    text = (out / "fakeri.json").read_text()
    assert text.endswith("}\n")
    data = json.loads(text)
    assert list(data) == sorted(data)
    assert run("export", "--split", "-").code == 2


# --- formats ------------------------------------------------------------------------


def test_json_export_is_a_plain_array_in_id_order(run, tmp_path):
    seed(run, tmp_path, make_person("Zand Zamani", id="zamani"), make_person("Arash Abedi", id="abedi"))
    res = run("export", "--format", "json")
    assert res.code == 0, res
    data = json.loads(res.stdout)
    assert isinstance(data, list)
    assert [p["id"] for p in data] == ["abedi", "zamani"]
    assert data[0]["created"]
    assert data[0]["sources"][0]["key"] == "example-report-1990"


def test_export_format_from_extension_default_json(run, tmp_path):
    seed(run, tmp_path, make_person(id="fakeri"))
    for name, check in [("a.ndjson", lambda t: t.count("\n") == 1), ("a.yaml", lambda t: t.startswith("- ")),
                        ("a.csv", lambda t: t.startswith("id,name,")), ("a.out", lambda t: t.startswith("[")),
                        ("a.json", lambda t: t.startswith("["))]:
        res = run("export", str(tmp_path / name))
        assert res.code == 0, res
        assert check((tmp_path / name).read_text()), name


def test_export_into_a_pipe_streams_and_through_a_link_keeps_the_link(run, run_bin, tmp_path):
    """A pipe (``/dev/stdout`` piped on) is written to, not read first (that waited forever)
    nor replaced by a file; a symbolic link still names the file, which holds the export."""
    import threading

    seed(run, tmp_path, make_person(id="fakeri"))
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    res = run_bin("export", str(fifo), "--format", "ndjson", timeout=20)
    reader.join(timeout=10)
    assert res.code == 0, res
    assert [json.loads(line)["id"] for line in got[0].splitlines()] == ["fakeri"]
    assert fifo.is_fifo()

    (tmp_path / "kept").mkdir()
    target = write(tmp_path / "kept" / "export.json", "old")
    (tmp_path / "link.json").symlink_to(target)
    assert run("export", str(tmp_path / "link.json")).code == 0
    assert (tmp_path / "link.json").is_symlink()
    assert [r["id"] for r in json.loads(target.read_text())] == ["fakeri"]


def test_json_accepts_array_wrapper_and_single_object(run, db, tmp_path):
    write(tmp_path / "a.json", json.dumps([make_person("Arash Abedi")]))
    write(tmp_path / "b.json", json.dumps({"persons": [make_person("Babak Bahrami")]}))
    write(tmp_path / "c.json", json.dumps(make_person("Cyrus Carimi"), indent=2))
    for name in ("a.json", "b.json", "c.json"):
        res = run("import", str(tmp_path / name))
        assert res.code == 0, res
    assert sorted(stored(db)) == ["arash-abedi", "babak-bahrami", "cyrus-carimi"]


def test_yaml_list_and_persons_mapping(run, db, tmp_path):
    text = yaml.safe_dump([make_person("Arash Abedi"), make_person("Babak Bahrami")])
    write(tmp_path / "a.yaml", codecs.BOM_UTF8 + text.encode())  # a BOM is fine in YAML
    write(tmp_path / "b.yml", yaml.safe_dump({"persons": [make_person("Cyrus Carimi")]}))
    assert run("import", str(tmp_path / "a.yaml")).code == 0
    assert run("import", str(tmp_path / "b.yml")).code == 0
    assert sorted(stored(db)) == ["arash-abedi", "babak-bahrami", "cyrus-carimi"]


def test_csv_with_bom_semicolon_lists_and_source_urls(run, db, tmp_path):
    text = (
        "id,name,aliases,tags,role_1988_title,role_1988_place,source_urls,native_name\n"
        ",Dariush Fakeri, Dariosh Fakery ; Fakeri ,tabriz;prosecutor,Prosecutor,Tabriz,"
        "https://example.org/a;https://example.org/b,داریوش فاکری\n"
    )
    write(tmp_path / "p.csv", codecs.BOM_UTF8 + text.encode())
    res = run("import", str(tmp_path / "p.csv"))
    assert res.code == 0, res
    record = stored(db)["dariush-fakeri"]
    assert record["aliases"] == ["Dariosh Fakery", "Fakeri"]
    assert record["tags"] == ["tabriz", "prosecutor"]
    assert record["native_name"] == "داریوش فاکری"
    assert [s["url"] for s in record["sources"]] == ["https://example.org/a", "https://example.org/b"]
    assert record["role_1988"]["sources"] == [s["key"] for s in record["sources"]]
    before = snapshot(db)
    res = run("import", str(tmp_path / "p.csv"))
    assert res.stderr.strip().endswith("0 added, 0 updated, 1 unchanged, 0 skipped")
    assert snapshot(db) == before


def test_csv_formula_cells_are_neutralized_and_round_trip(run, db, tmp_path):
    risky = make_person("=HYPERLINK(\"https://evil.example\")", id="risky",
                        aliases=["+1 555", "-minus", "@at", "'quoted", "semi;colon", "[bracket"],
                        narrative="=cmd|' /C calc'!A0\n", tags=["\u0040tag"])
    seed(run, tmp_path, risky)
    res = run("export", "--format", "csv")
    assert res.code == 0, res
    rows = list(__import__("csv").reader(res.stdout.splitlines(keepends=True)))
    risky_chars = tuple("=+-@\t\r")
    for row in rows:
        for value in row:
            assert not value.startswith(risky_chars), value
    header, row = rows[0], rows[1]
    assert row[header.index("name")] == "'=HYPERLINK(\"https://evil.example\")"
    listed = run("list", "--format", "csv").stdout
    assert "'=HYPERLINK" in listed
    assert "\n=" not in listed
    assert ",=" not in listed
    out = write(tmp_path / "out.csv", res.stdout)
    db2 = tmp_path / "db2.json"
    res = run("--db", str(db2), "import", str(out))
    assert res.code == 0, res
    assert stored(db2) == stored(db)
    assert stored(db2)["risky"]["aliases"] == risky["aliases"]


def test_csv_columns_are_documented_in_order(run, tmp_path):
    from dossier.interchange.csvfmt import COLUMNS, EXPORT_COLUMNS

    seed(run, tmp_path)
    header = run("export", "--format", "csv").stdout.splitlines()[0].split(",")
    assert tuple(header) == EXPORT_COLUMNS
    assert EXPORT_COLUMNS[: len(COLUMNS)] == COLUMNS
    assert run("list", "--format", "csv").stdout.splitlines()[0].split(",") == list(COLUMNS)


def test_stdin_with_format_and_sniffed(run, db, tmp_path):
    res = run("import", "-", input=ndjson([make_person("Arash Abedi"), make_person("Babak Bahrami")]))
    assert res.code == 0, res
    assert res.stderr.strip().endswith("2 added, 0 updated, 0 unchanged, 0 skipped")
    res = run("import", "-", "--format", "yaml", input=yaml.safe_dump([make_person("Cyrus Carimi")]))
    assert res.code == 0, res
    res = run("import", "-", input="name,status\nDara Dadgar,alive\n")
    assert res.code == 0, res
    res = run("import", "-", input=json.dumps([make_person("Ela Ebadi")], indent=2))
    assert res.code == 0, res
    assert sorted(stored(db)) == ["arash-abedi", "babak-bahrami", "cyrus-carimi", "dara-dadgar", "ela-ebadi"]


def test_stdin_pipe_through_the_real_binary(run_bin, db):
    res = run_bin("import", "-", input=ndjson([make_person("Arash Abedi")]))
    assert res.code == 0, res
    res = run_bin("export", "-", "--format", "ndjson")
    assert res.code == 0
    assert res.stderr == ""
    res2 = run_bin("import", "-", input=res.stdout)
    assert res2.stderr == "0 added, 0 updated, 1 unchanged, 0 skipped\n"


def test_folder_reads_sorted_and_says_what_it_ignored(run, db, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    write(folder / "b.yaml", yaml.safe_dump(make_person("Babak Bahrami", id="same")))
    write(folder / "a.ndjson", ndjson([make_person("Arash Abedi", id="other")]))
    write(folder / "notes.txt", "not a record")
    write(folder / ".hidden", "x")
    (folder / "sub").mkdir()
    res = run("import", str(folder))
    assert res.code == 0, res
    assert "notes.txt" in res.stderr
    assert "sub/" in res.stderr
    assert ".hidden" not in res.stderr
    assert sorted(stored(db)) == ["other", "same"]
    res = run("import", str(folder), "--format", "csv")
    assert res.code == 4
    assert "no files to import" in res.stderr


# --- all or nothing -----------------------------------------------------------------


def test_one_bad_record_in_a_thousand_leaves_the_database_untouched(run, db, tmp_path):
    seed(run, tmp_path)
    before = snapshot(db)
    records = [make_person(f"Person Number {i}", id=f"person-{i}") for i in range(1000)]
    records[500]["born"] = "July 1988"
    path = write(tmp_path / "big.ndjson", ndjson(records))
    res = run("import", str(path))
    assert res.code == 4, res
    assert f"{path}:501: born: not a date 'July 1988'" in res.stderr
    assert res.stderr.count("\n") == 2  # the one error and the closing line
    assert snapshot(db) == before
    # the same in a JSON array: the line where the record starts
    elements = [json.dumps(r, indent=2) for r in records]
    path = write(tmp_path / "big.json", "[\n" + ",\n".join(elements) + "\n]\n")
    res = run("import", str(path))
    assert res.code == 4, res
    line = 2 + sum(e.count("\n") + 1 for e in elements[:500])
    assert f"{path}:{line}: born: not a date" in res.stderr
    assert snapshot(db) == before


def test_every_error_is_reported_and_capped(run, db, tmp_path):
    records = [make_person(f"Person {i}", id=f"p-{i}", status="bad") for i in range(150)]
    records[3]["nickname"] = "x"
    path = write(tmp_path / "bad.ndjson", ndjson(records))
    res = run("import", str(path))
    assert res.code == 4
    lines = res.stderr.splitlines()
    assert lines[0].startswith(f"error: {path}:1: status:")
    assert f"{path}:4: nickname: unknown field" in res.stderr
    assert "… and 51 more" in res.stderr
    assert lines[-1] == "151 errors; nothing was imported"
    assert len(lines) == 102
    assert not db.exists()


MALFORMED = [
    ("truncated.json", b'[\n  {"name": "Arash Abedi"},\n  {"name": "Bab', "truncated.json:3: not valid JSON"),
    ("line.ndjson", b'{"name": "Arash Abedi"}\n{"name": \n', "line.ndjson:2: not valid JSON"),
    ("header.csv", b"name,nickname\nArash,A\n", "header.csv:1: unknown column 'nickname'"),
    ("noname.csv", b"id,status\narash,alive\n", "noname.csv:1: no 'name' column"),
    ("cells.csv", b"name,status\nArash,alive,extra\n", "cells.csv:2: row has 3 cells"),
    ("quote.csv", b'name,narrative\nArash,"never closed\n', "quote.csv:2: not valid CSV"),
    ("bad.yaml", b"- name: Arash\n- name: [unclosed\n", "bad.yaml:3: not valid YAML"),
    ("dupkey.yaml", b"name: Arash\nname: Babak\n", "dupkey.yaml:2: not valid YAML: key 'name' appears twice"),
    ("alias.yaml", b"- name: Arash\n  tags: &t [a, b]\n- name: Babak\n  tags: *t\n",
     "alias.yaml:2: YAML aliases (*name) are not accepted"),
    ("dupkey.json", b'[\n  {"name": "Arash"},\n  {"name": "B", "posts": [{"title": "x", "title": "y"}]}\n]',
     "dupkey.json:3: key 'title' appears twice in one object"),
    ("dupkey.ndjson", b'{"name": "Arash"}\n{"name": "Babak", "name": "Cyrus"}\n',
     "dupkey.ndjson:2: key 'name' appears twice in one object"),
    ("latin1.ndjson", b'{"name": "Arash"}\n{"name": "Caf\xe9"}\n', "latin1.ndjson:2: not valid UTF-8"),
    ("latin1.csv", b"name\nArash\nCaf\xe9\n", "latin1.csv:3: not valid UTF-8"),
    ("utf16.json", '[{"name": "Arash"}]'.encode("utf-16"), "utf16.json:1: file is UTF-16"),
    ("utf16le.ndjson", '{"name": "Arash"}\n'.encode("utf-16-le"), "utf16le.ndjson:1: contains a NUL byte"),
    ("nul.yaml", b"name: Arash\nnarrative: a\x00b\n", "nul.yaml:2: contains a NUL byte"),
    ("bom.json", b'\xef\xbb\xbf[{"name": "Arash"}]', "bom.json:1: starts with a byte order mark"),
    ("empty.ndjson", b"", "empty.ndjson:1: file is empty"),
    ("blank.csv", b"\n  \n", "blank.csv:1: file is empty"),
    ("scalar.json", b'"just a string"', "scalar.json:1: expected an array of persons"),
    ("record.txt", b'{"name": "Arash"}', "record.txt: cannot tell the format from the extension '.txt'"),
    ("list.json", b'[\n  "Arash"\n]', "list.json:2: a person must be a mapping"),
]


@pytest.mark.parametrize(("name", "content", "expected"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_input_exits_4_with_file_and_line(run, db, tmp_path, name, content, expected):
    seed(run, tmp_path)
    before = snapshot(db)
    path = write(tmp_path / name, content)
    res = run("import", str(path))
    assert res.code == 4, res
    assert f"{tmp_path}/{expected}" in res.stderr, res.stderr
    assert "Traceback" not in res.stderr
    assert res.stderr.strip().endswith("nothing was imported")
    assert snapshot(db) == before


def test_missing_input_path(run, tmp_path):
    res = run("import", str(tmp_path / "nope.json"))
    assert res.code == 4
    assert "nope.json: no such file or folder" in res.stderr


def test_duplicate_ids_in_one_input_are_invalid(run, db, tmp_path):
    twice = [make_person(id="fakeri"), make_person("Other Name", id="fakeri")]
    path = write(tmp_path / "dup.ndjson", ndjson(twice))
    res = run("import", str(path))
    assert res.code == 4
    assert f"{path}:2: id: id 'fakeri' appears twice in the input (first at {path}:1)" in res.stderr
    assert not db.exists()


# --- idempotence, ids, timestamps -----------------------------------------------------


def test_reimport_is_a_no_op(run, db, tmp_path):
    records = [make_person(f"Person {i}", id=f"p-{i}") for i in range(5)]
    path = write(tmp_path / "in.ndjson", ndjson(records))
    assert run("import", str(path)).code == 0
    before = snapshot(db)
    for source in (path, write(tmp_path / "in.json", json.dumps(records))):
        res = run("import", str(source))
        assert res.code == 0
        assert res.stderr == "0 added, 0 updated, 5 unchanged, 0 skipped\n"
        assert snapshot(db) == before
    # an export of the database re-imports as unchanged too, in every format
    for fmt in ("json", "ndjson", "csv", "yaml"):
        out = tmp_path / f"out.{fmt}"
        assert run("export", str(out)).code == 0
        res = run("import", str(out))
        assert res.stderr == "0 added, 0 updated, 5 unchanged, 0 skipped\n", fmt
        assert snapshot(db) == before


def test_idless_records_get_name_ids_and_reimport_is_a_no_op(run, db, tmp_path):
    text = "name,status\nDariush Fakeri,alive\nDariush Fakeri,unknown\nKaveh Nadiri,\n"
    path = write(tmp_path / "people.csv", text)
    res = run("import", str(path))
    assert res.code == 0, res
    assert sorted(stored(db)) == ["dariush-fakeri", "dariush-fakeri-2", "kaveh-nadiri"]
    assert stored(db)["dariush-fakeri-2"]["status"] == "unknown"
    before = snapshot(db)
    res = run("import", str(path))
    assert res.stderr == "0 added, 0 updated, 3 unchanged, 0 skipped\n"
    assert snapshot(db) == before
    # same derived id, other content: the conflict policy applies
    write(path, "name,status\nKaveh Nadiri,deceased\n")
    res = run("import", str(path))
    assert res.code == 5
    assert "kaveh-nadiri" in res.stderr
    assert run("import", str(path), "--on-conflict", "update").code == 0
    assert stored(db)["kaveh-nadiri"]["status"] == "deceased"


def test_timestamps_kept_from_input_else_set_on_change_only(run, db, tmp_path):
    stamped = make_person("Arash Abedi", id="abedi",
                          created="2001-02-03T04:05:06Z", updated="2002-03-04T05:06:07Z")
    plain = make_person("Babak Bahrami", id="bahrami")
    assert run("import", str(write(tmp_path / "a.ndjson", ndjson([stamped, plain])))).code == 0
    records = stored(db)
    assert records["abedi"]["created"] == "2001-02-03T04:05:06Z"
    assert records["abedi"]["updated"] == "2002-03-04T05:06:07Z"
    created = records["bahrami"]["created"]
    assert created
    assert records["bahrami"]["updated"] == created
    changed = {**plain, "status": "alive"}
    res = run("import", str(write(tmp_path / "b.ndjson", ndjson([changed]))), "--on-conflict", "update")
    assert res.stderr == "0 added, 1 updated, 0 unchanged, 0 skipped\n"
    record = stored(db)["bahrami"]
    assert record["created"] == created
    assert record["status"] == "alive"
    assert record["updated"] >= created


def test_an_integer_too_large_for_the_file_is_a_validation_error(run, db, tmp_path):
    evidence = {"sha256": "a" * 64, "size": 10**20}
    person = make_person(id="fakeri")
    person["sources"][0]["evidence"] = [evidence]
    path = write(tmp_path / "big.yaml", yaml.safe_dump(person))  # YAML reads any integer
    res = run("import", str(path))
    assert res.code == 4, res
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if "size:" in text)
    assert res.stderr.startswith(f"error: {path}:{line}: sources[0].evidence[0].size: Input should be less")
    assert not db.exists()
    evidence["size"] = 2**63 - 1
    assert run("import", str(write(path, yaml.safe_dump(person)))).code == 0
    assert stored(db)["fakeri"]["sources"][0]["evidence"][0]["size"] == 2**63 - 1


def test_new_persons_of_a_large_import_get_one_stamp_and_the_history_their_names(run, db, tmp_path,
                                                                                   monkeypatch):
    seed(run, tmp_path, make_person("Kaveh Nadiri", created="2001-02-03T04:05:06Z"))  # id kaveh-nadiri
    monkeypatch.setattr(transfer, "PARALLEL_MIN", 2)  # validated by two processes
    batch = [make_person('Dariush "Dara" Fakeri', id="fakeri"), make_person("Back\\slash Bahrami"),
             make_person("Arash Abedi", id="abedi", created="2001-02-03T04:05:06Z"),
             make_person("Kaveh Nadiri", status="alive")]  # no id: the stored person's, by its name
    transfer.import_path(db, write(tmp_path / "b.ndjson", ndjson(batch)), on_conflict="update")
    records = stored(db)
    stamp = records["fakeri"]["created"]
    assert stamp > "2001-02-03T04:05:06Z"
    assert records["back-slash-bahrami"]["created"] == stamp  # its id derived from its name
    assert [records["fakeri"]["updated"], records["back-slash-bahrami"]["updated"]] == [stamp, stamp]
    assert (records["abedi"]["created"], records["abedi"]["updated"]) == ("2001-02-03T04:05:06Z", stamp)
    assert records["kaveh-nadiri"]["created"] == "2001-02-03T04:05:06Z"  # stored, not new
    entries = [json.loads(line) for line in run("log", "--format", "ndjson").stdout.splitlines()]
    assert {e["id"]: e["name"] for e in entries if e["kind"] == "person" and e["op"] == "added"} == {
        "fakeri": 'Dariush "Dara" Fakeri', "back-slash-bahrami": "Back\\slash Bahrami",
        "abedi": "Arash Abedi", "kaveh-nadiri": "Kaveh Nadiri"}


# --- conflicts ---------------------------------------------------------------------------


@pytest.fixture
def conflicting(run, db, tmp_path):
    seed(run, tmp_path, make_person("Dariush Fakeri", id="fakeri"), make_person("Kaveh Nadiri", id="nadiri"))
    batch = [make_person("Dariush Fakeri", id="fakeri", status="alive"),
             make_person("Kaveh Nadiri", id="nadiri"), make_person("New Person", id="new")]
    return write(tmp_path / "batch.ndjson", ndjson(batch))


def test_conflict_fail_is_the_default(run, db, conflicting):
    before = snapshot(db)
    res = run("import", str(conflicting))
    assert res.code == 5
    assert f"{conflicting}:1: fakeri: exists with different content (differs in status)" in res.stderr
    assert "nadiri" not in res.stderr
    assert snapshot(db) == before


def test_conflict_update(run, db, conflicting):
    res = run("import", str(conflicting), "--on-conflict", "update")
    assert res.code == 0, res
    assert res.stderr == "1 added, 1 updated, 1 unchanged, 0 skipped\n"
    assert stored(db)["fakeri"]["status"] == "alive"


def test_conflict_skip(run, db, conflicting):
    res = run("import", str(conflicting), "--on-conflict", "skip")
    assert res.code == 0, res
    assert res.stderr.endswith("1 added, 0 updated, 1 unchanged, 1 skipped\n")
    assert "skipped fakeri" in res.stderr
    assert stored(db)["fakeri"]["status"] == "unknown"
    assert "new" in stored(db)


def test_dry_run_writes_nothing(run, db, conflicting):
    before = snapshot(db)
    res = run("import", str(conflicting), "--on-conflict", "update", "--dry-run")
    assert res.code == 0, res
    assert res.stderr == "dry run: would have 1 added, 1 updated, 1 unchanged, 0 skipped\n"
    assert snapshot(db) == before
    assert run("import", str(conflicting), "--dry-run").code == 5


def test_source_key_clash_with_the_database(run, db, tmp_path):
    seed(run, tmp_path, make_person("Dariush Fakeri", id="fakeri", source_key="shared-report"))
    other = make_person("Kaveh Nadiri", id="nadiri", source_key="shared-report")
    other["sources"][0]["title"] = "A different report"
    path = write(tmp_path / "clash.ndjson", ndjson([other, make_person("Arash Abedi", id="abedi")]))
    before = snapshot(db)
    for policy in ("fail", "update"):
        res = run("import", str(path), "--on-conflict", policy)
        assert res.code == 5, res
        assert "source 'shared-report' differs from the one cited by fakeri" in res.stderr
        assert snapshot(db) == before
    res = run("import", str(path), "--on-conflict", "skip")
    assert res.code == 0, res
    assert res.stderr.endswith("1 added, 0 updated, 0 unchanged, 1 skipped\n")
    assert sorted(stored(db)) == ["abedi", "fakeri"]


def test_source_key_clash_inside_the_batch(run, db, tmp_path):
    one = make_person("Dariush Fakeri", id="fakeri", source_key="shared-report")
    two = make_person("Kaveh Nadiri", id="nadiri", source_key="shared-report")
    two["sources"][0]["url"] = "https://example.org/elsewhere"
    same = make_person("Arash Abedi", id="abedi", source_key="shared-report")
    path = write(tmp_path / "clash.ndjson", ndjson([one, two, same]))
    res = run("import", str(path))
    assert res.code == 5
    assert f"{path}:2: nadiri: source 'shared-report' differs from the one cited by fakeri" in res.stderr
    assert not db.exists()


def test_updating_the_only_citer_may_change_a_source(run, db, tmp_path):
    seed(run, tmp_path, make_person("Dariush Fakeri", id="fakeri", source_key="own-report"))
    changed = make_person("Dariush Fakeri", id="fakeri", source_key="own-report")
    changed["sources"][0]["title"] = "Corrected title"
    res = run("import", str(write(tmp_path / "c.ndjson", ndjson([changed]))), "--on-conflict", "update")
    assert res.code == 0, res
    assert stored(db)["fakeri"]["sources"][0]["title"] == "Corrected title"


# --- the API and its shortcuts ------------------------------------------------------------


def test_api_import_and_export(db, tmp_path):
    path = write(tmp_path / "a.ndjson", ndjson([make_person("Arash Abedi")]))
    report = transfer.import_path(db, path)
    assert (report.added, report.summary()) == (["arash-abedi"], "1 added, 0 updated, 0 unchanged, 0 skipped")
    result = exporting.export(db, "-", fmt="ndjson")
    assert orjson.loads(result.data)["id"] == "arash-abedi"
    assert result.summary() == "exported 1 persons (ndjson)"


def test_same_as_stored_agrees_with_validation(db, tmp_path):
    record = make_person("Arash Abedi", id="abedi", status="alive")
    transfer.import_path(db, write(tmp_path / "a.ndjson", ndjson([record])))
    saved = stored(db)["abedi"]
    assert transfer.same_as_stored(record, saved)
    assert transfer.same_as_stored(saved, saved)
    assert transfer.same_as_stored({**record, "restricted": 0}, saved)  # validation makes it False too
    for change in ({"status": "deceased"}, {"restricted": True}, {"nickname": "x"}, {"aliases": ["A"]},
                   {"created": "2001-01-01T00:00:00Z"}, {"role_1988": None}, {"born": 1950}):
        assert not transfer.same_as_stored({**record, **change}, saved), change
    nfd = {**record, "name": "Arash Abedi\u0301"}
    assert not transfer.same_as_stored(nfd, saved)


def test_progress_bar_only_on_a_terminal(db, tmp_path, monkeypatch):
    calls = []

    from contextlib import contextmanager

    @contextmanager
    def progress(total, label):
        calls.append((total, label))
        yield lambda n: calls.append(n)

    monkeypatch.setattr(transfer, "PROGRESS_MIN", 3)
    monkeypatch.setattr(transfer, "CHUNK", 2)
    records = [make_person(f"Person {i}", id=f"p-{i}") for i in range(5)]
    transfer.import_path(db, write(tmp_path / "a.ndjson", ndjson(records)), progress=progress)
    assert calls == [(5, "validating"), 2, 2, 1]


def test_export_empty_database(run):
    assert run("export").stdout == "[]\n"
    assert run("export", "--format", "ndjson").stdout == ""
    assert os.environ["DOSSIER_DB"]


def test_calendar_jalali_reads_plain_dates_as_solar_hijri(run, db, tmp_path):
    person = make_person("Arash Abedi", id="abedi", born="1367-05-07")
    person["sources"][0]["published"] = "1369"  # every date of the file is Solar Hijri
    path = write(tmp_path / "j.ndjson", ndjson([person]))
    res = run("import", str(path), "--calendar", "jalali")
    assert res.code == 0, res
    record = stored(db)["abedi"]
    assert record["born"] == "1988-07-29"
    assert record["dates_as_written"] == {"born": "1367-05-07"}
    # the same file read as Gregorian is another person's data: a conflict, not "unchanged"
    assert run("import", str(path)).code == 5
    assert run("import", str(path), "--calendar", "jalali").stderr.endswith("1 unchanged, 0 skipped\n")


def test_colons_and_unicode_escapes_are_not_mistaken_for_repeated_keys(run, db, tmp_path):
    person = make_person("Arash Abedi", id="abedi", native_name="آرش عابدی",
                         narrative="Times: 10:30, 11:45 \u003a\u003a", aliases=["A:B"])
    ascii_json = json.dumps([person])  # ensure_ascii: every Persian letter as \uXXXX
    assert "\\u" in ascii_json
    res = run("import", str(write(tmp_path / "a.json", ascii_json.replace("::", "\\u003a\\u003A"))))
    assert res.code == 0, res
    assert stored(db)["abedi"]["narrative"] == "Times: 10:30, 11:45 ::"
    assert stored(db)["abedi"]["native_name"] == "آرش عابدی"


def test_large_batches_validate_in_two_processes_with_the_same_result(db, tmp_path, monkeypatch):
    forked = []
    real = transfer._validate_forked
    monkeypatch.setattr(transfer, "_validate_forked", lambda *a: forked.append(1) or real(*a))
    records = [make_person(f"Person {i}", id=f"p-{i:02d}", created="2001-01-01T00:00:00Z",
                           updated="2001-01-01T00:00:00Z") for i in range(11)]
    path = write(tmp_path / "in.ndjson", ndjson(records))
    serial_db = tmp_path / "serial.json"
    transfer.import_path(serial_db, path)
    assert forked == []
    monkeypatch.setattr(transfer, "PARALLEL_MIN", 4)
    report = transfer.import_path(db, path)
    assert forked == [1]
    assert len(report.added) == 11
    assert store.read(db).all() == store.read(serial_db).all()
    # errors in both halves are all reported, with their lines
    records[1]["born"] = "never"
    records[9]["nickname"] = "x"
    bad = write(tmp_path / "bad.ndjson", ndjson(records))
    with pytest.raises(InvalidInput) as caught:
        transfer.import_path(tmp_path / "other.json", bad)
    lines = [str(p) for p in caught.value.problems]
    assert lines[0].startswith(f"{bad}:2: born: not a date 'never'")
    assert lines[1] == f"{bad}:10: nickname: unknown field"
    assert forked == [1, 1]


def test_an_export_onto_the_database_or_a_file_kept_beside_it_is_refused(run, db, tmp_path):
    seed(run, tmp_path)
    assert run("add", "Dariush Fakeri").code == 0  # (a second write: the .bak exists)
    kept = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith(db.name)}
    assert {db.name, db.name + ".bak"} <= set(kept)
    for target in (db, db.with_name(db.name + ".bak"), db.with_name(db.name + ".names"),
                   tmp_path / "." / db.name):
        res = run("export", str(target), "--format", "json")
        assert res.code == 2, res
        assert "is the database, or a file kept beside it" in res.stderr
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith(db.name)} == kept
    assert run("export", str(tmp_path / ("copy-of-" + db.name))).code == 0
    assert run("export", str(db) + ".csv").code == 0  # (a name that only starts like the database's)
    # Another database is no export either: of this schema, an older one, a bare TinyDB file.
    other = tmp_path / "other.json"
    assert run("--db", str(other), "add", "Kaveh Testi").code == 0
    (tmp_path / "tiny.json").write_text('{"persons": {"1": {"id": "x", "name": "X"}}}', encoding="utf-8")
    for target in (other, tmp_path / "tiny.json"):
        before = target.read_bytes()
        res = run("export", str(target))
        assert res.code == 2, res
        assert "is a database (another one)" in res.stderr
        assert target.read_bytes() == before
    assert run("export", str(tmp_path / ("copy-of-" + db.name))).code == 0  # an export, again


def test_a_split_export_into_the_folder_of_the_database_is_refused(run, tmp_path):
    folder = tmp_path / "recs"
    folder.mkdir()
    db = folder / "kaveh-testi.json"  # (the file a person of that id would be exported to)
    assert run("--db", str(db), "add", "Kaveh Testi").code == 0
    before = db.read_bytes()
    for target in (folder, folder / "."):
        res = run("--db", str(db), "export", str(target), "--split", "--format", "json")
        assert res.code == 2, res
        assert "holds the database" in res.stderr
    assert db.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["kaveh-testi.json", "kaveh-testi.json.lock"]
