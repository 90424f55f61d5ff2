"""The ``$EDITOR`` loop of ``edit``: YAML out, edit, parse, reopen on error.

The parser is injected (it validates and stores), so this module knows
nothing of records. An editor that exits non-zero, an emptied file or an
unchanged file aborts and writes nothing.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from dossier.errors import DossierError, InvalidInput, UsageError

T = TypeVar("T")

HEADER = (
    "# Editing {ref}. Save and quit to apply; quit without saving, or empty the file, to abort.\n"
    "# Lists: one '- item' per line. Dates: YYYY, YYYY-MM, YYYY-MM-DD or SH1367-05-07.\n"
    "# Fields left out keep their defaults (empty, unknown, medium confidence).\n"
)


def editor_command() -> list[str]:
    command = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    return shlex.split(command)


def _memory_folder() -> str:
    for candidate in (os.environ.get("XDG_RUNTIME_DIR"), "/dev/shm"):
        if candidate and os.path.isdir(candidate) and os.access(candidate, os.W_OK):
            return candidate
    raise UsageError("this record holds decrypted confidential content, and there is no memory-backed "
                     "folder ($XDG_RUNTIME_DIR, /dev/shm) to edit it in without writing it to disk; "
                     "use: dossier edit REF --set FIELD=VALUE")


def _strip_comments(text: str) -> str:
    return "".join(line for line in text.splitlines(keepends=True) if not line.startswith("#"))


class EditorFailed(DossierError):
    """The editor exited with an error (vim's ``:cq``): nothing is written."""


def _abandoned(exc: DossierError, path: Path, keep: bool) -> DossierError:
    exc.details = [*exc.details, f"  your edit is kept in {path}" if keep else
                   "  your edit is not kept: it may hold confidential text"]
    return exc


def _kept(path: Path, private: bool) -> bool:
    """Keep the edited file (unless ``private``) and say where; whether it is kept."""
    if not private:
        sys.stderr.write(f"your edit is kept in {path}\n")
    return not private


def edit_loop(
    ref: str,
    text: str,
    parse: Callable[[str], T],
    *,
    reopen: Callable[[list[str]], bool] | None,
    private: bool = False,
) -> T | None:
    """Run the editor until ``parse`` accepts the text or the user gives up.

    Returns the parsed result, or None if aborted or unchanged. ``reopen(errors)``
    shows the errors and says whether to edit again; with ``reopen=None`` (not
    on a terminal) the first error is final. When an edit is given up on
    after an error, the edited file is kept and named, so no typing is lost.

    ``private`` text (decrypted confidential content) is written only to a
    memory-backed folder (``$XDG_RUNTIME_DIR`` or ``/dev/shm``), is never kept,
    and is refused where there is none: it must not reach a disk.
    """
    original = _strip_comments(text)
    current = HEADER.format(ref=ref) + text
    folder = Path(tempfile.mkdtemp(prefix="dossier-edit-", dir=_memory_folder() if private else None))
    path = folder / f"{ref}.yaml"
    keep = False
    try:
        while True:
            path.write_text(current, encoding="utf-8")
            written = path.stat().st_mtime_ns
            try:
                done = subprocess.run([*editor_command(), str(path)], check=False)
            except OSError as exc:
                raise UsageError(f"cannot run editor {editor_command()[0]!r}: {exc.strerror}") from None
            edited = path.read_text(encoding="utf-8")
            if done.returncode != 0:  # (vim's :cq; as git does, a failed editor is no "no changes")
                keep = edited != current and _kept(path, private)
                raise EditorFailed(f"the editor exited with status {done.returncode}: nothing was written")
            body = _strip_comments(edited)
            if not body.strip() or body == original:
                return None
            if current.startswith("# ERROR: ") and path.stat().st_mtime_ns == written:
                # Reopened on errors and quit without saving (the file not written again): as
                # the header says, nothing is written (after a change made meanwhile, going on
                # would undo that change; saving the text, even as it is, replaces it).
                keep = not private
                raise _abandoned(InvalidInput("edit abandoned; nothing was written"), path, keep)
            try:
                # the whole text, so YAML error lines match what the user sees
                return parse(edited)
            except DossierError as exc:
                errors = exc.lines()
                try:
                    again = reopen is not None and reopen(errors)
                except KeyboardInterrupt:  # (Ctrl-C at "Edit again?": the typing is kept too)
                    keep = _kept(path, private)
                    raise
                if not again:
                    keep = not private
                    if reopen is not None:  # the errors were shown already
                        exc = InvalidInput("edit abandoned; nothing was written")
                    raise _abandoned(exc, path, keep) from None
            except (Exception, KeyboardInterrupt):
                # A fault of dossier's, or a Ctrl-C while the edit waits for the lock: not of
                # the text, and the typing is kept all the same.
                keep = _kept(path, private)
                raise
            notes = "".join(f"# ERROR: {line}\n" for line in errors)
            current = notes + HEADER.format(ref=ref) + body
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)
