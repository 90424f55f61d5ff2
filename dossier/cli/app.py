"""The command line: thin commands over ``dossier.api``.

Each command parses its options, calls one api function and hands the result
to ``dossier.cli.output.emit`` with the ``View`` of that kind of result.
Errors become exit codes in one place, ``DossierGroup.invoke``. Everything
beyond Typer is imported inside the commands, so ``dossier --version`` starts fast.

Every command and option says what it is for in one line, and every command's
``--help`` ends with examples (``command(examples=...)``). Person references,
tags and source keys complete from the database in bash, zsh and fish
(``dossier --install-completion``; the candidates come from ``dossier.api.completion``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import typer
from typer.core import TyperGroup

from dossier import __version__
from dossier.errors import EXIT_USAGE, DossierError, UsageError


class DossierGroup(TyperGroup):
    """Maps every error of every command to its exit code and one message; builds only the
    command that runs.

    Typer turns every command function into a Click command when the program starts
    (it reads each signature and its annotations: about 20 ms for all of dossier's). The
    commands are kept apart (``COMMANDS``, filled by ``command``) and the group builds the
    one it is asked for, so ``dossier --version`` or ``dossier list`` pay for one or none.
    """

    def list_commands(self, ctx: Any) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: Any, name: str) -> Any:
        built = self.commands.get(name)
        if built is None and name in COMMANDS:
            built = self.commands[name] = typer.main.get_command(COMMANDS[name])
            built.name = name
        return built

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             windows_expand_args: bool = True, **extra: Any) -> Any:
        """Click's main, but a usage error is one line (Click prints the usage, a hint, a
        blank line and the error): ``error: MESSAGE (dossier CMD -h for help)``, exit 2."""
        run = dict(args=args, prog_name=prog_name, complete_var=complete_var, standalone_mode=False,
                   windows_expand_args=windows_expand_args, **extra)
        if not standalone_mode:
            return super().main(**run)
        try:
            code = super().main(**run)
        except typer.TyperException as exc:  # (Click's exceptions, as Typer names them)
            if type(exc).__name__ == "NoArgsIsHelpError":  # (a group given no command: its help;
                shown: Any = exc  # Typer too tells it by name)
                shown.show()
                sys.exit(exc.exit_code)
            where = getattr(exc, "ctx", None)
            hint = f" ({where.command_path} -h for help)" if where is not None else ""
            sys.stderr.write(f"error: {exc.format_message()}{hint}\n")
            sys.exit(exc.exit_code)
        except typer.Abort:
            sys.stderr.write("aborted\n")
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        ctx.meta["dossier.argv"] = list(args)  # the command line as typed, for the history
        return list(super().parse_args(ctx, args))

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except DossierError as exc:
            if _debug(ctx):
                raise
            from dossier.cli.output import error

            error(exc.lines())
            raise typer.Exit(exc.exit_code) from None
        except BrokenPipeError:
            # The reader went away (`dossier list | head`): stop quietly.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(0) from None
        except (KeyboardInterrupt, EOFError):
            # Ctrl-C anywhere, or Ctrl-D at a prompt: stop, nothing more written.
            if _debug(ctx):
                raise
            sys.stderr.write(_interrupted((ctx.find_root().obj or {}).get("writes_before")))
            raise typer.Exit(130) from None
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise  # usage errors (exit 2) are Typer's to report
        except Exception as exc:
            if _debug(ctx):
                raise
            # Where, not what: the exception's text may hold a record's confidential content.
            import traceback

            frame = traceback.extract_tb(exc.__traceback__)[-1]
            sys.stderr.write(f"error: internal error: {type(exc).__name__} at {Path(frame.filename).name}:"
                             f"{frame.lineno} (run with --debug for details)\n")
            raise typer.Exit(1) from None


def _debug(ctx: typer.Context) -> bool:
    return bool((ctx.find_root().obj or {}).get("debug"))


def _interrupted(writes_before: int | None) -> str:
    """What a Ctrl-C says. One that lands after the command's write (while the sidecars
    follow it, or the report is printed) says the write happened: it did, whole.
    ``writes_before``: the process's count of writes when the command opened the database
    (None: it had not)."""
    # (on a terminal, off the line of the prompt where the ^C was echoed)
    start = "\n" if sys.stderr.isatty() else ""
    if writes_before is not None and "dossier.store" in sys.modules:
        from dossier import store

        written = store.WRITES.landed_since(writes_before)
        if written is not None:
            return f"{start}interrupted after the changes were written to {written}\n"
    return f"{start}interrupted\n"


def examples(*lines: str) -> str:
    """The end of a command's ``--help``: one example a line, as typed. (Click rewraps help
    text, but not a paragraph that starts with ``\\b``.)"""
    return "Examples:\n\n\b\n" + "\n".join(f"  {line}" for line in lines)


app = typer.Typer(
    cls=DossierGroup,
    name="dossier",
    help="Personnel dossiers for human-rights accountability work.",
    epilog=examples(
        "dossier --db sample.json import records/",
        "dossier --db sample.json profiles sample-site/ --site mkdocs",
        "dossier --install-completion    # then Tab completes ids, tags and source keys",
    ),
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


COMMANDS: dict[str, typer.Typer] = {}
_SUB = {"add_completion": False, "pretty_exceptions_enable": False, "rich_markup_mode": None,
        "context_settings": {"help_option_names": ["-h", "--help"]}}


Command = TypeVar("Command", bound=Callable[..., None])


def command(name: str | None = None, *, example: Sequence[str]) -> Callable[[Command], Command]:
    """Register a command function (a Typer of its own, built when it runs; see ``DossierGroup``),
    with the examples that end its ``--help``."""

    def register(function: Command) -> Command:
        sub = typer.Typer(**_SUB)  # type: ignore[arg-type]
        sub.command(name, epilog=examples(*example))(function)
        COMMANDS[name or function.__name__.replace("_", "-")] = sub
        return function

    return register


def _version(value: bool) -> None:
    if value:
        # not through dossier.cli.output: `--version` must not import more than it needs
        sys.stdout.write(f"dossier {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        Path | None,
        typer.Option("--db", help="Database file (default: $DOSSIER_DB, else the user data dir).",
                     dir_okay=True, show_default=False),
    ] = None,
    actor: Annotated[
        str | None,
        typer.Option("--actor", metavar="NAME", help="Who the history records for the changes of this "
                     "command (default: $DOSSIER_ACTOR, else git config user.name, else the login name).",
                     show_default=False),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    ctx.obj = {"db": db, "debug": debug, "actor": actor}


def _db(ctx: typer.Context) -> Path:
    from dossier.api.writing import set_session
    from dossier.store import WRITES, resolve_path

    root = ctx.find_root()
    settings = root.obj or {}
    set_session(actor=settings.get("actor"), command=_command_line(root.meta.get("dossier.argv", [])))
    settings["writes_before"] = WRITES.count  # (for ``_interrupted``)
    return resolve_path(settings.get("db"))


def _read_db(ctx: typer.Context) -> Path:
    """The database of a command that only reads it: a missing file is an empty database,
    said on stderr (a mistyped --db would otherwise look like an empty dossier)."""
    db = _db(ctx)
    if not db.exists():
        from dossier.cli.output import message

        message(f"note: {db} does not exist yet (nothing has been added); reading it as empty")
    return db


def _completion_db(ctx: typer.Context) -> Path:
    """The database a completion reads: ``--db`` as typed so far, else where commands look."""
    from dossier.store import resolve_path

    return resolve_path(ctx.find_root().params.get("db"))


def _complete_person(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    from dossier.api import completion

    return completion.person_ids(_completion_db(ctx), incomplete)


def _complete_source(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    from dossier.api import completion

    return completion.source_keys(_completion_db(ctx), incomplete)


def _complete_person_or_source(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    return _complete_person(ctx, incomplete) + _complete_source(ctx, incomplete)


def _complete_tag(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    from dossier.api import completion

    return completion.tags(_completion_db(ctx), incomplete)


def _command_line(args: list[str]) -> str:
    """The command as the history records it: what was typed after ``dossier``, but the global
    options (the database path says where, not what)."""
    import shlex

    out: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in ("--db", "--actor"):
            skip = True
        elif not arg.startswith(("--db=", "--actor=")) and arg != "--debug":
            out.append(arg)
    return shlex.join(out)


def _on_terminal() -> bool:
    return sys.stdin.isatty() and sys.stderr.isatty()


def _today(text: str | None) -> Any:
    from dossier.model.rules import parse_day

    return parse_day(text, "--today")


Calendar = Annotated[
    Literal["gregorian", "jalali"],
    typer.Option("--calendar", help="Calendar of dates without an SH prefix (Persian digits need jalali)."),
]
Today = Annotated[
    str | None,
    typer.Option("--today", metavar="DATE", help="Reference date YYYY-MM-DD for stale current posts "
                 "(default: the current date, UTC)."),
]
PersonRef = Annotated[str, typer.Argument(metavar="REF", help="The person: id, merged id, or a name or "
                                          "alias of one person.", autocompletion=_complete_person)]


# --- add -----------------------------------------------------------------------


@command(example=[
    'dossier add "Kaveh Nadiri" --native-name "کاوه نادری" --role-1988 Prosecutor --place-1988 Tabriz '
    '--source-url https://example.org/r --source-title "Example report"',
    'dossier add "Dariush Fakeri" --born SH1315 --current-post Judge --as-of 2021-07 '
    '--source example-report --confidence high',
    'dossier add "Kaveh Nadiri" --narrative @notes/kaveh.md --tag tabriz',
])
def add(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(metavar="NAME", help="Primary Latin-script name "
                    "(none, on a terminal: asked for every field).", show_default=False)] = None,
    id: Annotated[str | None, typer.Option("--id", help="Id (default: from the name).")] = None,
    alias: Annotated[list[str], typer.Option("--alias", help="Other spelling (repeatable).")] = [],  # noqa: B006
    native_name: Annotated[str | None, typer.Option("--native-name", help="The name in its own script "
                           "(Persian).")] = None,
    status: Annotated[Literal["alive", "deceased", "unknown"] | None, typer.Option(
        "--status", help="alive, deceased or unknown (default: unknown).")] = None,
    born: Annotated[str | None, typer.Option("--born", metavar="DATE", help="Date of birth: YYYY, YYYY-MM, "
                    "YYYY-MM-DD or Solar Hijri SH1315.")] = None,
    died: Annotated[str | None, typer.Option("--died", metavar="DATE", help="Date of death (as --born).")
                    ] = None,
    role_1988: Annotated[str | None, typer.Option("--role-1988", help="Title of the 1988 post.")] = None,
    org_1988: Annotated[str | None, typer.Option("--org-1988", help="Organization of the 1988 post "
                        "(a court, a commission, a prison).")] = None,
    place_1988: Annotated[str | None, typer.Option("--place-1988", help="Place of the 1988 post.")] = None,
    current_post: Annotated[str | None, typer.Option("--current-post", help="Title of the current post.")
                            ] = None,
    current_org: Annotated[str | None, typer.Option("--current-org", help="Organization of the current "
                           "post.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", metavar="DATE", help="When the current post was "
                     "last confirmed.")] = None,
    confidence: Annotated[Literal["high", "medium", "low"] | None, typer.Option(
        "--confidence", help="Confidence of the posts given here (default: medium).")] = None,
    source: Annotated[list[str], typer.Option("--source", metavar="KEY", help="A source already in the "
                      "database, cited by the posts given (repeatable).", autocompletion=_complete_source)
                      ] = [],  # noqa: B006
    source_url: Annotated[list[str], typer.Option("--source-url", help="URL of a new source cited by the "
                          "posts given (repeatable, each with a --source-title).")] = [],  # noqa: B006
    source_title: Annotated[list[str], typer.Option("--source-title", help="Title of the new source of "
                            "the --source-url in the same position.")] = [],  # noqa: B006
    narrative: Annotated[str | None, typer.Option("--narrative", metavar="TEXT|@FILE", help="Narrative "
                         "(Markdown), or @FILE to read it from a UTF-8 file.")] = None,
    tag: Annotated[list[str], typer.Option("--tag", help="Tag (repeatable).", autocompletion=_complete_tag)
                   ] = [],  # noqa: B006
    calendar: Calendar = "gregorian",
    fmt: Annotated[Literal["text", "json"], typer.Option("--format", help="text: the new id; json: the "
                   "whole record.")] = "text",
) -> None:
    """Add a person; prints the new id. With no NAME on a terminal, asks for the fields."""
    from dossier import api
    from dossier.cli import output, views

    if len(source_url) != len(source_title):
        raise UsageError("give --source-url and --source-title in pairs (one title per URL)")
    if name is None:
        if not _on_terminal():
            raise UsageError("NAME is required when not on a terminal")
        given = [id, native_name, status, born, died, role_1988, org_1988, place_1988, current_post,
                 current_org, as_of, confidence, narrative, *alias, *source, *source_url, *tag]
        if any(v is not None for v in given):
            raise UsageError("give NAME with the options, or no options to be asked for every field")
        from dossier import store
        from dossier.api.persons import likely_duplicates
        from dossier.cli.prompts import ask_new_person

        def alike(names: list[str]) -> list[str]:
            snapshot = store.read(_db(ctx))
            return [f"{pid} ({(snapshot.get(pid) or {}).get('name')})"
                    for pid in likely_duplicates(snapshot, names)]

        asked = ask_new_person(alike)
        if asked is None:
            output.message("nothing added")
            return
        new = asked
    else:
        if as_of and not current_post:
            raise UsageError("--as-of needs --current-post")
        if (org_1988 or place_1988) and not role_1988:
            raise UsageError("--org-1988/--place-1988 need --role-1988")
        if current_org and not current_post:
            raise UsageError("--current-org needs --current-post")
        if confidence and not (role_1988 or current_post):
            raise UsageError("--confidence is that of the posts given: add --role-1988 or --current-post")
        new = api.NewPerson(
            name=name,
            id=id,
            aliases=alias,
            native_name=native_name,
            status=status,
            born=born,
            died=died,
            role_1988=_post(role_1988, organization=org_1988, place=place_1988),
            current_post=_post(current_post, organization=current_org, as_of=as_of),
            confidence=confidence,
            source_keys=source,
            sources=list(zip(source_url, source_title, strict=True)),
            narrative=_text_or_file(narrative, "--narrative"),
            tags=tag,
        )
    output.emit(api.add(_db(ctx), new, calendar=calendar, notify=output.message), fmt, views.NEW_PERSON)


def _post(title: str | None, **fields: str | None) -> dict[str, str] | None:
    if not title:
        return None
    return {"title": title, **{k: v for k, v in fields.items() if v}}


def _text_or_file(value: str | None, option: str) -> str | None:
    """An option's text, or the content of the file named after an ``@``."""
    if value is None or not value.startswith("@"):
        return value
    from dossier.errors import InvalidInput

    path = Path(value[1:])
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(f"{option}: {path} is not UTF-8 text") from None
    except OSError as exc:
        raise UsageError(f"{option}: cannot read {path}: {exc.strerror or exc}") from None


