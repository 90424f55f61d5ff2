"""Markdown profile pages a static site can publish (SPEC §5).

The core, ``render_site``, is pure: persons in, ``{file name: text}`` out. It
works out everything a page needs from the whole database once (who is
published, footnote numbers, which source is withheld, the reference date for
stale posts) and hands it to Jinja2 templates, which decide what a page looks
like. ``publish`` and ``profile_page`` are the thin I/O layer over it.

Safety rules, and where each one lives:

* Every string from a record goes through the ``md_escape`` filter in the
  templates: ``<``, ``>``, ``&`` and ``~`` become entities (so no raw HTML, in
  any Markdown dialect), inline markup characters are backslash-escaped (so no
  links, images, emphasis, code, table cells or ``{{ }}`` for site generators
  that run a template language over pages), and block markers at a line start
  (``---``, ``#``, ``-``, ``1.``, indentation) are neutralised. Narratives are
  escaped too: they are shown as plain text with their paragraphs kept.
* URLs go through ``md_url``: http/https only (validation already demands it;
  this is a second fence) and percent-encoded so they cannot end a Markdown link.
* Front matter is made by ``yaml.safe_dump`` (the ``front_matter`` filter), so
  colons, quotes, ``---`` and Persian text stay data. Site themes print its
  values into HTML, some without escaping (MkDocs' own theme puts ``title``
  raw into ``<title>``), so names and tags there go through ``html_text``
  first: ``& < > "`` become entities.
* ``public=True`` drops restricted persons everywhere (pages, index, the
  associates of others, the bibliography's citing lists) and withholds
  confidential sources entirely: no title, URL, publisher, author, note, date
  or key reaches the output; they get neutral anchors ``withheld_N`` (a key is
  a slug and cannot contain ``_``, so no real key collides).

"Today", against which a current post counts as stale (last confirmed more than
two years earlier), is never the wall clock: it is the newest ``updated``
timestamp among the published persons, or the ``today`` argument.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import threading
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from dossier import store
from dossier.errors import InvalidInput, Problem, StorageError

if TYPE_CHECKING:
    import jinja2

    from dossier.models import Person, Post, Source

PERSON_TEMPLATE = "person.md.j2"
INDEX_TEMPLATE = "index.md.j2"
SOURCES_TEMPLATE = "sources.md.j2"
INDEX_PAGE = "index.md"
SOURCES_PAGE = "sources.md"
GENERATOR = "dossier"  # front-matter mark: only pages carrying it are ever removed
STALE_YEARS = 2
PAGE_MODE = 0o644  # published pages are meant to be read by a web server


def template_dir() -> Path:
    """The packaged templates (``dossier/templates`` in a wheel), else the checkout's ``templates/``."""
    package = Path(__file__).resolve().parent
    packaged = package / "templates"
    if packaged.is_dir():
        return packaged
    return package.parent / "templates"


# --- escaping -----------------------------------------------------------------

# Entities for what could open raw HTML (and ~, which Python-Markdown does not
# unescape after a backslash); backslashes for the inline markup characters that
# every CommonMark-family renderer, Python-Markdown included, unescapes.
_INLINE = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        "~": "&#126;",
        "\\": "\\\\",
        "`": "\\`",
        "*": "\\*",
        "_": "\\_",
        "[": "\\[",
        "]": "\\]",
        "{": "\\{",
        "}": "\\}",
        "#": "\\#",
        "|": "\\|",
    }
)
_NEEDS_ESCAPE = re.compile(r"[&<>~\\`*_\[\]{}#|\n]|^[\s+=-]|^\d+[.)]")
# At a line start: indentation (code block), list/heading/setext markers, "1." / "1)".
_LINE_INDENT = re.compile(r"^[ \t]+", re.MULTILINE)
_LINE_MARKER = re.compile(r"^([+=-])|^(\d+)([.)])", re.MULTILINE)


def _line_marker(m: re.Match[str]) -> str:
    if m.group(1):
        return "\\" + m.group(1)
    return f"{m.group(2)}\\{m.group(3)}"


def md_escape(value: object) -> str:
    """Record text as inert Markdown text: shows as written, never becomes markup."""
    if value.__class__ is str:
        return _escape_text(value)  # type: ignore[arg-type]
    return _escape_text("" if value is None else str(value))


