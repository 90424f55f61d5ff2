"""Confidential content at rest: age encryption of confidential sources and restricted
narratives, the evidence store, and ``check --security``.

Every person here is fictional. A marker string planted in confidential content is looked
for in every byte of every file the program writes.
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from dossier import store
from dossier.api.checks import _digest as digest
from tests.conftest import Result, make_person, seed

MARKER = "QX-MARKER-7731"
WITNESS = {"key": "confidential", "title": f"Testimony of {MARKER}", "kind": "testimony",
           "confidential": True, "note": f"the witness {MARKER} saw the 1988 commission",
           "url": f"https://example.org/{MARKER}"}


def secret_person(name: str = "Dariush Fakeri", **fields: object) -> dict[str, object]:
    fields.setdefault("id", "dariush-fakeri")
    record = make_person(name, restricted=True, narrative=f"Narrative naming {MARKER}.", **fields)
    record["sources"] = [*record["sources"], WITNESS]  # type: ignore[list-item]
    record["role_1988"]["sources"] = ["example-report-1990", "confidential"]  # type: ignore[index]
    return record


@pytest.fixture
def alice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Alice's identity, in use (``$DOSSIER_IDENTITY``)."""
    key = tmp_path / "alice.key"
    monkeypatch.setenv("DOSSIER_IDENTITY", str(key))
    monkeypatch.setenv("DOSSIER_ACTOR", "alice")
    return key


