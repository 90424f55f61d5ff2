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

import bisect
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, Literal, NamedTuple

import orjson

from dossier import store
from dossier.api.sidecar import COMPACT_AFTER, Sidecar
from dossier.errors import quoted
from dossier.model import rules
from dossier.model.bulk import paused_gc

try:  # what hashlib.blake2b is, without hashlib's load of OpenSSL (~3 ms of every check)
    from _blake2 import blake2b as _blake2b
except ImportError:  # (a Python without that module)
    from hashlib import blake2b as _blake2b

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
    "W-IMPOSSIBLE-DATE": ("warning", "died before born, a death date for a person recorded alive, a post "
                                     "ending before it starts or confirmed after its end, or a date before "
                                     "1900 (a Solar Hijri year without its SH prefix?)"),
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


# The findings of one state of the database on one day (see ``api.persons.check``), and what
# the checks know of each person of a state (``Facts``): a write appends the ids it changed to
# the latter, so a check after it looks again at those persons only.
_MODULES = ["dossier.api.checks", "dossier.model.rules", "dossier.names"]
FINDINGS = Sidecar(".findings", 2, _MODULES)
FACTS = Sidecar(".facts", 2, _MODULES)
MANY = 500  # persons changed by one write above which the facts are left to be gathered anew
SAVE_AFTER = 8  # writes since the findings kept from which a check that patched them keeps its own
PARALLEL_MIN = 2000  # persons from which the facts are gathered on two cores

DUPLICATE_SCORE = 90
"""Two different folded names are reported as a likely duplicate from this
``rapidfuzz.fuzz.ratio`` of their space-less match keys (0–100)."""


class Finding(NamedTuple):  # (a tuple: the tens of thousands kept are made again on each check)
    code: str
    id: str
    field: str
    message: str

    @property
    def severity(self) -> Severity:
        return (FINDING_CODES.get(self.code) or SECURITY_CODES[self.code])[0]

    def __str__(self) -> str:
        return f"{self.code} {self.id}: {self.message}"

    def row(self) -> list[str]:
        """As ``<db>.findings`` keeps it (``Finding(*row)`` makes it again)."""
        return [self.code, self.id, self.field, self.message]

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


Facts = list[Any]
"""What the checks need of one stored person, JSON-able (kept in ``<db>.facts``): the
findings about its claims alone (``[code, field, message]``); what the checks across
persons use: associate links ``[index, id]``, merged ids, sources ``[index, key, digest]``,
names ``[as written, its folded words joined by spaces]`` and the ids of persons judged
distinct; then what the findings about its current post are made from (``_post_inputs``)
and those findings on the day they were made for (``_post_findings``)."""
_NAMES = slice(4, 6)  # what likely duplicates are found from: names, persons judged distinct
_POST_INPUTS, _POST_FINDINGS = 6, 7


Names = dict[str, list[Any]]
"""Every match key (folded name, spaces removed) of a state: ``[its block (the consonant
skeleton of the last word of its first name), the persons writing a name of it (sorted),
how each writes it (the first of its names with that key), the folded words of its first
name, that name's place among its person's names (``record_names``)]``: what likely
duplicates are found among. The first name of a key is its first person's; keys come in
the order of their first names (person, place) as ``_duplicates`` finds them, and in no
order once persons were added (``_Across``)."""
FirstCopies = dict[str, list[str]]
"""Source key -> ``[the first person carrying it (in id order), the digest of that copy]``."""


class _Copies:
    """``FirstCopies`` kept as text, a line ``key<TAB>carrier<TAB>digest`` each (keys and ids
    are slugs): the sources of a person added are looked up without parsing them all."""

    def __init__(self, text: str) -> None:
        self.text, self.changed = text, FirstCopies()

    @staticmethod
    def text_of(copies: FirstCopies) -> str:
        return "\n" + "".join(f"{key}\t{pid}\t{digest}\n" for key, (pid, digest) in copies.items())

    def get(self, key: str) -> list[str] | None:
        if key in self.changed:
            return self.changed[key]
        at = self.text.find(f"\n{key}\t")
        return None if at < 0 else self.text[at + 1:self.text.index("\n", at + 1)].split("\t")[1:]

    def set(self, key: str, first: list[str]) -> None:
        self.changed[key] = first

    def content(self) -> str:
        if not self.changed:
            return self.text
        rows = dict(line.split("\t", 1) for line in self.text.split("\n") if line)
        rows.update((key, "\t".join(first)) for key, first in self.changed.items())
        return "\n" + "".join(f"{key}\t{rest}\n" for key, rest in rows.items())


