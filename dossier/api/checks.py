"""Integrity checks over the stored records (``dossier check``).

The checks read the raw stored dicts, because ``check`` is the tool for a
database that may have been edited by hand: every record is validated (in one
batched ``TypeAdapter`` call), a validation problem becomes a finding rather
than a crash, and every other check tolerates fields of the wrong type.

Each finding has a code, a severity, a person id, a field path and a message;
``FINDING_CODES`` lists them. Errors make ``check`` exit 4, warnings only with
``--strict``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from dossier.api.sidecar import Sidecar
from dossier.model import rules
from dossier.model.bulk import paused_gc

Severity = Literal["error", "warning"]

FINDING_CODES: dict[str, tuple[Severity, str]] = {
    "E-INVALID": ("error", "the stored record does not validate (hand-edited file)"),
    "E-UNSOURCED": ("error", "a claim (role_1988, current_post, a post, an associate link) cites no source"),
    "E-DANGLING-SOURCE": ("error", "a claim cites a source key that is not among the record's sources"),
    "E-DANGLING-ASSOCIATE": ("error", "an associate id that is no person in the database"),
    "E-SOURCE-CLASH": ("error", "the same source key with different content in two records"),
    "W-DUPLICATE": ("warning", "likely the same person twice (same folded name, or names scoring high)"),
    "W-STALE-POST": ("warning", "current post confirmed more than two years ago, or with no as_of date"),
    "W-DECEASED-POST": ("warning", "a deceased person with a current post"),
    "W-IMPOSSIBLE-POST": ("warning", "current post confirmed after the death date, or in the future"),
    "W-MERGED-ASSOCIATE": ("warning", "an associate link to a person since merged into another"),
    "E-EVIDENCE-MISSING": ("error", "an evidence copy a source records is not in the evidence store"),
    "E-EVIDENCE-ALTERED": ("error", "an evidence copy whose bytes no longer match its SHA-256"),
}
SECURITY_CODES: dict[str, tuple[Severity, str]] = {
    "S-ENCRYPTION-OFF": ("error", "confidential content is stored in clear: encryption is off"),
    "S-CLEAR-SOURCE": ("error", "a confidential source stored in clear although encryption is on"),
    "S-CLEAR-NARRATIVE": ("error", "a restricted narrative stored in clear although encryption is on"),
    "S-CLEAR-EVIDENCE": ("error", "an evidence copy of a confidential source stored in clear"),
    "S-CLEAR-HISTORY": ("error", "a history entry holds confidential values in clear"),
    "S-CLEAR-BACKUP": ("error", "the .bak beside the database holds confidential content in clear"),
    "S-LEFTOVER": ("error", "a temporary file of an interrupted write lies beside the database"),
    "S-NO-RECIPIENTS": ("error", "the database holds encrypted content but lists no recipients"),
    "S-IDENTITY-BROKEN": ("error", "this user's identity cannot be read"),
    "S-IDENTITY-MODE": ("warning", "the identity file can be read by other users of this machine"),
    "S-NOT-RECIPIENT": ("warning", "this user's identity is not among the database's recipients"),
}


# The findings of one state of the database on one day (see ``api.persons.check``).
FINDINGS = Sidecar(".findings", 1, ["dossier.api.checks", "dossier.model.rules", "dossier.names"])

DUPLICATE_SCORE = 90
"""Two different folded names are reported as a likely duplicate from this
``rapidfuzz.fuzz.ratio`` of their space-less match keys (0–100)."""


@dataclass(frozen=True)
class Finding:
    code: str
    id: str
    field: str
    message: str

    @property
    def severity(self) -> Severity:
        return (FINDING_CODES.get(self.code) or SECURITY_CODES[self.code])[0]

    def __str__(self) -> str:
        return f"{self.code} {self.id}: {self.message}"

    def as_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "severity": self.severity,
            "id": self.id,
            "field": self.field,
            "message": self.message,
        }


def summary(findings: Sequence[Finding], *, strict: bool = False) -> tuple[str, bool]:
    """The closing line of a report, and whether ``check`` fails (exit 4)."""
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    if not findings:
        return "check: no problems found", False
    text = f"check: {errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
    return text, bool(errors or (strict and warnings))


def _finding(code: str, pid: str, field: str, message: str) -> Finding:
    """A finding whose message starts with the field it is about."""
    return Finding(code, pid, field, f"{field}: {message}" if field else message)


def run(items: Iterable[tuple[str, dict[str, Any]]], *, today: date, validate: bool = True) -> list[Finding]:
    """Every finding for the stored ``(key, record)`` pairs, errors first, then by id.

    ``validate=False`` for records known valid (a database whose checksum holds and whose
    every record was validated when written).
    """
    with paused_gc():
        items = sorted(items, key=lambda kv: kv[0])
        records = [(_id(key, record), record) for key, record in items]
        findings = _semantic(records, today)
        if validate:
            seen = {(f.id, f.field) for f in findings}
            findings += [f for f in _validation(items) if (f.id, f.field) not in seen]
        findings += duplicates(records)
        rank = {code: (FINDING_CODES[code][0] != "error", i) for i, code in enumerate(FINDING_CODES)}
        # A stable sort: one person's findings of one code stay in the record's order.
        findings.sort(key=lambda f: (rank[f.code][0], f.id, rank[f.code][1]))
        return findings


def _id(key: str, record: dict[str, Any]) -> str:
    pid = record.get("id")
    return pid if isinstance(pid, str) and pid else key


# --- validation --------------------------------------------------------------


def _validation(items: Sequence[tuple[str, dict[str, Any]]]) -> list[Finding]:
    """Validate all records in one batched call; one E-INVALID per problem."""
    from dossier.model.person import validate_many

    out = []
    for key, record in items:
        if record.get("id") != key:
            out.append(_finding("E-INVALID", _id(key, record), "id",
                                f"record stored under key {key!r} has id {record.get('id')!r}"))
    _, problems = validate_many([r for _, r in items])
    for i, found in problems.items():
        key, record = items[i]
        out += [_finding("E-INVALID", _id(key, record), p.field, p.message) for p in found]
    return out


# --- claims, sources, links, posts --------------------------------------------------


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _semantic(records: Sequence[tuple[str, dict[str, Any]]], today: date) -> list[Finding]:
    ids = {pid for pid, _ in records}
    merged_into = {
        m: pid
        for pid, r in records
        for m in _list(r.get("merged_ids"))
        if isinstance(m, str) and m not in ids
    }
    first_copy: dict[str, tuple[Any, str]] = {}
    out: list[Finding] = []
    for pid, record in records:
        sources = _list(record.get("sources"))
        own = {s.get("key") for s in sources if isinstance(s, dict)}
        for field, claim in rules.claims(record):
            cited = rules.cited_keys(claim)
            if not cited:
                label = f"link to {claim.get('id')!r}" if field[0] == "a" else field
                out.append(Finding("E-UNSOURCED", pid, field, f"{label} has no source"))
            for j, key in enumerate(cited):
                if key not in own:
                    out.append(_finding("E-DANGLING-SOURCE", pid, f"{field}.sources[{j}]",
                                        f"source {key!r} is not among this record's sources"))
        for i, assoc in enumerate(_list(record.get("associates"))):
            other = assoc.get("id") if isinstance(assoc, dict) else None
            if not isinstance(other, str) or other in ids:
                continue
            if other in merged_into:
                out.append(_finding("W-MERGED-ASSOCIATE", pid, f"associates[{i}].id",
                                    f"{other!r} was merged into {merged_into[other]!r}; link to that id"))
            else:
                out.append(_finding("E-DANGLING-ASSOCIATE", pid, f"associates[{i}].id",
                                    f"no person with id {other!r}"))
        for i, src in enumerate(sources):
            key = src.get("key") if isinstance(src, dict) else None
            if not isinstance(key, str):
                continue
            known = first_copy.setdefault(key, (src, pid))
            if known[1] != pid and known[0] != src:
                out.append(_finding("E-SOURCE-CLASH", pid, f"sources[{i}]",
                                    f"source {key!r} differs from the copy cited by {known[1]}"))
        if isinstance(record.get("current_post"), dict):
            out += _current_post(pid, record, today)
    return out


def _current_post(pid: str, record: dict[str, Any], today: date) -> list[Finding]:
    post = record["current_post"]
    out = []
    as_of = rules.partial(post.get("as_of"))
    why = rules.staleness(post, today)
    if why == "undated":
        out.append(Finding("W-STALE-POST", pid, "current_post.as_of",
                           "current_post has no as_of date: when was it last confirmed?"))
    elif why == "stale":
        out.append(Finding("W-STALE-POST", pid, "current_post.as_of",
                           f"current_post last confirmed {as_of}, "
                           f"more than {rules.months_phrase(rules.STALE_MONTHS)} before {today.isoformat()}"))
    if record.get("status") == "deceased":
        out.append(Finding("W-DECEASED-POST", pid, "current_post",
                           "current_post is set but the person is deceased"))
    died = rules.partial(record.get("died"))
    if as_of and died and rules.before(died, as_of):
        out.append(Finding("W-IMPOSSIBLE-POST", pid, "current_post.as_of",
                           f"current_post confirmed {as_of}, after the death ({died})"))
    elif as_of and rules.before(today.isoformat(), as_of):
        out.append(Finding("W-IMPOSSIBLE-POST", pid, "current_post.as_of",
                           f"current_post confirmed {as_of}, which is in the future"))
    return out


def _folded_names(record: Mapping[str, Any]) -> list[tuple[str, tuple[str, ...]]]:
    from dossier.names import fold_words, record_names

    return [(name, fold_words(name)) for name in record_names(record)]


# --- likely duplicates ------------------------------------------------------------


def duplicates(records: Sequence[tuple[str, Mapping[str, Any]]]) -> list[Finding]:
    """W-DUPLICATE findings, without comparing every pair of names.

    1. Names whose match keys (folded, spaces removed) are equal: one finding
       per group of persons sharing the key.
    2. Names whose keys differ but score at least ``DUPLICATE_SCORE``: compared
       only within blocks of names whose last folded word has the same consonant
       skeleton (``Heydarzadeh`` and ``Heidarzadeh`` share a block), one
       ``rapidfuzz`` pass per name over the rest of its block.

    A pair that a researcher judged to be different persons (``dossier distinct``)
    is never reported.
    """
    from rapidfuzz import process
    from rapidfuzz.fuzz import ratio

    from dossier.names import join_words, skeleton_token

    owners: dict[str, list[str]] = {}
    shown: dict[str, dict[str, str]] = {}  # key -> person -> the name as written
    folded: dict[str, tuple[str, ...]] = {}  # key -> its words
    blocks: dict[str, list[str]] = {}
    for pid, record in records:
        for name, words in _folded_names(record):
            key = join_words(words)
            if not key:
                continue
            ids = owners.get(key)
            if ids is None:
                owners[key] = [pid]
                shown[key] = {pid: name}
                folded[key] = words
                blocks.setdefault(skeleton_token(words[-1]), []).append(key)
            elif ids[-1] != pid and pid not in ids:
                ids.append(pid)
                shown[key][pid] = name
    judged = {frozenset((pid, d.get("id"))) for pid, record in records
              for d in record.get("distinct_from") or () if isinstance(d, Mapping)}
    out = []
    reported: set[frozenset[str]] = set()
    for key, ids in owners.items():
        group = frozenset(ids)
        if len(ids) < 2 or group in reported:
            continue
        reported.add(group)
        ordered = sorted(ids)
        pairs = [(a, b) for i, a in enumerate(ordered) for b in ordered[i + 1:]
                 if frozenset((a, b)) not in judged]
        spelt = " ".join(folded[key])
        # One finding for the group; one per pair when some of its pairs were judged different.
        for first, *rest in ([ordered] if len(pairs) * 2 == len(ordered) * (len(ordered) - 1) else pairs):
            spellings = " / ".join(dict.fromkeys(shown[key][pid] for pid in (first, *rest)))
            out.append(Finding("W-DUPLICATE", first, "name",
                               f"likely the same person as {', '.join(rest)}: "
                               f"same folded name {spelt!r} ({spellings})"))
    for keys in blocks.values():
        for i, key in enumerate(keys[:-1]):
            for other, s, _ in process.extract(key, keys[i + 1 :], scorer=ratio, processor=None,
                                                score_cutoff=DUPLICATE_SCORE, limit=None):
                a, b = sorted(owners[key]), sorted(owners[other])
                if set(a) & set(b) or frozenset((a[0], b[0])) in judged:
                    continue  # names of one person, or judged different
                if b[0] < a[0]:
                    (a, key), (b, other) = (b, other), (a, key)
                out.append(Finding("W-DUPLICATE", a[0], "name",
                                   f"likely the same person as {', '.join(b)}: "
                                   f"name {shown[key][a[0]]!r} resembles {shown[other][b[0]]!r} "
                                   f"(score {round(s)})"))
    return out

