"""The command line: thin commands over ``dossier.api``.

Each command parses options, calls one api function and hands the result to
``dossier.output``. Errors become exit codes in one place,
``DossierGroup.invoke``. Heavy libraries (Pydantic, Rich, TinyDB) are
imported inside the commands so ``dossier --version`` starts fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from typer.core import TyperGroup

from dossier import __version__
from dossier.errors import EXIT_USAGE, DossierError, UsageError


class DossierGroup(TyperGroup):
    """Maps every error of every command to its exit code and one message."""

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DossierError as exc:
            if _debug(ctx):
                raise
            from dossier.output import error

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
            sys.stderr.write("interrupted\n")
            raise typer.Exit(130) from None
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:
            if _debug(ctx) or _is_click_error(exc):
                raise
            sys.stderr.write(
                f"error: internal error: {type(exc).__name__}: {exc} (run with --debug for details)\n"
            )
            raise typer.Exit(1) from None


def _is_click_error(exc: Exception) -> bool:
    # Usage errors (exit 2) are Click's to report.
    from typer._click.exceptions import ClickException

    return isinstance(exc, ClickException)


def _debug(ctx: typer.Context) -> bool:
    return bool((ctx.find_root().obj or {}).get("debug"))


app = typer.Typer(
    cls=DossierGroup,
    name="dossier",
    help="Personnel dossiers for human-rights accountability work.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        # not through dossier.output: `--version` must not import more than it needs
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
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    ctx.obj = {"db": db, "debug": debug}


def _db(ctx: typer.Context) -> Path:
    from dossier.store import resolve_path

    return resolve_path((ctx.find_root().obj or {}).get("db"))


def _on_terminal() -> bool:
    return sys.stdin.isatty() and sys.stderr.isatty()


Calendar = Annotated[
    Literal["gregorian", "jalali"],
    typer.Option("--calendar", help="Calendar of dates without an SH prefix (Persian digits need jalali)."),
]


# --- add -----------------------------------------------------------------------


@app.command()
def add(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="Primary Latin-script name.")] = None,
    id: Annotated[str | None, typer.Option("--id", help="Id (default: from the name).")] = None,
    alias: Annotated[list[str], typer.Option("--alias", help="Other spelling (repeatable).")] = [],  # noqa: B006
    native_name: Annotated[str | None, typer.Option("--native-name")] = None,
    status: Annotated[Literal["alive", "deceased", "unknown"] | None, typer.Option("--status")] = None,
    role_1988: Annotated[str | None, typer.Option("--role-1988", help="Title of the 1988 post.")] = None,
    org_1988: Annotated[str | None, typer.Option("--org-1988")] = None,
    place_1988: Annotated[str | None, typer.Option("--place-1988")] = None,
    current_post: Annotated[str | None, typer.Option("--current-post")] = None,
    current_org: Annotated[str | None, typer.Option("--current-org")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="When the current post was confirmed.")] = None,
    source_url: Annotated[list[str], typer.Option("--source-url")] = [],  # noqa: B006
    source_title: Annotated[list[str], typer.Option("--source-title")] = [],  # noqa: B006
    tag: Annotated[list[str], typer.Option("--tag")] = [],  # noqa: B006
    calendar: Calendar = "gregorian",
    fmt: Annotated[Literal["text", "json"], typer.Option("--format")] = "text",
) -> None:
    """Add a person; prints the new id. With no NAME on a terminal, asks for the fields."""
    from dossier import api, output

    if len(source_url) != len(source_title):
        raise UsageError("give --source-url and --source-title in pairs (one title per URL)")
    if name is None:
        if not _on_terminal():
            raise UsageError("NAME is required when not on a terminal")
        given = [id, native_name, status, role_1988, org_1988, place_1988, current_post, current_org,
                 as_of, *alias, *source_url, *tag]
        if any(v is not None for v in given):
            raise UsageError("give NAME with the options, or no options to be asked for every field")
        from dossier.prompts import ask_new_person

        new = ask_new_person()
    else:
        new = api.NewPerson(
            name=name,
            id=id,
            aliases=alias,
            native_name=native_name,
            status=status,
            role_1988=_post(role_1988, organization=org_1988, place=place_1988),
            current_post=_post(current_post, organization=current_org, as_of=as_of),
            sources=list(zip(source_url, source_title, strict=True)),
            tags=tag,
        )
        if as_of and not current_post:
            raise UsageError("--as-of needs --current-post")
        if (org_1988 or place_1988) and not role_1988:
            raise UsageError("--org-1988/--place-1988 need --role-1988")
        if current_org and not current_post:
            raise UsageError("--current-org needs --current-post")
    person = api.add(_db(ctx), new, calendar=calendar)
    if fmt == "json":
        output.emit_json(person.model_dump(mode="json"))
    else:
        output.emit_text(f"{person.id}\n")


def _post(title: str | None, **fields: str | None) -> dict[str, str] | None:
    if not title:
        return None
    return {"title": title, **{k: v for k, v in fields.items() if v}}


# --- list / show ----------------------------------------------------------------


@app.command("list")
def list_(
    ctx: typer.Context,
    fmt: Annotated[Literal["table", "json", "ndjson", "csv"], typer.Option("--format")] = "table",
    tag: Annotated[str | None, typer.Option("--tag")] = None,
    status: Annotated[Literal["alive", "deceased", "unknown"] | None, typer.Option("--status")] = None,
    query: Annotated[str | None, typer.Option("--query", help="Substring of names, posts, tags.")] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=0)] = None,
) -> None:
    """List persons (id order)."""
    from dossier import api, output

    records = api.list_persons(_db(ctx), tag=tag, status=status, query=query, limit=limit)
    if fmt == "json":
        output.emit_json(records)
    elif fmt == "ndjson":
        output.emit_ndjson(records)
    elif fmt == "csv":
        from dossier.interchange import csv_rows

        header, rows = csv_rows(records)
        output.emit_csv(header, rows)
    else:
        output.emit_table(output.LIST_COLUMNS, output.list_rows(records))


@app.command()
def show(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Id, merged id, or a name/alias of one person.")],
    fmt: Annotated[Literal["text", "json", "yaml", "markdown"], typer.Option("--format")] = "text",
) -> None:
    """Show one person."""
    from dossier import api, output

    person = api.show(_db(ctx), ref)
    if fmt == "json":
        output.emit_json(person.model_dump(mode="json"))
    elif fmt == "yaml":
        from dossier.yamlio import dump_record

        output.emit_text(dump_record(person.model_dump(mode="json")))
    elif fmt == "markdown":
        from dossier.profiles import profile_page

        output.emit_text(profile_page(_db(ctx), person))
    else:
        output.emit_person_text(person)


# --- edit / rm ----------------------------------------------------------------------


@app.command()
def edit(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument()],
    assignments: Annotated[
        list[str],
        typer.Option("--set", help="FIELD=VALUE or FIELD+=VALUE; dotted paths (current_post.title)."),
    ] = [],  # noqa: B006
    calendar: Calendar = "gregorian",
) -> None:
    """Change a record: --set assignments, or $EDITOR on the record as YAML."""
    from dossier import api, output

    db = _db(ctx)
    person = (api.edit_assignments(db, ref, assignments, calendar=calendar) if assignments
              else _edit_in_editor(db, ref))
    if person is None:
        output.message("no changes")
    else:
        output.message(f"updated {person.id}")


def _edit_in_editor(db: Path, ref: str) -> Any:
    import yaml

    from dossier import api, output
    from dossier.editor import edit_loop
    from dossier.errors import InvalidInput
    from dossier.yamlio import dump_record

    record = api.editable(db, ref)
    person_id = record["id"]
    shown = {k: v for k, v in record.items() if k not in api.TIMESTAMPS}

    def parse(text: str) -> Any:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"editor:{mark.line + 1}" if mark else "editor"
            reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise InvalidInput(f"{where}: not valid YAML: {reason}") from None
        if not isinstance(data, dict):
            raise InvalidInput("editor: the record must be a YAML mapping")
        return api.edit_replace(db, person_id, data)

    def reopen(errors: list[str]) -> bool:
        from rich.prompt import Confirm

        from dossier.output import _console

        output.error(errors)
        return Confirm.ask("Edit again?", default=True, console=_console(True))

    person = edit_loop(person_id, dump_record(shown), parse,
                         reopen=reopen if _on_terminal() else None)
    return person


@app.command()
def rm(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument()],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
) -> None:
    """Remove a person."""
    from dossier import api, output

    db = _db(ctx)
    if not yes:
        if not _on_terminal():
            raise UsageError("refusing to remove without --yes when not on a terminal")
        from rich.prompt import Confirm

        record = api.editable(db, ref)
        if not Confirm.ask(
            f"Remove {record['id']} ({record['name']})?", default=False, console=output._console(True)
        ):
            output.message("nothing removed")
            raise typer.Exit(0)
        ref = record["id"]
    record = api.remove(db, ref)
    output.message(f"removed {record['id']}")


# --- search / check / merge (names) -----------------------------------------------


@app.command()
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="Any spelling of a name, Latin or Persian script.")],
    limit: Annotated[int, typer.Option("--limit", min=1)] = 10,
    fmt: Annotated[Literal["table", "json"], typer.Option("--format")] = "table",
) -> None:
    """Fuzzy, transliteration-tolerant name search; best match first (no match: exit 0)."""
    from dossier import api, output

    hits = api.search(_db(ctx), query, limit=limit)
    if fmt == "json":
        output.emit_json([h.as_dict() for h in hits])
    elif hits:
        output.emit_table(("id", "name", "matched", "score"),
                          [[h.id, h.name, h.matched, str(h.score)] for h in hits])
    else:
        output.message(f"no match for {query!r}")


@app.command()
def check(
    ctx: typer.Context,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings also exit 4.")] = False,
    fmt: Annotated[Literal["text", "json"], typer.Option("--format")] = "text",
) -> None:
    """Integrity report: errors (exit 4), then warnings (exit 4 only with --strict)."""
    from dossier import api, output
    from dossier.checks import summary
    from dossier.errors import InvalidInput

    findings = api.check(_db(ctx))
    if fmt == "json":
        output.emit_json([f.as_dict() for f in findings])
    else:
        output.emit_text("".join(f"{f}\n" for f in findings))
    text, failed = summary(findings, strict=strict)
    if failed:
        raise InvalidInput(text)
    output.message(text)


@app.command()
def merge(
    ctx: typer.Context,
    keep: Annotated[str, typer.Argument(help="The person to keep (id or name).")],
    other: Annotated[str, typer.Argument(help="The person merged into KEEP, then removed.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the merged record only.")] = False,
) -> None:
    """Merge OTHER into KEEP: names, posts, sources, tags, links; OTHER's id still resolves."""
    from dossier import api, output

    person, result = api.merge(_db(ctx), keep, other, dry_run=dry_run)
    if dry_run:
        output.emit_person_text(person)
    for line in result.report(dry_run=dry_run):
        output.message(line)