def follow(tx: store.Transaction) -> None:
    """After a write: append the persons it changed to ``<db>.facts`` of the state before
    (after a write of many persons, the next check gathers every person's facts anew; after
    one that sealed what was clear, the files of checks are removed). When it removed no
    person and changed none's links, sources or names, append the persons changed and added
    to ``<db>.findings`` too: the next check redoes only their findings (``_patched``)."""
    if tx.replace_backup:  # content sealed only now: digests of its clear form go too
        FACTS.remove(tx.path)
        FINDINGS.remove(tx.path)
        return
    changes = [c for c in tx.changes if c.section == "persons"]
    if len(changes) > MANY:
        return
    FACTS.append(tx, [c.key for c in changes])
    if not FINDINGS.follows(tx):
        return
    persons = [(c.key, c.old, c.new) for c in changes]  # (an import's: decoded once, here)
    if all(new is not None and (old is None or _across(old) == _across(new)) for _, old, new in persons):
        FINDINGS.append(tx, {"changed": [key for key, old, _ in persons if old is not None],
                             "added": [[key, _name_keys(new)] for key, old, new in persons
                                       if old is None and new is not None]})
    # (else the findings kept are stale: made anew from the facts)


def of_snapshot(snapshot: store.Snapshot, day: date) -> list[Finding]:
    """``check``'s findings of ``snapshot`` (but the evidence's), by the cheapest way known:
    the findings kept of this state and day, else the facts kept brought up to date, else
    every record looked at (and validated, unless the file is trusted)."""
    found = FINDINGS.load(snapshot)
    if found is not None and found[0]["day"] == day.isoformat():
        content, changes, exact = found
        if not changes:
            return [Finding(*f) for f in content["findings"]]
        patched = _patched(snapshot, day, content, changes) if snapshot.validated else None
        if patched is not None:
            findings, across = patched
            if not exact or len(changes) >= SAVE_AFTER:  # (else the next check patches them again)
                _save_findings(snapshot, day, findings, across.content() if across else content["across"])
            return findings
    facts: dict[str, Facts] | None = None
    duplicates: tuple[list[Finding], str] | None = None
    save = False
    if snapshot.validated:  # (else every record is validated again: facts are never used)
        known = _kept_facts(snapshot, day)
        if known is not None:
            facts, duplicates, save = known
        elif snapshot.trusted:
            facts, save = _gathered(snapshot, day), True
    if facts is None:
        findings = run(snapshot.keyed().items(), today=day)
        _save_findings(snapshot, day, findings, None)
        return findings
    persons = sorted(facts.items())
    findings, first_copies = _combine(persons)
    if duplicates is None:
        found_alike, names = _duplicates_and_names([(pid, *f[_NAMES]) for pid, f in persons])
        duplicates = found_alike, orjson.dumps(names).decode()
    findings += duplicates[0]
    sort_findings(findings)
    if save:
        from dossier.names import lexicon_state

        FACTS.save(snapshot.path, snapshot.ident, {
            "day": day.isoformat(), "persons": facts, "lexicon": lexicon_state(),
            "duplicates": [f.row() for f in duplicates[0]], "names": duplicates[1]})
    judged = _pairs(_judged((pid, None, f[5]) for pid, f in persons))
    _save_findings(snapshot, day, findings, {"names": duplicates[1], "judged": judged,
                                             "sources": _Copies.text_of(first_copies)})
    return findings


def _save_findings(snapshot: store.Snapshot, day: date, findings: list[Finding],
                   across: dict[str, Any] | None) -> None:
    """Keep ``findings`` of this state and day; ``across`` (made from the facts: a validated
    state, no E-INVALID among them) lets them be patched after a write (``_Across``)."""
    FINDINGS.save(snapshot.path, snapshot.ident, {"day": day.isoformat(), "across": across,
                                                   "findings": [f.row() for f in findings]})


_OWN_CODES = frozenset({"E-UNSOURCED", "E-DANGLING-SOURCE", "W-STALE-POST", "W-DECEASED-POST",
                        "W-IMPOSSIBLE-POST", "W-IMPOSSIBLE-DATE"})  # what ``_own`` and ``_current_post`` find


def _patched(snapshot: store.Snapshot, day: date, content: dict[str, Any],
             changes: list[Any]) -> tuple[list[Finding], _Across | None] | None:
    """The findings kept of a state, with those about the persons written since made anew;
    with persons added, what the findings are now found among (``_Across``; None: as kept).
    The writes ``follow`` appended removed no person and changed no person's links, sources
    or names, so every other finding stays. None when the findings were not made from the
    facts, the changes are many or not ``follow``'s, or a person added needs the facts path."""
    if content.get("across") is None or len(changes) > COMPACT_AFTER:
        return None  # (after many, the facts path brings ``<db>.facts`` up to date too)
    if not all(_follows_format(c) for c in changes):
        return None
    added: list[tuple[str, list[list[Any]]]] = [(pid, keys) for c in changes for pid, keys in c["added"]]
    changed = {key for c in changes for key in c["changed"]} | {pid for pid, _ in added}
    findings = [Finding(*f) for f in content["findings"]
                if f[1] not in changed or f[0] not in _OWN_CODES]
    new: list[Finding] = []
    across = None
    if added:
        across = _Across(content["across"])
        if not across.add(snapshot, added, findings, new):
            return None
    for key in sorted(changed):
        record = snapshot.get(key)
        if record is None:
            return None  # removed: not a change ``follow`` appends
        new += _own(key, record)
        new += _of_rows(key, _post_findings(key, _post_inputs(record), day))
    return _with(findings, new), across


