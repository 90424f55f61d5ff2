"""The profile site, rendered: stored records in, ``{file name: text}`` out (SPEC §5).

``render_site`` is pure. It works out everything a page needs from the whole
database once (who is published, footnote numbers, which source is withheld,
which current post needs confirming on ``today``, the Mermaid diagrams) and
hands it to Jinja2 templates, which decide what a page looks like. Reading the
database and writing the pages is ``dossier.api.publishing``'s job.

Records are the stored dicts (the canonical dump of valid ``Person`` models):
templates read their keys as attributes (``person.name``). ``fit_records``
says when the stored dicts can be rendered as they are and validates them
when they cannot.

Safe by default: unless ``internal``, restricted persons are dropped everywhere
(pages, index, diagrams, the associates of others, the bibliography's citing
lists) and confidential sources are withheld entirely: no title, URL,
publisher, author, note, date or key reaches the output; they get neutral
anchors ``withheld_N`` (a key is a slug and cannot contain ``_``, so no real
key collides), one per person citing them (``withheld_anchors``). Persons are
redacted before any template sees them, so a custom template cannot leak. An
``internal`` build shows everything, and every page of it is marked by the
renderer itself (``internal: true`` in the front matter and a banner at the
top), whatever the templates say.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dossier.errors import InvalidInput, NotFound, Problem, StorageError
from dossier.model import rules
from dossier.model.bulk import paused_gc
from dossier.publish import mermaid
from dossier.publish.escape import front_matter, html_text, md_escape, md_text, md_url
from dossier.publish.lines import Footnote, dated, footnote, post_brief, post_line

if TYPE_CHECKING:
    import jinja2

Record = dict[str, Any]

PERSON_TEMPLATE = "person.md.j2"
INDEX_TEMPLATE = "index.md.j2"
SOURCES_TEMPLATE = "sources.md.j2"
INDEX_PAGE = "index.md"
SOURCES_PAGE = "sources.md"
INTERNAL_BANNER = (
    "> **Internal — not for publication.** This page may name restricted persons "
    "and cite confidential sources.\n"
)


def template_dir() -> Path:
    """The packaged templates (``dossier/templates`` in a wheel), else the checkout's ``templates/``."""
    package = Path(__file__).resolve().parent.parent
    packaged = package / "templates"
    if packaged.is_dir():
        return packaged
    return package.parent / "templates"


# --- the site model -------------------------------------------------------------


@dataclass(frozen=True)
class Linked:
    """An associate claim and the person at its other end (None: no page to link)."""

    associate: Record
    person: Record | None


@dataclass
class _Bibliography:
    source: Record
    anchor: str
    confidential: bool
    cited_by: list[Record] = field(default_factory=list)


def _sort_key(post: Record) -> tuple[int, str, str]:
    start = post["start"] or post["end"]
    return (0, start, post["end"] or "") if start else (1, "", "")


def _by_name(person: Record) -> tuple[str, str]:
    return (person["name"].casefold(), person["id"])