# --- import / export (interchange) ------------------------------------------------

InterFormat = Annotated[
    Literal["json", "ndjson", "csv", "yaml"] | None,
    typer.Option("--format", help="Default: from each file's extension; stdin is sniffed.",
                 show_default=False),
]


@app.command("import")
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
) -> None:
    """Import persons (JSON, NDJSON, CSV, YAML); all or nothing, re-imports change nothing."""
    from dossier import output, transfer

    report = transfer.import_path(
        _db(ctx), path, fmt=fmt, dry_run=dry_run, on_conflict=on_conflict, calendar=calendar,
        notify=output.message, progress=output.progress,
    )
    output.message(report.summary())


ExportFormat = Annotated[  # the record formats, plus the publication formats ftm and popolo
    Literal["json", "ndjson", "csv", "yaml", "ftm", "popolo"] | None,
    typer.Option("--format", help="Default: from the file extension, else json. ftm: FollowTheMoney "
                 "entities (NDJSON); popolo: Popolo JSON; both redacted like profiles --public.",
                 show_default=False),
]


@app.command()
def export(
    ctx: typer.Context,
    path: Annotated[str, typer.Argument(help="File, folder (--split), or - for stdout.")] = "-",
    fmt: ExportFormat = None,
    split: Annotated[bool, typer.Option("--split", help="One file per person in the folder PATH.")] = False,
) -> None:
    """Export every person, losslessly (import gives back the same records)."""
    from dossier import output, transfer

    report = transfer.export(_db(ctx), path, fmt=fmt, split=split)
    if report.data is not None:
        output.emit_bytes(report.data)
    else:
        output.message(transfer.export_summary(report))


