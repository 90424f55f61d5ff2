"""Storage guarantees (SPEC §2) on real files and real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock

from dossier import api, store
from dossier.errors import StorageError
from tests.conftest import stored

WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from dossier import api
    db, tag, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    for i in range(count):
        api.add(db, api.NewPerson(name=f"Person {tag} {i}"))
        print(i, flush=True)
    """
)


def test_eight_processes_adding_fifty_each_keep_all_400(db):
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(db), f"w{w}", "50"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env={**os.environ, "DOSSIER_LOCK_TIMEOUT": "60"})
        for w in range(8)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err.decode()
    persons = stored(db)
    assert len(persons) == 400
    assert {p["name"] for p in persons.values()} == {f"Person w{w} {i}" for w in range(8) for i in range(50)}


def test_sigkill_during_writes_leaves_old_or_new_file(db):
    api.add(db, api.NewPerson(name="Seed Person"))
    for delay in (0.05, 0.12, 0.2, 0.3, 0.45):
        before = len(stored(db))
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(db), f"k{delay}", "1000"],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        acknowledged = len(proc.communicate()[0].splitlines())
        persons = stored(db)  # parses: never truncated
        # every acknowledged add is there, plus at most the one in flight
        assert before + acknowledged <= len(persons) <= before + acknowledged + 1
    leftovers = [p.name for p in db.parent.iterdir() if p.name.endswith(".tmp")]
    # a killed writer may leave its temp file behind; it is never the database
    assert all(name.startswith(f".{db.name}.") for name in leftovers)


def test_lock_held_too_long_fails_with_the_lock_file_named(run, db, monkeypatch):
    monkeypatch.setenv("DOSSIER_LOCK_TIMEOUT", "0.3")
    with FileLock(store.lock_path(db)):
        res = run("add", "Dariush Fakeri")
    assert res.code == 1
    assert str(store.lock_path(db)) in res.stderr
    assert not db.exists()