def _follows_format(change: Any) -> bool:
    """Whether a change appended to ``<db>.findings`` is ``follow``'s."""
    return (type(change) is dict and _id_lists([change.get("changed")])
            and type(change.get("added")) is list
            and all(type(a) is list and len(a) == 2 and type(a[0]) is str and type(a[1]) is list
                    and all(type(n) is list and len(n) == 5 and type(n[4]) is int
                            and all(type(t) is str for t in n[:4]) for n in a[1])
                    for a in change["added"]))


class _Across:
    """What the findings across persons of a state were found among, kept with them: its
    ``Names``, ``FirstCopies`` and the pairs of persons judged different (as text: the
    names' JSON, parsed, and the sources' lines, searched, only when a person was added)."""

    def __init__(self, kept: dict[str, Any]) -> None:
        self.names: Names = orjson.loads(kept["names"])
        self.sources = _Copies(kept["sources"])
        self.judged = {frozenset(pair) for pair in kept["judged"]}
        self._groups: dict[frozenset[str], list[str]] | None = None  # made on first need

    def content(self) -> dict[str, Any]:
        return {"names": orjson.dumps(self.names).decode(), "judged": _pairs(self.judged),
                "sources": self.sources.content()}

    def add(self, snapshot: store.Snapshot, added: list[tuple[str, list[list[Any]]]],
            findings: list[Finding], new: list[Finding]) -> bool:
        """Bring this up to date with the persons ``added`` (id, ``_name_keys``), remove from
        ``findings`` and ``new`` the findings they end, add to ``new`` those they make but
        their own. False when a finding about others would change beyond what is worked out
        here: a person added is gone, links to no person, holds merged ids, or is the first
        carrier of a source whose copies differ (another copy, or a clash already found)."""
        ids = [pid for pid, _ in added]
        # Links to a person added were dangling (or to a merged id): they are not any more.
        findings[:] = [f for f in findings if not (f.code in _LINK_CODES and _about(f, ids))]
        blocks: dict[str, list[str]] = {}
        for key, entry in self.names.items():
            blocks.setdefault(entry[0], []).append(key)
        for pid, name_keys in added:
            record = snapshot.get(pid)
            if record is None:
                return False
            associates, merged, sources = _links(record)
            if merged or any(other not in snapshot for _, other in associates):
                return False
            for i, key, digest in sources:
                first = self.sources.get(key)
                if first is None:
                    self.sources.set(key, [pid, digest])
                elif first[0] > pid:  # the first copy now: other carriers were compared with another
                    if first[1] != digest or any(_clash_of(f, key) for f in (*findings, *new)):
                        return False
                    self.sources.set(key, [pid, digest])
                elif first[0] != pid and first[1] != digest:
                    new.append(_clash(pid, i, key, first[0]))
            self._add_names(pid, name_keys, _distinct(record), blocks, findings, new)
        return True

    def _add_names(self, pid: str, name_keys: list[list[Any]], distinct: list[str],
                   blocks: dict[str, list[str]], findings: list[Finding], new: list[Finding]) -> None:
        """Add a person's names (and judgements): the likely duplicates about the keys they
        touch, and those of the groups of persons sharing a key they join, are found before
        and after, and the difference applied."""
        touched = list(dict.fromkeys(key for _, key, *_ in name_keys))
        joined = [key for key in touched if key in self.names]
        groups = {frozenset(self.names[key][1]) for key in joined if len(self.names[key][1]) > 1}
        groups |= {frozenset((*self.names[key][1], pid)) for key in joined}
        before = self._about_keys(touched, blocks) + self._groups_of(groups)
        self.judged |= {frozenset((pid, other)) for other in distinct}
        for name, key, block, spelt, rank in name_keys:
            entry = self.names.get(key)
            if entry is None:
                self.names[key] = [block, [pid], [name], spelt, rank]
                blocks.setdefault(block, []).append(key)
            elif pid not in entry[1]:
                self._regroup(key, frozenset(entry[1]), frozenset((*entry[1], pid)))
                at = bisect.bisect(entry[1], pid)
                entry[1].insert(at, pid)
                entry[2].insert(at, name)
                if at == 0:  # its first name now: the key's block may change
                    blocks[entry[0]].remove(key)
                    entry[0], entry[3], entry[4] = block, spelt, rank
                    blocks.setdefault(block, []).append(key)
        after = self._about_keys(touched, blocks) + self._groups_of(groups)
        gone = Counter(before) - Counter(after)
        for kept in (findings, new) if gone else ():
            left = []
            for f in kept:
                if gone[f] > 0:
                    gone[f] -= 1
                else:
                    left.append(f)
            kept[:] = left
        new += (Counter(after) - Counter(before)).elements()

    def _about_keys(self, keys: list[str], blocks: dict[str, list[str]]) -> list[Finding]:
        """The likely duplicates that name one of ``keys`` for a score."""
        out = []
        pairs = {frozenset((key, other)) for key in keys if key in self.names
                 for other in blocks[self.names[key][0]] if other != key}
        for key, other in map(sorted, pairs):
            score = _alike(self.names, key, other)
            found = _resembling(self.names, key, other, score, self.judged) if score else None
            if found is not None:
                out.append(found)
        return out

    def _groups_of(self, groups: set[frozenset[str]]) -> list[Finding]:
        """The likely duplicates of persons that share a name, for the groups ``groups``: each
        is found from the first of the keys that group shares (as ``_groups`` does)."""
        out = []
        for group in groups:
            keys = self._by_group().get(group)
            if keys:
                first = min(keys, key=lambda k: self.names[k][4])  # (the group's first person's)
                out += _groups([(first, self.names[first])], self.judged)
        return out

    def _by_group(self) -> dict[frozenset[str], list[str]]:
        """The keys that two or more persons share, by the set of those persons."""
        if self._groups is None:
            self._groups = {}
            for key, entry in self.names.items():
                if len(entry[1]) > 1:
                    self._groups.setdefault(frozenset(entry[1]), []).append(key)
        return self._groups

    def _regroup(self, key: str, was: frozenset[str], now: frozenset[str]) -> None:
        """``key`` is shared by ``now`` instead of ``was``."""
        by_group = self._by_group()
        if len(was) > 1:
            by_group[was].remove(key)
        by_group.setdefault(now, []).append(key)