# --- profiles ----------------------------------------------------------------------


@app.command()
def profiles(
    ctx: typer.Context,
    outdir: Annotated[Path, typer.Argument(help="Folder for the pages (created if missing).",
                                           file_okay=False)],
    public: Annotated[bool, typer.Option("--public", help="Leave out restricted persons; "
                                         "withhold confidential sources.")] = False,
    templates: Annotated[Path | None, typer.Option("--templates", help="Folder of templates that "
                         "override the packaged ones.", exists=True, file_okay=False)] = None,
    today: Annotated[str | None, typer.Option("--today", help="Reference date (YYYY-MM-DD) for stale "
                     "current posts (default: the newest update in the database).")] = None,
) -> None:
    """Write Markdown profile pages: OUTDIR/<id>.md, OUTDIR/index.md, OUTDIR/sources.md."""
    from dossier import output
    from dossier.profiles import parse_today, publish

    report = publish(_db(ctx), outdir, public=public, templates=templates, today=parse_today(today))
    output.message(report.summary())


# --- sources / diff / review (provenance) -------------------------------------------

sources_app = typer.Typer(help="The sources cited across the database.", no_args_is_help=True,
                          rich_markup_mode=None)
app.add_typer(sources_app, name="sources")


@sources_app.command("list")
def sources_list(
    ctx: typer.Context,
    fmt: Annotated[Literal["table", "json"], typer.Option("--format")] = "table",
) -> None:
    """Every source, with the number of claims citing it and of persons carrying it."""
    from dossier import output, sources

    rows = sources.list_sources(_db(ctx))
    if fmt == "json":
        output.emit_json(rows)
    else:
        output.emit_table(sources.LIST_COLUMNS, sources.table_rows(rows))