@functools.lru_cache(maxsize=1 << 16)
def _escape_text(text: str) -> str:
    # Cached: titles, places, dates and relations repeat across a site.
    if not _NEEDS_ESCAPE.search(text):
        return text
    text = text.translate(_INLINE)
    if "\n" in text:
        text = _LINE_INDENT.sub("", text)
    return _LINE_MARKER.sub(_line_marker, text)


# Characters kept as they are in a URL: the RFC 3986 reserved and unreserved set
# minus the ones that end or break a Markdown link or an HTML attribute.
_URL_SAFE = "-._~:/?#@!$&*+,;=%"
_HTTP = re.compile(r"https?://[^/?#\s]", re.IGNORECASE)
_URL_PLAIN = re.compile(r"[A-Za-z0-9\-._~:/?#@!$&*+,;=%]*")


@functools.lru_cache(maxsize=1 << 14)
def md_url(value: object) -> str:
    """An http(s) URL safe inside ``[text](...)`` and ``<a href>``; "" for anything else."""
    url = "" if value is None else str(value)
    if not _HTTP.match(url):
        return ""
    return url if _URL_PLAIN.fullmatch(url) else quote(url, safe=_URL_SAFE)


_HTML_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


def html_text(value: object) -> object:
    """Text that a site theme may print into HTML unescaped: MkDocs' own theme puts
    the front-matter ``title`` raw into ``<title>``. Lists are escaped item by item."""
    if isinstance(value, list | tuple):
        return [html_text(v) for v in value]
    return value if value is None else str(value).translate(_HTML_TEXT)


def front_matter(data: Mapping[str, Any]) -> str:
    """YAML for the page's front matter (keys in the template's order): ``yaml.safe_dump``'s
    resolver and emitter decide quoting, so any text stays data."""
    return _front_matter_emitter().dump(dict(data))


class _FrontMatterEmitter:
    """``yaml.safe_dump`` of many small documents, made cheap.

    One libyaml emitter (when present) is kept open and fed one document per
    page; its output is taken after each document. Nodes are built directly
    (front matter has no shared objects, so no anchors to look for) and the
    resolver's quoting decision is memoized. The output is byte for byte that
    of ``yaml.dump(data, Dumper=yaml.CSafeDumper, allow_unicode=True,
    sort_keys=False)``: safe_dump with libyaml's emitter.
    """

    def __init__(self) -> None:
        import io

        import yaml

        base = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        resolved: dict[tuple[str, Any], str] = {}

        class Dumper(base):  # type: ignore[misc, valid-type]
            def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
                if kind is not yaml.ScalarNode:
                    return super().resolve(kind, value, implicit)
                tag = resolved.get((value, implicit))
                if tag is None:
                    tag = resolved[(value, implicit)] = super().resolve(kind, value, implicit)
                return tag

        self.yaml = yaml
        self.tags = tuple(f"tag:yaml.org,2002:{t}" for t in ("str", "seq", "map"))
        self.stream = io.StringIO()
        self.dumper = Dumper(self.stream, allow_unicode=True, width=1_000_000)
        self.dumper.open()
        self.first = True

    def node(self, value: Any) -> Any:
        yaml, (str_tag, seq_tag, map_tag) = self.yaml, self.tags
        if isinstance(value, str):
            return yaml.ScalarNode(str_tag, str(value))
        if isinstance(value, list | tuple):
            return yaml.SequenceNode(seq_tag, [self.node(v) for v in value])
        if isinstance(value, dict):
            return yaml.MappingNode(map_tag, [(self.node(k), self.node(v)) for k, v in value.items()])
        return yaml.SafeDumper(None).represent_data(value)  # None, bool, numbers, dates

    def dump(self, data: dict[str, Any]) -> str:
        self.dumper.serialize(self.node(data))
        text = self.stream.getvalue()
        self.stream.seek(0)
        self.stream.truncate()
        # Every document after the first in a stream opens with "---" on a line of its own.
        first, self.first = self.first, False
        if not first:
            if not text.startswith("---\n"):
                return self._plain(data)  # an empty or flow mapping: "--- {}"
            text = text[4:]
        if text.endswith("...\n") or not text.endswith("\n"):
            return self._plain(data)
        return text

    def _plain(self, data: dict[str, Any]) -> str:
        dumper = getattr(self.yaml, "CSafeDumper", self.yaml.SafeDumper)
        return self.yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False, width=1_000_000)


_emitters = threading.local()