# --- list / show ----------------------------------------------------------------


@command("list", example=[
    "dossier list --tag tabriz",
    "dossier list --columns id,name,current_post,updated",
    "dossier list --format csv > persons.csv",
])
def list_(
    ctx: typer.Context,
    fmt: Annotated[Literal["table", "json", "ndjson", "csv"], typer.Option("--format", help="table (tab-"
                   "separated when piped), json, ndjson or csv (the import columns).")] = "table",
    columns: Annotated[str | None, typer.Option("--columns", metavar="A,B,C", help="Table columns: id, name, "
                       "native_name, aliases, status, born, died, role_1988, current_post, as_of, tags, "
                       "sources, restricted, created, updated (default: id,name,native_name,role_1988,"
                       "current_post).", show_default=False)] = None,
    tag: Annotated[str | None, typer.Option("--tag", help="Only persons with this tag.",
                                            autocompletion=_complete_tag)] = None,
    status: Annotated[Literal["alive", "deceased", "unknown"] | None, typer.Option(
        "--status", help="Only persons with this status.")] = None,
    query: Annotated[str | None, typer.Option("--query", help="Substring of names, posts, tags.")] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=0, help="At most N persons.")] = None,
    served_at: Annotated[str | None, typer.Option(
        "--served-at", metavar="TEXT", help="A post (1988 role, current, career) whose title, "
        "organization or place has these words, in either script; a column says which.")] = None,
    served_in: Annotated[str | None, typer.Option(
        "--in", metavar="YEAR|DATE", help="A post held on some day of YYYY, YYYY-MM or YYYY-MM-DD "
        "(alone: any post).")] = None,
) -> None:
    """List persons (id order)."""
    from dossier import api
    from dossier.cli import output, views

    if columns is not None and fmt != "table":
        raise UsageError(f"--columns chooses the columns of --format table; --format {fmt} has its own")
    served = served_at is not None or served_in is not None
    records = api.list_persons(_read_db(ctx), tag=tag, status=status, query=query, limit=limit,
                               served_at=served_at, served_in=served_in)
    output.emit(records, fmt, views.persons_view(columns, served=served))


