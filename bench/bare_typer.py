"""A bare Typer app with ten commands: the cold-start floor of this stack.

    python bench/bare_typer.py --version

It has the shape of dossier's command line (a global option, an eager
`--version`, ten commands with a few options each) but imports nothing beyond
Typer, so `dossier --version` / this = the cost of dossier's own start-up.
"""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


def _version(value: bool) -> None:
    if value:
        typer.echo("bare 0.0.0")
        raise typer.Exit()


@app.callback()
def main(
    db: Annotated[str | None, typer.Option("--db", help="Database file.")] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    """Bare app."""


@app.command()
def add(name: str, alias: Annotated[list[str] | None, typer.Option()] = None) -> None:
    """Add a person."""


@app.command("list")
def list_(fmt: Annotated[str, typer.Option("--format")] = "table") -> None:
    """List persons."""


@app.command()
def show(ref: str, fmt: Annotated[str, typer.Option("--format")] = "text") -> None:
    """Show a person."""


@app.command()
def search(query: str, limit: int = 10) -> None:
    """Search names."""


@app.command()
def edit(ref: str, set_: Annotated[list[str] | None, typer.Option("--set")] = None) -> None:
    """Edit a person."""


@app.command()
def rm(ref: str, yes: bool = False) -> None:
    """Remove a person."""


@app.command("import")
def import_(path: str, dry_run: bool = False) -> None:
    """Import records."""


@app.command()
def export(path: str, fmt: Annotated[str, typer.Option("--format")] = "json") -> None:
    """Export records."""


@app.command()
def profiles(outdir: str, public: bool = False) -> None:
    """Write profile pages."""


@app.command()
def check(strict: bool = False) -> None:
    """Check integrity."""


if __name__ == "__main__":
    app()