def _front_matter_emitter() -> _FrontMatterEmitter:
    emitter = getattr(_emitters, "emitter", None)
    if emitter is None:
        emitter = _emitters.emitter = _FrontMatterEmitter()
    return emitter


# --- the site model -------------------------------------------------------------


@dataclass(frozen=True)
class Footnote:
    """One numbered source of a page; ``source`` is None when it is withheld."""

    number: int
    key: str
    anchor: str
    source: Source | None
    confidential: bool


@dataclass(frozen=True)
class Linked:
    """An associate claim and the person it points to (None: no page to link)."""

    associate: Any
    person: Person | None


@dataclass
class _Bibliography:
    source: Source
    anchor: str
    confidential: bool
    cited_by: list[Person] = field(default_factory=list)


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def is_stale(as_of: str | None, today: date | None) -> bool:
    """True when ``as_of`` lies more than two years before ``today`` (at its latest day)."""
    from dossier.models import latest_day

    if not as_of or today is None:
        return False
    return _years_later(latest_day(as_of), STALE_YEARS) < today


def _sort_key(post: Post) -> tuple[int, str, str]:
    start = post.start or post.end
    return (0, start, post.end or "") if start else (1, "", "")


class _Site:
    """What every page needs from the whole database, worked out once.

    In a public run the persons handed to templates are already redacted:
    restricted persons are gone (and so are associate claims pointing at them),
    and every confidential source is replaced by a stub whose key is its neutral
    anchor, so not even a custom template can print what must be withheld.
    """

    def __init__(self, persons: Iterable[Person], *, public: bool, today: date | None) -> None:
        ordered = sorted(persons, key=lambda p: p.id or "")
        self.public = public
        published = [p for p in ordered if not (public and p.restricted)]
        for reserved in (INDEX_PAGE, SOURCES_PAGE):
            stem = reserved.removesuffix(".md")
            if any(p.id == stem for p in published):
                raise InvalidInput(
                    Problem(
                        f"a person's page would overwrite {reserved}; give the person another id",
                        field="id",
                        source=stem,
                    )
                )
        if today is None:
            stamps = [p.updated for p in published if p.updated is not None]
            today = max(stamps).date() if stamps else None
        self.today = today
        # A key that is confidential in any copy is confidential everywhere.
        confidential = {s.key for p in published for s in p.sources if s.confidential}
        self.withheld: dict[str, str] = {}
        if public:
            self.withheld = {key: f"withheld_{n}" for n, key in enumerate(sorted(confidential), 1)}
            hidden = {p.id for p in ordered if p.restricted}
            published = [self._redact(p, hidden) for p in published]
        self.persons = published
        self.by_id = {p.id: p for p in published}
        self.bibliography = self._bibliography(confidential | set(self.withheld.values()))

    def _redact(self, person: Person, hidden: set[str | None]) -> Person:
        anchors = self.withheld
        if not any(s.key in anchors for s in person.sources) and not any(
            a.id in hidden for a in person.associates
        ):
            return person

        def keys(cited: list[str]) -> list[str]:
            return [anchors.get(k, k) for k in cited]

        def post(p: Post | None) -> Post | None:
            return None if p is None else p.model_copy(update={"sources": keys(p.sources)})

        return person.model_copy(
            update={
                "role_1988": post(person.role_1988),
                "current_post": post(person.current_post),
                "posts": [post(p) for p in person.posts],
                "associates": [
                    a.model_copy(update={"sources": keys(a.sources)})
                    for a in person.associates
                    if a.id not in hidden
                ],
                "sources": [
                    _withheld_source(anchors[s.key]) if s.key in anchors else s for s in person.sources
                ],
            }
        )

    def _bibliography(self, confidential: set[str]) -> dict[str, _Bibliography]:
        # One entry per key: the copy of the first citing person in id order.
        entries: dict[str, _Bibliography] = {}
        for person in self.persons:
            for src in person.sources:
                entry = entries.get(src.key)
                if entry is None:
                    entry = entries[src.key] = _Bibliography(src, src.key, src.key in confidential)
                entry.cited_by.append(person)
        return entries

    def person_context(self, person: Person) -> dict[str, Any]:
        timeline = sorted(person.posts, key=_sort_key)
        associates = [Linked(a, self.by_id.get(a.id)) for a in person.associates]
        # Footnotes are numbered in reading order of the claims, then the rest.
        notes: dict[str, int] = {}
        cited = [person.role_1988, person.current_post, *timeline, *person.associates]
        for claim in cited:
            if claim is not None:
                for key in claim.sources:
                    notes.setdefault(key, len(notes) + 1)
        for src in person.sources:
            notes.setdefault(src.key, len(notes) + 1)
        own = {s.key: s for s in person.sources}
        footnotes = []
        for key, number in notes.items():
            entry = self.bibliography[key]
            withheld = self.public and entry.confidential
            footnotes.append(
                Footnote(number, key, entry.anchor, None if withheld else own[key], entry.confidential)
            )
        current = person.current_post
        return {
            "person": person,
            "public": self.public,
            "today": self.today.isoformat() if self.today else None,
            "updated": _timestamp(person),
            "notes": notes,
            "footnotes": footnotes,
            "timeline": timeline,
            "associates": associates,
            "stale": bool(current and is_stale(current.as_of, self.today)),
            "undated": bool(current and not current.as_of),
            "deceased": person.status == "deceased" or person.died is not None,
        }

    def index_context(self) -> dict[str, Any]:
        groups: dict[tuple[int, str], list[Person]] = {}
        for person in self.persons:
            groups.setdefault(_group(person), []).append(person)
        ordered = []
        for (rank, label), members in sorted(groups.items(), key=lambda g: (g[0][0], g[0][1].casefold())):
            members.sort(key=lambda p: (p.name.casefold(), p.id))
            ordered.append({"label": label, "recorded": rank == 0, "persons": members})
        return {"public": self.public, "today": self._today_text(), "groups": ordered,
                "count": len(self.persons)}

    def sources_context(self) -> dict[str, Any]:
        shown = [e for e in self.bibliography.values() if not (self.public and e.confidential)]
        shown.sort(key=lambda e: (e.source.title.casefold(), e.source.key))
        withheld = [e for e in self.bibliography.values() if self.public and e.confidential]
        withheld.sort(key=lambda e: int(e.anchor.rsplit("_", 1)[1]))
        for entry in self.bibliography.values():
            entry.cited_by.sort(key=lambda p: (p.name.casefold(), p.id))
        return {"public": self.public, "sources": shown, "withheld": withheld}

    def _today_text(self) -> str | None:
        return self.today.isoformat() if self.today else None


