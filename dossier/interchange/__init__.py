"""Interchange formats (SPEC §3): JSON, NDJSON, CSV, YAML."""

from __future__ import annotations

from dossier.interchange.csvfmt import csv_rows

__all__ = ["csv_rows"]