@sources_app.command("show")
def sources_show(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Source key.")],
    fmt: Annotated[Literal["text", "json"], typer.Option("--format")] = "text",
) -> None:
    """A source's fields and every claim (person, field path) that cites it."""
    from dossier import output, sources

    shown = sources.show_source(_db(ctx), key)
    if fmt == "json":
        output.emit_json(shown)
    else:
        output.emit_text(sources.show_text(shown))


@sources_app.command("add")
def sources_add(
    ctx: typer.Context,
    title: Annotated[str, typer.Option("--title", help="Title (required).")],
    person: Annotated[list[str], typer.Option("--person", help="Person carrying the source "
                      "(id or name; repeatable; at least one).")] = [],  # noqa: B006
    cite: Annotated[list[str], typer.Option("--cite", help="Claim of each --person that cites it: "
                    "role_1988, current_post, posts[N], associates[N] (repeatable).")] = [],  # noqa: B006
    key: Annotated[str | None, typer.Option("--key", help="Key (default: from the title).")] = None,
    url: Annotated[str | None, typer.Option("--url")] = None,
    publisher: Annotated[str | None, typer.Option("--publisher")] = None,
    author: Annotated[str | None, typer.Option("--author")] = None,
    published: Annotated[str | None, typer.Option("--published", help="Partial date.")] = None,
    kind: Annotated[Literal["report", "article", "testimony", "official", "audio", "video", "other"]
                    | None, typer.Option("--kind")] = None,
    confidential: Annotated[bool, typer.Option("--confidential", help="Never shown in public output.")
                            ] = False,
    note: Annotated[str | None, typer.Option("--note")] = None,
) -> None:
    """Add a source to the records of the given persons; prints its key."""
    from dossier import output, sources

    fields = {"key": key, "title": title, "url": url, "publisher": publisher, "author": author,
              "published": published, "kind": kind, "confidential": confidential, "note": note}
    added = sources.add_source(_db(ctx), fields, person, cite)
    output.emit_text(f"{added.key}\n")
    output.message(sources.added_summary(added))