def _withheld_source(anchor: str) -> Source:
    """What a public run knows of a confidential source: that it exists, and its anchor."""
    from dossier.models import Source

    return Source.model_construct(key=anchor, title="Withheld", kind="other", confidential=True)


def _timestamp(person: Person) -> str | None:
    if person.updated is None:
        return None
    return person.updated.isoformat().replace("+00:00", "Z")


def _group(person: Person) -> tuple[int, str]:
    """Index group: where the person served in 1988 (place, else body); unknown ones last."""
    role = person.role_1988
    if role is None:
        return (2, "No position in 1988 recorded")
    if role.place:
        return (0, role.place)
    if role.organization:
        return (0, role.organization)
    return (1, "Place not recorded")


# --- templates ----------------------------------------------------------------


def environment(templates: Path | None = None) -> jinja2.Environment:
    """Templates from ``templates`` first, then the packaged ones; strict, no autoescape."""
    import jinja2

    dirs = [str(templates)] if templates is not None else []
    dirs.append(str(template_dir()))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(d) for d in dirs]),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # Markdown, not HTML: escaping is md_escape's job, in the template
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update(md_escape=md_escape, md_url=md_url, html_text=html_text, front_matter=front_matter)
    return env


def _template(env: jinja2.Environment, name: str) -> jinja2.Template:
    import jinja2

    try:
        return env.get_template(name)
    except jinja2.TemplateSyntaxError as exc:
        raise InvalidInput(_template_problem(exc.filename or exc.name or name, exc.lineno, exc)) from None
    except jinja2.TemplateNotFound:
        searched = ", ".join(str(d) for d in _search_path(env))
        raise InvalidInput(Problem(f"template not found (looked in {searched})", source=name)) from None


def _search_path(env: jinja2.Environment) -> list[str]:
    return [p for loader in env.loader.loaders for p in loader.searchpath]  # type: ignore[union-attr]


def _template_problem(where: str, line: int | None, exc: BaseException) -> Problem:
    return Problem(f"{type(exc).__name__}: {exc}", field="template", source=where, line=line)


