"""Shell completion (issue 19): `dossier --show-completion`/`--install-completion` for bash, zsh
and fish, and person ids, tags and source keys completed from the database.

Completion is Typer's protocol: the shell runs `dossier` with `_DOSSIER_COMPLETE=complete_bash`
(and `COMP_WORDS`/`COMP_CWORD`), or `complete_zsh`/`complete_fish` (and `_TYPER_COMPLETE_ARGS`),
and reads the candidates from stdout. These tests run the installed executable that way.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import BIN, make_person, seed

PEOPLE = [
    make_person("Kaveh Nadiri", id="kaveh-nadiri", tags=["tabriz", "judiciary"]),
    make_person("Kaveh Namdar", id="kaveh-namdar", tags=["tabriz"], source_key="report-on-kaveh"),
    make_person("Dariush Fakeri", id="dariush-fakeri", tags=["tag with 'quotes' $(x)"]),
]


def complete(shell: str, line: str, *, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """What the shell's completion function gets back for ``line`` (the cursor at its end)."""
    words = line.split(" ")
    variables = {"_DOSSIER_COMPLETE": f"complete_{shell}"}
    if shell == "bash":
        variables.update(COMP_WORDS=line, COMP_CWORD=str(len(words) - 1))
    else:
        variables.update(_TYPER_COMPLETE_ARGS=line, _TYPER_COMPLETE_FISH_ACTION="get-args")
    return subprocess.run([str(BIN)], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **variables, **(env or {})})


@pytest.fixture
def people(db: Path) -> Path:
    seed(db, *PEOPLE)
    return db


def test_person_ids_complete_in_bash(people: Path) -> None:
    res = complete("bash", "dossier show kaveh-n")
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["kaveh-nadiri", "kaveh-namdar"]
    assert res.stderr == ""
    for command in ("edit", "rm", "log", "review", "merge dariush-fakeri", "distinct kaveh-nadiri"):
        assert complete("bash", f"dossier {command} da").stdout.split() == ["dariush-fakeri"], command


def test_the_db_option_typed_before_the_command_is_the_one_read(people: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    seed(other, make_person("Bahram Sadeghi", id="bahram-sadeghi"))
    res = complete("bash", f"dossier --db {other} show ")
    assert res.stdout.split() == ["bahram-sadeghi"]


def test_zsh_and_fish_show_the_name_beside_the_id(people: Path) -> None:
    zsh = complete("zsh", "dossier show kaveh-na")
    assert '"kaveh-nadiri":"Kaveh Nadiri"' in zsh.stdout
    assert zsh.stdout.startswith("_arguments")
    fish = complete("fish", "dossier show kaveh-na")
    assert fish.stdout.splitlines() == ["kaveh-nadiri\tKaveh Nadiri", "kaveh-namdar\tKaveh Namdar"]


def test_tags_and_source_keys_complete(people: Path) -> None:
    assert complete("bash", "dossier list --tag ta").stdout.split() == ["tabriz"]
    fish = complete("fish", "dossier list --tag ")
    # Only plain tags are offered: the command line is the shell's (zsh evaluates it).
    assert fish.stdout.splitlines() == ["judiciary\t1 person", "tabriz\t2 persons"]
    assert complete("bash", "dossier sources show rep").stdout.split() == ["report-on-kaveh"]
    assert complete("bash", "dossier add X --role-1988 Y --source exa").stdout.split() == [
        "example-report-1990"]
    assert complete("bash", "dossier review kaveh-nadiri --confirm --source rep").stdout.split() == [
        "report-on-kaveh"]
    assert complete("bash", "dossier log rep").stdout.split() == ["report-on-kaveh"]


def test_a_missing_or_broken_database_completes_nothing_quietly(tmp_path: Path) -> None:
    res = complete("bash", f"dossier --db {tmp_path / 'none.json'} show k")
    assert (res.returncode, res.stdout.strip(), res.stderr) == (0, "", "")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    res = complete("bash", f"dossier --db {broken} show k")
    assert (res.returncode, res.stdout.strip(), res.stderr) == (0, "", "")


def test_commands_complete() -> None:
    res = complete("bash", "dossier pro")
    assert res.stdout.split() == ["profiles"]


# Typer detects the shell the command runs in; its test switch makes the shell an argument.
EXPLICIT_SHELL = {"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_show_completion_prints_the_script_of_each_shell(shell: str) -> None:
    res = subprocess.run([str(BIN), "--show-completion", shell], capture_output=True, text=True, timeout=60,
                         env={**os.environ, **EXPLICIT_SHELL})
    assert res.returncode == 0, res.stderr
    assert f"_DOSSIER_COMPLETE=complete_{shell}" in res.stdout


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_show_completion_detects_the_shell_it_runs_in() -> None:
    # "; true": bash would otherwise exec dossier in its own place, and not be its parent.
    res = subprocess.run(["bash", "--norc", "-c", f"{BIN} --show-completion; true"], capture_output=True,
                         text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert "_DOSSIER_COMPLETE=complete_bash" in res.stdout


@pytest.mark.parametrize(("shell", "written"), [
    ("bash", ".bash_completions/dossier.sh"),
    ("zsh", ".zfunc/_dossier"),
    ("fish", ".config/fish/completions/dossier.fish"),
])
def test_install_completion_writes_the_script(tmp_path: Path, shell: str, written: str) -> None:
    res = subprocess.run([str(BIN), "--install-completion", shell], capture_output=True, text=True,
                         timeout=60, env={**os.environ, **EXPLICIT_SHELL, "HOME": str(tmp_path)})
    assert res.returncode == 0, res.stderr
    assert f"{shell} completion installed in" in res.stdout
    assert f"_DOSSIER_COMPLETE=complete_{shell}" in (tmp_path / written).read_text(encoding="utf-8")


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_itself_completes_an_id(people: Path) -> None:
    """The script `--show-completion bash` prints, sourced in a real bash, fills COMPREPLY."""
    script = subprocess.run([str(BIN), "--show-completion", "bash"], capture_output=True, text=True,
                            timeout=60).stdout
    probe = (f"{script}\nCOMP_WORDS=(dossier show kaveh-nad); COMP_CWORD=2\n"
             "_dossier_completion dossier; printf '%s\\n' \"${COMPREPLY[@]}\"\n")
    res = subprocess.run(["bash", "--norc", "-c", probe], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PATH": f"{BIN.parent}:{os.environ.get('PATH', '')}"})
    assert res.stdout.split() == ["kaveh-nadiri"], res.stderr
