"""What a researcher sees at a real terminal (a pseudo-terminal): Rich tables, panels,
prompts and the progress bar; record text is shown as typed, never read as markup."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Terminal, make_person

MARKUP_NAME = "[bold]Kaveh[/] Namdar"


def test_rm_prompt_shows_a_markup_name_literally(run, db: Path) -> None:
    assert run("add", MARKUP_NAME).code == 0
    term = Terminal("rm", "bold-kaveh-namdar")
    term.expect(f"Remove bold-kaveh-namdar ({MARKUP_NAME})?")
    term.type("y")
    assert term.finish() == 0
    assert "removed bold-kaveh-namdar" in term.text
    assert run("list", "--format", "json").json() == []


def test_rm_prompt_answered_no_removes_nothing(run, db: Path) -> None:
    assert run("add", "[/]").code == 0  # a name Rich would refuse as a closing tag
    before = db.read_bytes()
    term = Terminal("rm", "person")
    term.expect("Remove person ([/])?")
    term.type("n")
    assert term.finish() == 0
    assert "nothing removed" in term.text
    assert db.read_bytes() == before


def test_show_and_list_at_a_terminal_print_markup_as_typed(run) -> None:
    added = run("add", MARKUP_NAME, "--native-name", "کاوه نامدار", "--current-post", "[red]Judge[/]")
    assert added.code == 0
    panel = Terminal("show", "bold-kaveh-namdar")
    assert panel.finish() == 0
    assert MARKUP_NAME in panel.text
    assert "[red]Judge[/]" in panel.text
    assert "╭" in panel.text or "+" in panel.text  # a Rich panel, not the piped key: value lines
    table = Terminal("list")
    assert table.finish() == 0
    assert MARKUP_NAME in table.text
    assert "کاوه نامدار" in table.text
    assert "\t" not in table.text  # a Rich table, not tab-separated lines


def test_a_narrow_terminal_wraps_the_table_without_losing_text(run) -> None:
    assert run("add", "Dariush Fakeri", "--current-post", "Head of the provincial court of appeal").code == 0
    table = Terminal("list", columns=60)
    assert table.finish() == 0
    assert "dariush-fakeri" in table.text
    assert "court" in table.text


def test_import_draws_a_progress_bar_only_on_a_terminal(tmp_path: Path, run_bin) -> None:
    big = tmp_path / "many.ndjson"
    big.write_text("".join(json.dumps(make_person(f"Person {i}", id=f"p-{i}")) + "\n" for i in range(2500)),
                   encoding="utf-8")
    term = Terminal("import", str(big))
    assert term.finish(timeout=60) == 0
    assert "validating" in term.text  # the bar's label, drawn on stderr
    assert "2500 added" in term.text
    piped = run_bin("import", str(big))
    assert piped.code == 0
    assert "validating" not in piped.stderr
    assert piped.stderr == "0 added, 0 updated, 2500 unchanged, 0 skipped\n"


def test_ctrl_c_at_a_prompt_says_so_on_a_line_of_its_own(db) -> None:
    import signal

    term = Terminal("add")
    term.expect("Name (Latin script)")
    term.proc.send_signal(signal.SIGINT)
    assert term.finish() == 130
    assert term.text.endswith("Name (Latin script): \r\ninterrupted\r\n"), repr(term.text[-80:])
    assert not db.exists()
