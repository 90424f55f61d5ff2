"""Help that teaches (issue 19): every command and option says what it is for, every command's
`--help` ends with examples; `add`'s fuller options; `list --columns`; tables that never break
an id at a narrow terminal."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer
from conftest import Terminal, make_person, seed

from dossier.cli import app

ROOT = typer.main.get_command(app)


def walk(group: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """(command path, Click command) of every command, groups and their subcommands included."""
    out = [(path, group)]
    if hasattr(group, "list_commands"):  # a group (Typer's own copy of Click's)
        ctx = group.context_class(group)
        for name in group.list_commands(ctx):
            out += walk(group.get_command(ctx, name), (*path, name))
    return out


COMMANDS = walk(ROOT)


def test_every_command_is_walked() -> None:
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"add", "list", "show", "profiles", "sources", "sources show", "sources rm", "review"} <= names
    assert len(names) >= 22


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) or "dossier" for p, _ in COMMANDS])
def test_every_command_and_option_has_a_description(path: tuple[str, ...], command: Any) -> None:
    assert (command.help or "").strip(), path
    assert command.get_short_help_str(limit=200).strip(), path
    for param in command.params:
        if param.name == "help":
            continue
        text = getattr(param, "help", None)
        assert text, (path, param.name)
        assert text.strip(), (path, param.name)
        assert len(text.splitlines()) == 1, (path, param.name)


IDS = [" ".join(p) or "dossier" for p, _ in COMMANDS]


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=IDS)
def test_every_help_ends_with_one_to_three_examples(run, path: tuple[str, ...]) -> None:
    res = run(*path, "--help")
    assert res.code == 0, res
    head, _, examples = res.stdout.rstrip().rpartition("\n  Examples:\n\n")
    assert head, f"{path}: no examples at the end of --help"
    lines = examples.splitlines()
    assert 1 <= len(lines) <= 3, lines
    for line in lines:
        assert line.startswith("    dossier "), line
        if path:  # a command's examples run that command (the root's show several)
            assert line.startswith(f"    dossier {' '.join(path)}"), line


def test_examples_use_only_options_that_exist() -> None:
    for path, command in COMMANDS:
        known = {opt for param in command.params for opt in getattr(param, "opts", [])}
        for line in (command.epilog or "").splitlines():
            words = line.split("#")[0].split("&&")[0].split()
            if path and words[:1 + len(path)] == ["dossier", *path]:
                for option in (w.split("=")[0] for w in words if w.startswith("--")):
                    assert option in known, (path, option)


# --- add -----------------------------------------------------------------------------


def test_add_takes_birth_death_narrative_confidence_and_existing_sources(
    run, db: Path, tmp_path: Path
) -> None:
    seed(db, make_person("Dariush Fakeri", id="dariush-fakeri", source_key="example-report"))
    notes = tmp_path / "kaveh.md"
    notes.write_text("Kaveh Nadiri is fictional.\n\nA second *paragraph*.\n", encoding="utf-8")
    res = run("add", "Kaveh Nadiri", "--born", "SH1315", "--died", "2019-05", "--narrative", f"@{notes}",
              "--role-1988", "Prosecutor", "--current-post", "Judge", "--as-of", "2021",
              "--confidence", "high", "--source", "example-report", "--format", "json")
    assert res.code == 0, res
    record = res.json()
    assert (record["born"], record["died"]) == ("1936", "2019-05")
    assert record["dates_as_written"] == {"born": "SH1315"}
    assert record["narrative"] == notes.read_text(encoding="utf-8")
    for claim in (record["role_1988"], record["current_post"]):
        assert claim["confidence"] == "high"
        assert claim["sources"] == ["example-report"]
    assert [s["key"] for s in record["sources"]] == ["example-report"]
    assert record["sources"][0]["title"] == "Example report"  # the stored source, not a copy of a name
    text = run("add", "Bahram Sadeghi", "--narrative", "Plain text, not a file.", "--format", "json")
    assert text.json()["narrative"] == "Plain text, not a file."


def test_add_with_an_unknown_source_key_or_unreadable_narrative_writes_nothing(run, db: Path) -> None:
    res = run("add", "Kaveh Nadiri", "--role-1988", "Prosecutor", "--source", "no-such-source")
    assert res.code == 3
    assert "no source 'no-such-source'" in res.stderr
    res = run("add", "Kaveh Nadiri", "--narrative", "@/nonexistent/notes.md")
    assert res.code == 2
    assert "--narrative" in res.stderr
    res = run("add", "Kaveh Nadiri", "--confidence", "high")
    assert res.code == 2
    assert not db.exists()


# --- list --columns ----------------------------------------------------------------------


def test_list_columns_chooses_the_columns(run, db: Path) -> None:
    seed(db, make_person("Kaveh Nadiri", id="kaveh-nadiri", tags=["tabriz", "judiciary"], status="alive"))
    res = run("list", "--columns", "id,status,tags,role_1988")
    assert res.code == 0, res
    assert res.stdout.splitlines() == [
        "id\tstatus\ttags\tposition in 1988",
        "kaveh-nadiri\talive\ttabriz, judiciary\tProsecutor (Tabriz)",
    ]
    default = run("list").stdout.splitlines()[0]
    assert default == "id\tname\tnative name\tposition in 1988\tcurrent post"


@pytest.mark.parametrize("columns", ["id,nmae", "", "id,,"])
def test_list_unknown_column_is_a_usage_error(run, columns: str) -> None:
    res = run("list", "--columns", columns)
    if columns == "id,,":
        assert res.code == 0, res  # empty items are ignored
        return
    assert res.code == 2, res
    assert "--columns" in res.stderr
    assert "current_post" in res.stderr  # the known columns are listed


def test_list_columns_is_for_tables(run) -> None:
    res = run("list", "--columns", "id", "--format", "json")
    assert res.code == 2


def test_a_narrow_terminal_never_breaks_an_id(db: Path) -> None:
    long_ids = [f"kaveh-nadiri-of-the-provincial-court-{n}" for n in range(3)]
    seed(db, *(make_person(f"Kaveh Nadiri {n} with a long name that must wrap", id=pid,
                           role_1988={"title": "Prosecutor and member of the death commission",
                                      "place": "Tabriz", "sources": ["example-report-1990"]})
               for n, pid in enumerate(long_ids)))
    term = Terminal("--db", str(db), "list", columns=60)
    assert term.finish() == 0, term.text
    text = re.sub(r"\x1b\[[0-9;]*m", "", term.text)
    for pid in long_ids:
        assert pid in text, text
    assert max(map(len, text.splitlines())) <= 60, text  # the other columns fold instead


@pytest.mark.parametrize("columns", [80, 100])
def test_on_a_narrow_terminal_names_and_posts_break_between_words(db: Path, columns: int) -> None:
    from rich.cells import cell_len

    seed(db, make_person("Kamran Fictionalpour", id="kamran-fictionalpour", native_name="کامران خیالی‌پور",
                         role_1988={"title": "Deputy prosecutor (Revolutionary Court)",
                                    "organization": "Revolutionary Court of Gohardasht",
                                    "sources": ["example-report-1990"]},
                         current_post={"title": "Advisor to the head of the judiciary",
                                       "sources": ["example-report-1990"]}),
             make_person("Mohammad-Reza Notreal", id="mohammad-reza-notreal", native_name="محمدرضا ناواقعی",
                         role_1988={"title": "Member of the death commission",
                                    "sources": ["example-report-1990"]}))
    term = Terminal("--db", str(db), "list", columns=columns)
    assert term.finish() == 0, term.text
    text = re.sub(r"\x1b\[[0-9;]*m", "", term.text)
    cells = {word for line in text.splitlines() for cell in line.split("│") for word in cell.split()}
    for word in ("Fictionalpour", "Mohammad-Reza", "(Revolutionary", "Gohardasht)", "کامران", "commission"):
        assert word in cells, text
    assert max(map(cell_len, text.splitlines())) <= columns
