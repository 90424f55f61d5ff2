"""The one place that writes to stdout and stderr, and the registry of output formats.

A command declares the formats it offers (its ``--format`` choices) and hands
its result to ``emit(data, fmt, view)``; the ``View`` says how that kind of
result looks as a table, as text, as Markdown, as CSV rows or as JSON. The
format functions below are the only writers of stdout.

Data goes to stdout, messages to stderr. JSON, NDJSON, CSV and YAML bypass
Rich entirely (no wrapping, no escapes). Tables and panels use Rich only when
stdout is a terminal; piped, a table is tab-separated lines with a header.
Record text always reaches Rich as ``Text``, so ``[bold]`` in a name is printed,
never interpreted. ``NO_COLOR`` is honoured by Rich itself.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from rich.console import Console, RenderableType


def _identity(data: Any) -> Any:
    return data


@dataclass(frozen=True)
class View:
    """How one kind of result looks in each format (only the formats a command offers are set)."""

    columns: Sequence[str] = ()
    rows: Callable[[Any], Sequence[Sequence[str]]] | None = None  # table: one row per item
    text: Callable[[Any], str] | None = None  # text: prepared by the view, printed as is
    panel: Callable[[Any], RenderableType] | None = None  # text on a terminal, when set
    markdown: Callable[[Any], str] | None = None
    csv: Callable[[Any], tuple[Sequence[str], Iterable[Sequence[str]]]] | None = None
    json: Callable[[Any], Any] = _identity  # json, ndjson (one line per item) and yaml
    nothing: Callable[[Any], str] | None = None  # a stderr note instead of an empty table or text


PLAIN = View(text=str)


@contextlib.contextmanager
def _writing() -> Iterator[None]:
    """A stdout that cannot take the output (a full disk, a closed file) is the user's error to
    read, exit 1; a reader gone away (``BrokenPipeError``) is the CLI's to end quietly."""
    from dossier.errors import DossierError

    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise DossierError(f"cannot write the output: {exc.strerror or exc}") from None


def emit(data: Any, fmt: str, view: View = PLAIN) -> None:
    """Write ``data`` to stdout in ``fmt`` as ``view`` describes it."""
    with _writing():
        FORMATS[fmt](data, view)


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


@cache
def console(stderr: bool) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


# --- the formats -------------------------------------------------------------------


def _json(data: Any, view: View) -> None:
    _write(json_text(view.json(data)))


def json_text(value: Any) -> str:
    # default=list: a lazy sequence of records (store.Persons) is written as the list it is
    return orjson.dumps(value, default=list, option=orjson.OPT_INDENT_2).decode() + "\n"


def _ndjson(data: Any, view: View) -> None:
    if view.json is _identity and hasattr(data, "ndjson"):
        emit_bytes(data.ndjson())  # already NDJSON (the stored lines): no parse, no dump
        return
    out = sys.stdout
    dumps = orjson.dumps
    chunk: list[str] = []
    for row in view.json(data):
        chunk.append(dumps(row).decode())
        if len(chunk) >= 1000:
            out.write("\n".join(chunk) + "\n")
            chunk.clear()
    if chunk:
        out.write("\n".join(chunk) + "\n")
    out.flush()


def _yaml(data: Any, view: View) -> None:
    from dossier.interchange.yamlio import dump_record

    _write(dump_record(view.json(data)))


def _csv(data: Any, view: View) -> None:
    from dossier.interchange.csvfmt import csv_text

    assert view.csv is not None
    header, rows = view.csv(data)
    _write(csv_text(header, rows))


def _text(data: Any, view: View) -> None:
    if not data and view.nothing is not None:
        message(view.nothing(data))
        return
    if view.panel is not None and stdout_is_terminal():
        console(False).print(view.panel(data))
        return
    assert view.text is not None
    _write(view.text(data))


def _markdown(data: Any, view: View) -> None:
    _write(view.markdown(data) if view.markdown is not None else str(data))


def _table(data: Any, view: View) -> None:
    assert view.rows is not None
    rows = view.rows(data)
    if not rows and view.nothing is not None:
        message(view.nothing(data))
        return
    table(view.columns, rows)


FORMATS: dict[str, Callable[[Any, View], None]] = {
    "table": _table,
    "text": _text,
    "markdown": _markdown,
    "json": _json,
    "ndjson": _ndjson,
    "csv": _csv,
    "yaml": _yaml,
}


