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


def test_add_at_a_terminal_asks_each_field_and_again_for_a_wrong_answer(run) -> None:
    term = Terminal("add")
    for prompt, answer in [
        ("Name (Latin script)", "Parviz Fictional"),
        ("Native name (Persian script)", "پرویز خیالی"),
        ("Other spellings", "Parwiz Fictional"),
        ("Status", "deceased"),
        ("Born (", "1960-02-30"),
        ("has no day 30", "SH1339"),
        ("Died (", "2999"),
        ("is after today", "2020-05"),
        ("Position in 1988 (title)", "Prosecutor"),
        ("organization", "Revolutionary Court"),
        ("place", "Tabriz"),
        ("Current post (title; empty if unknown)", ""),
        ("Confidence in these posts", "high"),
        ("Source URL (empty to finish)", "https://example.org/fictional-report"),
        ("source title", "A fictional report"),
        ("Source URL (empty to finish)", ""),
        ("Tags", "tabriz, judiciary; prison"),  # (a comma made one tag "tabriz, judiciary")
    ]:
        term.expect(prompt)
        term.seen.clear()  # (the next prompt may repeat this one's words)
        term.type(answer)
    assert term.finish() == 0, term.text
    record = run("show", "parviz-fictional", "--format", "json").json()
    assert (record["native_name"], record["aliases"], record["status"]) == (
        "پرویز خیالی", ["Parwiz Fictional"], "deceased")
    assert (record["born"], record["died"]) == ("1960", "2020-05")
    assert record["dates_as_written"] == {"born": "SH1339"}
    post = record["role_1988"]
    assert (post["title"], post["organization"], post["place"], post["confidence"]) == (
        "Prosecutor", "Revolutionary Court", "Tabriz", "high")
    assert post["sources"] == [record["sources"][0]["key"]]
    assert record["tags"] == ["tabriz", "judiciary", "prison"]


def test_add_at_a_terminal_asks_before_adding_a_likely_duplicate(run, db) -> None:
    import signal

    # Asked after the name, before every other field: it was said after the person was written.
    assert run("add", "Kaveh Nadiri").code == 0
    before = db.read_bytes()
    term = Terminal("add")
    for prompt, answer in [("Name (Latin script)", "Kaveh Nadiry"), ("Native name (Persian script)", "")]:
        term.expect(prompt)
        term.seen.clear()
        term.type(answer)
    term.expect("Add another person anyway?")
    assert "Kaveh Nadiry looks like kaveh-nadiri (Kaveh Nadiri)" in term.text
    term.type("n")
    assert term.finish() == 0, term.text
    assert "nothing added" in term.text
    assert db.read_bytes() == before
    term = Terminal("add")
    term.expect("Name (Latin script)")
    term.type("Bahram Sadeghi")
    term.expect("Native name (Persian script)")
    term.seen.clear()
    term.type("")
    term.expect("Other spellings")  # no likely duplicate: no question
    assert "anyway" not in term.text
    term.proc.send_signal(signal.SIGINT)
    assert term.finish() == 130