def _pairs(judged: set[frozenset[str]]) -> list[list[str]]:
    return sorted(sorted(pair) for pair in judged)


_LINK_CODES = frozenset({"E-DANGLING-ASSOCIATE", "W-MERGED-ASSOCIATE"})


def _about(finding: Finding, ids: list[str]) -> bool:
    """Whether a finding about an associate link is about a link to one of ``ids``."""
    return any(finding.message == f"{finding.field}: no person with id {pid!r}"
               or finding.message.startswith(f"{finding.field}: {pid!r} was merged into ")
               for pid in ids)


def _gathered(snapshot: store.Snapshot, day: date) -> dict[str, Facts]:
    """Every person's ``Facts`` from its stored line (a trusted file: the key is the id); with
    ``PARALLEL_MIN`` persons or more, half of them by a forked child on the other core."""
    from dossier.model.bulk import in_parallel, worth_a_child

    def facts_of(part: list[bytes]) -> dict[str, Facts]:
        out = {}
        for line in part:
            record = orjson.loads(line)
            out[record["id"]] = _person_facts(record["id"], record, day)
        return out

    lines = snapshot.persons_ndjson().split(b"\n")[:-1]
    if not worth_a_child(len(lines), PARALLEL_MIN):
        return facts_of(lines)
    half = len(lines) // 2
    second = in_parallel(lambda: facts_of(lines[half:]))
    facts = facts_of(lines[:half])
    rest = second()
    facts.update(rest if rest is not None else facts_of(lines[half:]))  # None: the child failed
    return facts


def _kept_facts(snapshot: store.Snapshot,
                day: date) -> tuple[dict[str, Facts], tuple[list[Finding], str] | None, bool] | None:
    """From ``<db>.facts``, brought up to date with the persons written since and the day:
    the ``Facts`` of every person of ``snapshot``; its W-DUPLICATE findings and the
    ``Names`` they were found among (as JSON text) when no write since changed a name or a
    judgement of distinct persons (else None); whether to
    save the facts anew. None without such a file for this state, or with changes that
    are not lists of ids (written by something else)."""
    found = FACTS.load(snapshot)
    if found is None:
        return None
    # Made from a trusted state, followed by dossier's own writes up to this very file
    # (its time too): as trusted as the file, without summing it again.
    content, changes, exact = found
    if not _id_lists(changes):
        return None
    facts: dict[str, Facts] = content["persons"]
    other_day = content["day"] != day.isoformat()
    if other_day:  # only the findings about current posts depend on the day
        for key, known in facts.items():
            known[_POST_FINDINGS] = _post_findings(key, known[_POST_INPUTS], day)
    if changes:
        from dossier.names import use_lexicon

        use_lexicon(content["lexicon"])  # names are folded with it (made anew: ~6 ms)
    renamed = False
    for changed in changes:
        for key in changed:
            record = snapshot.get(key)
            now = _person_facts(key, record, day) if record is not None else None
            before = facts.pop(key, None)
            if now is not None:
                facts[key] = now
            renamed = renamed or before is None or now is None or before[_NAMES] != now[_NAMES]
    duplicates = None if renamed else ([Finding(*f) for f in content["duplicates"]], content["names"])
    # New names or another day: the facts are saved anew, so that the next check need not
    # do that work again.
    return facts, duplicates, renamed or other_day or not exact or len(changes) > COMPACT_AFTER


