"""Shared fixtures: an isolated database per test, and ways to run the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from dossier.cli import app

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).with_name("dossier")


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own database file, no colour, a wide fixed terminal."""
    db = tmp_path / "db.json"
    monkeypatch.setenv("DOSSIER_DB", str(db))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("DOSSIER_LOCK_TIMEOUT", "5")
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    # No identity of the person running the tests: keys live in a config folder of the test.
    monkeypatch.delenv("DOSSIER_IDENTITY", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return db


@pytest.fixture
def db(isolated: Path) -> Path:
    return isolated


class Result:
    def __init__(self, code: int, stdout: str, stderr: str) -> None:
        self.code, self.stdout, self.stderr = code, stdout, stderr

    def json(self) -> Any:
        return json.loads(self.stdout)

    def __repr__(self) -> str:
        return f"Result(code={self.code}, stdout={self.stdout[:300]!r}, stderr={self.stderr[:300]!r})"


@pytest.fixture
def run() -> Callable[..., Result]:
    """Run the CLI in-process (Typer's CliRunner); stdin may be given as text."""
    runner = CliRunner()

    def _run(*args: str, input: str | None = None) -> Result:
        res = runner.invoke(app, list(args), input=input, catch_exceptions=False)
        return Result(res.exit_code, res.stdout, res.stderr)

    return _run


@pytest.fixture
def run_bin() -> Callable[..., Result]:
    """Run the installed ``dossier`` executable in a subprocess (no terminal)."""

    def _run(*args: str, input: str | bytes | None = None, env: dict[str, str] | None = None,
             timeout: float = 60) -> Result:
        full_env = {**os.environ, **(env or {})}
        data = input.encode() if isinstance(input, str) else input
        proc = subprocess.run([str(BIN), *args], input=data, capture_output=True, env=full_env,
                              timeout=timeout, stdin=None if data is not None else subprocess.DEVNULL)
        return Result(proc.returncode, proc.stdout.decode(), proc.stderr.decode())

    return _run


def make_person(name: str = "Dariush Fakeri", **fields: Any) -> dict[str, Any]:
    """A fictional, fully sourced record in the interchange form."""
    key = fields.pop("source_key", "example-report-1990")
    record: dict[str, Any] = {
        "name": name,
        "role_1988": {"title": "Prosecutor", "place": "Tabriz", "sources": [key]},
        "sources": [{"key": key, "title": "Example report", "url": "https://example.org/r",
                     "kind": "report", "published": "1990"}],
    }
    record.update(fields)
    return record


def seed(db: Path, *records: dict[str, Any]) -> None:
    """Store validated records through the real store, as `add`/`import` would."""
    from dossier.api import writing
    from dossier.model.person import dump, validate_person
    from dossier.model.rules import now_utc

    with writing.transaction(db) as tx:
        for data in records:
            person = validate_person(data)
            person.created = person.updated = now_utc()
            writing.put_person(tx, dump(person))


def stored(db: Path) -> dict[str, dict[str, Any]]:
    """The persons in the database file, by id, read through the store (the file must parse)."""
    from dossier import store

    return {r["id"]: r for r in store.read(db).all()}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite tests/golden/ files from the current output instead of comparing")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


class Terminal:
    """The installed ``dossier`` at a real pseudo-terminal (stdin, stdout and stderr),
    as a researcher runs it: ``expect`` reads until a marker appears, ``type`` answers."""

    def __init__(self, *args: str, env: dict[str, str] | None = None, columns: int = 120) -> None:
        import pty
        import struct
        import termios
        from fcntl import ioctl

        self.master, slave = pty.openpty()
        ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
        env = {**os.environ, "TERM": "xterm", "COLUMNS": str(columns), **(env or {})}
        self.proc = subprocess.Popen([str(BIN), *args], stdin=slave, stdout=slave, stderr=slave, env=env,
                                     close_fds=True)
        os.close(slave)
        self.seen = bytearray()

    def expect(self, marker: str | bytes, timeout: float = 20) -> None:
        import select
        import time

        wanted = marker.encode() if isinstance(marker, str) else marker
        deadline = time.monotonic() + timeout
        poll = select.poll()
        poll.register(self.master, select.POLLIN)
        while wanted not in self.seen:
            ready = poll.poll(max(0.0, deadline - time.monotonic()) * 1000)
            if not ready:
                raise AssertionError(f"no {wanted!r} on the terminal; got {bytes(self.seen)!r}")
            try:
                chunk = os.read(self.master, 4096)
            except OSError:  # the child closed the terminal
                raise AssertionError(f"terminal closed before {wanted!r}; got {bytes(self.seen)!r}") from None
            self.seen += chunk

    def type(self, line: str) -> None:
        os.write(self.master, line.encode() + b"\n")

    def finish(self, timeout: float = 30) -> int:
        """Wait for the exit code, reading the output meanwhile (a long one would fill the
        terminal's buffer and stop the process)."""
        import contextlib
        import time

        try:
            deadline = time.monotonic() + timeout
            while self.proc.poll() is None:
                if time.monotonic() > deadline:
                    raise subprocess.TimeoutExpired(self.proc.args, timeout)
                with contextlib.suppress(AssertionError):
                    self.expect(b"\0never\0", timeout=0.05)
            with contextlib.suppress(AssertionError):
                self.expect(b"\0never\0", timeout=0.2)  # drain what is left
            return self.proc.returncode
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            os.close(self.master)

    @property
    def text(self) -> str:
        return self.seen.decode("utf-8", "replace")
