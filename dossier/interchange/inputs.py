"""Reading the input of ``import``: a file, a folder of files, or standard input.

A folder may hold a ``sources/`` subfolder (the layout ``export --split``
writes): one file per source, which the persons' files cite by key. Readers
never raise for bad input: they add a ``Problem`` (``SOURCE:LINE: …``) and go
on, so one run reports every error.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from dossier.errors import Problem, StorageError
from dossier.interchange import (
    EXTENSIONS,
    FORMATS,
    Item,
    check_bytes,
    format_of,
    read_bytes,
    reader,
    sniff,
)

SOURCES_FOLDER = "sources"
RECIPIENTS_FILE = "recipients.txt"
"""The public keys a split folder's confidential content is encrypted to (``age -R`` reads it too)."""

Notify = Callable[[str], None]


@dataclass
class Input:
    """What an import reads: the persons, and the sources of a split folder's ``sources/``."""

    items: list[Item] = field(default_factory=list)
    sources: list[Item] = field(default_factory=list)
    folder: bool = False
    recipients: list[dict[str, str | None]] | None = None  # a split folder's RECIPIENTS_FILE


def recipients_text(entries: list[dict[str, Any]]) -> str:
    """The recipients file: one public key per line, each after a comment naming it, in key
    order (every member's copy writes the same text); then, as comments (which ``age -R``
    passes over), the keys removed with ``keys rm`` (entries with ``removed``), so that an
    import elsewhere does not add them back."""
    lines = ["# The age public keys that the confidential content of this folder is encrypted to.",
             "# Change them with dossier keys add/rm; `age -R recipients.txt` encrypts to them too."]
    listed = sorted((e for e in entries if "removed" not in e), key=lambda e: str(e["key"]))
    for entry in listed:
        lines.append(f"# {entry.get('name') or 'unnamed'}, added {entry.get('added')} by {entry.get('by')}")
        lines.append(str(entry["key"]))
    for entry in sorted((e for e in entries if "removed" in e), key=lambda e: str(e["key"])):
        fields = {k: entry.get(k) for k in ("key", "name", "removed", "by")}
        lines.append(REMOVED_MARK + orjson.dumps(fields).decode())
    return "\n".join(lines) + "\n"


REMOVED_MARK = "# removed: "


def parse_recipients(text: str) -> list[dict[str, str | None]]:
    """The entries of a recipients file (``recipients_text``): those removed have ``removed``."""
    out: list[dict[str, str | None]] = []
    comment: str | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith(REMOVED_MARK):
            try:
                gone = orjson.loads(line[len(REMOVED_MARK):])
            except orjson.JSONDecodeError:
                gone = None
            if isinstance(gone, dict) and isinstance(gone.get("key"), str) and _stamp(gone.get("removed")):
                out.append({k: None if gone.get(k) is None else str(gone[k])
                            for k in ("key", "name", "removed", "by")})
            comment = None
        elif line.startswith("#"):
            comment = line.lstrip("# ")
        elif line:
            name, added, by = None, None, None
            if comment and ", added " in comment and " by " in comment:
                name, rest = comment.split(", added ", 1)
                added, by = rest.split(" by ", 1)
            out.append({"key": line, "name": name, "added": added, "by": by})
            comment = None
    return out


def _stamp(value: object) -> bool:
    """Whether ``value`` is a time as the recipients file writes them (``...Z``): a removal
    without one cannot be weighed against the additions of its key, and is passed over."""
    from datetime import datetime

    if not isinstance(value, str) or not value.endswith("Z"):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _quiet(_: str) -> None:
    pass


def read_input(
    path: str | os.PathLike[str],
    fmt: str | None,
    problems: list[Problem],
    *,
    stdin: BinaryIO | None = None,
    notify: Notify | None = None,
) -> Input:
    """Every record of the input, in order; bad input adds to ``problems``."""
    if str(path) == "-":
        data, source = read_bytes(path, stdin)
        fmt = fmt or sniff(data)
        checked = check_bytes(data, source, problems, fmt)
        if checked is None:
            return Input()
        return Input(reader(fmt, lazy=True)(checked, source, problems))
    path = Path(path)
    if path.is_dir():
        return _read_folder(path, fmt, problems, notify or _quiet)
    if not path.exists():
        problems.append(Problem("no such file or folder", source=str(path)))
        return Input()
    fmt = fmt or format_of(path.name)
    if fmt is None:
        problems.append(Problem(
            f"cannot tell the format from the extension {path.suffix or '(none)'!r}; "
            f"use --format {'|'.join(FORMATS)}", source=str(path)))
        return Input()
    return Input(_read_file(path, fmt, problems))


def _read_folder(path: Path, fmt: str | None, problems: list[Problem], notify: Notify) -> Input:
    files = _folder_files(path, fmt, notify)
    sources_dir = path / SOURCES_FOLDER
    # Source files may be in another format than the persons' (YAML beside CSV persons).
    source_files = _folder_files(sources_dir, None, notify) if sources_dir.is_dir() else []
    if not files and not source_files:
        wanted = ", ".join(sorted(e for e, f in EXTENSIONS.items() if fmt in (None, f)))
        problems.append(Problem(f"no files to import (looked for {wanted})", source=str(path)))
    read = Input(folder=True)
    keys = path / RECIPIENTS_FILE
    if keys.is_file():
        try:
            read.recipients = parse_recipients(keys.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            why = getattr(exc, "strerror", None) or "not UTF-8 text"
            problems.append(Problem(f"cannot read: {why}", source=str(keys)))
    for file in files:
        read.items += _read_file(file, fmt or format_of(file.name), problems)  # type: ignore[arg-type]
    for file in source_files:
        read.sources += _read_file(file, format_of(file.name), problems)  # type: ignore[arg-type]
    return read


def _folder_files(folder: Path, fmt: str | None, notify: Notify) -> list[Path]:
    """Files directly in ``folder`` with an extension of ``fmt`` (or of any format), by name.

    Hidden files are passed over silently; anything else left out is named on stderr.
    """
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        raise StorageError(f"{folder}: cannot list folder: {exc.strerror or exc}") from None
    chosen, ignored = [], []
    for entry in entries:
        if entry.name.startswith(".") or entry.name == RECIPIENTS_FILE:
            continue
        kind = format_of(entry.name)
        if entry.is_file() and kind is not None and fmt in (None, kind):
            chosen.append(entry)
        elif entry.name != SOURCES_FOLDER or not entry.is_dir():
            ignored.append(entry.name + ("/" if entry.is_dir() else ""))
    if ignored:
        shown = ", ".join(ignored[:10]) + (f" and {len(ignored) - 10} more" if len(ignored) > 10 else "")
        what = f".{fmt} files" if fmt else "interchange files"
        notify(f"{folder}: ignored {len(ignored)} entries that are not {what}: {shown}")
    return chosen


def _read_file(path: Path, fmt: str, problems: list[Problem]) -> list[Item]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(f"cannot read: {exc.strerror or exc}", source=str(path)))
        return []
    checked = check_bytes(data, str(path), problems, fmt)
    if checked is None:
        return []
    return reader(fmt, lazy=True)(checked, str(path), problems)