def _id_lists(changes: list[Any]) -> bool:
    """Whether the changes appended to a file of checks are ``follow``'s: lists of ids."""
    return all(type(c) is list and all(type(key) is str for key in c) for c in changes)


def run(items: Iterable[tuple[str, dict[str, Any]]], *, today: date, validate: bool = True) -> list[Finding]:
    """Every finding for the stored ``(key, record)`` pairs, errors first, then by id.

    ``validate=False`` for records known valid (a database whose checksum holds and whose
    every record was validated when written).
    """
    with paused_gc():
        items = sorted(items, key=lambda kv: kv[0])
        persons = [(key, _person_facts(key, record, today)) for key, record in items]
        ids = [_id(key, record) for key, record in items]
        findings = _combine(persons, ids)[0]
        if validate:  # a field with a finding of the rules already is not reported twice
            seen = {(f.id, f.field) for f in findings}
            findings += [f for f in _validation(items) if (f.id, f.field) not in seen]
        findings += _duplicates_of(persons, ids)
        sort_findings(findings)
        return findings


def _person_facts(key: str, record: dict[str, Any], today: date) -> Facts:
    """The ``Facts`` of the record stored under ``key``."""
    pid = _id(key, record)
    post = _post_inputs(record)
    return [
        [[f.code, f.field, f.message] for f in _own(pid, record)],
        *_links(record),
        *_name_facts(record),
        post,
        _post_findings(pid, post, today),
    ]


def _links(record: dict[str, Any]) -> list[list[Any]]:
    """What the checks across persons use of a record (``Facts`` slots 1–3): associate
    links, merged ids, sources."""
    return [
        [[i, a["id"]] for i, a in enumerate(_list(record.get("associates")))
         if isinstance(a, dict) and isinstance(a.get("id"), str)],
        [m for m in _list(record.get("merged_ids")) if isinstance(m, str)],
        [[i, s["key"], _digest(s)] for i, s in enumerate(_list(record.get("sources")))
         if isinstance(s, dict) and isinstance(s.get("key"), str)],
    ]


def _across(record: dict[str, Any]) -> tuple[Any, ...]:
    """Everything of a record that findings about other persons depend on: its links,
    sources, names as written and the persons judged distinct."""
    from dossier.names import record_names

    return (_links(record), record_names(record), _distinct(record))


def _combine(facts: Sequence[tuple[str, Facts]],
             ids: Sequence[str] | None = None) -> tuple[list[Finding], FirstCopies]:
    """Every finding but the validation's and the likely duplicates, unsorted, from the facts
    of every person in key order (``ids``: the id each record holds, where a hand edit made
    it differ from its key); and the first copy of each source."""
    pids = ids if ids is not None else [key for key, _ in facts]
    known = set(pids)
    merged_into = {m: pid for pid, (_, person) in zip(pids, facts, strict=True)
                   for m in person[2] if m not in known}
    first_copy: FirstCopies = {}
    out: list[Finding] = []
    for pid, (_, person) in zip(pids, facts, strict=True):
        own, associates, _, sources, _, _, _, post = person
        out += _of_rows(pid, own)
        out += _of_rows(pid, post)
        for i, other in associates:
            if other in known:
                continue
            if other in merged_into:
                out.append(_finding("W-MERGED-ASSOCIATE", pid, f"associates[{i}].id",
                                    f"{other!r} was merged into {merged_into[other]!r}; link to that id"))
            else:
                out.append(_finding("E-DANGLING-ASSOCIATE", pid, f"associates[{i}].id",
                                    f"no person with id {other!r}"))
        for i, key, digest in sources:
            first = first_copy.setdefault(key, [pid, digest])
            if first[0] != pid and first[1] != digest:
                out.append(_clash(pid, i, key, first[0]))
    return out, first_copy


def _clash(pid: str, index: int, key: str, first: str) -> Finding:
    return _finding("E-SOURCE-CLASH", pid, f"sources[{index}]", f"{_CLASH.format(key)}{first}")


_CLASH = "source {!r} differs from the copy cited by "


def _clash_of(finding: Finding, key: str) -> bool:
    """Whether ``finding`` is an E-SOURCE-CLASH about the source ``key``."""
    return (finding.code == "E-SOURCE-CLASH"
            and finding.message.startswith(f"{finding.field}: {_CLASH.format(key)}"))


def _of_rows(pid: str, rows: Iterable[Sequence[str]]) -> list[Finding]:
    """The findings about ``pid`` kept as ``[code, field, message]`` rows in its ``Facts``."""
    return [Finding(code, pid, field, message) for code, field, message in rows]


def _duplicates_of(facts: Sequence[tuple[str, Facts]], ids: Sequence[str] | None = None) -> list[Finding]:
    """The W-DUPLICATE findings of the facts of every person in key order."""
    pids = ids if ids is not None else [key for key, _ in facts]
    return _duplicates([(pid, *f[_NAMES]) for pid, (_, f) in zip(pids, facts, strict=True)])