@command(example=[
    "dossier show kaveh-nadiri",
    'dossier show "Kaveh Nadiri" --format json',
    "dossier show kaveh-nadiri --format markdown    # the internal profile page",
])
def show(
    ctx: typer.Context,
    ref: PersonRef,
    fmt: Annotated[Literal["text", "json", "yaml", "markdown"], typer.Option("--format", help="text, json, "
                   "yaml, or markdown: the page `profiles --internal` writes, for the researcher "
                   "(restricted persons and confidential sources included, marked internal).")] = "text",
) -> None:
    """Show one person: every claim with its sources and confidence."""
    from dossier import api
    from dossier.cli import output, views

    if fmt == "markdown":  # the profile page: rendered by the publisher, not a view of the record
        output.emit(api.profile_page(_read_db(ctx), ref), fmt)
    else:
        output.emit(api.show(_read_db(ctx), ref), fmt, views.PERSON)


# --- edit / rm ----------------------------------------------------------------------


@command(example=[
    'dossier edit kaveh-nadiri --set current_post.title="Head of court" --set current_post.as_of=2024-05',
    "dossier edit kaveh-nadiri --set tags+=tabriz",
    "dossier edit kaveh-nadiri    # opens $EDITOR on the record as YAML",
])
def edit(
    ctx: typer.Context,
    ref: PersonRef,
    assignments: Annotated[
        list[str],
        typer.Option("--set", help="FIELD=VALUE or FIELD+=VALUE; dotted paths (current_post.title)."),
    ] = [],  # noqa: B006
    calendar: Calendar = "gregorian",
) -> None:
    """Change a record: --set assignments, or $EDITOR on the record as YAML."""
    from dossier import api
    from dossier.cli import output

    db = _db(ctx)
    record = (api.edit(db, ref, assignments, calendar=calendar, notify=output.message) if assignments
              else _edit_in_editor(db, ref))
    output.message("no changes" if record is None else f"updated {record['id']}")