def test_lock_of_a_killed_process_does_not_block(run, db):
    holder = subprocess.Popen(
        [sys.executable, "-c",
         f"from filelock import FileLock; import time; l = FileLock({str(store.lock_path(db))!r}); "
         "l.acquire(); print('locked', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE,
    )
    assert holder.stdout.readline().strip() == b"locked"
    holder.kill()
    holder.wait()
    assert store.lock_path(db).exists()
    assert run("add", "Dariush Fakeri").code == 0


def test_failed_transaction_writes_nothing(db):
    api.add(db, api.NewPerson(name="Dariush Fakeri"))
    before = db.read_bytes()
    try:
        with store.transaction(db) as tx:
            tx.delete(["dariush-fakeri"])
            raise RuntimeError("crash inside the command")
    except RuntimeError:
        pass
    assert db.read_bytes() == before


def test_dry_run_transaction_writes_nothing(db):
    api.add(db, api.NewPerson(name="Dariush Fakeri"))
    before = db.read_bytes()
    with store.transaction(db, dry_run=True) as tx:
        tx.delete(["dariush-fakeri"])
    assert db.read_bytes() == before


def test_missing_parent_folder_is_an_error(tmp_path):
    target = tmp_path / "missing" / "db.json"
    with pytest.raises(StorageError, match="folder does not exist"):
        api.add(target, api.NewPerson(name="Dariush Fakeri"))
    assert not target.parent.exists()


def test_symlinked_database_is_refused_for_writes(run, tmp_path, db):
    real = tmp_path / "real.json"
    api.add(real, api.NewPerson(name="Dariush Fakeri"))
    db.symlink_to(real)
    before = real.read_bytes()
    res = run("add", "Kaveh Namdar")
    assert res.code == 1
    assert "symbolic link" in res.stderr
    assert real.read_bytes() == before
    assert db.is_symlink()


def test_read_only_folder_leaves_file_unchanged(run, tmp_path, db):
    if os.geteuid() == 0:
        # root ignores permission bits; use a read-only bind of the same idea: a file as folder
        blocker = tmp_path / "ro"
        blocker.write_text("not a folder")
        res = run("--db", str(blocker / "db.json"), "add", "Dariush Fakeri")
        assert res.code == 1
        assert blocker.read_text() == "not a folder"
        return
    api.add(db, api.NewPerson(name="Dariush Fakeri"))
    before = db.read_bytes()
    db.parent.chmod(0o500)
    try:
        res = run("add", "Kaveh Namdar")
    finally:
        db.parent.chmod(0o700)
    assert res.code == 1
    assert db.read_bytes() == before


def test_default_location_is_the_user_data_dir(run_bin, tmp_path):
    env = {"DOSSIER_DB": "", "XDG_DATA_HOME": str(tmp_path / "xdg"), "HOME": str(tmp_path)}
    assert run_bin("add", "Dariush Fakeri", env=env).code == 0
    expected = tmp_path / "xdg" / "dossier" / "dossier.json"
    assert stored(expected)["dariush-fakeri"]
    assert (expected.stat().st_mode & 0o777) == 0o600


def test_empty_file_counts_as_empty_database(run, db):
    db.write_bytes(b"")
    assert run("list", "--format", "json").json() == []
    assert run("add", "Dariush Fakeri").code == 0


@pytest.mark.parametrize("emptied", [b"", b" \n"])
def test_an_emptied_database_beside_its_bak_is_refused_and_the_bak_kept(run, db, emptied):
    assert run("add", "Dariush Fakeri").code == 0
    assert run("add", "Bahram Sadeghi").code == 0
    bak = store.backup_path(db)
    before = bak.read_bytes()
    db.write_bytes(emptied)  # (`> db.json` by mistake)
    for res in (run("add", "Kaveh Namdar"), run("list")):
        assert res.code == 1, res
        assert "database file is damaged (it is empty, and a .bak is beside it)" in res.stderr
        assert f"restore {bak.name}" in res.stderr
    assert (db.read_bytes(), bak.read_bytes()) == (emptied, before)
    assert [r["id"] for r in store.read(bak).all()] == ["dariush-fakeri"]


def test_not_a_dossier_database(run, db):
    db.write_text("[1, 2, 3]")
    res = run("list")
    assert res.code == 1
    assert "not a dossier database" in res.stderr
    assert db.read_text() == "[1, 2, 3]"


def test_snapshot_lists_in_id_order(db):
    for name in ("Zed Person", "Abe Person", "Mid Person"):
        api.add(db, api.NewPerson(name=name))
    assert store.read(Path(db)).ids() != []
    assert [r["id"] for r in store.read(db).all()] == ["abe-person", "mid-person", "zed-person"]


def test_a_transaction_lists_its_own_changes_after_reading_every_record(db: Path) -> None:
    from dossier import store

    with store.transaction(db) as tx:
        tx.put({"id": "kaveh-nadiri", "name": "Kaveh Nadiri"})
        tx.put_source({"key": "report-a", "title": "Report A"})
    with store.transaction(db) as tx:
        tx.all()
        tx.sources()  # every line parsed: the listings must still see what this write changed
        tx.put({"id": "dariush-fakeri", "name": "Dariush Fakeri"})
        tx.delete(["kaveh-nadiri"])
        tx.put_source({"key": "report-b", "title": "Report B"})
        assert tx.ids() == ["dariush-fakeri"]
        assert len(tx) == 1
        assert tx.source_keys() == ["report-a", "report-b"]
        assert [s["key"] for s in tx.sources_with("title", "Report B")] == ["report-b"]


def test_a_person_put_as_its_line_is_the_person_put(tmp_path: Path) -> None:
    """An import puts persons as their lines (the transaction keeps bytes, not dicts, and
    writes them as they are): the file is byte for byte the one ``put`` makes, and the
    transaction reads them back as records."""
    import shutil

    first, second = tmp_path / "first.json", tmp_path / "second.json"
    _three_hundred(first)
    shutil.copy(first, second)
    added = [{"id": f"p-{i:03d}x", "name": f"Dariush Fakeri {i}", "aliases": ["داریوش"]}
             for i in (5, 150, 400)]
    changed = {**store.read(first)["p-007"], "narrative": "changed"}
    with store.transaction(first) as tx:
        for record in [*added, changed]:
            tx.put(record)
        tx.log([{"kind": "person", "id": "p-150x", "op": "added"}])
    with store.transaction(second) as tx:
        for record in [*added, changed]:
            tx.put_line(record["id"], store.line_of(record))
        tx.put_line("p-008", store.line_of(store.read(second)["p-008"]))  # as stored: no change
        assert [c.key for c in tx.changes] == [r["id"] for r in [*added, changed]]
        assert all(isinstance(c.stored, bytes) for c in tx.changes)
        assert tx["p-150x"] == added[1]
        assert tx.get("p-007") == changed
        tx.log([{"kind": "person", "id": "p-150x", "op": "added"}])
    assert first.read_bytes() == second.read_bytes()
    assert store.read(second).intact


def test_lines_written_short_are_written_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The lines an import puts go to the file in a few ``writev`` calls; a call may write
    less than asked (interrupted by a signal): the rest follows, nothing is lost."""
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    records = [{"id": f"p-{i:03d}", "name": f"Kaveh Nadiri {i}", "narrative": "x" * (i * 7 % 300)}
               for i in range(1100)]  # more lines than one call takes
    with store.transaction(first) as tx:
        for record in records:
            tx.put(record)
    real = os.writev
    calls = []

    def short(fd: int, buffers: list[memoryview]) -> int:  # part of the first buffer, or of two
        calls.append(len(buffers))
        if len(buffers) > 1 and len(calls) % 2:
            return real(fd, [buffers[0], buffers[1][: len(buffers[1]) // 2]])
        return real(fd, [buffers[0][: max(1, len(buffers[0]) // 3)]])

    monkeypatch.setattr(os, "writev", short)
    with store.transaction(second) as tx:
        for record in records:
            tx.put_line(record["id"], store.line_of(record))
    assert calls
    assert first.read_bytes() == second.read_bytes()


def test_a_large_write_written_back_in_parts_is_the_file_written_in_one_go(tmp_path, monkeypatch):
    """A large write has a thread write back its first parts while the rest is copied; the
    file is byte for byte the one a write in one go makes, and no thread is left."""
    import shutil
    import threading

    first, second = tmp_path / "first.json", tmp_path / "second.json"
    _three_hundred(first)
    shutil.copy(first, second)

    def write(db: Path) -> None:
        with store.transaction(db) as tx:
            tx.put(_LONG)  # mid-file
            tx.delete(["p-007"])

    synced: list[int] = []
    real = getattr(os, "fdatasync", os.fsync)
    monkeypatch.setattr(store, "WRITEBACK_EVERY", 4096)  # the file is ~70 KB: many parts
    monkeypatch.setattr(os, "fdatasync", lambda fd: (synced.append(fd), real(fd))[1], raising=False)
    for name in ("_write_all", "_copy_range"):  # slow parts: the thread gets to sync before the end
        monkeypatch.setattr(store, name, _slowed(getattr(store, name)))
    write(first)
    assert synced  # the early writeback ran
    assert threading.active_count() == 1
    monkeypatch.undo()
    write(second)
    assert first.read_bytes() == second.read_bytes()
    assert store.read(first).intact


_LONG = {"id": "p-150", "name": "Kaveh Nadiri", "narrative": "changed " * 2000}


def _slowed(write: Any) -> Any:
    def slow(*args: Any) -> None:
        write(*args)
        time.sleep(0.002)
    return slow


def _three_hundred(db: Path) -> None:  # ~70 KB
    with store.transaction(db) as tx:
        tx.put_many({"id": f"p-{i:03d}", "name": f"Kaveh Nadiri {i}", "narrative": "x" * 200}
                    for i in range(300))


def test_a_disk_error_met_by_the_early_writeback_fails_the_write(tmp_path, monkeypatch):
    """The kernel reports a failed writeback to the first sync of the file only: when the
    thread's sync meets it, the write fails and the database stays as it was."""
    import errno

    db = tmp_path / "db.json"
    _three_hundred(db)
    before = db.read_bytes()
    pending = [True]  # a page of the temp file failed to reach the disk

    def report_once(real):
        def sync(fd: int) -> None:
            if pending:
                pending.clear()
                raise OSError(errno.EIO, "Input/output error")
            real(fd)
        return sync

    monkeypatch.setattr(store, "WRITEBACK_EVERY", 4096)
    monkeypatch.setattr(os, "fsync", report_once(os.fsync))
    monkeypatch.setattr(os, "fdatasync", report_once(getattr(os, "fdatasync", os.fsync)), raising=False)
    with pytest.raises(StorageError, match="Input/output error"), store.transaction(db) as tx:
        tx.put(_LONG)
    assert not pending  # the thread's sync met it
    assert db.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_tinydb_tables_query_and_change_the_file(db):
    """Scripts may use TinyDB's table API over the file: documents are keyed by id, queries
    and changes reach the file through the same lock and atomic write."""
    from tinydb import Query

    api.add(db, api.NewPerson(name="Dariush Fakeri"))
    api.add(db, api.NewPerson(name="Kaveh Nadiri"))
    with store.tinydb(db) as tiny:
        persons = tiny.table("persons")
        assert {doc.doc_id for doc in persons.all()} == {"dariush-fakeri", "kaveh-nadiri"}
        assert persons.get(doc_id="kaveh-nadiri")["name"] == "Kaveh Nadiri"
        assert [d["id"] for d in persons.search(Query().name.search("Fakeri"))] == ["dariush-fakeri"]
        persons.update({"tags": ["tabriz"]}, Query().id == "kaveh-nadiri")
        persons.insert({"id": "bahman-abedi", "name": "Bahman Abedi"})
        with pytest.raises(ValueError, match="needs its 'id'"):
            persons.insert({"name": "No Id"})
    after = stored(db)
    assert after["kaveh-nadiri"]["tags"] == ["tabriz"]
    assert set(after) == {"dariush-fakeri", "kaveh-nadiri", "bahman-abedi"}
    assert store.read(db).intact


def test_a_tinydb_write_is_validated_again_by_check(db):
    """Writes through TinyDB are not validated: the file says so, and check validates every
    record again instead of trusting the stored lines."""
    from datetime import date

    from tinydb import Query

    api.add(db, api.NewPerson(name="Dariush Fakeri"))
    today = date(2026, 6, 15)
    assert api.check(db, today=today) == []  # kept beside the database
    with store.tinydb(db) as tiny:
        tiny.table("persons").update({"status": "missing"}, Query().id == "dariush-fakeri")
    assert not store.read(db).validated
    found = api.check(db, today=today)
    assert [(f.code, f.field) for f in found] == [("E-INVALID", "status")]


def test_the_writes_counted_are_the_writes_that_landed(tmp_path, monkeypatch):
    """What a Ctrl-C reports (``store.WRITES``): a write whose rename failed did not land,
    even when the command goes on and fails again; a write that landed stays landed when
    another process replaces the file afterwards."""
    import errno

    db = tmp_path / "db.json"
    start = store.WRITES.count
    real_replace = os.replace

    def busy(src, dst):  # renaming over a bind-mounted file
        raise OSError(errno.EBUSY, "Device or resource busy")

    monkeypatch.setattr(os, "replace", busy)
    for person_id in ("dariush-fakeri", "kaveh-nadiri"):  # "Edit again?" after the first failure
        with pytest.raises(StorageError, match="busy"), store.transaction(db) as tx:
            tx.put({"id": person_id, "name": person_id.replace("-", " ").title()})
    assert store.WRITES.landed_since(start) is None
    monkeypatch.setattr(os, "replace", real_replace)
    with store.transaction(db) as tx:
        tx.put({"id": "bahman-abedi", "name": "Bahman Abedi"})
    assert store.WRITES.landed_since(start) == db
    copy = tmp_path / "copy.json"
    copy.write_bytes(db.read_bytes())
    os.replace(copy, db)  # another process's write: a file of another inode
    assert store.WRITES.landed_since(start) == db


def test_a_write_removes_the_temp_files_a_killed_writer_left(run, db):
    import subprocess

    assert run("add", "Dariush Fakeri").code == 0
    ended = subprocess.Popen(["true"])
    ended.wait()  # (its process id names no process now)
    left = [db.with_name(f".{db.name}.{ended.pid}-0.tmp"), db.with_name(f".{db.name}.bak.{ended.pid}.tmp"),
            db.with_name(f".{db.name}.names.{ended.pid}-3.tmp")]
    kept = [db.with_name(f".{db.name}.{os.getpid()}-7.tmp"),  # a process still running
            db.with_name(f".other-{db.name}.{ended.pid}-0.tmp"), db.with_name(f"{db.name}.{ended.pid}-0.tmp"),
            db.with_name(f".{db.name}.x.{ended.pid}-0.tmp"),  # another database's, named db.json.x
            db.with_name(f".{db.name}.notes.{ended.pid}.tmp")]  # a file of the user's
    for path in left + kept:
        path.write_bytes(b"x" * 100)
        os.utime(path, (time.time() - 3600,) * 2)
    recent = db.with_name(f".{db.name}.{ended.pid}-1.tmp")  # (its process may run where this one cannot see)
    recent.write_bytes(b"x")
    kept.append(recent)
    assert run("list", "--format", "json").code == 0  # a reader removes nothing
    assert all(p.exists() for p in left + kept)
    assert run("add", "Bahram Sadeghi").code == 0
    assert [p.name for p in left if p.exists()] == []
    assert all(p.exists() for p in kept)