@sources_app.command("edit")
def sources_edit(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Source key.")],
    assignments: Annotated[list[str], typer.Option("--set", help="FIELD=VALUE (title, url, "
                           "publisher, ..., key=NEW renames).")] = [],  # noqa: B006
) -> None:
    """Change a source in every record that carries it (one transaction)."""
    from dossier import output, sources

    edited = sources.edit_source(_db(ctx), key, assignments)
    output.message(sources.edited_summary(edited))


@sources_app.command("rm")
def sources_rm(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Source key.")],
    force: Annotated[bool, typer.Option("--force", help="Also remove the claims' citations.")] = False,
) -> None:
    """Remove a source from every record; refused (exit 5) while a claim cites it."""
    from dossier import output, sources

    removed = sources.remove_source(_db(ctx), key, force=force)
    for line in sources.removed_summary(removed):
        output.message(line)


@app.command("diff")
def diff_(
    ctx: typer.Context,
    old: Annotated[str | None, typer.Argument(help="An earlier `export --format json` "
                                              "(or ndjson; - for stdin).", show_default=False)] = None,
    since: Annotated[str | None, typer.Option("--since", metavar="DATE", help="Persons added or "
                     "changed since DATE (YYYY-MM-DD or an ISO date-time, UTC).")] = None,
    fmt: Annotated[Literal["text", "markdown", "json"], typer.Option("--format")] = "text",
) -> None:
    """Persons added, removed and changed (field by field) since an earlier export or a date."""
    from dossier import diff, output

    if (old is None) == (since is None):
        raise UsageError("give an earlier export (dossier diff OLD.json) or --since DATE, not both")
    result = diff.changed_since(_db(ctx), since) if since else diff.compare_with_export(_db(ctx), old)
    if fmt == "json":
        output.emit_json(result.to_json())
    else:
        output.emit_text(diff.render_markdown(result) if fmt == "markdown" else diff.render_text(result))


@app.command()
def review(
    ctx: typer.Context,
    older_than: Annotated[int, typer.Option("--older-than", min=0, metavar="MONTHS",
                          help="Stale when confirmed (as_of) more than MONTHS ago, or never.")] = 24,
    list_: Annotated[bool, typer.Option("--list", help="Print the stale posts, ask nothing "
                     "(the way to use review off a terminal).")] = False,
    fmt: Annotated[Literal["table", "json"], typer.Option("--format", help="Of --list.")] = "table",
    today: Annotated[str | None, typer.Option("--today", metavar="DATE", help="Reference date "
                     "YYYY-MM-DD (default: today).")] = None,
) -> None:
    """Walk the stale current posts one by one: confirm, edit, mark left, skip or quit."""
    from dossier import output, review

    db, day = _db(ctx), review.parse_today(today)
    if list_:
        rows = review.list_stale(db, older_than=older_than, today=day)
        if fmt == "json":
            output.emit_json([r.to_json() for r in rows])
        else:
            output.emit_table(review.COLUMNS, review.table_rows(rows))
    elif not _on_terminal():
        raise UsageError("review asks questions, so it needs a terminal; use --list to print the stale posts")
    else:
        tally = review.walk(db, ask=_review_ask, say=lambda lines: [output.message(x) for x in lines],
                            today=day, older_than=older_than,
                            edit_record=lambda pid: _edit_in_editor(db, pid))
        output.message(tally.summary())


def _review_ask(question: str, choices: Any, default: str) -> str:
    """One question on stderr; end of input (Ctrl-D) ends the review."""
    from rich.prompt import Prompt
    from rich.text import Text

    from dossier.output import _console
    from dossier.review import Quit

    try:
        return Prompt.ask(Text(question), console=_console(True), choices=list(choices) if choices else None,
                          default=default, show_default=bool(default))
    except EOFError:
        raise Quit() from None



def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)


__all__ = ["EXIT_USAGE", "app", "main"]