def _edit_in_editor(db: Path, ref: str) -> dict[str, Any] | None:
    from dossier import api, store
    from dossier.api.sealing import open_person, recipients
    from dossier.cli import output
    from dossier.cli.editor import edit_loop
    from dossier.errors import ChangedSince, InvalidInput
    from dossier.interchange.yamlfmt import at_field_lines, read_record
    from dossier.interchange.yamlio import dump_record
    from dossier.model import rules

    # One state the edit starts from: the text shown, and what another writer's change is
    # told by at the save (ChangedSince), never undone unseen.
    snapshot = store.read(db)
    base = api.resolve(snapshot, ref)  # (as stored)
    record = open_person(snapshot, base)
    person_id = record["id"]
    # With encryption on, what is typed may be confidential (and opened content is): the
    # file is kept in memory-backed storage only, and never left behind.
    private = bool(recipients(snapshot)) or (rules.holds_sealed(base) and not rules.holds_sealed(record))

    def parse(text: str) -> dict[str, Any] | None:
        nonlocal base
        try:
            return api.edit_replace(db, person_id, read_record(text, "editor"), base=base)
        except ChangedSince as exc:
            base = exc.current  # told once: saved again, the text replaces the record
            raise
        except InvalidInput as exc:  # (a field's problem at the field's line of the text)
            exc.problems = at_field_lines(text, exc.problems, "editor")
            raise

    def reopen(errors: list[str]) -> bool:
        output.error(errors)
        return output.confirm("Edit again?", default=True)

    return edit_loop(person_id, dump_record(rules.content(record), ordered=True), parse,
                     reopen=reopen if _on_terminal() else None, private=private)


@command(example=["dossier rm kaveh-nadiri", "dossier rm kaveh-nadiri --yes    # in a script"])
def rm(
    ctx: typer.Context,
    ref: PersonRef,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask (needed off a terminal).")] = False,
) -> None:
    """Remove a person (asks first on a terminal)."""
    from dossier import api
    from dossier.cli import output

    db = _db(ctx)
    record, linked = api.removal(db, ref)  # (an unknown REF is exit 3, on a terminal or not)
    pid = record["id"]
    linking = f"warning: {', '.join(linked)} {'name' if len(linked) > 1 else 'names'} {pid} as an associate"
    if not yes:
        if not _on_terminal():
            raise UsageError("refusing to remove without --yes when not on a terminal")
        if linked:
            output.message(f"{linking}: removed, the link would point at no one "
                           f"(`dossier merge KEEP {pid}` moves it to the person kept instead)")
        if not output.confirm(f"Remove {pid} ({record['name']})?", default=False):
            output.message("nothing removed")
            raise typer.Exit(0)
    output.message(f"removed {api.remove(db, pid)['id']}")
    if linked and yes:
        output.message(f"{linking}: the link points at no one now (see `dossier check`)")


# --- search / check / merge (names) -----------------------------------------------


@command(example=["dossier search Nadiri", 'dossier search "Kaveh Naderi" --limit 3',
                  'dossier search "کاوه نادری" --format json'])
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="Any spelling of a name, Latin or Persian script.")],
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most N hits.")] = 10,
    fmt: Annotated[Literal["table", "json"], typer.Option("--format", help="table or json.")] = "table",
    served_at: Annotated[str | None, typer.Option(
        "--served-at", metavar="TEXT", help="Only persons with a post whose title, organization or "
        "place has these words (as list).")] = None,
    served_in: Annotated[str | None, typer.Option(
        "--in", metavar="YEAR|DATE", help="Only persons with a post held then (as list).")] = None,
) -> None:
    """Fuzzy, transliteration-tolerant name search; best match first (no match: exit 0)."""
    from dossier import api
    from dossier.cli import output, views

    hits = api.search(_read_db(ctx), query, limit=limit, served_at=served_at, served_in=served_in)
    output.emit(hits, fmt, views.search_view(query, served=served_at is not None or served_in is not None))


@command(example=["dossier check", "dossier check --strict --format json"])
def check(
    ctx: typer.Context,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings also exit 4.")] = False,
    fmt: Annotated[Literal["text", "json"], typer.Option("--format", help="text (a line per finding) or "
                   "json.")] = "text",
    today: Today = None,
    security: Annotated[bool, typer.Option("--security", help="Instead: what confidential content "
                        "is still unencrypted (database, .bak, history, evidence, leftovers), and why.")
                        ] = False,
) -> None:
    """Integrity report: errors (exit 4), then warnings (exit 4 only with --strict)."""
    from dossier import api
    from dossier.api.checks import summary
    from dossier.cli import output, views
    from dossier.errors import InvalidInput

    if security:
        from dossier.api.security import audit

        report = audit(_read_db(ctx))
        output.message(report.summary())
        findings = report.findings
    else:
        findings = api.check(_read_db(ctx), today=_today(today))
    output.emit(findings, fmt, views.FINDINGS)
    text, failed = summary(findings, strict=strict)
    if failed:
        raise InvalidInput(text)
    output.message(text)


@command(example=["dossier merge dariush-fakeri daryoush-fakery --dry-run",
                  "dossier merge dariush-fakeri daryoush-fakery"])
