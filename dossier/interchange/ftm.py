"""FollowTheMoney (FtM) entities from dossier records, for ``export --format ftm`` (NDJSON).

FtM is the entity model of Aleph and OpenSanctions. One dossier record becomes:

* a ``Person`` (``dossier-<id>``): name, alias (aliases and the native name),
  birthDate, deathDate, notes (the narrative), keywords (tags), and the sources
  it carries as ``sourceUrl``/``publisher`` plus a one-line-per-source
  ``description`` (a source without a URL is still named there);
* per claim (``role_1988``, ``current_post``, ``posts[i]``) an ``Occupancy``
  (holder -> the Person, post -> a ``Position``) with startDate/endDate, a
  ``status`` and, in ``summary``/``description``, which claim it is, its
  confidence (FtM has no confidence field) and its cited sources;
* a ``Position`` (``dossier-pos-<hash of title, organization, place>``, so two
  persons holding the same post share it): name = the title, organization ->
  an ``Organization`` (``dossier-org-<hash>``), subnationalArea = the place;
* per associate link an ``Associate`` (person, associate, relationship).

Only what the record says: no country, nationality or topics are invented.

Occupancy ``status``: the current post is ``current``; a post with an ``end``
is ``ended``; ``role_1988`` is ``ended`` when the person's current post is a
different post (the 1988 commissions are long gone, and the record says what
they hold now), ``current`` when it is the same post, else ``unknown``; career
posts without an end are ``unknown``.

Publishing is the point of this format, so by default it is redacted as
``profiles --public`` is: restricted persons are left out (and links to them),
confidential sources are left out (a claim says how many were withheld).
``redact=False`` keeps everything, for a private Aleph.

Entities are emitted in a deterministic order (persons by id, each followed by
the organizations and positions first needed by it, then its occupancies and
links), so the same database gives the same bytes.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterator, Sequence
from typing import Any

from dossier.model import rules

PREFIX = "dossier"
CLAIM_SUMMARY = {"role_1988": "Position in 1988", "current_post": "Current post"}


@functools.lru_cache(maxsize=1 << 16)
def digest(*parts: str | None) -> str:
    """A short stable id part: the same post spelled in another case is the same post."""
    text = "\x1f".join((p or "").casefold() for p in parts)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def person_id(pid: str) -> str:
    return f"{PREFIX}-{pid}"


def position_id(post: dict[str, Any]) -> str:
    return f"{PREFIX}-pos-{digest(post['title'], post.get('organization'), post.get('place'))}"


def organization_id(name: str) -> str:
    return f"{PREFIX}-org-{digest(name)}"


def _entity(eid: str, schema: str, **props: Any) -> dict[str, Any]:
    """FtM's JSON form: every property a list of strings; empty ones left out."""
    properties: dict[str, list[str]] = {}
    for name, value in props.items():
        values = value if isinstance(value, list | tuple) else [value]
        kept = list(dict.fromkeys(s for s in (str(v).strip() for v in values if v is not None) if s))
        if kept:
            properties[name] = kept
    return {"id": eid, "schema": schema, "properties": properties}


def _timestamp(value: str | None) -> str | None:
    # FtM dates are naive UTC ISO prefixes: 2026-11-23T13:06:11Z -> 2026-11-23T13:06:11
    return value.removesuffix("Z").replace("+00:00", "") if value else None


def source_line(src: dict[str, Any]) -> str:
    """``Title (publisher, published, kind) <url>``."""
    meta = ", ".join(str(src[k]) for k in ("publisher", "published", "kind") if src.get(k))
    return str(src["title"]) + (f" ({meta})" if meta else "") + (f" <{src['url']}>" if src.get("url") else "")


def _provenance(cited: Sequence[str], shown: dict[str, dict[str, Any]], withheld: set[str],
                confidence: str | None) -> tuple[list[str], list[str], str]:
    """(urls, publishers, description) of a claim's citations."""
    srcs = [shown[k] for k in cited if k in shown]
    hidden = sum(1 for k in cited if k in withheld)
    parts = [f"Confidence: {confidence}."] if confidence else []
    if srcs:
        parts.append("Sources: " + "; ".join(source_line(s) for s in srcs) + ".")
    if hidden:
        parts.append(f"{hidden} confidential source{'s' if hidden > 1 else ''} withheld.")
    if not cited:
        parts.append("Unsourced.")
    return ([s["url"] for s in srcs if s.get("url")], [s["publisher"] for s in srcs if s.get("publisher")],
            " ".join(parts))