class _Site:
    """What every page needs from the whole database, worked out once.

    In a public run the persons handed to templates are already redacted:
    restricted persons are gone (and so are associate claims pointing at them),
    and every confidential source is replaced by a stub whose key is its neutral
    anchor, so not even a custom template can print what must be withheld.
    """

    def __init__(self, records: Iterable[Record], *, internal: bool, today: date | None) -> None:
        ordered = sorted(records, key=lambda r: r["id"])
        self.internal = internal
        published = rules.published(ordered, redact=not internal)
        for reserved in (INDEX_PAGE, SOURCES_PAGE):
            stem = reserved.removesuffix(".md")
            if any(p["id"] == stem for p in published):
                raise InvalidInput(
                    Problem(
                        f"a person's page would overwrite {reserved}; give the person another id",
                        field="id",
                        source=stem,
                    )
                )
        self.today = rules.today(today)
        self._stale: dict[str | None, rules.Staleness | None] = {}
        # A key that is confidential in any copy is confidential everywhere.
        confidential = {s["key"] for p in published for s in p["sources"] if s["confidential"]}
        self.withheld: dict[tuple[str, str], str] = {}
        if not internal:
            self.withheld = withheld_anchors(published)
            hidden = {r["id"] for r in ordered if r.get("restricted")}
            published = [self._redact(p, hidden) for p in published]
        self.persons: list[Record] = published
        self.by_id = {p["id"]: p for p in published}
        self.linked_from: dict[str, list[tuple[Record, Record]]] = {}
        for person in published:
            for assoc in person["associates"]:
                self.linked_from.setdefault(assoc["id"], []).append((person, assoc))
        self.bibliography = self._bibliography(confidential | set(self.withheld.values()))

    def _redact(self, person: Record, hidden: set[str]) -> Record:
        # Its anchors, looked up by its own sources (not by going through every anchor).
        pid, withheld = person["id"], self.withheld
        anchors = {s["key"]: withheld[pid, s["key"]] for s in person["sources"]
                   if (pid, s["key"]) in withheld}
        if not anchors and not any(a["id"] in hidden for a in person["associates"]):
            return person

        def keys(cited: list[str]) -> list[str]:
            return [anchors.get(k, k) for k in cited]

        def post(p: Record | None) -> Record | None:
            return None if p is None else {**p, "sources": keys(p["sources"])}

        return {
            **person,
            "role_1988": post(person["role_1988"]),
            "current_post": post(person["current_post"]),
            "posts": [post(p) for p in person["posts"]],
            "associates": [
                {**a, "sources": keys(a["sources"])} for a in person["associates"] if a["id"] not in hidden
            ],
            "sources": [
                withheld_source(anchors[s["key"]]) if s["key"] in anchors else s for s in person["sources"]
            ],
        }

    def _bibliography(self, confidential: set[str]) -> dict[str, _Bibliography]:
        # One entry per key: the copy of the first citing person in id order.
        entries: dict[str, _Bibliography] = {}
        for person in self.persons:
            for src in person["sources"]:
                entry = entries.get(src["key"])
                if entry is None:
                    entry = entries[src["key"]] = _Bibliography(src, src["key"], src["key"] in confidential)
                entry.cited_by.append(person)
        return entries

    def person_context(self, person: Record) -> dict[str, Any]:
        timeline = sorted(person["posts"], key=_sort_key)
        associates = [Linked(a, self.by_id.get(a["id"])) for a in person["associates"]]
        incoming = self.linked_from.get(person["id"], [])
        named_by = [Linked(a, src) for src, a in sorted(incoming, key=lambda pair: _by_name(pair[0]))]
        # Footnotes are numbered in reading order of the claims, then the rest. A link from
        # another record is a claim about this person too: it cites that record's sources,
        # which this page lists beside its own.
        notes: dict[str, int] = {}
        cited = [person["role_1988"], person["current_post"], *timeline, *person["associates"],
                 *(link.associate for link in named_by)]
        for claim in cited:
            if claim is not None:
                for key in claim["sources"]:
                    notes.setdefault(key, len(notes) + 1)
        cited_count = len(notes)
        for src in person["sources"]:
            notes.setdefault(src["key"], len(notes) + 1)
        copies = {s["key"]: s for src, _ in incoming for s in src["sources"]}
        copies.update((s["key"], s) for s in person["sources"])  # (its own copy first)
        footnotes = []
        for key, number in notes.items():
            entry = self.bibliography[key]
            withheld = not self.internal and entry.confidential
            footnotes.append(Footnote(number, key, entry.anchor, None if withheld else copies[key],
                                      entry.confidential, cited=number <= cited_count))
        why = self._staleness(person["current_post"])
        # No "today" for the timeline: a current post without an as-of date is drawn over
        # its start, not up to the day of the build, so a page changes only with its record.
        career_diagram, undrawn = mermaid.career_timeline(person)
        return {
            "person": person,
            "public": not self.internal,
            "internal": self.internal,
            "today": self.today.isoformat() if self.today else None,
            "updated": person["updated"],
            "notes": notes,
            "footnotes": footnotes,
            "timeline": timeline,
            "associates": associates,
            "named_by": named_by,
            "career_diagram": career_diagram,
            "undrawn": undrawn,
            "associates_diagram": mermaid.associates_graph(person, self.by_id, incoming),
            "stale": why == "stale",
            "undated": why == "undated",
            "deceased": person["status"] == "deceased" or person["died"] is not None,
        }

    def _staleness(self, current: Record | None) -> rules.Staleness | None:
        """``rules.staleness`` of a current post, once per as-of date (dates repeat)."""
        if current is None:
            return None
        as_of = current["as_of"]
        if as_of not in self._stale:
            self._stale[as_of] = rules.staleness(current, self.today)
        return self._stale[as_of]

    def index_context(self) -> dict[str, Any]:
        groups: dict[tuple[int, str], list[Record]] = {}
        for person in self.persons:
            groups.setdefault(_group(person), []).append(person)
        ordered = []
        for (rank, label), members in sorted(groups.items(), key=lambda g: (g[0][0], g[0][1].casefold())):
            members.sort(key=_by_name)
            ordered.append({"label": label, "recorded": rank == 0, "persons": members})
        return {"public": not self.internal, "internal": self.internal, "today": self._today_text(),
                "groups": ordered, "count": len(self.persons), "marks": self._marks(),
                "bodies_diagram": mermaid.bodies_overview(self.persons)}

    def _marks(self) -> dict[str, tuple[str, str]]:
        """What the index says after each person's 1988 position and current post that their
        page says too: no source; not confirmed for two years, or never (a table cell that
        showed them bare stated them as facts)."""
        out = {}
        for person in self.persons:
            role, current = person["role_1988"], person["current_post"]
            after_current = "" if not current or current["sources"] else " · **unsourced**"
            why = self._staleness(current)
            if why is not None:
                after_current += " · possibly out of date" if why == "stale" else " · unconfirmed"
            out[person["id"]] = ("" if not role or role["sources"] else " · **unsourced**", after_current)
        return out

    def sources_context(self) -> dict[str, Any]:
        hide = not self.internal
        shown = [e for e in self.bibliography.values() if not (hide and e.confidential)]
        shown.sort(key=lambda e: (e.source["title"].casefold(), e.source["key"]))
        withheld = [e for e in self.bibliography.values() if hide and e.confidential]
        withheld.sort(key=lambda e: int(e.anchor.rsplit("_", 1)[1]))
        for entry in self.bibliography.values():
            entry.cited_by.sort(key=_by_name)
        return {"public": hide, "internal": self.internal, "sources": shown, "withheld": withheld}

    def _today_text(self) -> str | None:
        return self.today.isoformat() if self.today else None