def merge(
    ctx: typer.Context,
    keep: Annotated[str, typer.Argument(metavar="KEEP", help="The person to keep (id or name).",
                                        autocompletion=_complete_person)],
    other: Annotated[str, typer.Argument(metavar="OTHER", help="The person merged into KEEP, then removed.",
                                         autocompletion=_complete_person)],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the merged record only.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Merge even a pair judged to be different "
                                        "persons (dossier distinct).")] = False,
) -> None:
    """Merge OTHER into KEEP: names, posts, sources, tags, links; OTHER's id still resolves."""
    from dossier import api
    from dossier.cli import output, views

    record, result = api.merge(_db(ctx), keep, other, dry_run=dry_run, force=force)
    if dry_run:
        output.emit(record, "text", views.PERSON)
    for line in result.report(dry_run=dry_run):
        output.message(line)


@command(example=['dossier distinct kaveh-nadiri kaveh-naderi --note "born in another decade"',
                  "dossier distinct kaveh-nadiri kaveh-naderi --undo"])
def distinct(
    ctx: typer.Context,
    a: Annotated[str, typer.Argument(metavar="A", help="One person (id or name).",
                                     autocompletion=_complete_person)],
    b: Annotated[str, typer.Argument(metavar="B", help="The other person, judged to be someone else.",
                                     autocompletion=_complete_person)],
    note: Annotated[str | None, typer.Option("--note", help="Why they are different people.")] = None,
    undo: Annotated[bool, typer.Option("--undo", help="Remove the judgement.")] = False,
) -> None:
    """Record that two persons are different people: check stops calling them duplicates."""
    from dossier import api
    from dossier.cli import output

    output.message(api.distinct(_db(ctx), a, b, note=note, undo=undo).summary())


# --- import / export (interchange) ------------------------------------------------

InterFormat = Annotated[
    Literal["json", "ndjson", "csv", "yaml"] | None,
    typer.Option("--format", help="Default: from each file's extension; stdin is sniffed.",
                 show_default=False),
]


@command("import", example=["dossier import records/", "dossier import people.csv --dry-run",
                            "dossier import records/ --mirror    # the database becomes the folder"])
def import_(
    ctx: typer.Context,
    path: Annotated[str, typer.Argument(help="A file, a folder of files, or - for stdin.")],
    fmt: InterFormat = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate and report; write nothing.")] = False,
    on_conflict: Annotated[
        Literal["fail", "update", "skip"],
        typer.Option("--on-conflict", help="An id stored with other content: fail (exit 5), update, skip."),
    ] = "fail",
    calendar: Calendar = "gregorian",
    mirror: Annotated[bool, typer.Option("--mirror", help="Make the database equal to the folder PATH: "
                      "add, update and remove persons and sources, in one write.")] = False,
) -> None:
    """Import persons (JSON, NDJSON, CSV, YAML); all or nothing, re-imports change nothing."""
    from dossier import api
    from dossier.cli import output

    report = api.import_path(
        _db(ctx), path, fmt=fmt, dry_run=dry_run, on_conflict=on_conflict, calendar=calendar,
        mirror=mirror, notify=output.message, progress=output.progress,
    )
    output.message(report.summary())


ExportFormat = Annotated[  # the record formats, plus the publication formats ftm and popolo
    Literal["json", "ndjson", "csv", "yaml", "ftm", "popolo"] | None,
    typer.Option("--format", help="Default: from the file extension, else json. ftm: FollowTheMoney "
                 "entities (NDJSON); popolo: Popolo JSON; both redacted like profiles (see --internal).",
                 show_default=False),
]


@command(example=["dossier export all.json", "dossier export records/ --split",
                  "dossier export entities.ndjson --format ftm    # redacted for publication"])
def export(
    ctx: typer.Context,
    path: Annotated[str, typer.Argument(help="File, folder (--split), or - for stdout.")] = "-",
    fmt: ExportFormat = None,
    split: Annotated[bool, typer.Option("--split", help="One file per person in the folder PATH.")] = False,
    served_at: Annotated[str | None, typer.Option(
        "--served-at", metavar="TEXT", help="Only persons with a post whose title, organization or "
        "place has these words (as list); records unchanged.")] = None,
    served_in: Annotated[str | None, typer.Option(
        "--in", metavar="YEAR|DATE", help="Only persons with a post held then (as list).")] = None,
    internal: Annotated[bool, typer.Option("--internal", help="ftm and popolo only: keep restricted "
                        "persons and confidential sources (not for publication).")] = False,
) -> None:
    """Export every person, losslessly (import gives back the same records)."""
    from dossier import api
    from dossier.cli import output

    report = api.export(_read_db(ctx), path, fmt=fmt, split=split, served_at=served_at,
                        served_in=served_in, internal=internal)
    if report.data is not None:
        output.emit_bytes(report.data)
    else:
        output.message(report.summary())
    for warning in report.warnings():
        output.message(warning)


# --- profiles ----------------------------------------------------------------------


@command(example=[
    "dossier profiles sample-site/ --site mkdocs && mkdocs build --strict -f sample-site/mkdocs.yml",
    "dossier profiles pages/",
    "dossier profiles internal-pages/ --internal    # for the team: everything, marked",
])
def profiles(
    ctx: typer.Context,
    outdir: Annotated[Path, typer.Argument(metavar="OUTDIR", help="Folder for the pages (created if "
                                           "missing).", file_okay=False)],
    internal: Annotated[bool, typer.Option("--internal", help="Include restricted persons and confidential "
                        "sources; every page is marked internal, not for publication.")] = False,
    public: Annotated[bool, typer.Option("--public", help="Publish (the default): leave out restricted "
                      "persons, withhold confidential sources.")] = False,
    site: Annotated[Literal["mkdocs"] | None, typer.Option("--site", help="mkdocs: the pages go to "
                    "OUTDIR/docs/ and OUTDIR/mkdocs.yml builds them (MkDocs Material).",
                    show_default=False)] = None,
    templates: Annotated[Path | None, typer.Option("--templates", help="Folder of templates that "
                         "override the packaged ones.", exists=True, file_okay=False)] = None,
    today: Today = None,
) -> None:
    """Write Markdown profile pages with diagrams: <id>.md per person, index.md, sources.md."""
    from dossier import api
    from dossier.cli import output

    if internal and public:
        raise UsageError("--internal and --public contradict each other (--public is the default)")
    report = api.publish(_db(ctx), outdir, internal=internal, site=site, templates=templates,
                         today=_today(today))
    output.message(report.summary())


