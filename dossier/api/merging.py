"""Merging two records of one person (``dossier merge KEEP OTHER``).

Pure functions over stored dicts; ``api.merge`` runs them inside one store
transaction. Nothing of OTHER is lost: its names become KEEP's aliases, its
posts, sources, tags and links are added, its narrative is appended, its id is
remembered in ``merged_ids`` (so ``show OTHER`` still finds KEEP), and links of
other persons to OTHER are re-pointed to KEEP.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from dossier.errors import Conflict, UsageError

NARRATIVE_SEPARATOR = "\n\n---\n\n*Merged from `{id}`:*\n\n"


@dataclass
class MergeResult:
    record: dict[str, Any]  # the merged KEEP, not yet validated
    other_id: str
    repointed: list[dict[str, Any]] = field(default_factory=list)  # other persons, links re-pointed
    notes: list[str] = field(default_factory=list)

    def report(self, *, dry_run: bool = False) -> list[str]:
        """What ``merge`` tells the user on stderr."""
        lines = [f"note: {n}" for n in self.notes]
        done = f"merged {self.other_id} into {self.record['id']}"
        if self.repointed:
            done += f"; links re-pointed in {', '.join(r['id'] for r in self.repointed)}"
        lines.append(f"dry run, nothing written: would have {done}" if dry_run else done)
        return lines


def _unique(items: Iterable[Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def merge_records(
    keep: dict[str, Any], other: dict[str, Any], everyone: Iterable[dict[str, Any]]
) -> MergeResult:
    """KEEP with OTHER merged in, and the other persons whose links must change.

    Raises ``Conflict`` when both cite one source key with different content.
    """
    keep_id, other_id = keep["id"], other["id"]
    if keep_id == other_id:
        raise UsageError(f"{keep_id!r} and {other_id!r} are the same person; nothing to merge")
    merged = copy.deepcopy(keep)
    result = MergeResult(merged, other_id)
    _merge_sources(merged, other)
    _merge_names(merged, other)
    _merge_posts(merged, other, result.notes)
    _merge_scalars(merged, other, result.notes)
    merged["tags"] = _unique([*keep.get("tags", []), *other.get("tags", [])])
    links = [a for a in keep.get("associates", []) if a["id"] != other_id]
    links += [a for a in other.get("associates", []) if a["id"] != keep_id]
    merged["associates"] = _merge_links(links)
    merged["merged_ids"] = _unique([*keep.get("merged_ids", []), other_id, *other.get("merged_ids", [])])
    theirs = (other.get("narrative") or "").strip("\n")
    if theirs:
        mine = (keep.get("narrative") or "").rstrip("\n")
        sep = NARRATIVE_SEPARATOR.format(id=other_id) if mine else ""
        merged["narrative"] = f"{mine}{sep}{theirs}\n"
    for person in everyone:
        if person["id"] in (keep_id, other_id):
            continue
        if any(a["id"] == other_id for a in person.get("associates", [])):
            changed = copy.deepcopy(person)
            for link in changed["associates"]:
                if link["id"] == other_id:
                    link["id"] = keep_id
            changed["associates"] = _merge_links(changed["associates"])
            result.repointed.append(changed)
    return result


def _merge_sources(merged: dict[str, Any], other: dict[str, Any]) -> None:
    mine = {s["key"]: s for s in merged.get("sources", [])}
    for src in other.get("sources", []):
        known = mine.get(src["key"])
        if known is None:
            merged.setdefault("sources", []).append(src)
            mine[src["key"]] = src
        elif known != src:
            raise Conflict(
                f"source {src['key']!r} differs between {merged['id']} and {other['id']}; "
                "make the two copies agree before merging"
            )


def _merge_names(merged: dict[str, Any], other: dict[str, Any]) -> None:
    theirs = [other["name"]]
    if other.get("native_name"):
        if merged.get("native_name"):
            theirs.append(other["native_name"])
        else:
            merged["native_name"] = other["native_name"]
    theirs += other.get("aliases", [])
    own = {merged["name"], merged.get("native_name")}
    merged["aliases"] = _unique(a for a in [*merged.get("aliases", []), *theirs] if a not in own)


def _merge_posts(merged: dict[str, Any], other: dict[str, Any], notes: list[str]) -> None:
    posts = [*merged.get("posts", []), *other.get("posts", [])]
    for key, label in (("role_1988", "position in 1988"), ("current_post", "current post")):
        theirs = other.get(key)
        if not theirs:
            continue
        if not merged.get(key):
            merged[key] = theirs
        elif theirs != merged[key]:
            kept, held = dict(theirs), ""
            if key == "role_1988" and not kept.get("as_of"):
                # In the career, only a date says it was the 1988 position (``rules.post_span``).
                kept["as_of"], held = "1988", " (as of 1988)"
            posts.append(kept)
            notes.append(f"{other['id']}'s {label} {theirs['title']!r} kept as a career post{held}")
    merged["posts"] = _unique(posts)


def _merge_scalars(merged: dict[str, Any], other: dict[str, Any], notes: list[str]) -> None:
    if merged.get("status", "unknown") == "unknown" and other.get("status", "unknown") != "unknown":
        merged["status"] = other["status"]
    elif other.get("status", "unknown") not in ("unknown", merged.get("status")):
        notes.append(f"kept status {merged['status']!r}; {other['id']} had {other['status']!r}")
    written = dict(merged.get("dates_as_written") or {})
    for key in ("born", "died"):
        if other.get(key) and not merged.get(key):
            merged[key] = other[key]
            if key in (other.get("dates_as_written") or {}):
                written[key] = other["dates_as_written"][key]
        elif other.get(key) and other[key] != merged[key]:
            notes.append(f"kept {key} {merged[key]}; {other['id']} had {other[key]}")
    merged["dates_as_written"] = written
    if other.get("restricted") and not merged.get("restricted"):
        merged["restricted"] = True
        notes.append(f"restricted, because {other['id']} was")


def _merge_links(links: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Links to the same person with the same relation become one, citing both sources."""
    out: list[dict[str, Any]] = []
    for link in links:
        key = (link["id"], link.get("relation"))
        same = next((o for o in out if (o["id"], o.get("relation")) == key), None)
        if same is None:
            out.append(copy.deepcopy(link))
        else:
            same["sources"] = _unique([*same.get("sources", []), *link.get("sources", [])])
    return out