def withheld_anchors(persons: Iterable[Record]) -> dict[tuple[str, str], str]:
    """``(person id, source key) -> withheld_N`` for each confidential source each person
    cites, numbered by person, then key: one anchor per person, so that a reader cannot tell
    that two persons cite the same withheld source (one witness about both, say)."""
    persons = list(persons)
    confidential = {s["key"] for p in persons for s in p.get("sources") or () if s.get("confidential")}
    cited = sorted({(p["id"], s["key"]) for p in persons for s in p.get("sources") or ()
                    if s["key"] in confidential})
    return {pair: f"withheld_{n}" for n, pair in enumerate(cited, 1)}


def withheld_source(anchor: str) -> Record:
    """What a public run knows of a confidential source: that it exists, and its anchor."""
    return {"key": anchor, "title": "Withheld", "publisher": None, "author": None, "url": None,
            "published": None, "accessed": None, "archive_url": None, "sha256": None, "kind": "other",
            "confidential": True, "note": None}


def _group(person: Record) -> tuple[int, str]:
    """Index group: where the person served in 1988 (place, else body); unknown ones last."""
    role = person["role_1988"]
    if role is None:
        return (2, "No position in 1988 recorded")
    if role["place"]:
        return (0, role["place"])
    if role["organization"]:
        return (0, role["organization"])
    return (1, "Place not recorded")


def mark_internal(page: str) -> str:
    """``page`` marked as part of an internal build: ``internal: true`` in its front matter
    (front matter is added if the template wrote none) and the banner right after it."""
    head, body = "---\n", page
    if page.startswith("---\n"):
        end = page.find("\n---\n", 3)
        if end >= 0:
            head, body = page[: end + 1], page[end + 5 :].removeprefix("\n")
    return f"{head}internal: true\n---\n\n{INTERNAL_BANNER}\n{body}"


# --- templates ----------------------------------------------------------------


@functools.cache
def _environment_class() -> type[jinja2.Environment]:
    import jinja2

    class RecordEnvironment(jinja2.Environment):
        """Reads a stored record's keys as attributes (``person.name``) without first trying,
        and failing, an attribute lookup for every one (an exception each)."""

        def getattr(self, obj: Any, attribute: str) -> Any:
            if obj.__class__ is dict:
                try:
                    return obj[attribute]
                except KeyError:
                    pass  # a dict method (``.get``), or undefined
            return super().getattr(obj, attribute)

    return RecordEnvironment


