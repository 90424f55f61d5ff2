"""The $EDITOR loop of `edit`, driven by fake editor scripts."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest


def editor(tmp_path: Path, name: str, body: str) -> str:
    """A fake editor: a shell script that receives the file path as $1."""
    script = tmp_path / name
    script.write_text("#!/bin/sh\nset -e\n" + body)
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


@pytest.fixture
def fakeri(run):
    assert run("add", "Dariush Fakeri", "--status", "alive").code == 0


def test_editor_change_is_validated_and_saved(run_bin, tmp_path, fakeri):
    ed = editor(tmp_path, "ed.sh", "sed -i 's/^status: alive/status: deceased/' \"$1\"\n")
    res = run_bin("edit", "dariush-fakeri", env={"EDITOR": ed})
    assert res.code == 0, res
    assert "updated dariush-fakeri" in res.stderr
    assert run_bin("show", "dariush-fakeri", "--format", "json").json()["status"] == "deceased"


def test_editor_sees_yaml_with_a_header(run, run_bin, tmp_path, fakeri):
    assert run("edit", "dariush-fakeri", "--set", "aliases+=Daryoush Fakery").code == 0
    seen = tmp_path / "seen.yaml"
    ed = editor(tmp_path, "ed.sh", f"cp \"$1\" {seen}\n")
    assert run_bin("edit", "dariush-fakeri", env={"EDITOR": ed}).code == 0
    text = seen.read_text()
    assert text.startswith("# Editing dariush-fakeri.")
    # the record's own order (id and name first), not the sorted keys of a records/ file
    body = [line for line in text.splitlines() if not line.startswith("#")]
    assert body[:4] == ["id: dariush-fakeri", "name: Dariush Fakeri", "aliases:", "- Daryoush Fakery"]
    assert "created" not in text


def test_unchanged_or_emptied_or_failed_editor_writes_nothing(run_bin, tmp_path, db, fakeri):
    before = db.read_bytes()
    for body in ("true\n", ": > \"$1\"\n"):
        ed = editor(tmp_path, "ed.sh", body)
        res = run_bin("edit", "dariush-fakeri", env={"EDITOR": ed})
        assert res.code == 0, res
        assert "no changes" in res.stderr
    # An editor that fails (vim's :cq) is said to, as git says it: not "no changes".
    failed = run_bin("edit", "dariush-fakeri", env={"EDITOR": editor(tmp_path, "ed.sh", "exit 3\n")})
    assert failed.code == 1
    assert failed.stderr == "error: the editor exited with status 3: nothing was written\n"
    assert db.read_bytes() == before


def test_invalid_edit_off_terminal_exits_4_and_writes_nothing(run_bin, tmp_path, db, fakeri):
    before = db.read_bytes()
    ed = editor(tmp_path, "ed.sh", "echo 'born: 1988-13' >> \"$1\"\n")
    res = run_bin("edit", "dariush-fakeri", env={"EDITOR": ed})
    assert res.code == 4
    assert "born: not a date '1988-13'" in res.stderr
    # at the line of the file it is on (the last: the field appended)
    kept = Path(res.stderr.split("your edit is kept in ")[1].strip())
    last = len(kept.read_text(encoding="utf-8").splitlines())
    assert f"error: editor:{last}: born: not a date" in res.stderr
    assert db.read_bytes() == before


def test_invalid_yaml_exits_4(run_bin, tmp_path, db, fakeri):
    before = db.read_bytes()
    ed = editor(tmp_path, "ed.sh", "echo 'name: [unclosed' >> \"$1\"\n")
    res = run_bin("edit", "dariush-fakeri", env={"EDITOR": ed})
    assert res.code == 4
    assert "not valid YAML" in res.stderr
    assert db.read_bytes() == before


def test_changing_the_id_is_refused(run_bin, tmp_path, db, fakeri):
    ed = editor(tmp_path, "ed.sh", "sed -i 's/^id: .*/id: someone-else/' \"$1\"\n")
    res = run_bin("edit", "dariush-fakeri", env={"EDITOR": ed})
    assert res.code == 4
    assert "id" in res.stderr


def test_reopen_after_error_then_fix(tmp_path, db, fakeri, monkeypatch):
    """The khard-style loop: an error is shown and the editor reopens on the errors."""
    from dossier import api
    from dossier.cli.editor import edit_loop

    count = tmp_path / "count"
    ed = editor(tmp_path, "ed.sh", textwrap_fix(count))
    monkeypatch.setenv("EDITOR", ed)
    shown: list[list[str]] = []
    record = api.show(db, "dariush-fakeri")
    text = "name: Dariush Fakeri\nid: dariush-fakeri\nstatus: alive\n"
    person = edit_loop(
        "dariush-fakeri", text,
        lambda body: api.edit_replace(db, record["id"], __import__("yaml").safe_load(body)),
        reopen=lambda errors: shown.append(errors) or True,
    )
    assert person["born"] == "1950"
    assert len(shown) == 1
    assert "1988-13" in shown[0][0]


@pytest.mark.parametrize("fault", [KeyError, KeyboardInterrupt])  # (a bug; Ctrl-C awaiting the lock)
def test_an_edit_met_by_a_fault_of_dossier_is_kept_and_named(tmp_path, monkeypatch, capsys, fault):
    from dossier.cli.editor import edit_loop

    def parse(body: str) -> None:
        raise fault()

    monkeypatch.setenv("EDITOR", editor(tmp_path, "ed.sh", "echo 'born: 1950' >> \"$1\"\n"))
    with pytest.raises(fault):
        edit_loop("dariush-fakeri", "name: Dariush Fakeri\n", parse, reopen=None)
    kept = capsys.readouterr().err.split("your edit is kept in ")[1].strip()
    assert "born: 1950" in Path(kept).read_text()


def textwrap_fix(count: Path) -> str:
    # first run: a bad date; second run: the editor sees the error comment and fixes it
    return (
        f'if [ ! -f {count} ]; then touch {count}; echo "born: 1988-13" >> "$1"; '
        f'else grep -q "^# ERROR: " "$1"; sed -i "s/^born: 1988-13/born: 1950/" "$1"; fi\n'
    )


def test_an_impossible_date_unquoted_is_refused_as_a_date_and_the_edit_kept(run_bin, tmp_path, db, fakeri):
    # YAML reads 1960-02-30 as a timestamp, which Python's calendar refuses: it was an
    # internal error that threw the edit away.
    before = db.read_bytes()
    ed = editor(tmp_path, "ed.sh", "echo 'born: 1960-02-30' >> \"$1\"\n")
    res = run_bin("edit", "dariush-fakeri", env={"EDITOR": ed})
    assert res.code == 4, res
    assert "born: not a date '1960-02-30': 1960-02 has no day 30" in res.stderr
    kept = res.stderr.split("your edit is kept in ")[1].strip()
    assert "born: 1960-02-30" in Path(kept).read_text()
    assert db.read_bytes() == before


def test_a_refused_edit_is_kept_and_named(run_bin, tmp_path, db, fakeri):
    ed = editor(tmp_path, "ed.sh", "echo 'born: 1988-13' >> \"$1\"\n")
    res = run_bin("edit", "dariush-fakeri", env={"EDITOR": ed})
    assert res.code == 4
    kept = res.stderr.split("your edit is kept in ")[1].strip()
    assert "born: 1988-13" in Path(kept).read_text()


@pytest.mark.parametrize(("appended", "message"), [
    ("status: deceased", "editor:7: not valid YAML: key 'status' appears twice in one mapping"),
    ("aliases: &a [x]\ntags: *a", "editor:7: YAML aliases (*name) are not accepted"),
    ("narrative: !!python/name:os.system", "editor:7: not valid YAML: could not determine a constructor"),
    ("born: !!float soon", "editor:7: not valid YAML: 'soon' cannot be read as float"),
])
def test_editor_yaml_is_read_as_strictly_as_import(run_bin, tmp_path, db, fakeri, appended, message):
    # A key given twice would silently keep only the last value: import refuses it, so does edit.
    before = db.read_bytes()
    ed = editor(tmp_path, "ed.sh", f"printf '%s\\n' '{appended}' >> \"$1\"\n")
    res = run_bin("edit", "dariush-fakeri", env={"EDITOR": ed})
    assert res.code == 4, res
    assert res.stderr.startswith(f"error: {message}"), res.stderr
    assert db.read_bytes() == before


def test_invalid_edit_at_a_terminal_offers_to_reopen_and_keeps_the_edit(tmp_path, db, fakeri):
    from tests.conftest import Terminal

    before = db.read_bytes()
    ed = editor(tmp_path, "ed.sh", "echo 'status: deceased' >> \"$1\"\n")
    term = Terminal("edit", "dariush-fakeri", env={"EDITOR": ed})
    term.expect("key 'status' appears twice in one mapping")
    term.expect("Edit again?")
    term.type("n")
    assert term.finish() == 4
    assert "your edit is kept in" in term.text
    assert db.read_bytes() == before


def test_ctrl_c_at_edit_again_keeps_the_edit(tmp_path, db, fakeri):
    import re
    import signal

    from tests.conftest import Terminal

    ed = editor(tmp_path, "ed.sh", "echo 'status: deceased' >> \"$1\"\n")
    term = Terminal("edit", "dariush-fakeri", env={"EDITOR": ed})
    term.expect("Edit again?")
    term.proc.send_signal(signal.SIGINT)
    assert term.finish() == 130
    kept = re.search(r"your edit is kept in (\S+\.yaml)", term.text)
    assert kept is not None, term.text
    assert "status: deceased" in Path(kept.group(1)).read_text(encoding="utf-8")


def meanwhile(tmp_path: Path, change: str) -> str:
    """A fake editor that, the first time only, lets another writer change the record while
    it is open (``change``: arguments of `dossier edit dariush-fakeri`), then sets the status."""
    import sys

    return editor(tmp_path, "ed.sh", (
        f"if [ ! -e {tmp_path}/once ]; then touch {tmp_path}/once; "
        f"{sys.executable} -m dossier edit dariush-fakeri {change} >/dev/null 2>&1; fi\n"
        "sed -i 's/^status: alive/status: deceased/' \"$1\"\n"))


def test_a_change_made_while_the_editor_is_open_is_not_undone_silently(run, run_bin, tmp_path, db, fakeri):
    ed = meanwhile(tmp_path, "--set tags+=evin")
    res = run_bin("edit", "dariush-fakeri", env={"EDITOR": ed})
    assert res.code == 5, res
    assert "dariush-fakeri was changed since the editor opened it" in res.stderr
    assert ": tags" in res.stderr
    assert "your edit is kept in" in res.stderr
    after = run("show", "dariush-fakeri", "--format", "json").json()
    assert (after["tags"], after["status"]) == (["evin"], "alive")  # the other writer's change only


def test_at_a_terminal_the_edit_is_offered_again_and_then_replaces(tmp_path, db, run, fakeri):
    from tests.conftest import Terminal

    ed = meanwhile(tmp_path, "--set tags+=evin")
    term = Terminal("edit", "dariush-fakeri", env={"EDITOR": ed})
    term.expect("was changed since the editor opened it")
    term.expect("Edit again?")
    term.type("y")
    assert term.finish() == 0, term.text
    after = run("show", "dariush-fakeri", "--format", "json").json()
    assert (after["tags"], after["status"]) == ([], "deceased")  # told, and saved as it was


def test_quitting_the_reopened_editor_without_saving_writes_nothing(tmp_path, db, run, fakeri):
    # Told of a change made meanwhile, the user quits without saving (vim's :q): the other
    # writer's change stays, and the edit is kept in its file.
    import sys

    from tests.conftest import Terminal

    ed = editor(tmp_path, "ed.sh", (
        f"if [ -e {tmp_path}/once ]; then exit 0; fi; touch {tmp_path}/once\n"
        f"{sys.executable} -m dossier edit dariush-fakeri --set tags+=evin >/dev/null 2>&1\n"
        "sed -i 's/^status: alive/status: deceased/' \"$1\"\n"))
    term = Terminal("edit", "dariush-fakeri", env={"EDITOR": ed})
    term.expect("Edit again?")
    term.type("y")
    assert term.finish() == 4, term.text
    assert "edit abandoned; nothing was written" in term.text
    assert "your edit is kept in" in term.text
    after = run("show", "dariush-fakeri", "--format", "json").json()
    assert (after["tags"], after["status"]) == (["evin"], "alive")