def sort_findings(findings: list[Finding]) -> None:
    """Errors first, then by id, then in ``FINDING_CODES`` order; a stable sort, so one
    person's findings of one code stay in the record's order. A person's likely duplicates
    are in the order of their messages (the persons named): they are found name by name,
    in an order that a person added since would change."""
    findings.sort(key=_order)


_RANK = {code: (severity != "error", i) for i, (code, (severity, _)) in enumerate(FINDING_CODES.items())}


def _order(finding: Finding) -> tuple[bool, str, int, str]:
    warning, rank = _RANK[finding.code]
    return warning, finding.id, rank, finding.message if finding.code == "W-DUPLICATE" else ""


def _with(findings: list[Finding], more: list[Finding]) -> list[Finding]:
    """``findings`` (sorted) with ``more`` sorted in: what ``_sort`` makes of both, in that
    order, without sorting them all again."""
    for finding in more:
        bisect.insort(findings, finding, key=_order)
    return findings


def _digest(source: dict[str, Any]) -> str:
    """What tells two copies of a source apart: their JSON, keys sorted (so in a hand-edited
    file ``1``, ``1.0`` and ``true`` differ, as they do in the file)."""
    try:
        text = orjson.dumps(source, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # an integer beyond 64 bits in a hand-edited file
        text = repr(sorted(source.items())).encode()
    return _blake2b(text, digest_size=8).hexdigest()


def _id(key: str, record: dict[str, Any]) -> str:
    pid = record.get("id")
    return pid if isinstance(pid, str) and pid else key


# --- validation --------------------------------------------------------------


def invalid(snapshot: store.Snapshot) -> list[Finding]:
    """The E-INVALID findings of a file not known valid (hand-edited, written through
    TinyDB); none of a trusted one."""
    return [] if snapshot.trusted else _validation(sorted(snapshot.keyed().items()))


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


def _own(pid: str, record: dict[str, Any]) -> list[Finding]:
    """The findings about a record's claims alone: without a source, or citing one it does
    not carry."""
    own = {s.get("key") for s in _list(record.get("sources")) if isinstance(s, dict)}
    out: list[Finding] = []
    for field, claim in rules.claims(record):
        cited = rules.cited_keys(claim)
        if not cited:
            what = f"{field}: link to {claim.get('id')!r}" if field[0] == "a" else field
            out.append(Finding("E-UNSOURCED", pid, field, f"{what} has no source"))
        for j, key in enumerate(cited):
            if key not in own:
                out.append(_finding("E-DANGLING-SOURCE", pid, f"{field}.sources[{j}]",
                                    f"source {key!r} is not among this record's sources"))
    return out + _life_dates(pid, record)


EARLIEST_YEAR = "1900"
"""A date before it is taken for a Solar Hijri year entered without its ``SH`` (SH1367 is 1988)."""


def _life_dates(pid: str, record: dict[str, Any]) -> list[Finding]:
    """The dates of a record that cannot be (a person who died before being born, one
    recorded alive with a death date, a post that ends before it starts or is confirmed
    held after its end), or are likely Solar Hijri years read as Gregorian; in the record's
    order. (Every check of every person runs it: the common case, dates that raise nothing,
    is passed over without building a path or a message.)"""
    out: list[Finding] = []
    died = rules.partial(record.get("died"))
    if died:
        born = rules.partial(record.get("born"))
        if born and rules.before(died, born):
            out.append(Finding("W-IMPOSSIBLE-DATE", pid, "died", f"died {rules.date_text(record, 'died')}, "
                               f"before being born in {rules.date_text(record, 'born')}"))
        if record.get("status") == "alive":
            out.append(Finding("W-IMPOSSIBLE-DATE", pid, "status",
                               f"recorded alive, with a death date ({died})"))
    if _before_1900(record.get("born")) or _before_1900(record.get("died")):
        _early(out, pid, "", record, rules.PERSON_DATES)
    for key in ("role_1988", "current_post"):
        post = record.get(key)
        if isinstance(post, dict):
            _post_dates(out, pid, key, post)
    posts = record.get("posts")
    for i, post in enumerate(posts if isinstance(posts, list) else ()):
        if isinstance(post, dict):
            _post_dates(out, pid, i, post)
    return out


def _post_dates(out: list[Finding], pid: str, where: str | int, post: dict[str, Any]) -> None:
    start, end, as_of = post.get("start"), post.get("end"), post.get("as_of")
    early = _before_1900(start) or _before_1900(end) or _before_1900(as_of)
    if not (early or (end and (start or as_of))):
        return
    path = f"posts[{where}]" if isinstance(where, int) else where
    start, end, as_of = rules.partial(start), rules.partial(end), rules.partial(as_of)
    if start and end and rules.before(end, start):
        out.append(Finding("W-IMPOSSIBLE-DATE", pid, f"{path}.end",
                           f"{path} ends {rules.date_text(post, 'end')}, before it starts ({start})"))
    if end and as_of and rules.before(end, as_of):
        out.append(Finding("W-IMPOSSIBLE-DATE", pid, f"{path}.as_of", f"{path} is confirmed held {as_of}, "
                           f"after it ended ({rules.date_text(post, 'end')})"))
    if early:
        _early(out, pid, f"{path}.", post, rules.POST_DATES)


def _before_1900(value: Any) -> bool:
    return type(value) is str and value < EARLIEST_YEAR


def _early(out: list[Finding], pid: str, prefix: str, holder: dict[str, Any],
           fields: tuple[str, ...]) -> None:
    for field in fields:
        value = holder.get(field)
        if _before_1900(value) and rules.partial(value) and rules.written_as(holder, field) is None:
            out.append(Finding("W-IMPOSSIBLE-DATE", pid, prefix + field,
                               f"{prefix + field} {value}: before {EARLIEST_YEAR}, a Solar Hijri date "
                               "without its SH prefix? (SH1367 is 1988)"))


def _post_inputs(record: dict[str, Any]) -> list[Any] | None:
    """What the findings about a current post are made from: ``[as_of, status, died]``
    as stored, or None without a current post."""
    post = record.get("current_post")
    if not isinstance(post, dict):
        return None
    return [post.get("as_of"), record.get("status"), record.get("died")]


def _post_findings(pid: str, inputs: list[Any] | None, today: date) -> list[list[str]]:
    """The findings about a current post on ``today`` (``[code, field, message]``), from
    ``_post_inputs``."""
    if inputs is None:
        return []
    stated, status, died = inputs
    return [[f.code, f.field, f.message] for f in _current_post(pid, stated, status, died, today)]


def _current_post(pid: str, stated: Any, status: Any, died_on: Any, today: date) -> list[Finding]:
    out = []
    as_of = rules.partial(stated)
    why = rules.staleness({"as_of": stated}, today)
    if why == "undated":
        out.append(Finding("W-STALE-POST", pid, "current_post.as_of",
                           "current_post has no as_of date: when was it last confirmed?"))
    elif why == "stale":
        out.append(Finding("W-STALE-POST", pid, "current_post.as_of",
                           f"current_post last confirmed {as_of}, "
                           f"more than {rules.months_phrase(rules.STALE_MONTHS)} before {today.isoformat()}"))
    if status == "deceased":
        out.append(Finding("W-DECEASED-POST", pid, "current_post",
                           "current_post is set but the person is deceased"))
    died = rules.partial(died_on)
    if as_of and died and rules.before(died, as_of):
        out.append(Finding("W-IMPOSSIBLE-POST", pid, "current_post.as_of",
                           f"current_post confirmed {as_of}, after the death ({died})"))
    elif as_of and rules.before(today.isoformat(), as_of):
        out.append(Finding("W-IMPOSSIBLE-POST", pid, "current_post.as_of",
                           f"current_post confirmed {as_of}, which is in the future"))
    return out


def _name_facts(record: Mapping[str, Any]) -> tuple[list[list[str]], list[str]]:
    """What likely duplicates are found from (``Facts`` slots ``_NAMES``): each name with its
    folded words joined by spaces, and the ids of persons judged distinct."""
    from dossier.names import fold_words, record_names

    return [[name, " ".join(fold_words(name))] for name in record_names(record)], _distinct(record)


def _name_keys(record: Mapping[str, Any]) -> list[list[Any]]:
    """Each name of a record that has a match key: ``[as written, its match key, its block,
    its folded words, its place among the record's names]`` (as ``_duplicates`` finds them)."""
    from dossier.names import join_words, skeleton_token

    out = []
    for rank, (name, spelt) in enumerate(_name_facts(record)[0]):
        words = spelt.split(" ")
        if key := join_words(words):
            out.append([name, key, skeleton_token(words[-1]), spelt, rank])
    return out


def _distinct(record: Mapping[str, Any]) -> list[str]:
    return [d["id"] for d in _list(record.get("distinct_from"))
            if isinstance(d, dict) and isinstance(d.get("id"), str)]


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
    return _duplicates([(pid, *_name_facts(record)) for pid, record in records])


def _duplicates(persons: Sequence[tuple[str, list[list[str]], list[str]]]) -> list[Finding]:
    """``duplicates`` of ``(id, [[name as written, folded words]], ids judged distinct)``."""
    return _duplicates_and_names(persons)[0]


def _duplicates_and_names(
        persons: Sequence[tuple[str, list[list[str]], list[str]]]) -> tuple[list[Finding], Names]:
    """``_duplicates``, and the ``Names`` they were found among."""
    from rapidfuzz import process
    from rapidfuzz.fuzz import ratio

    from dossier.names import is_native_script, join_words, skeleton_token

    names: Names = {}  # (persons come in id order: keys in the order of their first name)
    for pid, person_names, _ in persons:
        for rank, (name, spelt) in enumerate(person_names):
            words = spelt.split(" ")
            key = join_words(words)
            if not key:
                continue
            entry = names.get(key)
            if entry is None:
                names[key] = [skeleton_token(words[-1]), [pid], [name], spelt, rank]
            elif entry[1][-1] != pid:
                entry[1].append(pid)
                entry[2].append(name)
    judged = _judged(persons)
    out = _groups(names.items(), judged)
    blocks: dict[str, list[str]] = {}
    for key, entry in names.items():
        blocks.setdefault(entry[0], []).append(key)
    for keys in blocks.values():
        if len(keys) < 2:
            continue
        for i, key in enumerate(keys[:-1]):
            for other, score, _ in process.extract(key, keys[i + 1 :], scorer=ratio, processor=None,
                                                    score_cutoff=DUPLICATE_SCORE, limit=None):
                found = _resembling(names, key, other, score, judged)
                if found is not None:
                    out.append(found)
        # Names in two scripts scoring a little lower, weighed again (``_alike``).
        native = [k for k in keys if is_native_script(names[k][2][0])]
        latin = [k for k in keys if not is_native_script(names[k][2][0])] if native else []
        for key in latin:
            for other, score, _ in process.extract(key, native, scorer=ratio, processor=None,
                                                    score_cutoff=ACROSS_SCRIPTS_CUTOFF, limit=None):
                score = _across_scripts(names, key, other) if score < DUPLICATE_SCORE else 0.0
                found = _resembling(names, key, other, score, judged) if score else None
                if found is not None:
                    out.append(found)
    return out, names


ACROSS_SCRIPTS_CUTOFF = 70
"""The ratio of two keys under which names in two scripts are not weighed again (``_alike``)."""


def _alike(names: Names, key: str, other: str) -> float:
    """The score of two keys of a block, 0 under ``DUPLICATE_SCORE``: rapidfuzz's ratio, or for
    names in two scripts (entered in Latin, and again only in Persian) the score search gives
    them (``names.across_scripts_score``), so that what ``add`` warns of, check reports."""
    from rapidfuzz.fuzz import ratio

    score = ratio(key, other, score_cutoff=ACROSS_SCRIPTS_CUTOFF)
    if score >= DUPLICATE_SCORE or not score:
        return score
    return _across_scripts(names, key, other)


def _across_scripts(names: Names, key: str, other: str) -> float:
    """``names.across_scripts_score`` of two keys' names when they are in two scripts and of
    two persons, if ``DUPLICATE_SCORE`` or more; else 0."""
    from dossier.names import across_scripts_score, is_native_script

    if not set(names[key][1]).isdisjoint(names[other][1]):
        return 0.0  # (names of one person, most often its own Latin and Persian: no finding)
    first, second = names[key][2][0], names[other][2][0]
    if is_native_script(first) == is_native_script(second):
        return 0.0
    latin, native = (second, first) if is_native_script(first) else (first, second)
    score = across_scripts_score(latin, native)
    return score if score >= DUPLICATE_SCORE else 0.0


def _judged(persons: Iterable[tuple[str, Any, list[str]]]) -> set[frozenset[str]]:
    """The pairs of persons judged different, from ``(id, _, ids judged distinct)``."""
    return {frozenset((pid, other)) for pid, _, distinct in persons for other in distinct}


def _groups(names: Iterable[tuple[str, list[Any]]], judged: set[frozenset[str]]) -> list[Finding]:
    """The W-DUPLICATE findings of names that persons share (``Names`` entries, in the order
    of their first name): one per group of persons (a group sharing two keys: once), or one
    per pair when some of its pairs were judged different."""
    out = []
    reported: set[frozenset[str]] = set()
    for _, (_, ordered, spellings, spelt, _) in names:
        group = frozenset(ordered)
        if len(ordered) < 2 or group in reported:
            continue
        reported.add(group)
        shown = dict(zip(ordered, spellings, strict=True))
        pairs = [(a, b) for i, a in enumerate(ordered) for b in ordered[i + 1:]
                 if frozenset((a, b)) not in judged]
        for first, *rest in ([ordered] if len(pairs) * 2 == len(ordered) * (len(ordered) - 1) else pairs):
            written = " / ".join(dict.fromkeys(shown[pid] for pid in (first, *rest)))
            out.append(Finding("W-DUPLICATE", first, "name",
                               f"likely the same person as {', '.join(rest)}: "
                               f"same folded name {quoted(spelt)} ({written})"))
    return out


def _resembling(names: Names, key: str, other: str, score: float,
                judged: set[frozenset[str]]) -> Finding | None:
    """The W-DUPLICATE finding of two keys of a block that score high, about the first
    person of either; None for names of one person, or persons judged different."""
    (_, a, a_names, _, _), (_, b, b_names, _, _) = names[key], names[other]
    if set(a) & set(b) or frozenset((a[0], b[0])) in judged:
        return None
    if b[0] < a[0]:
        a, a_names, b, b_names = b, b_names, a, a_names
    return Finding("W-DUPLICATE", a[0], "name", f"likely the same person as {', '.join(b)}: "
                   f"name {quoted(a_names[0])} resembles {quoted(b_names[0])} (score {round(score)})")
