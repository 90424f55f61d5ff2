"""Record text made inert for Markdown pages and their front matter.

* Every string from a record goes through ``md_escape`` in the templates: ``<``,
  ``>``, ``&`` and ``~`` become entities (so no raw HTML, in any Markdown
  dialect), inline markup characters are backslash-escaped (so no links, images,
  emphasis, code, table cells or ``{{ }}`` for site generators that run a
  template language over pages), and block markers at a line start (``---``,
  ``#``, ``-``, ``1.``, indentation) are neutralised. Narratives are escaped
  too: they are shown as plain text with their paragraphs kept.
* Single-line text (names, titles, places, relations) goes through ``md_text``:
  ``md_escape``, then, when the text reads right to left (its first strong
  character is Persian or Arabic script), wrapped in ``<span lang="fa"
  dir="rtl">``, so browsers lay it out and screen readers speak it as Persian.
  The span is markup of ours around escaped text; record text never opens a tag.
* URLs go through ``md_url``: http/https only (validation already demands it;
  this is a second fence) and percent-encoded so they cannot end a Markdown link.
* Front matter is made by ``yaml.safe_dump`` (``front_matter``), so colons,
  quotes, ``---`` and Persian text stay data. Site themes print its values into
  HTML, some without escaping (MkDocs' own theme puts ``title`` raw into
  ``<title>``), so names and tags there go through ``html_text`` first.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

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
# What makes text need escaping: a character above anywhere, or a line-start marker at the
# start (two patterns: one alternation with anchors is tried at every position, 4x slower).
_NEEDS_ESCAPE = re.compile(r"[&<>~\\`*_\[\]{}#|\n]")
_STARTS_MARKED = re.compile(r"[\s+=-]|\d+[.)]")
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
        return _escape_text(value)  # type: ignore[arg-type,unused-ignore]  # a str: no isinstance, for speed
    return _escape_text("" if value is None else str(value))


@functools.lru_cache(maxsize=1 << 16)
def _escape_text(text: str) -> str:
    # Cached: titles, places, dates and relations repeat across a site.
    if not _NEEDS_ESCAPE.search(text) and not _STARTS_MARKED.match(text):
        return text
    text = text.translate(_INLINE)
    if "\n" in text:
        text = _LINE_INDENT.sub("", text)
    return _LINE_MARKER.sub(_line_marker, text)


_RTL_CLASSES = frozenset({"R", "AL"})
_STRONG = frozenset({"L", "R", "AL"})


def reads_rtl(text: str) -> bool:
    """Whether the first strong character of ``text`` is right-to-left (the Unicode bidi rule
    a browser applies to ``dir="auto"``)."""
    if text.isascii():
        return False
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in _STRONG:
            return kind in _RTL_CLASSES
    return False


@functools.lru_cache(maxsize=1 << 16)
def md_text(value: object) -> str:
    """One line of record text for a page: ``md_escape``d; Persian text marked as such."""
    text = "" if value is None else str(value)
    escaped = _escape_text(text)
    return f'<span lang="fa" dir="rtl">{escaped}</span>' if reads_rtl(text) else escaped


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
        return [v if v is None else str(v).translate(_HTML_TEXT) for v in value]
    return value if value is None else str(value).translate(_HTML_TEXT)


def front_matter(data: Mapping[str, Any]) -> str:
    """YAML for the page's front matter (keys in the template's order): ``yaml.safe_dump``'s
    resolver and emitter decide quoting, so any text stays data."""
    return _front_matter_emitter().dump(dict(data))


# A string any YAML emitter writes as it is (plain) as a key, a value or a list item of a
# block mapping (``_plain_scalar``): a letter, then letters, digits, single spaces and
# . , ' ( ) / _ - or ZWNJ, no space at the end, no character beyond the BMP (libyaml
# escapes those), and no word the resolver reads as a boolean or null.
_PLAIN_SCALAR = re.compile(r"[^\W\d_][\w.,'()/\u200c -]*")
_RESOLVED_WORDS = frozenset({"yes", "no", "true", "false", "on", "off", "null"})


def _plain_scalar(text: str) -> bool:
    return (_PLAIN_SCALAR.fullmatch(text) is not None and "  " not in text and text[-1] != " "
            and (text.isascii() or max(text) < "\U00010000") and text.lower() not in _RESOLVED_WORDS)
_SCALAR_MEMO_MAX = 1 << 14


class _FrontMatterEmitter:
    """``yaml.safe_dump`` of many small documents, made cheap.

    Front matter is a flat mapping of strings, lists of strings and nulls. Such
    a document is written line by line here: each string as it is when it is
    plain (``_PLAIN_SCALAR``: names, ids, tags), else as the emitter writes it
    in that place (asked once per string and remembered: timestamps repeat).
    Any other document goes to one libyaml emitter (when present), kept open
    and fed one document per page, its output taken after each document; its
    nodes are built directly (front matter has no shared objects, so no
    anchors to look for) and the resolver's quoting decision is memoized.
    Either way the output is byte for byte that of ``yaml.dump(data,
    Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False)``: safe_dump
    with libyaml's emitter (tests/test_profiles.py checks it on random documents).
    """

    def __init__(self) -> None:
        import io

        import yaml

        base = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        resolved: dict[tuple[str, Any], str] = {}

        class Dumper(base):  # type: ignore[misc, valid-type]
            def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
                if kind is not yaml.ScalarNode:
                    tag: str = super().resolve(kind, value, implicit)
                    return tag
                known = resolved.get((value, implicit))
                if known is None:
                    known = resolved[(value, implicit)] = super().resolve(kind, value, implicit)
                return known

        self.yaml = yaml
        self.tags = tuple(f"tag:yaml.org,2002:{t}" for t in ("str", "seq", "map"))
        self.stream = io.StringIO()
        self.dumper = Dumper(self.stream, allow_unicode=True, width=1_000_000)
        self.dumper.open()
        self.first = True
        self.scalars: dict[tuple[str, str], str | None] = {}

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
        lines = self._lines(data)
        return lines if lines is not None else self._emit(data)

    def _lines(self, data: dict[str, Any]) -> str | None:
        """The document written line by line, or None when it is not a flat mapping of strings,
        lists of strings and nulls, each written on one line."""
        out = []
        for key, value in data.items():
            k = self._scalar(key, "key")
            if k is None:
                return None
            if value is None:
                out.append(f"{k}: null\n")
            elif isinstance(value, str):
                v = self._scalar(value, "value")
                if v is None:
                    return None
                out.append(f"{k}: {v}\n")
            elif isinstance(value, list | tuple) and value:
                out.append(f"{k}:\n")
                for item in value:
                    v = self._scalar(item, "item") if isinstance(item, str) else None
                    if v is None:
                        return None
                    out.append(f"- {v}\n")
            elif isinstance(value, list | tuple):
                out.append(f"{k}: []\n")
            else:
                return None
        return "".join(out) if out else None

    def _scalar(self, text: Any, where: str) -> str | None:
        """How ``text`` is written as a key, a value or a list item; None: not on one line."""
        if not isinstance(text, str):
            return None
        # Remembered: the strings that are not plain, and keys (a template writes the same few).
        known = self.scalars.get((text, where), "")
        if known != "":
            return known
        if _plain_scalar(text):
            if where == "key":
                self._remember((text, where), text)
            return text
        if where == "key":
            line, prefix, suffix = self._emit({text: None}), "", ": null\n"
        elif where == "value":
            line, prefix, suffix = self._emit({"k": text}), "k: ", "\n"
        else:
            line, prefix, suffix = self._emit({"k": [text]}), "k:\n- ", "\n"
        written = line[len(prefix):-len(suffix)]
        ok = line.startswith(prefix) and line.endswith(suffix) and "\n" not in written and written[:2] != "? "
        self._remember((text, where), written if ok else None)
        return written if ok else None

    def _remember(self, key: tuple[str, str], written: str | None) -> None:
        if len(self.scalars) >= _SCALAR_MEMO_MAX:
            self.scalars.clear()
        self.scalars[key] = written

    def _emit(self, data: dict[str, Any]) -> str:
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