KEY_COLUMNS = frozenset({"id", "key"})  # never broken across lines: an id is copied whole
WORD_MAX, WORD_MIN = 16, 6  # (a longer word, a URL, may fold in a table)


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """A Rich table on a terminal; tab-separated lines with a header when piped.

    On a narrow terminal the other columns fold; an id or key column keeps its width."""
    if not stdout_is_terminal():
        lines = ["\t".join(header)]
        lines += ["\t".join(_one_line(c) for c in row) for row in rows]
        _write("\n".join(lines) + "\n")
        return
    from rich.table import Table
    from rich.text import Text

    grid = Table(show_lines=False, header_style="bold")
    for name, width in zip(header, _widths(header, rows, console(False).width), strict=True):
        if name in KEY_COLUMNS:
            grid.add_column(name, no_wrap=True, overflow="ignore")
        else:
            grid.add_column(name, overflow="fold", width=width)
    for row in rows:
        grid.add_row(*(Text(c) for c in row))
    console(False).print(grid)


def _widths(header: Sequence[str], rows: Sequence[Sequence[str]], room: int) -> list[int | None]:
    """The width of each column that wraps, when the table is wider than the terminal: each
    gets its longest word (up to ``WORD_MAX``; ``WORD_MIN`` for the columns on the right
    when the room is short), and the room left is shared in proportion to what more each
    would take; so a name breaks between its words. None for every column when even that
    does not fit: Rich folds them as it can."""
    from rich.cells import cell_len

    free = [at for at, name in enumerate(header) if name not in KEY_COLUMNS]
    if not free:
        return [None] * len(header)

    def widest(at: int, parts: Callable[[str], Iterable[str]]) -> int:
        texts = (header[at], *(row[at] for row in rows))
        return max(cell_len(part) for text in texts for part in [*parts(text), ""])

    room -= 3 * len(header) + 1  # (the borders and the padding)
    room -= sum(widest(at, str.splitlines) for at in range(len(header)) if at not in free)
    word = {at: min(widest(at, str.split), WORD_MAX) for at in free}
    most = {at: max(widest(at, str.splitlines), word[at]) for at in free}
    least = dict(word)
    for at in reversed(free):  # short of room: the columns on the right (posts) fold first
        if sum(least.values()) <= room:
            break
        least[at] = min(least[at], WORD_MIN)
    if sum(most.values()) <= room or sum(least.values()) > room:
        return [None] * len(header)
    spare = room - sum(least.values())
    for at in free:  # (what is left goes first to a column that folds, up to its longest word)
        more = min(spare, word[at] - least[at])
        least[at], spare = least[at] + more, spare - more
    wanted = sum(most[at] - least[at] for at in free)
    widths: list[int | None] = [None] * len(header)
    for at in free:
        widths[at] = least[at] + spare * (most[at] - least[at]) // wanted if wanted else least[at]
    return widths


def _one_line(value: str) -> str:
    return value.replace("\t", " ").replace("\n", " ")


def emit_bytes(data: bytes) -> None:
    """A document already encoded (an export): written as is, no re-encoding."""
    with _writing():
        sys.stdout.flush()
        out = getattr(sys.stdout, "buffer", None)
        if out is None:
            sys.stdout.write(data.decode("utf-8"))
        else:
            out.write(data)
            out.flush()


def line(text: str) -> None:
    """One line of data on stdout (an id, a key)."""
    with _writing():
        _write(text + "\n")


# --- messages and questions (stderr) -------------------------------------------------


def message(text: str) -> None:
    """One line for the user on stderr (never parsed as markup)."""
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def error(lines: Sequence[str]) -> None:
    for i, text in enumerate(lines):
        message(f"error: {text}" if i == 0 and not text.startswith(" ") else text)


def confirm(question: str, *, default: bool) -> bool:
    """A yes/no question on stderr; ``question`` is shown literally (record text is no markup)."""
    from rich.prompt import Confirm
    from rich.text import Text

    return Confirm.ask(Text(question), default=default, console=console(True))


def ask(question: str, choices: Sequence[str] | None = None, default: str = "") -> str:
    """A question on stderr; ``question`` is shown literally."""
    from rich.prompt import Prompt
    from rich.text import Text

    return Prompt.ask(Text(question), console=console(True), choices=list(choices) if choices else None,
                      default=default, show_default=bool(default))


def warn(text: str) -> None:
    """A problem with an answer, in red on a terminal (never parsed as markup)."""
    console(True).print(text, style="red", highlight=False, markup=False)


@contextlib.contextmanager
def progress(total: int, label: str) -> Iterator[Callable[[int], None]]:
    """A Rich progress bar on stderr when stderr is a terminal; else nothing at all."""
    if not sys.stderr.isatty():
        yield lambda _n: None
        return
    from rich.progress import Progress

    with Progress(console=console(True), transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)
