"""The profile site, rendered: persons in, ``{file name: text}`` out (SPEC §5).

``render_site`` is pure. It works out everything a page needs from the whole
database once (who is published, footnote numbers, which source is withheld,
which current post needs confirming on ``today``) and hands it to Jinja2
templates, which decide what a page looks like. Reading the database and
writing the pages is ``dossier.api.publishing``'s job.

``public=True`` drops restricted persons everywhere (pages, index, the
associates of others, the bibliography's citing lists) and withholds
confidential sources entirely: no title, URL, publisher, author, note, date or
key reaches the output; they get neutral anchors ``withheld_N`` (a key is a
slug and cannot contain ``_``, so no real key collides). Persons are redacted
before any template sees them, so a custom template cannot leak.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dossier.errors import InvalidInput, NotFound, Problem, StorageError
from dossier.model import rules
from dossier.model.bulk import paused_gc
from dossier.publish.escape import front_matter, html_text, md_escape, md_url

if TYPE_CHECKING:
    import jinja2

    from dossier.model.person import Person, Post, Source

PERSON_TEMPLATE = "person.md.j2"
INDEX_TEMPLATE = "index.md.j2"
SOURCES_TEMPLATE = "sources.md.j2"
INDEX_PAGE = "index.md"
SOURCES_PAGE = "sources.md"


def template_dir() -> Path:
    """The packaged templates (``dossier/templates`` in a wheel), else the checkout's ``templates/``."""
    package = Path(__file__).resolve().parent.parent
    packaged = package / "templates"
    if packaged.is_dir():
        return packaged
    return package.parent / "templates"


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
        self.today = rules.today(today)
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
        why = rules.staleness({"as_of": current.as_of}, self.today) if current else None
        return {
            "person": person,
            "public": self.public,
            "today": self.today.isoformat() if self.today else None,
            "updated": _timestamp(person),
            "notes": notes,
            "footnotes": footnotes,
            "timeline": timeline,
            "associates": associates,
            "stale": why == "stale",
            "undated": why == "undated",
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
    from dossier.model.person import Source

    return Source.model_construct(key=anchor, title="Withheld", kind="other", confidential=True)


def _timestamp(person: Person) -> str | None:
    return None if person.updated is None else rules.stamp(person.updated)


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
    return render_pages(persons, environment(templates), public=public, today=today)


def render_pages(
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
    with paused_gc():
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
    pages = render_pages(persons, environment(templates), public=public, today=today, only={name})
    if name not in pages:
        raise NotFound(f"no published person {person_id!r}")
    return pages[name]



def load_persons(records: Sequence[dict[str, Any]]) -> list[Person]:
    """Stored records as models: one batched validation with the collector paused."""
    from dossier.model.person import validate_many

    with paused_gc():
        persons, problems = validate_many(records)
    if problems:
        found = [replace(p, source=f"database: {records[i].get('id')}")
                 for i, located in problems.items() for p in located]
        raise StorageError(
            "the database holds a record that does not validate (see `dossier check`)",
            details=[f"  {p}" for p in found[:20]],
        )
    return persons
