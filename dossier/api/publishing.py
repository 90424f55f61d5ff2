"""``dossier profiles``: bring a folder of pages up to date with the database.

The pages come from ``dossier.publish.site`` (pure rendering); this module reads
the database, skips the pages that cannot have changed (a cache beside the
database), writes the ones whose bytes changed and removes pages of persons
no longer published. With ``site="mkdocs"`` the pages go to ``OUTDIR/docs/``
and ``OUTDIR/mkdocs.yml`` is written beside them (``dossier.publish.mkdocs``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dossier import store
from dossier.errors import InvalidInput, Problem, StorageError, UsageError, quoted
from dossier.model import rules
from dossier.publish import mkdocs
from dossier.publish.site import (
    INDEX_PAGE,
    SOURCES_PAGE,
    environment,
    fit_records,
    render_page,
    render_pages,
    withheld_anchors,
)

if TYPE_CHECKING:
    import jinja2

GENERATOR = "dossier"  # front-matter mark: only pages carrying it are ever removed
PAGE_MODE = 0o644  # published pages are meant to be read by a web server


SITES = ("mkdocs",)


@dataclass(frozen=True)
class PublishReport:
    written: int
    unchanged: int
    removed: int
    outdir: Path
    config: str | None = None  # what happened to the site generator's configuration file, if any

    def summary(self) -> str:
        text = (f"{self.written} pages written, {self.unchanged} unchanged, "
                f"{self.removed} removed → {self.outdir}")
        return f"{text}; {self.config}" if self.config else text


def publish(
    db: Path,
    outdir: Path,
    *,
    internal: bool = False,
    site: str | None = None,
    templates: Path | None = None,
    today: date | None = None,
) -> PublishReport:
    """``dossier profiles``: bring ``outdir`` up to date with the database.

    Safe by default: restricted persons are left out and confidential sources
    withheld; ``internal`` shows everything and marks every page as internal.
    ``site="mkdocs"`` writes the pages to ``outdir/docs`` and ``outdir/mkdocs.yml``.

    Incremental: a cache beside the database (``<db>.profiles-cache.json``, as
    private as the database) remembers, per output folder, a digest of what each
    page was rendered from and the size and mtime of the file written. A page
    whose digest and file are unchanged is neither rendered nor read. The
    records are rendered as stored when the store vouches for them
    (``Snapshot.trusted``), else validated first. Every other page is rendered
    and written only if its bytes differ from the file's.
    """
    if site is not None and site not in SITES:
        raise UsageError(f"unknown site generator {site!r}; use one of {', '.join(SITES)}")
    snapshot = store.read(db)
    records = snapshot.all()
    named = [] if internal else restricted_named(records)
    if named:  # (before anything is written: a published name cannot be taken back)
        raise InvalidInput([Problem(
            f"names restricted person {restricted} ({quoted(name)}), whom the public pages leave out",
            field=where, source=pid) for pid, where, restricted, name in named] + [Problem(
            "nothing was written: reword those places, or restrict the persons they are in too "
            "(an internal build, --internal, shows everything)")])
    env = environment(templates)
    today = rules.today(today)
    pages_dir = outdir / mkdocs.DOCS if site == "mkdocs" else outdir
    digests = _digests(records, internal=internal, today=today, fingerprint=_fingerprint(env))
    cache_file = _cache_path(db)
    cache = _Cache.load(cache_file, pages_dir)
    on_disk = _scan(pages_dir)
    todo = {name for name, digest in digests.items() if not cache.fresh(name, digest, on_disk.get(name))}
    pages: dict[str, str] = {}
    if todo:
        fit = fit_records(records, trusted=snapshot.trusted)
        pages = render_pages(fit, env, internal=internal, today=today, only=todo)
    report = write_site(pages, pages_dir, keep=digests.keys(), existing=on_disk)
    cache.update(digests, on_disk)
    cache.save(cache_file)
    if site == "mkdocs":
        text = mkdocs.config(rules.published(records, redact=not internal), internal=internal,
                             local=(outdir / mkdocs.LOCAL).is_file())
        report = replace(report, config=_write_config(outdir / mkdocs.CONFIG, text))
    return report


def restricted_named(records: Sequence[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    """Where a person a redacted publication shows names a restricted one in its own words
    (narrative, tags, posts, the relations of its published links, the sources it shows):
    ``(id, field, restricted id, the name)``. Left out, the restricted person would still be
    published there, by name.

    A name is found as written, word for word ("Pour-Mohammadi" is one word: not
    "Mohammadi"), and a name of two words or more in any spelling the search folds together
    ("Kurosh Zandiyeh" for "Kourosh Zandieh", ``names.fold_words``). A published person's
    own name that holds a restricted one is that person, not the restricted one: it is set
    aside first. Words are looked up by the first of each name (time linear in the text).
    """
    from dossier.names import fold_words, record_names

    restricted = [r for r in records if r.get("restricted")]
    if not restricted:
        return []
    published = rules.published(records)

    def finder(fold: Callable[[str], tuple[str, ...]], shortest: int) -> _Names:
        wanted: dict[tuple[str, ...], tuple[str, str]] = {}
        for r in restricted:
            for n in record_names(r):
                if len(w := fold(n)) >= shortest:
                    wanted[w] = (str(r.get("id")), n)
                    if len(w) > 1:  # as a bibliography writes it: "Zandieh, Kourosh"
                        wanted.setdefault((w[-1], *w[:-1]), (str(r.get("id")), n))
        found = _Names(wanted, {})
        shown = {w: ("", n) for r in published for n in record_names(r)
                 if (w := fold(n)) and found.first(w) is not None}
        return _Names(wanted, shown)

    exact, spelt = finder(_words, 1), finder(fold_words, 2)
    hidden = {r.get("id") for r in restricted}
    out = []
    for record in published:
        texts = [("narrative", record.get("narrative"))]
        texts += [(f"tags[{i}]", t) for i, t in enumerate(record.get("tags") or ())]
        texts += [(f"associates[{i}].relation", a.get("relation"))  # (a link to one is not published)
                  for i, a in enumerate(record.get("associates") or ())
                  if isinstance(a, dict) and a.get("id") not in hidden]
        texts += [(f"{path}.{key}", post.get(key)) for path, post in rules.posts(record)
                  for key in ("title", "organization", "place")]
        texts += [(f"sources[{i}].{key}", src.get(key))  # (a confidential one is withheld whole)
                  for i, src in enumerate(record.get("sources") or ())
                  if isinstance(src, dict) and not src.get("confidential")
                  for key in ("title", "author", "publisher", "note", "url", "archive_url", "key")]
        for where, text in texts:
            if not isinstance(text, str) or not text.strip():
                continue
            hit = exact.first(_words(text))
            if hit is not None:
                out.append((str(record.get("id")), where, *exact.names[hit]))
            elif spelt.names and (hit := spelt.first(fold_words(text))) is not None:
                pid, name = spelt.names[hit]
                out.append((str(record.get("id")), where, pid, f"a spelling of {name}"))
    return out


def _words(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"[\w-]+", text.casefold()))


class _Names:
    """Names (as tuples of words) found in a text's words, each looked up by its first word;
    the ``shadows`` (names of persons published that hold one of them) are passed over."""

    def __init__(self, names: dict[tuple[str, ...], tuple[str, str]],
                 shadows: dict[tuple[str, ...], tuple[str, str]]) -> None:
        self.names = names
        self.by_first: dict[str, list[tuple[tuple[str, ...], bool]]] = {}
        for words, shadow in [*((w, True) for w in shadows), *((w, False) for w in names)]:
            self.by_first.setdefault(words[0], []).append((words, shadow))
        for candidates in self.by_first.values():  # the longest first: a shadow before its part
            candidates.sort(key=lambda c: -len(c[0]))

    def first(self, words: tuple[str, ...]) -> tuple[str, ...] | None:
        """The first name in ``words`` (past the shadows), or None."""
        i = 0
        while i < len(words):
            for name, shadow in self.by_first.get(words[i], ()):
                if words[i:i + len(name)] == name:
                    if not shadow:
                        return name
                    i += len(name) - 1
                    break
            i += 1
        return None


def _write_config(path: Path, text: str) -> str:
    """Write the site generator's configuration unless someone else's file is there."""
    from dossier.store import write_atomic

    data = text.encode("utf-8")
    try:
        old = path.read_bytes()
    except FileNotFoundError:
        old = None
    except OSError as exc:
        raise StorageError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if old == data:
        return f"{path.name} unchanged"
    if old is not None and not mkdocs.is_ours(old.decode("utf-8", "replace")):
        return f"{path.name} left alone (not written by dossier: its first line is not {mkdocs.MARKER!r})"
    write_atomic(path, data, mode=PAGE_MODE, durable=False)
    return f"{path.name} written"


def _fingerprint(env: jinja2.Environment) -> str:
    """Changes whenever the code or any template a page may use changes."""
    from dossier import __version__
    from dossier.api.sidecar import code_of

    h = hashlib.blake2b(digest_size=16)
    h.update(__version__.encode())
    h.update(code_of(("dossier.publish.site", "dossier.publish.escape", "dossier.publish.mermaid")).encode())
    from dossier.publish.site import not_utf8

    for name in sorted(env.list_templates()):
        try:
            source, filename, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
        except UnicodeDecodeError as exc:
            raise not_utf8(env, name, exc) from None
        h.update(f"\0{name}\0{filename}\0".encode())
        h.update(source.encode())
    return h.hexdigest()


def _digests(
    records: list[dict[str, Any]], *, internal: bool, today: date, fingerprint: str
) -> dict[str, str]:
    """Page name -> digest of every stored byte the page is rendered from.

    A person's page depends on its record, the records of its associates
    (names, existence, restriction), the records naming it as an associate
    (drawn in its associates graph), the anchors of its confidential sources
    and whether its current post needs confirming on ``today`` (not on the day
    itself, so a page is rendered again only when that changes); the index and
    the bibliography on every published record. A record stands as the hash
    of its JSON: stored records are the canonical dump of valid models.
    """
    import orjson

    published = rules.published(records, redact=not internal)
    by_id = {r["id"]: r for r in published}
    named_by: dict[str, list[str]] = {}
    for r in published:
        for a in r.get("associates", ()):
            named_by.setdefault(a["id"], []).append(r["id"])
    secret = {s["key"] for r in published for s in r.get("sources", ()) if s.get("confidential")}
    anchors = withheld_anchors(published) if not internal else {}
    common = orjson.dumps([fingerprint, internal])
    blake2b = hashlib.blake2b
    dumps = orjson.dumps
    hashed = {r["id"]: blake2b(dumps(r), digest_size=16).digest() for r in records}
    staleness: dict[Any, Any] = {}  # (has a current post, its as_of) -> why it needs confirming
    out = {}
    for r in published:
        h = blake2b(common, digest_size=16)
        h.update(hashed[r["id"]])
        h.update(b"".join(hashed.get(a["id"], b"absent") for a in r.get("associates", ())))
        h.update(b"named by" + b"".join(hashed[other] for other in named_by.get(r["id"], ())))
        current = r.get("current_post")
        known = (isinstance(current, dict), current.get("as_of") if isinstance(current, dict) else None)
        why = staleness.get(known, "")
        if why == "":
            why = staleness[known] = rules.staleness(current, today)
        # Its own withheld sources' anchors, and those of the records naming it: it cites
        # their links' sources.
        citing = [r["id"], *named_by.get(r["id"], ())]
        hidden = [(pid, s["key"], anchors.get((pid, s["key"])))
                  for pid in citing for s in by_id[pid].get("sources", ()) if s["key"] in secret]
        h.update(dumps([why, hidden]))
        out[f"{r['id']}.md"] = h.hexdigest()
    everything = blake2b(common + b"".join(hashed[r["id"]] for r in published), digest_size=16)
    out[INDEX_PAGE] = out[SOURCES_PAGE] = everything.hexdigest()
    return out


def _cache_path(db: Path) -> Path:
    return db.with_name(db.name + ".profiles-cache.json")


def _scan(outdir: Path) -> dict[str, tuple[int, int]]:
    """File name -> (size, mtime in ns) of the regular files in ``outdir``."""
    try:
        entries = list(os.scandir(outdir))
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise StorageError(f"{outdir}: cannot read the folder: {exc.strerror or exc}") from None
    out = {}
    for entry in entries:
        try:
            if entry.is_file(follow_symlinks=False):
                st = entry.stat(follow_symlinks=False)
                out[entry.name] = (st.st_size, st.st_mtime_ns)
        except OSError:
            continue
    return out


class _Cache:
    """Per output folder: page name -> [digest, size, mtime_ns] of the last run."""

    VERSION = 1
    KEEP_FOLDERS = 8  # a database published to a few folders (public, internal, tests)

    def __init__(self, folders: dict[str, Any], key: str) -> None:
        self.folders, self.key = folders, key
        self.pages: dict[str, list[Any]] = folders.get(key) or {}
        self.dirty = False

    @classmethod
    def load(cls, path: Path, outdir: Path) -> _Cache:
        import orjson

        key = str(outdir.resolve())
        try:
            data = orjson.loads(path.read_bytes())
            folders = data["folders"] if data.get("version") == cls.VERSION else {}
            if not isinstance(folders, dict) or not isinstance(folders.get(key, {}), dict):
                folders = {}
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            folders = {}  # a missing or damaged cache only costs a full render
        return cls(folders, key)

    def fresh(self, name: str, digest: str, stat: tuple[int, int] | None) -> bool:
        entry = self.pages.get(name)
        return stat is not None and entry == [digest, *stat]

    def update(self, digests: Mapping[str, str], on_disk: Mapping[str, tuple[int, int]]) -> None:
        pages = {n: [d, *on_disk[n]] for n, d in sorted(digests.items()) if n in on_disk}
        if pages != self.pages:
            self.pages, self.dirty = pages, True

    def save(self, path: Path) -> None:
        if not self.dirty:
            return
        import orjson

        from dossier.store import write_atomic

        folders = {k: v for k, v in self.folders.items() if k != self.key}
        folders = dict(list(folders.items())[-(self.KEEP_FOLDERS - 1) :])
        folders[self.key] = self.pages
        # A cache that cannot be written only costs time on the next run.
        with contextlib.suppress(StorageError):
            write_atomic(path, orjson.dumps({"version": self.VERSION, "folders": folders}), durable=False)


def write_site(
    pages: Mapping[str, str],
    outdir: Path,
    *,
    keep: Collection[str] = (),
    existing: dict[str, tuple[int, int]] | None = None,
) -> PublishReport:
    """Write ``pages`` whose bytes changed (0644), leave identical files untouched, and
    remove stale pages of ours: a ``.md`` file that is neither in ``pages`` nor in
    ``keep`` and carries dossier's front matter. Other files stay.

    A page that exists is replaced atomically: a reader sees the old page or the new
    one. A page that does not exist yet is created in place (a rename per file is a
    third of the cost of writing a fresh site): there is no old page to keep, and an
    interrupted run leaves at worst a short page, which is not in the cache and so
    is written again by the next run.

    ``existing`` (file name -> size and mtime, ``_scan`` of ``outdir``) is brought up
    to date with the files written and removed.
    """
    from dossier.store import create_file, write_atomic

    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"{outdir}: cannot create the folder: {exc.strerror or exc}") from None
    if existing is None:
        existing = _scan(outdir)
    written = unchanged = removed = 0
    for name in sorted(pages):
        data = pages[name].encode("utf-8")
        path = outdir / name
        if name in existing and _same(path, data):
            unchanged += 1
            continue
        status = None if name in existing else create_file(path, data, mode=PAGE_MODE)
        if status is None:
            status = write_atomic(path, data, mode=PAGE_MODE, durable=False)
        existing[name] = (status.st_size, status.st_mtime_ns)
        written += 1
    unchanged += len(set(keep) - pages.keys())
    for name in sorted(existing.keys() - pages.keys() - set(keep)):
        path = outdir / name
        if name.endswith(".md") and _ours(path):
            try:
                path.unlink()
            except OSError as exc:
                raise StorageError(f"{path}: cannot remove stale page: {exc.strerror or exc}") from None
            del existing[name]
            removed += 1
    return PublishReport(written, unchanged, removed, outdir)


def _same(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


_FRONT_MATTER_END = re.compile(rb"^---[ \t]*$", re.MULTILINE)


def _ours(path: Path) -> bool:
    """Does the file start with front matter that says ``generator: dossier``?"""
    import yaml

    from dossier.interchange.yamlfmt import loads

    try:
        with path.open("rb") as fh:
            head = fh.read(64 * 1024)
    except OSError:
        return False
    if not head.startswith(b"---\n"):
        return False
    end = _FRONT_MATTER_END.search(head, 4)
    if end is None:
        return False
    try:
        meta = loads(head[4 : end.start()].decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError):
        return False
    return isinstance(meta, dict) and meta.get("generator") == GENERATOR


def profile_page(db: Path, ref: str, *, today: date | None = None) -> str:
    """``show --format markdown``: exactly the page ``profiles --internal`` writes for one person
    (the researcher's view: restricted persons and confidential sources included, marked)."""
    from dossier.api.persons import resolve

    snapshot = store.read(db)
    person_id = resolve(snapshot, ref)["id"]
    records = fit_records(snapshot.all(), trusted=snapshot.trusted)
    return render_page(records, person_id, internal=True, today=today)