def _render(template: jinja2.Template, context: dict[str, Any]) -> str:
    try:
        return template.render(context)
    except Exception as exc:
        # Jinja2 rewrites the traceback so that template lines appear as frames of
        # the template file: the innermost such frame is where the template failed.
        where, line = template.filename or template.name or "template", None
        tb = exc.__traceback__
        templates = {t for t in (template.filename,) if t}
        while tb is not None:
            filename = tb.tb_frame.f_code.co_filename
            if filename in templates or filename.endswith(".j2"):
                where, line = filename, tb.tb_lineno
            tb = tb.tb_next
        if line is None and not _is_template_error(exc):
            raise
        raise InvalidInput(_template_problem(where, line, exc)) from None


def _is_template_error(exc: BaseException) -> bool:
    import jinja2

    return isinstance(exc, jinja2.TemplateError)


# --- rendering ------------------------------------------------------------------


def render_site(
    persons: Sequence[Person],
    *,
    public: bool,
    templates: Path | None,
    today: date | None = None,
) -> dict[str, str]:
    """Every page of the site: ``{"<id>.md": text, "index.md": text, "sources.md": text}``.

    Pure: the same persons give the same bytes. Raises ``InvalidInput`` (exit 4)
    for a missing or broken template, naming the template file and line.
    """
    return _render_pages(persons, environment(templates), public=public, today=today)


def _render_pages(
    persons: Sequence[Person],
    env: jinja2.Environment,
    *,
    public: bool,
    today: date | None,
    only: Collection[str] | None = None,
) -> dict[str, str]:
    """The pages named in ``only`` (default: all), each template compiled once."""
    person_page = _template(env, PERSON_TEMPLATE)
    index_page = _template(env, INDEX_TEMPLATE)
    sources_page = _template(env, SOURCES_TEMPLATE)
    with store.paused_gc():
        site = _Site(persons, public=public, today=today)
        pages = {}
        for p in site.persons:
            name = f"{p.id}.md"
            if only is None or name in only:
                pages[name] = _render(person_page, site.person_context(p))
        if only is None or INDEX_PAGE in only:
            pages[INDEX_PAGE] = _render(index_page, site.index_context())
        if only is None or SOURCES_PAGE in only:
            pages[SOURCES_PAGE] = _render(sources_page, site.sources_context())
    return pages


def render_page(
    persons: Sequence[Person],
    person_id: str,
    *,
    public: bool = False,
    templates: Path | None = None,
    today: date | None = None,
) -> str:
    """The page ``render_site`` would write for one person, rendering only that page."""
    name = f"{person_id}.md"
    pages = _render_pages(persons, environment(templates), public=public, today=today, only={name})
    if name not in pages:
        from dossier.errors import NotFound

        raise NotFound(f"no published person {person_id!r}")
    return pages[name]


# --- reading the database, writing the site ---------------------------------------


def load_persons(records: list[dict[str, Any]]) -> list[Person]:
    """Stored records as models: one batched validation with the collector paused."""
    from pydantic import ValidationError

    from dossier.models import persons_adapter, problems_from

    try:
        with store.paused_gc():
            return persons_adapter().validate_python(records)
    except ValidationError as exc:
        problems = problems_from(exc, source="database")
        raise StorageError(
            "the database holds a record that does not validate (see `dossier check`)",
            details=[f"  {p}" for p in problems[:20]],
        ) from None


@dataclass(frozen=True)
class PublishReport:
    written: int
    unchanged: int
    removed: int
    outdir: Path

    def summary(self) -> str:
        return (
            f"{self.written} pages written, {self.unchanged} unchanged, "
            f"{self.removed} removed → {self.outdir}"
        )


def publish(
    db: Path,
    outdir: Path,
    *,
    public: bool = False,
    templates: Path | None = None,
    today: date | None = None,
) -> PublishReport:
    """``dossier profiles``: bring ``outdir`` up to date with the database.

    Incremental: a cache beside the database (``<db>.profiles-cache.json``, as
    private as the database) remembers, per output folder, a digest of what each
    page was rendered from and the size and mtime of the file written. A page
    whose digest and file are unchanged is neither rendered nor read; when no
    page needs work, the records are not even validated. Every other page is
    rendered and written only if its bytes differ from the file's.
    """
    records = store.read(db).all()
    env = environment(templates)
    if today is None:
        today = _newest_update(records, public=public)
    digests = _digests(records, public=public, today=today, fingerprint=_fingerprint(env))
    cache_file = _cache_path(db)
    cache = _Cache.load(cache_file, outdir)
    on_disk = _scan(outdir)
    todo = {name for name, digest in digests.items() if not cache.fresh(name, digest, on_disk.get(name))}
    pages: dict[str, str] = {}
    if todo:
        pages = _render_pages(load_persons(records), env, public=public, today=today, only=todo)
    report = write_site(pages, outdir, keep=digests.keys(), existing=on_disk)
    cache.update(digests, _scan(outdir))
    cache.save(cache_file)
    return report


