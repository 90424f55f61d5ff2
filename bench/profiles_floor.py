"""Plain-Python profile writer: the lower bound for `dossier profiles`.

    python bench/profiles_floor.py corpus.ndjson OUTDIR
    dossier export - --format ndjson | python bench/profiles_floor.py - OUTDIR

Reads persons (NDJSON, a JSON array or {"persons": [...]}), formats each one
with f-strings into a Markdown page (front matter, names, 1988 role, current
post, career, associates, narrative, numbered sources) and writes
OUTDIR/<id>.md, OUTDIR/index.md and OUTDIR/sources.md. Each page carries the
same Mermaid diagrams dossier's do, made by the same functions
(``dossier.publish.mermaid``: a career timeline and an associates graph per
person, the 1988 bodies on the index), so both sides do that work. No
validation, no templates, no atomic writes: whatever dossier adds on top of
this is its own cost. It escapes text the cheap way, because dossier must
escape too.
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Any

import orjson

from dossier.publish.mermaid import associates_graph, bodies_overview, career_timeline

# Characters that would let record text become markup or raw HTML.
_ESCAPE = str.maketrans({c: f"\\{c}" for c in "\\`*_[]<>#|"})


def esc(text: str | None) -> str:
    return "" if text is None else text.translate(_ESCAPE)


def read_persons(data: bytes) -> list[dict[str, Any]]:
    head = data.lstrip()[:1]
    if head == b"[":
        return orjson.loads(data)
    if head == b"{" and data.lstrip().startswith(b'{"persons"'):
        return orjson.loads(data)["persons"]
    return [orjson.loads(line) for line in data.splitlines() if line.strip()]


def notes(keys: list[str], numbers: dict[str, int]) -> str:
    if not keys:
        return " *(unsourced)*"
    return "".join(f"[^{numbers[k]}]" for k in keys if k in numbers)


def post_line(post: dict[str, Any], numbers: dict[str, int]) -> str:
    where = ", ".join(esc(post[f]) for f in ("organization", "place") if post.get(f))
    span = "–".join(post[f] for f in ("start", "end") if post.get(f))
    refs = notes(post.get("sources", []), numbers)
    return (
        f"{esc(post['title'])}{f', {where}' if where else ''}"
        f"{f' ({span})' if span else ''}"
        f" — confidence: {post.get('confidence', 'medium')}{refs}"
    )


def front_matter(p: dict[str, Any]) -> str:
    aliases = "".join(f"\n  - {orjson.dumps(a).decode()}" for a in p.get("aliases", []))
    tags = "".join(f"\n  - {orjson.dumps(t).decode()}" for t in p.get("tags", []))
    return (
        f"---\ntitle: {orjson.dumps(p['name']).decode()}\nid: {p['id']}\n"
        f"aliases:{aliases or ' []'}\ntags:{tags or ' []'}\n"
        f"updated: {p.get('updated', '')}\n---\n"
    )


def fence(diagram: str | None) -> str:
    return f"```mermaid\n{diagram}```\n\n" if diagram else ""


def render(p: dict[str, Any], by_id: dict[str, Any], linked: list[Any]) -> str:
    numbers = {s["key"]: i for i, s in enumerate(p.get("sources", []), 1)}
    role, current = p.get("role_1988"), p.get("current_post")
    if current:
        current_text = f"{post_line(current, numbers)} (as of {current.get('as_of', 'unknown')})"
    else:
        current_text = "Unknown"
    career = [f"- {post_line(q, numbers)}" for q in p.get("posts", [])]
    associates = [
        f"- [{esc(a['id'])}]({a['id']}.md) — {esc(a.get('relation'))}{notes(a.get('sources', []), numbers)}"
        for a in p.get("associates", [])
    ]
    sources = "\n".join(
        f"[^{numbers[s['key']]}]: {esc(s['title'])}, {esc(s.get('publisher'))}, "
        f"{s.get('published', 'n.d.')}. <{s['url']}>"
        for s in p.get("sources", [])
    )
    aliases = ", ".join(esc(a) for a in p.get("aliases", []))
    narrative = esc(p.get("narrative"))
    timeline, undrawn = career_timeline(p)
    not_drawn = "".join(f"- {esc(u['post']['title'])}: {u['reason']}\n" for u in undrawn)
    return (
        f"{front_matter(p)}\n# {esc(p['name'])}\n\n## Names\n\n"
        f"- Name: {esc(p['name'])}\n- Native name: {esc(p.get('native_name'))}\n"
        f"- Also spelled: {aliases}\n- Status: {p.get('status', 'unknown')}\n"
        f"- Born: {p.get('born') or 'unknown'}\n\n"
        f"## Position in 1988\n\n{post_line(role, numbers) if role else 'Unknown'}\n\n"
        f"## Current post\n\n{current_text}\n\n"
        f"## Timeline\n\n{fence(timeline)}{not_drawn}\n"
        f"## Career\n\n{chr(10).join(career) or '- None recorded'}\n\n"
        f"## Associates\n\n{fence(associates_graph(p, by_id, linked))}"
        f"{chr(10).join(associates) or '- None recorded'}\n\n"
        f"## Narrative\n\n{narrative}\n\n"
        f"## Sources\n\n{sources}\n"
    )


def index_page(persons: list[dict[str, Any]]) -> str:
    rows = "\n".join(f"- [{esc(p['name'])}]({p['id']}.md)" for p in persons)
    return f"---\ntitle: Index\n---\n\n# Persons\n\n{fence(bodies_overview(persons))}{rows}\n"


def sources_page(persons: list[dict[str, Any]]) -> str:
    by_key = {s["key"]: s for p in persons for s in p.get("sources", [])}
    rows = "\n".join(
        f"- **{esc(s['title'])}**, {esc(s.get('publisher'))}, {s.get('published', 'n.d.')}. <{s['url']}>"
        for _, s in sorted(by_key.items())
    )
    return f"---\ntitle: Sources\n---\n\n# Sources\n\n{rows}\n"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: profiles_floor.py INPUT|- OUTDIR", file=sys.stderr)
        return 2
    source, outdir = argv[0], Path(argv[1])
    data = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    gc.disable()  # bulk parse of many small objects: the collector only costs time
    try:
        persons = sorted(read_persons(data), key=lambda p: p["id"])
    finally:
        gc.enable()
    by_id = {p["id"]: p for p in persons}
    linked: dict[str, list[Any]] = {}
    for p in persons:
        for a in p.get("associates", []):
            linked.setdefault(a["id"], []).append((p, a))
    outdir.mkdir(parents=True, exist_ok=True)
    for p in persons:
        (outdir / f"{p['id']}.md").write_text(render(p, by_id, linked.get(p["id"], [])), encoding="utf-8")
    (outdir / "index.md").write_text(index_page(persons), encoding="utf-8")
    (outdir / "sources.md").write_text(sources_page(persons), encoding="utf-8")
    print(f"{len(persons)} pages -> {outdir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