# --- sources / diff / review (provenance) -------------------------------------------

sources_app = typer.Typer(help="The sources cited across the database.", no_args_is_help=True,
                          epilog=examples("dossier sources list", "dossier sources show example-report"),
                          rich_markup_mode=None, add_completion=False, pretty_exceptions_enable=False,
                          context_settings={"help_option_names": ["-h", "--help"]})
SourceKey = Annotated[str, typer.Argument(metavar="KEY", help="Source key.", autocompletion=_complete_source)]
COMMANDS["sources"] = sources_app


@sources_app.command("list", epilog=examples("dossier sources list", "dossier sources list --format json"))
def sources_list(
    ctx: typer.Context,
    fmt: Annotated[Literal["table", "json"], typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Every source, with the number of claims citing it and of persons carrying it."""
    from dossier import api
    from dossier.cli import output, views

    output.emit(api.list_sources(_read_db(ctx)), fmt, views.SOURCES)


@sources_app.command("show", epilog=examples("dossier sources show example-report",
                                             "dossier sources show example-report --format json"))
def sources_show(
    ctx: typer.Context,
    key: SourceKey,
    fmt: Annotated[Literal["text", "json"], typer.Option("--format", help="text or json.")] = "text",
) -> None:
    """A source's fields and every claim (person, field path) that cites it."""
    from dossier import api
    from dossier.cli import output, views

    output.emit(api.show_source(_read_db(ctx), key), fmt, views.SOURCE)


@sources_app.command("add", epilog=examples(
    'dossier sources add --title "Interview with witness 7" --kind testimony --confidential '
    "--person kaveh-nadiri --cite role_1988",
    'dossier sources add --title "Example report" --url https://example.org/r --person kaveh-nadiri'))
def sources_add(
    ctx: typer.Context,
    title: Annotated[str, typer.Option("--title", help="Title (required).")],
    person: Annotated[list[str], typer.Option("--person", help="Person carrying the source "
                      "(id or name; repeatable; at least one).", autocompletion=_complete_person)
                      ] = [],  # noqa: B006
    cite: Annotated[list[str], typer.Option("--cite", help="Claim of each --person that cites it: "
                    "role_1988, current_post, posts[N], associates[N] (repeatable).")] = [],  # noqa: B006
    key: Annotated[str | None, typer.Option("--key", help="Key (default: from the title).")] = None,
    url: Annotated[str | None, typer.Option("--url", help="Where it is (http or https).")] = None,
    publisher: Annotated[str | None, typer.Option("--publisher", help="Who published it.")] = None,
    author: Annotated[str | None, typer.Option("--author", help="Who wrote it.")] = None,
    published: Annotated[str | None, typer.Option("--published", help="Partial date.")] = None,
    kind: Annotated[Literal["report", "article", "testimony", "official", "audio", "video", "other"]
                    | None, typer.Option("--kind", help="What it is (default: other).")] = None,
    confidential: Annotated[bool, typer.Option("--confidential", help="Never shown in public output.")
                            ] = False,
    note: Annotated[str | None, typer.Option("--note", help="A note for the team (withheld with the "
                    "source when it is confidential).")] = None,
) -> None:
    """Add a source to the records of the given persons; prints its key."""
    from dossier import api
    from dossier.cli import output

    fields = {"key": key, "title": title, "url": url, "publisher": publisher, "author": author,
              "published": published, "kind": kind, "confidential": confidential, "note": note}
    added = api.add_source(_db(ctx), fields, person, cite)
    output.line(added.key)
    output.message(added.summary())


@sources_app.command("edit", epilog=examples(
    'dossier sources edit example-report --set publisher="Example Monitor"',
    "dossier sources edit example-report --set key=example-report-1990"))
def sources_edit(
    ctx: typer.Context,
    key: SourceKey,
    assignments: Annotated[list[str], typer.Option("--set", help="FIELD=VALUE (title, url, "
                           "publisher, ..., key=NEW renames).")] = [],  # noqa: B006
) -> None:
    """Change a source in every record that carries it (one transaction)."""
    from dossier import api
    from dossier.cli import output

    output.message(api.edit_source(_db(ctx), key, assignments).summary())


@sources_app.command("rm", epilog=examples(
    "dossier sources rm example-report", "dossier sources rm example-report --force    # and its citations"))
def sources_rm(
    ctx: typer.Context,
    key: SourceKey,
    force: Annotated[bool, typer.Option("--force", help="Also remove the claims' citations.")] = False,
) -> None:
    """Remove a source from every record; refused (exit 5) while a claim cites it."""
    from dossier import api
    from dossier.cli import output

    for line in api.remove_source(_db(ctx), key, force=force).summary():
        output.message(line)


@sources_app.command("attach", epilog=examples(
    "dossier sources attach example-report report-1990.pdf",
    "dossier sources attach confidential interview.ogg    # stored encrypted when encryption is on"))
def sources_attach(
    ctx: typer.Context,
    key: SourceKey,
    files: Annotated[list[Path], typer.Argument(help="Captured copies (PDF, HTML, image, audio…).",
                                                exists=True, dir_okay=False)],
) -> None:
    """Store captured copies of a source in the evidence store, by their SHA-256."""
    from dossier.api import evidence

    _say(evidence.attach(_db(ctx), key, files).summary())


@sources_app.command("verify", epilog=examples(
    "dossier sources verify", "dossier sources verify example-report"))
def sources_verify(
    ctx: typer.Context,
    keys: Annotated[list[str] | None, typer.Argument(help="Source keys (default: every source).",
                                                     show_default=False)] = None,
) -> None:
    """Re-hash every attached copy; report missing and altered ones (exit 4 if any)."""
    from dossier.api import evidence
    from dossier.errors import InvalidInput, Problem

    checked, damage = evidence.verify(_read_db(ctx), keys or [])
    if damage:
        raise InvalidInput([Problem(str(d)) for d in damage] + [Problem(
            f"verify: {len(damage)} of {checked} evidence copies missing or altered")])
    _say([f"verify: {checked} evidence cop{'ies' if checked != 1 else 'y'} intact"])


@sources_app.command("open", epilog=examples(
    "dossier sources open example-report",
    "dossier sources open confidential --stdout > interview.ogg    # an encrypted copy"))
def sources_open(
    ctx: typer.Context,
    key: SourceKey,
    file: Annotated[str | None, typer.Option("--file", help="Which copy: its file name or SHA-256 "
                    "(prefix); needed when the source has several.")] = None,
    stdout: Annotated[bool, typer.Option("--stdout", help="Write the copy to stdout instead of opening "
                      "it (an encrypted copy is only ever decrypted to stdout).")] = False,
) -> None:
    """Open a source's captured copy with the system's viewer, or write it to stdout."""
    from dossier.api import evidence
    from dossier.cli import output

    entry, found = evidence.open_copy(_read_db(ctx), key, file)
    if stdout:
        output.emit_bytes(found if isinstance(found, bytes) else found.read_bytes())
        return
    if isinstance(found, bytes):
        raise UsageError(f"the copy of {key} is encrypted: it is decrypted only to stdout, never to a "
                         f"file on disk; use: dossier sources open {key} --stdout > where-you-want-it")
    typer.launch(str(found))
    output.message(f"opened {entry.get('name') or found.name} ({found})")


# --- keys (encryption at rest) ----------------------------------------------------------

keys_app = typer.Typer(help="Who can read confidential content: age identities and recipients.",
                       epilog=examples("dossier keys init", "dossier keys list"),
                       no_args_is_help=True, rich_markup_mode=None, add_completion=False,
                       pretty_exceptions_enable=False,
                       context_settings={"help_option_names": ["-h", "--help"]})
COMMANDS["keys"] = keys_app


@keys_app.command("init", epilog=examples("dossier keys init", 'dossier keys init --name "Sara"'))
def keys_init(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Option("--name", help="Whose key this is (default: the actor).")
                    ] = None,
) -> None:
    """Create your identity (unless you have one) and make it a recipient: turns encryption on.

    Turning encryption on seals the confidential sources, their evidence copies, the
    restricted narratives and their history, and replaces the .bak that held them in clear.
    """
    from dossier.api import keys
    from dossier.cli import output

    report = keys.init(_db(ctx), name=name)
    output.line(str(report.public))  # stdout: the key to give to the team
    _say(report.summary())


@keys_app.command("add", epilog=examples("dossier keys add age1qyqszqgp…3290gq --name sara"))
def keys_add(
    ctx: typer.Context,
    recipient: Annotated[str, typer.Argument(help="A team member's public key (age1…).")],
    name: Annotated[str | None, typer.Option("--name", help="Whose key it is.")] = None,
) -> None:
    """Add a recipient; what is sealed is re-encrypted to include them (if you can read it)."""
    from dossier.api import keys

    _say(keys.add(_db(ctx), recipient, name=name).summary() or ["no changes"])


@keys_app.command("rm", epilog=examples("dossier keys rm sara", "dossier keys rm age1qyqszqgp…"))
def keys_rm(
    ctx: typer.Context,
    recipient: Annotated[str, typer.Argument(help="The public key (or the name given with it).")],
) -> None:
    """Remove a recipient and re-encrypt everything without them."""
    from dossier.api import keys

    _say(keys.remove(_db(ctx), recipient).summary())


@keys_app.command("rotate", epilog=examples("dossier keys rotate"))
def keys_rotate(ctx: typer.Context) -> None:
    """Re-encrypt every sealed value, history and evidence copy to the current recipients."""
    from dossier.api import keys

    _say(keys.rotate(_db(ctx)).summary())


@keys_app.command("list", epilog=examples("dossier keys list", "dossier keys list --format json"))
def keys_list(
    ctx: typer.Context,
    fmt: Annotated[Literal["table", "json"], typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """The recipients: public key, name, when added and by whom."""
    from dossier.api import keys
    from dossier.cli import output, views

    output.emit(keys.list_keys(_read_db(ctx)), fmt, views.RECIPIENTS)


@command("diff", example=["dossier diff old.json    # old.json: an earlier `dossier export`",
                          "dossier diff --since 2026-01-01 --format markdown > CHANGES.md"])
def diff_(
    ctx: typer.Context,
    old: Annotated[str | None, typer.Argument(help="An earlier export: JSON or NDJSON (- for stdin), "
                                              "YAML, CSV, or a folder of `export --split` (records/).",
                                              show_default=False)] = None,
    since: Annotated[str | None, typer.Option("--since", metavar="DATE", help="Persons added or "
                     "changed since DATE (YYYY-MM-DD or an ISO date-time, UTC).")] = None,
    fmt: Annotated[Literal["text", "markdown", "json"], typer.Option("--format", help="text, markdown "
                   "(a changelog page) or json.")] = "text",
) -> None:
    """Persons added, removed and changed (field by field) since an earlier export or a date."""
    from dossier import api
    from dossier.cli import output, views

    if (old is None) == (since is None):
        raise UsageError("give an earlier export (dossier diff OLD.json) or --since DATE, not both")
    db = _read_db(ctx)
    result = api.diff_since(db, since) if since else api.diff_export(db, old or "-")
    output.emit(result, fmt, views.DIFF)


@command(example=["dossier log kaveh-nadiri", "dossier log --since 2026-11-01 --format json"])
def log(
    ctx: typer.Context,
    ref: Annotated[str | None, typer.Argument(metavar="REF", help="A person (id, old or merged id, name) or "
                                              "a source key; default: every change.", show_default=False,
                                              autocompletion=_complete_person_or_source)] = None,
    since: Annotated[str | None, typer.Option("--since", metavar="DATE", help="Changes at or after DATE "
                     "(YYYY-MM-DD or an ISO date-time, UTC).")] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="At most N entries.")] = None,
    fmt: Annotated[Literal["text", "json", "ndjson"], typer.Option("--format", help="text, json or ndjson.")
                   ] = "text",
) -> None:
    """Who changed what and when, newest first (the history kept in the database file)."""
    from dossier import api
    from dossier.cli import output, views

    output.emit(api.log(_read_db(ctx), ref, since=since, limit=limit), fmt, views.LOG)


@command(example=["dossier review --list", "dossier review kaveh-nadiri --confirm --source example-report",
                  "dossier review    # on a terminal: walk the stale posts one by one"])
def review(
    ctx: typer.Context,
    ref: Annotated[str | None, typer.Argument(metavar="REF", help="One person, for --confirm or --left "
                                              "(scripts).", show_default=False,
                                              autocompletion=_complete_person)] = None,
    confirm: Annotated[bool, typer.Option("--confirm", help="REF still holds the current post, as "
                       "--source shows.")] = False,
    left: Annotated[bool, typer.Option("--left", help="REF left the current post on --end, as "
                    "--source shows.")] = False,
    source: Annotated[str | None, typer.Option("--source", metavar="KEY", help="The source that shows it "
                      "(a key in the database).", autocompletion=_complete_source)] = None,
    source_url: Annotated[str | None, typer.Option("--source-url", help="Or a new source: its URL "
                          "(with --source-title).")] = None,
    source_title: Annotated[str | None, typer.Option("--source-title", help="The new source's title "
                            "(with --source-url).")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", metavar="DATE", help="The date the source "
                     "confirms (default: its published, else accessed, date).")] = None,
    end: Annotated[str | None, typer.Option("--end", metavar="DATE", help="When REF left the post.")] = None,
    older_than: Annotated[int, typer.Option("--older-than", min=0, metavar="MONTHS",
                          help="Stale when confirmed (as_of) more than MONTHS ago, or never.")] = 24,
    list_: Annotated[bool, typer.Option("--list", help="Print the stale posts, ask nothing "
                     "(the way to use review off a terminal).")] = False,
    fmt: Annotated[Literal["table", "json"], typer.Option("--format", help="Of --list.")] = "table",
    today: Today = None,
) -> None:
    """Walk the stale current posts one by one: confirm (with a source), edit, mark left, skip or quit."""
    from dossier import api
    from dossier.api import review as reviewing
    from dossier.cli import output, views

    db, day = _db(ctx), _today(today)
    if confirm or left:
        if ref is None or confirm == left:
            raise UsageError("give one person and one of --confirm or --left "
                             "(review REF --confirm --source KEY)")
        evidence = _evidence(source, source_url, source_title)
        if confirm:
            record = reviewing.confirm(db, ref, source=evidence, as_of=as_of, today=day)
            output.message(f"confirmed {record['id']}: as of {record['current_post']['as_of']}")
        else:
            if end is None:
                raise UsageError("--left needs --end DATE: when did the person leave the post?")
            record = reviewing.left(db, ref, end=end, source=evidence, today=day)
            output.message(f"{record['id']}: moved the post to the career (ended {end}); "
                           "current post unknown")
    elif ref is not None:
        raise UsageError("REF goes with --confirm or --left; without them review walks every stale post")
    elif list_:
        output.emit(api.list_stale(db, older_than=older_than, today=day), fmt, views.STALE)
    elif not _on_terminal():
        raise UsageError("review asks questions, so it needs a terminal; use --list to print the stale posts")
    else:
        from dossier.cli.editor import EditorFailed

        def edit_record(pid: str) -> dict[str, Any] | None:
            try:
                return _edit_in_editor(db, pid)
            except EditorFailed as exc:  # (the walk goes on: the next answer is the user's)
                output.error(exc.lines())
                return None

        tally = api.review_walk(db, ask=_review_ask, say=_say, today=day, older_than=older_than,
                                edit_record=edit_record)
        output.message(tally.summary())