def _same_post(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    return bool(a and b) and position_id(a) == position_id(b)  # type: ignore[arg-type]


def occupancy_status(path: str, post: dict[str, Any], record: dict[str, Any]) -> str:
    """``current``, ``ended`` or ``unknown`` (see the module docstring)."""
    if path == "current_post":
        return "current"
    if post.get("end"):
        return "ended"
    if path == "role_1988" and record.get("current_post"):
        return "current" if _same_post(post, record["current_post"]) else "ended"
    return "unknown"


def ftm_entities(records: Sequence[dict[str, Any]], *, redact: bool = True) -> Iterator[dict[str, Any]]:
    """The FtM entities of ``records`` (stored/exported person dicts), deterministic order."""
    records = sorted((r for r in records if not (redact and r.get("restricted"))), key=lambda r: r["id"])
    exported = {r["id"] for r in records}
    emitted: set[str] = set()
    for record in records:
        pid = person_id(record["id"])
        shown, withheld = rules.publishable(record, redact=redact)
        native = [record["native_name"]] if record.get("native_name") else []
        yield _entity(
            pid, "Person",
            name=record["name"], alias=[*native, *(record.get("aliases") or ())],
            birthDate=record.get("born"), deathDate=record.get("died"),
            notes=record.get("narrative"), keywords=record.get("tags") or [],
            sourceUrl=[s["url"] for s in shown.values() if s.get("url")],
            publisher=[s["publisher"] for s in shown.values() if s.get("publisher")],
            description="\n".join(f"[{k}] {source_line(s)}" for k, s in shown.items()),
            createdAt=_timestamp(record.get("created")), modifiedAt=_timestamp(record.get("updated")),
        )
        for path, claim in rules.claims(record):
            if path.startswith("associates["):
                if claim["id"] not in exported:
                    continue
                urls, publishers, description = _provenance(
                    claim.get("sources") or [], shown, withheld, claim.get("confidence"))
                yield _entity(unique(f"{PREFIX}-assoc-{digest(record['id'], claim['id'])}", emitted),
                              "Associate",
                              person=pid, associate=person_id(claim["id"]),
                              relationship=claim.get("relation"), description=description,
                              sourceUrl=urls, publisher=publishers)
                continue
            post_eid = position_id(claim)
            org = claim.get("organization")
            if org and organization_id(org) not in emitted:
                emitted.add(organization_id(org))
                yield _entity(organization_id(org), "Organization", name=org)
            if post_eid not in emitted:
                emitted.add(post_eid)
                yield _entity(post_eid, "Position", name=claim["title"],
                              organization=organization_id(org) if org else None,
                              subnationalArea=claim.get("place"))
            urls, publishers, description = _provenance(
                claim.get("sources") or [], shown, withheld, claim.get("confidence"))
            summary = CLAIM_SUMMARY.get(path, "Career post")
            if path == "current_post" and claim.get("as_of"):
                summary += f", confirmed as of {claim['as_of']}"
            occ = f"{PREFIX}-occ-{digest(record['id'], path.split('[')[0], post_eid, claim.get('start'))}"
            yield _entity(
                unique(occ, emitted), "Occupancy", holder=pid, post=post_eid, startDate=claim.get("start"),
                endDate=claim.get("end"), status=occupancy_status(path, claim, record),
                summary=summary, description=description, sourceUrl=urls, publisher=publishers,
            )


def unique(eid: str, emitted: set[str]) -> str:
    """``eid``, or ``eid-2``… when a record repeats a claim word for word."""
    n, candidate = 1, eid
    while candidate in emitted:
        n += 1
        candidate = f"{eid}-{n}"
    emitted.add(candidate)
    return candidate


def write(records: Sequence[dict[str, Any]], *, redact: bool = True) -> bytes:
    """NDJSON: one entity per line (FtM's own line format)."""
    import orjson

    return b"".join(orjson.dumps(e) + b"\n" for e in ftm_entities(records, redact=redact))
