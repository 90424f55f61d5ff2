"""Popolo JSON from dossier records, for ``export --format popolo``.

Popolo (popoloproject.com) is the data standard of legislative and
officials' data (EveryPolitician, OpenStates). The document is
``{"persons", "organizations", "posts", "memberships", "areas"}``:

* a person (``id`` = the dossier id): name, ``other_names`` (aliases, and the
  native name with the note "native name"), birth_date, death_date,
  ``biography`` (the narrative), created_at/updated_at, and ``sources``;
* a post per distinct (title, organization, place): ``label`` = the title,
  ``organization_id``, ``area_id`` (the place, as an area);
* a membership per claim (``role_1988``, ``current_post``, ``posts[i]``):
  person_id, post_id, organization_id, area_id, ``role`` = the title,
  start_date/end_date, ``label`` saying which claim it is and its confidence
  (Popolo has no confidence field), and the claim's cited ``sources``.

Every object's ``sources`` is a list of Popolo links ``{"url", "note"}``; the
note is the source's title, publisher, date and kind. Popolo requires a
``url``: a source without one (a printed report) is linked by its
``archive_url``, else as ``urn:dossier:source:<key>`` so that it is still
named. Associates have no Popolo equivalent and are left out.

Redacted by default, as ``profiles --public``: restricted persons are left
out, and so are confidential sources (``redact=False`` keeps everything).
Output is deterministic (same database, same bytes).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dossier.interchange.ftm import digest, source_line, unique
from dossier.model import rules

PREFIX = "dossier"
CLAIM_LABEL = {"role_1988": "Position in 1988", "current_post": "Current post"}


def link(src: dict[str, Any]) -> dict[str, str]:
    """A Popolo link for one source."""
    url = src.get("url") or src.get("archive_url") or f"urn:dossier:source:{src['key']}"
    return {"url": url, "note": source_line({**src, "url": None})}


def _links(keys: Sequence[str], shown: dict[str, dict[str, Any]]) -> list[dict[str, str]]:
    return [link(shown[k]) for k in keys if k in shown]


def _clean(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if v not in (None, "", [])}


def popolo_document(records: Sequence[dict[str, Any]], *, redact: bool = True) -> dict[str, Any]:
    """The Popolo document of ``records`` (stored/exported person dicts)."""
    persons, memberships = [], []
    organizations: dict[str, dict[str, Any]] = {}
    posts: dict[str, dict[str, Any]] = {}
    areas: dict[str, dict[str, Any]] = {}
    # post/organization id -> its links, deduplicated (a shared post gathers many holders' sources)
    cited_by: dict[str, dict[tuple[str, str], dict[str, str]]] = {}
    ids: set[str] = set()
    for record in sorted(records, key=lambda r: r["id"]):
        if redact and record.get("restricted"):
            continue
        shown, withheld = rules.publishable(record, redact=redact)
        other_names = [{"name": record["native_name"], "note": "native name"}] if record.get(
            "native_name") else []
        other_names += [{"name": a, "note": "alias"} for a in record.get("aliases") or ()]
        persons.append(_clean({
            "id": record["id"], "name": record["name"], "other_names": other_names,
            "birth_date": record.get("born"), "death_date": record.get("died"),
            "biography": (record.get("narrative") or "").strip(),
            "created_at": record.get("created"), "updated_at": record.get("updated"),
            "sources": [link(s) for s in shown.values()],
        }))
        for path, claim in rules.claims(record):
            if path.startswith("associates["):
                continue
            org, place = claim.get("organization"), claim.get("place")
            org_id = f"{PREFIX}-org-{digest(org)}" if org else None
            area_id = f"{PREFIX}-area-{digest(place)}" if place else None
            post_id = f"{PREFIX}-post-{digest(claim['title'], org, place)}"
            if org_id:
                organizations.setdefault(org_id, {"id": org_id, "name": org})
            if area_id:
                areas.setdefault(area_id, {"id": area_id, "name": place})
            posts.setdefault(post_id, _clean({"id": post_id, "label": claim["title"],
                                              "organization_id": org_id, "area_id": area_id}))
            cited = _links(claim.get("sources") or (), shown)
            for target in (post_id, org_id):
                if target is not None:
                    seen = cited_by.setdefault(target, {})
                    for x in cited:
                        seen.setdefault((x["url"], x["note"]), x)
            label = CLAIM_LABEL.get(path, "Career post")
            if path == "current_post" and claim.get("as_of"):
                label += f", confirmed as of {claim['as_of']}"
            hidden = sum(1 for k in claim.get("sources") or () if k in withheld)
            label += f"; confidence: {claim.get('confidence', 'medium')}"
            if hidden:
                label += f"; {hidden} confidential source{'s' if hidden > 1 else ''} withheld"
            elif not claim.get("sources"):
                label += "; unsourced"
            mem_id = f"{PREFIX}-mem-{digest(record['id'], path.split('[')[0], post_id, claim.get('start'))}"
            memberships.append(_clean({
                "id": unique(mem_id, ids), "person_id": record["id"], "post_id": post_id,
                "organization_id": org_id, "area_id": area_id, "role": claim["title"], "label": label,
                "start_date": claim.get("start"), "end_date": claim.get("end"), "sources": cited,
            }))

    def with_sources(objs: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        return [_clean({**obj, "sources": list(cited_by.get(key, {}).values())})
                for key, obj in sorted(objs.items())]

    return {
        "persons": persons,
        "organizations": with_sources(organizations),
        "posts": with_sources(posts),
        "memberships": memberships,
        "areas": [a for _, a in sorted(areas.items())],
    }


def write(records: Sequence[dict[str, Any]], *, redact: bool = True) -> bytes:
    import orjson

    return orjson.dumps(popolo_document(records, redact=redact), option=orjson.OPT_INDENT_2) + b"\n"
