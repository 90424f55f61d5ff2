"""The command line (the top layer): Typer commands over ``dossier.api``."""

from __future__ import annotations

from dossier.cli.app import app, main

__all__ = ["app", "main"]