def environment(templates: Path | None = None) -> jinja2.Environment:
    """Templates from ``templates`` first, then the packaged ones; strict, no autoescape."""
    import jinja2

    dirs = [str(templates)] if templates is not None else []
    dirs.append(str(template_dir()))
    env = _environment_class()(
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(d) for d in dirs]),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # Markdown, not HTML: escaping is md_escape's job, in the template
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update(md_escape=md_escape, md_text=md_text, md_url=md_url, html_text=html_text,
                       front_matter=front_matter, post_line=post_line, post_brief=post_brief, dated=dated,
                       footnote=footnote)
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
    except UnicodeDecodeError as exc:
        raise not_utf8(env, name, exc) from None


def not_utf8(env: jinja2.Environment, name: str, exc: UnicodeDecodeError) -> InvalidInput:
    """The error of a template file that is not UTF-8, naming the file."""
    found = next((str(Path(d) / name) for d in _search_path(env) if (Path(d) / name).is_file()), name)
    where = f"byte 0x{exc.object[exc.start]:02x} at offset {exc.start}"
    return InvalidInput(Problem(f"not valid UTF-8 ({where}); save it as UTF-8", field="template",
                                source=found))


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
    records: Sequence[Record],
    *,
    internal: bool = False,
    templates: Path | None = None,
    today: date | None = None,
) -> dict[str, str]:
    """Every page of the site: ``{"<id>.md": text, "index.md": text, "sources.md": text}``.

    ``records`` are stored records fit to render (``fit_records``). Pure: the
    same records give the same bytes. Raises ``InvalidInput`` (exit 4) for a
    missing or broken template, naming the template file and line.
    """
    return render_pages(records, environment(templates), internal=internal, today=today)


def render_pages(
    records: Sequence[Record],
    env: jinja2.Environment,
    *,
    internal: bool,
    today: date | None,
    only: Collection[str] | None = None,
) -> dict[str, str]:
    """The pages named in ``only`` (default: all), each template compiled once."""
    person_page = _template(env, PERSON_TEMPLATE)
    index_page = _template(env, INDEX_TEMPLATE)
    sources_page = _template(env, SOURCES_TEMPLATE)
    with paused_gc():
        site = _Site(records, internal=internal, today=today)
        pages = {}
        for p in site.persons:
            name = f"{p['id']}.md"
            if only is None or name in only:
                pages[name] = _render(person_page, site.person_context(p))
        if only is None or INDEX_PAGE in only:
            pages[INDEX_PAGE] = _render(index_page, site.index_context())
        if only is None or SOURCES_PAGE in only:
            pages[SOURCES_PAGE] = _render(sources_page, site.sources_context())
    if internal:
        pages = {name: mark_internal(text) for name, text in pages.items()}
    return pages


def render_page(
    records: Sequence[Record],
    person_id: str,
    *,
    internal: bool = False,
    templates: Path | None = None,
    today: date | None = None,
) -> str:
    """The page ``render_site`` would write for one person, rendering only that page."""
    name = f"{person_id}.md"
    pages = render_pages(records, environment(templates), internal=internal, today=today, only={name})
    if name not in pages:
        raise NotFound(f"no published person {person_id!r}")
    return pages[name]


def fit_records(records: Sequence[Record], *, trusted: bool) -> Sequence[Record]:
    """Stored records ready to render.

    As they are when the store vouches for them (``Snapshot.trusted``: every
    record was validated when written and the file is exactly what dossier
    wrote) and each holds every field of the record model; else validated now,
    in one batch with the collector paused, and dumped back to the canonical
    form (which fills fields an older version did not write).
    """
    if trusted and all(r.keys() >= rules.PERSON_FIELDS for r in records):
        return records
    from dossier.model.person import dump, validate_many

    with paused_gc():
        persons, problems = validate_many(records)
        if not problems:
            return [dump(p) for p in persons]
    found = [replace(p, source=f"database: {records[i].get('id')}")
             for i, located in problems.items() for p in located]
    raise StorageError(
        "the database holds a record that does not validate (see `dossier check`)",
        details=[f"  {p}" for p in found[:20]],
    )