def _newest_update(records: list[dict[str, Any]], *, public: bool) -> date | None:
    """The reference date of the stale check: the newest ``updated`` of a published person."""
    from datetime import datetime

    stamps = [r["updated"] for r in records if r.get("updated") and not (public and r.get("restricted"))]
    return max(datetime.fromisoformat(s) for s in stamps).date() if stamps else None


def _fingerprint(env: jinja2.Environment) -> str:
    """Changes whenever the code or any template a page may use changes."""
    from dossier import __version__

    h = hashlib.blake2b(digest_size=16)
    h.update(__version__.encode())
    h.update(Path(__file__).read_bytes())
    for name in sorted(env.list_templates()):
        source, filename, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
        h.update(f"\0{name}\0{filename}\0".encode())
        h.update(source.encode())
    return h.hexdigest()


def _digests(
    records: list[dict[str, Any]], *, public: bool, today: date | None, fingerprint: str
) -> dict[str, str]:
    """Page name -> digest of every stored byte the page is rendered from.

    A person's page depends on its record, the records of its associates
    (names, existence, restriction), and the anchors of its sources; the index
    and the bibliography on every published record. Stored records are the
    canonical dump of valid models, so their JSON stands for the models.
    """
    import orjson

    published = [r for r in records if not (public and r.get("restricted"))]
    by_id = {r["id"]: r for r in records}
    confidential = sorted(
        {s["key"] for r in published for s in r.get("sources", ()) if s.get("confidential")}
    )
    anchors = {key: f"withheld_{n}" for n, key in enumerate(confidential, 1)} if public else {}
    secret = set(confidential)
    common = orjson.dumps([fingerprint, public, today.isoformat() if today else None])
    dumps, blake2b = orjson.dumps, hashlib.blake2b
    out = {}
    for r in published:
        associates = [by_id.get(a["id"]) for a in r.get("associates", ())]
        sources = [(s["key"], anchors.get(s["key"]), s["key"] in secret) for s in r.get("sources", ())]
        out[f"{r['id']}.md"] = blake2b(common + dumps([r, associates, sources]), digest_size=16).hexdigest()
    everything = blake2b(common + dumps(published), digest_size=16).hexdigest()
    out[INDEX_PAGE] = out[SOURCES_PAGE] = everything
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
    existing: Mapping[str, Any] | None = None,
) -> PublishReport:
    """Write ``pages`` whose bytes changed (atomically, 0644), leave identical files
    untouched, and remove stale pages of ours: a ``.md`` file that is neither in
    ``pages`` nor in ``keep`` and carries dossier's front matter. Other files stay."""
    from dossier.store import write_atomic

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
        write_atomic(path, data, mode=PAGE_MODE, durable=False)
        written += 1
    unchanged += len(set(keep) - pages.keys())
    for name in sorted(existing.keys() - pages.keys() - set(keep)):
        path = outdir / name
        if name.endswith(".md") and _ours(path):
            try:
                path.unlink()
            except OSError as exc:
                raise StorageError(f"{path}: cannot remove stale page: {exc.strerror or exc}") from None
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
        meta = yaml.safe_load(head[4 : end.start()].decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError):
        return False
    return isinstance(meta, dict) and meta.get("generator") == GENERATOR


def profile_page(db: Path, person: Person) -> str:
    """``show --format markdown``: exactly the page ``profiles`` writes (non-public)."""
    persons = load_persons(store.read(db).all())
    return render_page(persons, person.id or "", public=False)


def parse_today(value: str | None) -> date | None:
    """``--today YYYY-MM-DD`` for the stale-post check."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        from dossier.errors import UsageError

        raise UsageError(f"--today: not a date {value!r}: use YYYY-MM-DD") from None
