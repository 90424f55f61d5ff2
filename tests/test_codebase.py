"""The code's own rules, checked with every test run: strict types, the layer contract
(a lower layer never imports a higher one), and lint."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TOOLS = Path(sys.executable).parent


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)


def test_types_are_strict() -> None:
    proc = _run(sys.executable, "-m", "mypy")  # the files and strictness are in pyproject.toml
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_layers_are_kept() -> None:
    proc = _run(str(TOOLS / "lint-imports"), "--no-cache")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout


def test_layer_contract_catches_an_upward_import(tmp_path: Path) -> None:
    # The contract is only worth something if it fails: copy the package, make the
    # record rules import the CLI, and lint the copy.
    shutil.copytree(REPO / "dossier", tmp_path / "dossier")
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    rules = tmp_path / "dossier" / "model" / "rules.py"
    rules.write_text(rules.read_text(encoding="utf-8") + "\nfrom dossier.cli import output  # noqa\n",
                     encoding="utf-8")
    proc = subprocess.run([str(TOOLS / "lint-imports"), "--no-cache"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300, env={"PYTHONPATH": str(tmp_path), "PATH": str(TOOLS)})
    assert proc.returncode != 0
    assert "dossier.model.rules -> dossier.cli.output" in proc.stdout


def test_lint_is_clean() -> None:
    proc = _run(sys.executable, "-m", "ruff", "check", "dossier", "tests", "bench")
    assert proc.returncode == 0, proc.stdout + proc.stderr
