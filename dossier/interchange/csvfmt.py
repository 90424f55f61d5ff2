"""CSV: one person per row, the SPEC's columns, ``;`` inside list cells."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

SEP = ";"
COLUMNS = (
    "id", "name", "native_name", "aliases", "status",
    "role_1988_title", "role_1988_organization", "role_1988_place",
    "current_post_title", "current_post_organization", "current_post_as_of",
    "tags", "source_urls",
)


def _post(record: dict[str, Any], key: str, field: str) -> str:
    return ((record.get(key) or {}).get(field)) or ""


def csv_rows(records: Sequence[dict[str, Any]]) -> tuple[tuple[str, ...], list[list[str]]]:
    rows = []
    for r in records:
        rows.append([
            r["id"], r["name"], r.get("native_name") or "", SEP.join(r.get("aliases", [])),
            r.get("status") or "unknown",
            _post(r, "role_1988", "title"), _post(r, "role_1988", "organization"),
            _post(r, "role_1988", "place"),
            _post(r, "current_post", "title"), _post(r, "current_post", "organization"),
            _post(r, "current_post", "as_of"),
            SEP.join(r.get("tags", [])),
            SEP.join(s["url"] for s in r.get("sources", []) if s.get("url")),
        ])
    return COLUMNS, rows


__all__ = ["COLUMNS", "csv_rows", "orjson"]