def every_file(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def leaks(folder: Path) -> list[str]:
    return [str(p) for p in every_file(folder) if MARKER.encode() in p.read_bytes()]


def ok(res: Result) -> Result:
    assert res.code == 0, res
    return res


def test_nothing_written_holds_confidential_text_in_clear(
    tmp_path: Path, db: Path, alice: Path, run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(db, make_person("Kaveh Nadiri", id="kaveh-nadiri"))
    public_key = ok(run("keys", "init")).stdout.strip()
    assert public_key.startswith("age1")
    assert stat.S_IMODE(alice.stat().st_mode) == 0o600
    # A realistic day: confidential content comes in through every write path.
    (tmp_path / "in.json").write_text(json.dumps([secret_person()]), encoding="utf-8")
    ok(run("import", str(tmp_path / "in.json")))
    ok(run("add", "Bahman Ghaffarzadeh"))
    ok(run("sources", "add", "--person", "bahman-ghaffarzadeh", "--title", f"Interview with {MARKER}",
           "--confidential", "--note", MARKER, "--kind", "testimony"))
    ok(run("edit", "bahman-ghaffarzadeh", "--set", "restricted=true", "--set", f"narrative={MARKER} again"))
    ok(run("edit", "dariush-fakeri", "--set", f"narrative=Changed, still about {MARKER}"))
    ok(run("sources", "edit", "confidential", "--set", f"note=Edited note on {MARKER}"))
    (tmp_path / "copy.txt").write_text(f"transcript: {MARKER}", encoding="utf-8")
    ok(run("sources", "attach", "confidential", str(tmp_path / "copy.txt")))
    (tmp_path / "copy.txt").unlink()
    (tmp_path / "in.json").unlink()
    out = tmp_path / "out"
    out.mkdir()
    for fmt in ("json", "ndjson", "csv", "yaml"):
        ok(run("export", str(out / f"all.{fmt}"), "--format", fmt))
    ok(run("export", str(out / "records"), "--split"))
    ok(run("profiles", str(out / "pages")))
    ok(run("profiles", str(out / "internal"), "--internal"))  # pages never decrypt, even internal ones
    ok(run("export", str(out / "ftm.ndjson"), "--format", "ftm", "--internal"))
    for command in (["check"], ["search", "Fakeri"], ["list"], ["log"], ["check", "--security"]):
        ok(run(*command))
    # With the identity, the owner reads it all in clear.
    assert MARKER in ok(run("show", "dariush-fakeri")).stdout
    assert MARKER in ok(run("sources", "show", "confidential")).stdout
    assert MARKER in ok(run("log", "dariush-fakeri")).stdout
    assert MARKER in ok(run("sources", "open", "confidential", "--stdout")).stdout
    # Without it, every command still works and says nothing it should not.
    monkeypatch.delenv("DOSSIER_IDENTITY")
    outputs = [ok(run(*command)) for command in (
        ["show", "dariush-fakeri"], ["show", "dariush-fakeri", "--format", "json"],
        ["sources", "show", "confidential"], ["sources", "list"], ["log"], ["list"],
        ["search", "Fakeri"], ["check"], ["export", "--format", "yaml"], ["diff", str(out / "all.json")])]
    assert all(MARKER not in r.stdout + r.stderr for r in outputs)
    assert "withheld (encrypted)" in outputs[0].stdout
    assert leaks(tmp_path) == []
    # The files that were looked at are the ones a team shares or leaves behind.
    names = {p.name for p in every_file(tmp_path)}
    beside = {"db.json.bak", "db.json.names", "db.json.facts", "db.json.findings"}
    assert {"db.json", *beside, "all.csv"} <= names
    assert any(p.parent.parent.name == "db.json.evidence" for p in every_file(tmp_path))


def test_turning_encryption_on_seals_what_is_there_and_replaces_the_backup(
    db: Path, alice: Path, run: Callable[..., Result]
) -> None:
    seed(db, secret_person())
    ok(run("edit", "dariush-fakeri", "--set", f"narrative=Second {MARKER}"))  # history and .bak in clear
    report = run("check", "--security")
    assert report.code == 4
    assert "S-ENCRYPTION-OFF" in report.stdout
    assert MARKER.encode() in db.read_bytes()
    assert MARKER.encode() in db.with_name("db.json.bak").read_bytes()
    assert run("check").code in (0, 4)  # the facts of check hold a digest of each source copy
    clear = [digest(s) for s in store.read(db)["dariush-fakeri"]["sources"] if s["confidential"]]
    assert clear
    assert clear[0].encode() in db.with_name("db.json.facts").read_bytes()
    ok(run("keys", "init"))
    assert leaks(db.parent) == []
    assert run("check").code in (0, 4)
    assert clear[0].encode() not in db.with_name("db.json.facts").read_bytes()  # that one is gone
    assert ok(run("check", "--security")).stderr.startswith("encryption is on: 1 recipient")
    log = ok(run("log", "dariush-fakeri")).stdout
    assert f"Second {MARKER}" in log  # the history was sealed, not lost


def test_two_users_read_each_other_and_a_removed_user_reads_nothing_new(
    tmp_path: Path, db: Path, run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    def as_user(name: str) -> None:
        monkeypatch.setenv("DOSSIER_IDENTITY", str(tmp_path / f"{name}.key"))
        monkeypatch.setenv("DOSSIER_ACTOR", name)

    seed(db, make_person("Dariush Fakeri", id="dariush-fakeri", restricted=True))
    as_user("bob")
    bob = ok(run("keys", "init")).stdout.strip()  # creates bob's identity, turns encryption on
    as_user("carol")
    carol_init = ok(run("keys", "init"))
    carol = carol_init.stdout.strip()
    assert "not a recipient yet" in carol_init.stderr
    as_user("bob")
    ok(run("keys", "add", carol, "--name", "carol"))
    ok(run("edit", "dariush-fakeri", "--set", "narrative=Written by Bob"))
    as_user("carol")
    assert "Written by Bob" in ok(run("show", "dariush-fakeri")).stdout
    ok(run("edit", "dariush-fakeri", "--set", "narrative=Carol answers"))
    as_user("bob")
    assert "Carol answers" in ok(run("show", "dariush-fakeri")).stdout
    assert [r["name"] for r in ok(run("keys", "list", "--format", "json")).json()] == ["bob", "carol"]
    ok(run("keys", "rm", "carol"))
    ok(run("edit", "dariush-fakeri", "--set", "narrative=After Carol left"))
    as_user("carol")
    denied = run("show", "dariush-fakeri")
    assert denied.code == 0  # the record, its narrative withheld
    assert "withheld (encrypted)" in denied.stdout
    assert "After Carol left" not in denied.stdout + denied.stderr
    assert bob not in denied.stderr


def test_wrong_identity_corrupt_ciphertext_and_missing_key_are_one_line_errors(
    tmp_path: Path, db: Path, alice: Path, run_bin: Callable[..., Result]
) -> None:
    seed(db, secret_person())
    ok(run_bin("keys", "init"))
    env_missing = {"DOSSIER_IDENTITY": str(tmp_path / "nowhere.key")}
    (tmp_path / "mallory.key").write_text("AGE-SECRET-KEY-1NOTAKEYATALL\n", encoding="utf-8")
    cases = {
        "missing": (env_missing, "does not exist"),
        "damaged": ({"DOSSIER_IDENTITY": str(tmp_path / "mallory.key")}, "damaged"),
    }
    for _, (env, message) in cases.items():
        res = run_bin("show", "dariush-fakeri", env=env)
        assert res.code == 1
        assert message in res.stderr
        assert len(res.stderr.splitlines()) == 1, res
    other = run_bin("keys", "init", env={"DOSSIER_IDENTITY": str(tmp_path / "other.key")})
    assert other.code == 0
    # A valid identity that is no recipient (a member not added yet, or removed) reads the
    # record with its sealed parts withheld, as one with no identity does.
    wrong = run_bin("show", "dariush-fakeri", env={"DOSSIER_IDENTITY": str(tmp_path / "other.key")})
    assert wrong.code == 0, wrong
    assert "withheld (encrypted)" in wrong.stdout
    assert "Dariush Fakeri" in wrong.stdout
    assert MARKER not in wrong.stdout
    # A flipped character inside a sealed value: reading fails, and a write needing it writes nothing.
    text = db.read_text(encoding="utf-8")
    start = text.index("BEGIN AGE ENCRYPTED FILE-----\\n") + 40
    db.write_text(text[:start] + ("A" if text[start] != "A" else "B") + text[start + 1:], encoding="utf-8")
    before = db.read_bytes()
    for args in (["show", "dariush-fakeri"], ["edit", "dariush-fakeri", "--set", "narrative=x"],
                 ["keys", "rotate"]):
        res = run_bin(*args)
        assert res.code == 1
        assert "damaged" in res.stderr
        assert "Traceback" not in res.stderr, res
        assert len(res.stderr.strip().splitlines()) == 1
    assert db.read_bytes() == before


def test_blind_changes_to_sealed_content_are_refused(
    db: Path, alice: Path, run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(db, secret_person())
    ok(run("keys", "init"))
    monkeypatch.delenv("DOSSIER_IDENTITY")
    before = db.read_bytes()
    res = run("sources", "edit", "confidential", "--set", "note=overwritten unseen")
    assert res.code == 1
    assert "needs an identity" in res.stderr
    ok(run("edit", "dariush-fakeri", "--set", "status=alive"))  # the rest stays editable
    assert db.read_bytes() != before
    added = ok(run("sources", "add", "--person", "dariush-fakeri", "--title", f"New {MARKER}",
                   "--confidential"))  # sealing needs only the public keys
    assert re.fullmatch(r"confidential-[0-9a-f]{6}", added.stdout.strip())  # (two copies: two keys)
    assert MARKER.encode() not in db.read_bytes()


def test_errors_never_repeat_a_confidential_value(db: Path, run: Callable[..., Result]) -> None:
    seed(db, make_person(id="dariush-fakeri"))
    res = run("sources", "add", "--person", "dariush-fakeri", "--title", "x", "--confidential",
              "--url", f"ftp://{MARKER}")
    assert res.code == 4
    assert "url" in res.stderr
    assert MARKER not in res.stderr
    public = run("sources", "add", "--person", "dariush-fakeri", "--title", "x", "--url", f"ftp://{MARKER}")
    assert public.code == 4
    assert MARKER in public.stderr  # a public value is worth quoting


def test_evidence_is_content_addressed_read_only_and_verified(
    tmp_path: Path, db: Path, run: Callable[..., Result]
) -> None:
    seed(db, make_person(id="dariush-fakeri"))
    copy = tmp_path / "report.pdf"
    copy.write_bytes(b"%PDF-1.4 fictional report")
    res = ok(run("sources", "attach", "example-report-1990", str(copy)))
    import hashlib

    digest = hashlib.sha256(copy.read_bytes()).hexdigest()
    assert digest in res.stderr
    stored = db.with_name("db.json.evidence") / digest[:2] / digest
    assert stored.read_bytes() == copy.read_bytes()
    assert not os.access(stored, os.W_OK) or os.geteuid() == 0
    assert stat.S_IMODE(stored.stat().st_mode) == 0o444
    shown = ok(run("sources", "show", "example-report-1990", "--format", "json")).json()["source"]
    assert shown["sha256"] == digest
    assert shown["evidence"][0] | {"attached": None} == {
        "sha256": digest, "size": len(copy.read_bytes()), "media_type": "application/pdf",
        "name": "report.pdf", "attached": None, "attached_by": shown["evidence"][0]["attached_by"],
        "stored": None}  # (the form every copy of the source is stored in)
    assert "already attached" in ok(run("sources", "attach", "example-report-1990", str(copy))).stderr
    assert ok(run("sources", "verify")).stderr.startswith("verify: 1 evidence copy intact")
    assert ok(run("sources", "open", "example-report-1990", "--stdout")).stdout == copy.read_text()
    os.chmod(stored, 0o644)
    data = bytearray(stored.read_bytes())
    data[5] ^= 0x01
    stored.write_bytes(bytes(data))
    flipped = run("sources", "verify")
    assert flipped.code == 4
    assert f"evidence {digest}: altered" in flipped.stderr
    assert "E-EVIDENCE-ALTERED" in run("check").stdout
    stored.unlink()
    gone = run("sources", "verify", "example-report-1990")
    assert gone.code == 4
    assert "missing" in gone.stderr
    missing = run("check").stdout
    assert "E-EVIDENCE-MISSING" in missing
    assert "missing (copy db.json.evidence/ from whoever attached it, or attach the original again: " \
           "dossier sources attach example-report-1990 FILE)" in missing
    assert run("sources", "open", "example-report-1990", "--stdout").code == 3
    # Attaching the original again is how a copy is repaired: missing, then altered.
    before = db.read_bytes()
    restored = ok(run("sources", "attach", "example-report-1990", str(copy)))
    assert restored.stderr == "report.pdf: restored the missing evidence copy of example-report-1990\n"
    assert stored.read_bytes() == copy.read_bytes()
    assert db.read_bytes() == before  # the record already said what the store now holds
    os.chmod(stored, 0o644)
    stored.write_bytes(b"tampered")
    os.chmod(stored, 0o444)
    assert "restored the altered evidence copy" in ok(
        run("sources", "attach", "example-report-1990", str(copy))).stderr
    assert stat.S_IMODE(stored.stat().st_mode) == 0o444
    assert ok(run("sources", "verify")).stderr.startswith("verify: 1 evidence copy intact")
    # Another file with the name of the original is no repair: it is another copy.
    copy.write_bytes(b"%PDF-1.4 another capture")
    assert "attached report.pdf" in ok(run("sources", "attach", "example-report-1990", str(copy))).stderr


def test_an_encrypted_copy_is_decrypted_only_to_stdout(
    tmp_path: Path, db: Path, alice: Path, run: Callable[..., Result]
) -> None:
    seed(db, secret_person())
    ok(run("keys", "init"))
    (tmp_path / "audio.ogg").write_bytes(b"OggS fictional " + MARKER.encode())
    ok(run("sources", "attach", "confidential", str(tmp_path / "audio.ogg")))
    res = run("sources", "open", "confidential")
    assert res.code == 2
    assert "--stdout" in res.stderr
    assert ok(run("sources", "open", "confidential", "--stdout")).stdout.endswith(MARKER)
    assert ok(run("sources", "verify")).code == 0  # checked without decrypting
    # A damaged encrypted copy is repaired by attaching the original again: encrypted anew,
    # under a new name the source records; the damaged file goes.
    (old,) = [p for p in db.with_name("db.json.evidence").rglob("*") if p.is_file()]
    os.chmod(old, 0o644)
    damaged = old.read_bytes()
    old.write_bytes(damaged[:-1] + bytes([damaged[-1] ^ 0xFF]))  # (a last byte "!" was no damage)
    assert run("sources", "verify").code == 4
    restored = ok(run("sources", "attach", "confidential", str(tmp_path / "audio.ogg")))
    assert "restored the altered evidence copy of confidential (stored encrypted)" in restored.stderr
    assert ok(run("sources", "verify")).stderr.startswith("verify: 1 evidence copy intact")
    assert not old.exists()
    assert ok(run("sources", "open", "confidential", "--stdout")).stdout.endswith(MARKER)
    (tmp_path / "audio.ogg").unlink()
    assert leaks(tmp_path) == []


@pytest.mark.skipif(not (os.path.isdir("/dev/shm") or os.environ.get("XDG_RUNTIME_DIR")),
                    reason="no memory-backed folder on this machine")
def test_the_editor_sees_decrypted_text_only_in_memory_backed_storage(
    tmp_path: Path, db: Path, alice: Path, run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(db, secret_person())
    ok(run("keys", "init"))
    seen = tmp_path / "seen"
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys, pathlib\n"
        f"pathlib.Path({str(seen)!r}).write_text(sys.argv[1])\n"
        "p = pathlib.Path(sys.argv[1]); t = p.read_text()\n"
        f"p.write_text(t.replace({MARKER!r}, 'EDITED'))\n", encoding="utf-8")
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    ok(run("edit", "dariush-fakeri"))
    where = Path(seen.read_text())
    memory = [Path(p).resolve() for p in (os.environ.get("XDG_RUNTIME_DIR"), "/dev/shm") if p]
    assert any(where.resolve().is_relative_to(m) for m in memory)
    assert not where.exists()
    assert "Narrative naming EDITED." in ok(run("show", "dariush-fakeri")).stdout


def alice_and_bob(tmp_path: Path, db: Path, run: Callable[..., Result],
                  run_bin: Callable[..., Result]) -> tuple[dict[str, str], str]:
    """Alice's database of a secret person, encrypted to her and to Bob: Bob's environment
    (his identity, his name) and his public key."""
    seed(db, secret_person())
    ok(run("keys", "init"))
    bob_env = {"DOSSIER_IDENTITY": str(tmp_path / "bob.key"), "DOSSIER_ACTOR": "bob"}
    bob_key = ok(run_bin("keys", "init", env=bob_env)).stdout.strip()
    ok(run("keys", "add", bob_key, "--name", "bob"))
    return bob_env, bob_key


def test_a_key_removed_is_not_added_back_by_a_copy_that_still_lists_it(
    tmp_path: Path, db: Path, alice: Path, run: Callable[..., Result], run_bin: Callable[..., Result]
) -> None:
    bob_env, bob_key = alice_and_bob(tmp_path, db, run, run_bin)
    bob_db = tmp_path / "bob.json"
    ok(run("export", str(tmp_path / "both"), "--split"))
    ok(run("--db", str(bob_db), "import", str(tmp_path / "both")))
    ok(run("keys", "rm", "bob"))
    ok(run("export", str(tmp_path / "alice"), "--split"))
    # Bob's copy, exported before it heard of the removal, still lists him: no way back in.
    ok(run("--db", str(bob_db), "export", str(tmp_path / "bob"), "--split"))
    assert bob_key in (tmp_path / "bob" / "recipients.txt").read_text(encoding="utf-8")
    took = ok(run("import", str(tmp_path / "bob"), "--mirror"))
    assert "bob" not in took.stderr
    assert bob_key not in [k["key"] for k in ok(run("keys", "list", "--format", "json")).json()]
    ok(run("sources", "edit", "confidential", "--set", f"note=after the removal {MARKER}"))
    ok(run("export", str(tmp_path / "alice"), "--split"))
    # Bob's copy learns the removal from the folder; both copies then write the same file.
    learnt = ok(run("--db", str(bob_db), "import", str(tmp_path / "alice"), "--mirror"))
    assert "no longer encrypted to bob" in learnt.stderr
    ok(run("--db", str(bob_db), "export", str(tmp_path / "bob"), "--split"))
    assert (tmp_path / "bob" / "recipients.txt").read_bytes() == (
        tmp_path / "alice" / "recipients.txt").read_bytes()
    shown = run_bin("--db", str(bob_db), "sources", "show", "confidential", env=bob_env)
    assert "after the removal" not in shown.stdout
    # A removal without a time it can be weighed by (written by hand) is passed over.
    carol = ok(run_bin("keys", "init", env={"DOSSIER_IDENTITY": str(tmp_path / "carol.key")})).stdout.strip()
    recipients = tmp_path / "bob" / "recipients.txt"
    recipients.write_text(recipients.read_text(encoding="utf-8")
                          + f'# removed: {{"key": "{carol}"}}\n', encoding="utf-8")
    third = ["--db", str(tmp_path / "third.json")]
    ok(run(*third, "import", str(tmp_path / "bob")))
    ok(run(*third, "keys", "add", carol, "--name", "carol"))
    # Only a later `keys add` brings a removed key back, and the copies follow it.
    ok(run("keys", "add", bob_key, "--name", "bob"))
    ok(run("export", str(tmp_path / "alice"), "--split"))
    again = ok(run("--db", str(bob_db), "import", str(tmp_path / "alice"), "--mirror"))
    assert "now also encrypted to bob" in again.stderr
    assert "removed:" not in (tmp_path / "alice" / "recipients.txt").read_text(encoding="utf-8")


def test_recipients_taken_in_by_an_import_reseal_what_it_imports(
    tmp_path: Path, db: Path, alice: Path, run: Callable[..., Result], run_bin: Callable[..., Result]
) -> None:
    bob_env, bob_key = alice_and_bob(tmp_path, db, run, run_bin)
    folder = tmp_path / "records"
    ok(run("export", str(folder), "--split"))
    # Carol's copy lists her (her own `keys init`); Alice's import of it takes her in, and what
    # the import brought is sealed to her too: Alice's next export carries it.
    carol_env = {"DOSSIER_IDENTITY": str(tmp_path / "carol.key"), "DOSSIER_ACTOR": "carol"}
    carol = ["--db", str(tmp_path / "carol.json")]
    ok(run_bin(*carol, "keys", "init", env=carol_env))
    ok(run_bin(*carol, "import", str(folder), env=carol_env))
    ok(run_bin(*carol, "export", str(folder), "--split", env=carol_env))
    taken = ok(run("import", str(folder), "--mirror"))
    assert "now also encrypted to carol" in taken.stderr
    exported = ok(run("export", str(folder), "--split"))
    assert "0 written" not in exported.stderr
    fresh = ["--db", str(tmp_path / "fresh.json")]
    ok(run_bin(*fresh, "import", str(folder), env=carol_env))
    assert MARKER in ok(run_bin(*fresh, "sources", "show", "confidential", env=carol_env)).stdout
    # A member removed cannot add themselves back with `keys add` in their copy.
    ok(run("keys", "rm", "bob"))
    ok(run("export", str(folder), "--split"))
    bob = ["--db", str(tmp_path / "bob.json")]
    ok(run_bin(*bob, "import", str(folder), env=bob_env))
    refused = run_bin(*bob, "keys", "add", bob_key, "--name", "bob", env=bob_env)
    assert refused.code == 1
    assert "only a recipient adds a recipient" in refused.stderr


def test_a_rotation_elsewhere_is_no_change_of_content_here(
    tmp_path: Path, db: Path, alice: Path, run: Callable[..., Result], run_bin: Callable[..., Result]
) -> None:
    # Alice re-encrypts; Bob's copy takes the new ciphertext but keeps `updated`, so what
    # it exports is byte for byte what Alice's did (no change to commit, no conflict).
    bob_env, _ = alice_and_bob(tmp_path, db, run, run_bin)
    folder, bob_db = tmp_path / "records", tmp_path / "bob.json"
    ok(run("export", str(folder), "--split"))
    ok(run_bin("--db", str(bob_db), "import", str(folder), env=bob_env))
    ok(run("keys", "rotate"))
    ok(run("export", str(folder), "--split"))
    exported = {p: p.read_bytes() for p in every_file(folder)}
    ok(run_bin("--db", str(bob_db), "import", str(folder), "--mirror", env=bob_env))
    again = ok(run_bin("--db", str(bob_db), "export", str(folder), "--split", env=bob_env))
    assert "0 written" in again.stderr
    assert {p: p.read_bytes() for p in every_file(folder)} == exported
    # A change of the sealed content itself moves `updated` as any change does, even under
    # the `updated` Bob's copy holds (a merge that kept his line).
    def bobs(field: str) -> str:
        return ok(run_bin("--db", str(bob_db), "show", "dariush-fakeri", "--format", "json",
                          env=bob_env)).json()[field]

    held = bobs("updated")
    ok(run("edit", "dariush-fakeri", "--set", f"narrative=Rewritten about {MARKER}"))
    ok(run("export", str(folder), "--split"))
    page = folder / "dariush-fakeri.yaml"
    text = page.read_text(encoding="utf-8")
    mine = ok(run("show", "dariush-fakeri", "--format", "json")).json()["updated"]
    page.write_text(text.replace(f"updated: '{mine}'", f"updated: '{held}'"), encoding="utf-8")
    time.sleep(1 - time.time() % 1)  # (times are to the second: the import's is then later)
    ok(run_bin("--db", str(bob_db), "import", str(folder), "--mirror", env=bob_env))
    assert bobs("narrative") == f"Rewritten about {MARKER}"
    assert bobs("updated") > held


def test_a_split_folder_carries_its_recipients_to_the_next_database(
    tmp_path: Path, db: Path, alice: Path, run: Callable[..., Result]
) -> None:
    seed(db, secret_person())
    public_key = ok(run("keys", "init")).stdout.strip()
    ok(run("export", str(tmp_path / "records"), "--split"))
    listed = (tmp_path / "records" / "recipients.txt").read_text(encoding="utf-8")
    assert public_key in listed
    assert "# alice, added" in listed
    other = tmp_path / "other.json"
    ok(run("--db", str(other), "import", str(tmp_path / "records")))
    assert MARKER in ok(run("--db", str(other), "show", "dariush-fakeri")).stdout
    ok(run("--db", str(other), "sources", "add", "--person", "dariush-fakeri", "--title", MARKER,
           "--confidential"))  # the copy encrypts what is added to it
    assert MARKER.encode() not in other.read_bytes()
    assert [r["key"] for r in ok(run("--db", str(other), "keys", "list", "--format", "json")).json()] == [
        public_key]


def test_check_security_says_what_is_still_in_clear_and_rotate_fixes_it(
    tmp_path: Path, db: Path, alice: Path, run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    from dossier import store

    seed(db, make_person(id="kaveh-nadiri"))
    (tmp_path / "copy.txt").write_text("a fictional transcript", encoding="utf-8")
    key = ok(run("sources", "add", "--person", "kaveh-nadiri", "--title", "Interview",
                 "--confidential")).stdout.strip()
    ok(run("sources", "attach", key, str(tmp_path / "copy.txt")))
    off = run("check", "--security", "--format", "json")
    assert off.code == 4
    assert {f["code"] for f in off.json()} == {"S-ENCRYPTION-OFF", "S-CLEAR-EVIDENCE"}
    ok(run("keys", "init"))
    assert ok(run("check", "--security")).stdout == ""
    # What a hand edit or an older program could leave: clear content beside sealed, twice (the .bak too).
    for note in ("first", f"second {MARKER}"):
        with store.transaction(db) as tx:  # below the api: nothing seals here
            tx.put_source({"key": "hand", "title": f"Hand-written {MARKER}", "confidential": True,
                           "kind": "other"})
            person = tx["kaveh-nadiri"]
            tx.put({**person, "restricted": True, "narrative": note})
            tx.log([{"at": "2026-01-01T00:00:00Z", "actor": "x", "command": "x", "kind": "source",
                     "id": "hand", "op": "changed", "changes": [{"path": "note", "old": None, "new": note}]}])
    (tmp_path / f".{db.name}.1234.tmp").write_bytes(b"left by a killed write")
    alice.chmod(0o644)
    found = run("check", "--security", "--format", "json")
    assert found.code == 4
    assert {f["code"] for f in found.json()} == {
        "S-CLEAR-SOURCE", "S-CLEAR-NARRATIVE", "S-CLEAR-HISTORY", "S-CLEAR-BACKUP", "S-LEFTOVER",
        "S-IDENTITY-MODE"}
    (tmp_path / f".{db.name}.1234.tmp").unlink()
    alice.chmod(0o600)
    ok(run("keys", "rotate"))
    assert ok(run("check", "--security")).stdout == ""
    assert MARKER.encode() not in db.read_bytes() + db.with_name("db.json.bak").read_bytes()
    monkeypatch.setenv("DOSSIER_IDENTITY", str(tmp_path / "stranger.key"))
    ok(run("keys", "init"))
    assert [f["code"] for f in run("check", "--security", "--format", "json").json()] == ["S-NOT-RECIPIENT"]


@pytest.mark.parametrize("fmt", ["json", "ndjson", "csv", "yaml"])
def test_sealed_records_round_trip_through_every_format_byte_for_byte(
    tmp_path: Path, db: Path, alice: Path, run: Callable[..., Result], fmt: str
) -> None:
    seed(db, secret_person(), make_person("Kaveh Nadiri", id="kaveh-nadiri"))
    ok(run("keys", "init"))
    ok(run("export", str(tmp_path / f"all.{fmt}")))
    copy = tmp_path / "copy.json"
    ok(run("--db", str(copy), "import", str(tmp_path / f"all.{fmt}")))
    assert ok(run("--db", str(copy), "export", "--format", "ndjson")).stdout == \
        ok(run("export", "--format", "ndjson")).stdout
    again = ok(run("import", str(tmp_path / f"all.{fmt}")))
    assert again.stderr.startswith("0 added, 0 updated, 2 unchanged")


def test_blind_writes_are_refused_and_merges_read_what_they_join(
    tmp_path: Path, db: Path, alice: Path, run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(db, secret_person(), make_person("Dariosh Fakery", id="dariosh-fakery", restricted=True,
                                          narrative="A second fictional narrative."))
    ok(run("keys", "init"))
    monkeypatch.delenv("DOSSIER_IDENTITY")
    before = db.read_bytes()
    for args in (["edit", "dariush-fakeri", "--set", "sealed=", "--set", "narrative=Overwritten"],
                 ["edit", "dariush-fakeri", "--set", "restricted=false"],
                 ["sources", "edit", "confidential", "--set", "sealed="],
                 ["sources", "edit", "confidential", "--set", "confidential=false"],
                 ["merge", "dariush-fakeri", "dariosh-fakery"]):
        res = run(*args)
        assert res.code == 1, (args, res)
        assert "needs an identity" in res.stderr or "is encrypted" in res.stderr
    (tmp_path / "clear.json").write_text(json.dumps([secret_person()]), encoding="utf-8")
    assert run("import", str(tmp_path / "clear.json"), "--on-conflict", "update").code == 1
    assert db.read_bytes() == before
    monkeypatch.setenv("DOSSIER_IDENTITY", str(alice))
    merged = ok(run("merge", "dariush-fakeri", "dariosh-fakery"))
    assert "merged" in merged.stderr.lower()
    shown = ok(run("show", "dariush-fakeri")).stdout
    assert MARKER in shown
    assert "A second fictional narrative." in shown
    assert b"A second fictional" not in db.read_bytes()


def test_making_a_record_confidential_seals_its_past(
    tmp_path: Path, db: Path, alice: Path, run: Callable[..., Result]
) -> None:
    seed(db, make_person(id="dariush-fakeri"))
    ok(run("keys", "init"))
    ok(run("sources", "add", "--key", "w1", "--person", "dariush-fakeri", "--title", f"Public then {MARKER}",
           "--note", MARKER))
    ok(run("edit", "dariush-fakeri", "--set", f"narrative=Open text {MARKER}"))
    ok(run("sources", "edit", "w1", "--set", "confidential=true"))
    ok(run("edit", "dariush-fakeri", "--set", "restricted=true"))
    assert leaks(tmp_path) == []
    assert ok(run("check", "--security")).stdout == ""
    assert MARKER in ok(run("log", "w1")).stdout  # sealed, not lost


def test_sealed_content_without_recipients_and_a_broken_identity_are_reported(
    tmp_path: Path, db: Path, alice: Path, run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(db, secret_person())
    ok(run("keys", "init"))
    ok(run("export", str(tmp_path / "all.json")))
    bare = tmp_path / "bare.json"  # a plain export carries no recipients
    ok(run("--db", str(bare), "import", str(tmp_path / "all.json")))
    found = run("--db", str(bare), "check", "--security", "--format", "json")
    assert [f["code"] for f in found.json()] == ["S-NO-RECIPIENTS"]
    ok(run("--db", str(bare), "edit", "dariush-fakeri", "--set", "aliases+=D. F."))  # not opened to write
    assert MARKER.encode() not in bare.read_bytes()
    alice.write_text("AGE-SECRET-KEY-1DAMAGED\n", encoding="utf-8")
    broken = run("check", "--security", "--format", "json")
    assert broken.code == 4
    assert [f["code"] for f in broken.json()] == ["S-IDENTITY-BROKEN"]


def test_a_garbled_sealed_value_is_refused_at_the_door(
    tmp_path: Path, db: Path, run: Callable[..., Result]
) -> None:
    garbled = secret_person()
    garbled.update(narrative="withheld (encrypted)",
                   sealed="-----BEGIN AGE ENCRYPTED FILE-----\nZZZZ\n-----END AGE ENCRYPTED FILE-----\n")
    (tmp_path / "g.json").write_text(json.dumps([garbled]), encoding="utf-8")
    res = run("import", str(tmp_path / "g.json"))
    assert res.code == 4
    assert "sealed" in res.stderr
    assert "header is damaged" in res.stderr


def test_rotation_encrypts_a_shared_copy_once_and_removes_the_one_it_replaced(
    tmp_path: Path, db: Path, alice: Path, run: Callable[..., Result]
) -> None:
    seed(db, secret_person(), secret_person("Kaveh Nadiri", id="kaveh-nadiri"))  # one source, two carriers
    ok(run("keys", "init"))
    (tmp_path / "tape.ogg").write_bytes(b"OggS fictional recording")
    ok(run("sources", "attach", "confidential", str(tmp_path / "tape.ogg")))
    store_dir = db.with_name("db.json.evidence")
    before = {p.name for p in store_dir.rglob("*") if p.is_file()}
    assert len(before) == 1
    ok(run("keys", "rotate"))
    after = {p.name for p in store_dir.rglob("*") if p.is_file()}
    assert len(after) == 1
    assert after != before  # encrypted anew, the old ciphertext gone
    assert "E-SOURCE-CLASH" not in run("check").stdout  # the registry and both carriers agree
    assert ok(run("sources", "open", "confidential", "--stdout")).stdout == "OggS fictional recording"


@pytest.mark.parametrize("gone", [["rm", "plain", "--yes"], ["merge", "ava-fictus", "plain"]])
def test_a_person_gone_with_encryption_on_leaves_no_clear_history(run, db: Path, alice: Path, gone) -> None:
    ok(run("add", "Ava Fictus"))
    ok(run("keys", "init"))
    ok(run("add", "Plain Fictus", "--id", "plain"))
    ok(run(*gone))
    # (what a person gone held cannot be told any more: its history counts as confidential)
    assert ok(run("check", "--security")).stdout == ""
    assert "add 'Plain Fictus' … (values withheld: confidential)" in ok(run("log", "plain")).stdout


def test_a_member_reads_the_history_sealed_before_they_joined_as_withheld(
    tmp_path: Path, run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    def as_user(name: str) -> None:
        monkeypatch.setenv("DOSSIER_IDENTITY", str(tmp_path / f"{name}.key"))

    alice_db, bob_db, folder = (str(tmp_path / n) for n in ("alice.json", "bob.json", "records"))
    as_user("alice")
    seed(Path(alice_db), make_person("Ava Fictus", id="ava", restricted=True, narrative=f"Says {MARKER}."))
    ok(run("--db", alice_db, "keys", "init"))
    ok(run("--db", alice_db, "export", folder, "--split"))
    as_user("bob")
    bob = ok(run("--db", bob_db, "keys", "init")).stdout.strip()
    ok(run("--db", bob_db, "import", folder, "--mirror"))  # (its history: sealed to Alice alone)
    as_user("alice")
    ok(run("--db", alice_db, "keys", "add", bob, "--name", "bob"))
    ok(run("--db", alice_db, "export", folder, "--split"))
    as_user("bob")
    ok(run("--db", bob_db, "import", folder, "--mirror"))
    assert MARKER in ok(run("--db", bob_db, "show", "ava")).stdout
    log = ok(run("--db", bob_db, "log", "ava")).stdout  # (it stopped at the first such entry, exit 1)
    assert "withheld (encrypted)" in log
    assert "person ava (Ava Fictus) added" in log
    # (a rotation in this copy leaves those values as they are: it stopped, exit 1)
    rotated = ok(run("--db", bob_db, "keys", "rotate"))
    assert "this user cannot read (sealed before they were a recipient) stayed as they were" in rotated.stderr
    assert MARKER in ok(run("--db", bob_db, "show", "ava")).stdout
    assert "withheld (encrypted)" in ok(run("--db", bob_db, "log", "ava")).stdout
