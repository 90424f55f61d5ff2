"""Check Mermaid diagram sources with the real Mermaid, in headless Chromium.

``render_all(sources)`` hands every source to ``tests/mermaid/render.mjs`` in
one subprocess (one browser for all of them) and returns one ``Result`` per
source: parsed or not, the SVG, and what that SVG became once put into a page.
``Result.problems()`` lists everything unsafe found in it.

It installs nothing. It needs, and fails loudly without: ``node``, Debian's
Chromium at /usr/bin/chromium (or $CHROMIUM) and ``npm ci`` run in
tests/mermaid (the versions of mermaid and playwright-core are pinned there).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent / "mermaid"
SCRIPT = HERE / "render.mjs"
INSTALL = (
    "apt-get update && apt-get install -y chromium  # Debian's Chromium at /usr/bin/chromium\n"
    "npm ci --prefix tests/mermaid --no-audit --no-fund --ignore-scripts"
)
TIMEOUT = 240  # seconds for one whole batch

# Elements a diagram of ours never needs; each one could fetch, navigate or run code.
FORBIDDEN_ELEMENTS = frozenset(
    {"script", "iframe", "object", "embed", "img", "image", "a", "form", "input", "button", "link",
     "meta", "base", "audio", "video", "source", "frame", "frameset", "portal", "animate", "set",
     "animatetransform", "animatemotion", "handler", "listener", "use"}
)


@dataclass(frozen=True)
class Result:
    """What Mermaid made of one source."""

    source: str
    ok: bool
    error: str | None
    svg: str | None
    text: str | None  # visible text of the SVG in the page (no <style>)
    scripts: int  # <script> elements in the page's DOM of the SVG
    handlers: tuple[str, ...]  # on* attributes there
    js_urls: tuple[str, ...]  # attributes holding javascript:/vbscript:/data:text/html
    executed: tuple[str, ...] = ()  # window.pwned() calls made in the whole run
    requests: tuple[str, ...] = ()  # URLs the page tried to load in the whole run
    config: dict[str, Any] = field(default_factory=dict)
    package: str = "mermaid"

    def problems(self) -> list[str]:
        """Everything unsafe in this result: empty when the SVG is inert."""
        out: list[str] = []
        if self.scripts:
            out.append(f"{self.scripts} <script> element(s) in the DOM")
        out += [f"event handler {h}" for h in self.handlers]
        out += [f"script URL {u}" for u in self.js_urls]
        out += [f"code ran: pwned({x})" for x in self.executed]
        out += [f"page requested {u}" for u in self.requests]
        if self.svg is not None:
            out += svg_problems(self.svg)
        return out


class _Scan(HTMLParser):
    """A second look at the SVG markup, independent of the browser's DOM."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in FORBIDDEN_ELEMENTS:
            self.problems.append(f"<{tag}> element in the SVG")
        self.in_style = tag == "style"
        for name, value in attrs:
            squeezed = "".join((value or "").split()).lower()
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...> in the SVG")
            if "javascript:" in squeezed or "vbscript:" in squeezed or "data:text/html" in squeezed:
                self.problems.append(f"<{tag} {name}={value!r}> in the SVG")
            if name in ("href", "xlink:href", "src") and not squeezed.startswith("#"):
                self.problems.append(f"<{tag} {name}={value!r}>: a link out of the SVG")
            if "url(" in squeezed and "url(#" not in squeezed:
                self.problems.append(f"<{tag} {name}={value!r}>: url() out of the SVG")

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self.in_style = False

    def handle_data(self, data: str) -> None:
        if self.in_style:
            squeezed = "".join(data.split()).lower()
            if "javascript:" in squeezed or "@import" in squeezed or "expression(" in squeezed:
                self.problems.append("script or import in a <style> of the SVG")


def svg_problems(svg: str) -> list[str]:
    scan = _Scan()
    scan.feed(svg)
    scan.close()
    return scan.problems


def missing_tools() -> list[str]:
    """What render_all needs and does not find, each with how to get it."""
    missing = []
    if shutil.which("node") is None:
        missing.append("node is not on PATH")
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not os.access(chromium, os.X_OK):
        missing.append(f"no Chromium at {chromium}")
    for package in ("mermaid", "mermaid-11", "playwright-core"):
        if not (HERE / "node_modules" / package / "package.json").is_file():
            missing.append(f"{package} is not installed in {HERE / 'node_modules'}")
    return missing


@dataclass(frozen=True)
class Diagram:
    """A source with its own Mermaid configuration and build, for render_all."""

    source: str
    config: dict[str, Any] = field(default_factory=dict)
    package: str = "mermaid"  # "mermaid" (12) or "mermaid-11", as pinned in tests/mermaid


def render_all(
    sources: Sequence[str | Diagram],
    *,
    config: dict[str, Any] | None = None,
    package: str = "mermaid",
) -> list[Result]:
    """Parse and render every source with Mermaid; one Result per source, in order.

    ``config`` is merged over the base configuration (securityLevel 'strict')
    and ``package`` picks the Mermaid build, for every plain string source; a
    ``Diagram`` brings its own. One browser renders them all. Raises
    RuntimeError when node, Chromium or the npm packages are missing, or when
    the renderer itself fails (not when a diagram does not parse).
    """
    missing = missing_tools()
    if missing:
        raise RuntimeError(
            "cannot run Mermaid: " + "; ".join(missing) + ". Install with:\n" + INSTALL
        )
    if not sources:
        return []
    diagrams = [s if isinstance(s, Diagram) else Diagram(s, config or {}, package) for s in sources]
    items = [{"source": d.source, "config": d.config, "package": d.package} for d in diagrams]
    proc = subprocess.run(
        ["node", str(SCRIPT)],
        input=json.dumps(items),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=TIMEOUT,
        cwd=HERE,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"render.mjs failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    out = json.loads(proc.stdout)
    results = out["results"]
    if len(results) != len(sources):
        raise RuntimeError(f"render.mjs returned {len(results)} results for {len(sources)} sources")
    executed = tuple(out.get("executed") or ())
    requests = tuple(out.get("requests") or ())
    return [
        Result(
            source=d.source,
            ok=bool(r["ok"]),
            error=r["error"],
            svg=r["svg"],
            text=r["text"],
            scripts=int(r["scripts"]),
            handlers=tuple(r["handlers"]),
            js_urls=tuple(r["js_urls"]),
            executed=executed,
            requests=requests,
            config=d.config,
            package=d.package,
        )
        for d, r in zip(diagrams, results, strict=True)
    ]


def mermaid_version(package: str = "mermaid") -> str:
    """The version of a pinned Mermaid build installed in tests/mermaid."""
    return str(json.loads((HERE / "node_modules" / package / "package.json").read_text())["version"])