def _evidence(key: str | None, url: str | None, title: str | None) -> Any:
    if key and (url or title):
        raise UsageError("give --source KEY, or --source-url and --source-title for a new source, not both")
    if key:
        return key
    if url and title:
        return {"url": url, "title": title}
    raise UsageError("a source shows it: give --source KEY (or --source-url URL --source-title TITLE)")


def _say(lines: Any) -> None:
    from dossier.cli import output

    for text in lines:
        output.message(text)


def _review_ask(question: str, choices: Any, default: str) -> str:
    """One question on stderr; end of input (Ctrl-D) ends the review."""
    from dossier.api.review import Quit
    from dossier.cli import output

    try:
        return output.ask(question, choices, default)
    except EOFError:
        raise Quit() from None


def main() -> None:
    """The ``dossier`` executable (and ``python -m dossier``).

    It ends the process without tearing the interpreter down: once the exit handlers
    have run, what is left is freeing every object and module one by one (~10 ms after
    ``list``, ~25 ms after an ``add``, which holds Pydantic's schemas), which the kernel
    does at once for an ended process. Nothing is lost by it: every file is written
    and closed (the database's writes are fsync'd) before the command returns, and
    standard output and error are flushed here (output that cannot be written is an
    error, exit 1). Only a process that runs dossier alone ends so: where an exit handler
    was registered before ``main`` (a program calling it in itself, coverage measuring
    it), the interpreter ends as usual. Scripts and tests call ``app``.
    """
    import atexit

    # (CPython's count of the handlers; without it, the usual end)
    if getattr(atexit, "_ncallbacks", lambda: 1)() == 0:
        # Registered first, so it runs after every handler registered while the command
        # ran (they run last in, first out): theirs is done when it ends the process.
        atexit.register(_leave)
    try:
        try:
            app()
        except KeyboardInterrupt:  # (outside a command's run: any write is this process's)
            sys.stderr.write(_interrupted(0))
            sys.exit(130)
    except SystemExit as done:  # how every command ends, with its exit code
        # (None is 0; a message instead of a code is printed by Python, and is exit 1)
        _status.append(done.code if isinstance(done.code, int) else 0 if done.code is None else 1)
        raise


_status: list[int] = []  # main's exit code, once it has one


def _leave() -> None:
    if not _status:
        return  # main did not end the command: the interpreter ends as usual
    code = _status[-1]
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:  # (None: the stream was closed when the process started)
                stream.flush()
        except BrokenPipeError:
            pass  # the reader went away (`dossier list | head`), as in a command
        except ValueError:
            pass  # closed
        except OSError as exc:
            if stream is sys.stdout and sys.stderr is not None:
                sys.stderr.write(f"error: cannot write the output: {exc.strerror or exc}\n")
                sys.stderr.flush()
                code = code or 1
    os._exit(code)


__all__ = ["EXIT_USAGE", "app", "main"]
