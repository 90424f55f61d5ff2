"""The MkDocs configuration of a profiles site (``profiles OUTDIR --site mkdocs``): pure text.

``OUTDIR/mkdocs.yml`` builds the pages in ``OUTDIR/docs/`` with MkDocs and the
Material theme (``pip install 'dossier[site]'``, then ``mkdocs build --strict``
in OUTDIR):

* Mermaid fences become diagrams through ``pymdownx.superfences`` (Material's
  documented Mermaid support); ``footnotes`` and ``tables`` read the pages'
  sources and index tables. Pages mark Persian text with inline
  ``<span lang="fa" dir="rtl">``, which needs no extension. Headings get anchors
  in their own script (``toc``'s ``slugify_unicode``): the default one drops every
  letter that is not Latin, so a Persian place of the index was ``#_1``.
* The navigation never lists every person in one flat list: the index, then
  the people grouped by the initial letter of their name, then the sources.
* The search plugin is on.
* MkDocs themes print navigation titles into HTML unescaped, so names there
  go through ``html_text`` (as the pages' front-matter titles do).

The file's first line marks it as dossier's: a ``mkdocs.yml`` without that line
was written by someone else, and ``profiles`` leaves it alone.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from dossier.publish.escape import html_text

CONFIG = "mkdocs.yml"
LOCAL = "mkdocs.local.yml"  # the site's own settings, kept across runs (``config``)
DOCS = "docs"
MARKER = "# generator: dossier"
OTHER = "Other"  # names that do not start with a Latin letter

_HEAD = """{marker} (`dossier profiles --site mkdocs` rewrites this file; remove this line to keep your own)
{inherit}site_name: {site_name}
docs_dir: {docs}
use_directory_urls: false
theme:
  name: material
  font: false
  features:
    - navigation.sections
    - search.suggest
    - search.highlight
plugins:
  - search
markdown_extensions:
  - toc:
      slugify: !!python/name:markdown.extensions.toc.slugify_unicode
  - footnotes
  - tables
  - pymdownx.superfences:
      custom_fences:
        - name: mermaid
          class: mermaid
          format: !!python/name:pymdownx.superfences.fence_code_format
nav:
  - Overview: index.md
"""


def initial(name: str) -> str:
    """The navigation group of a name: its first letter without accents, A-Z, else ``Other``."""
    first = unicodedata.normalize("NFKD", name.strip()[:1])[:1].upper()
    return first if "A" <= first <= "Z" else OTHER


def _scalar(text: str) -> str:
    # A JSON string is a YAML double-quoted scalar (json.dumps never writes "\/", which YAML 1.1 lacks).
    return json.dumps(text, ensure_ascii=False)


def config(persons: Iterable[Mapping[str, Any]], *, internal: bool, local: bool = False) -> str:
    """``mkdocs.yml`` for the published ``persons`` (already without the restricted ones in a
    public build): the same persons give the same bytes. With ``local``, it inherits
    ``LOCAL`` (a file of the site's own settings, such as ``extra_javascript``, that this
    one's keys override)."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for person in persons:
        groups.setdefault(initial(person["name"]), []).append(person)
    site_name = "Dossier (internal — not for publication)" if internal else "Dossier"
    inherit = f"INHERIT: {LOCAL}\n" if local else ""
    lines = [_HEAD.format(marker=MARKER, inherit=inherit, site_name=_scalar(site_name), docs=DOCS)]
    if groups:
        lines.append("  - People:\n")
    for letter in sorted(groups, key=lambda g: (g == OTHER, g)):
        lines.append(f"      - {letter}:\n")
        for person in sorted(groups[letter], key=lambda p: (p["name"].casefold(), p["id"])):
            title = _scalar(str(html_text(person["name"])))
            lines.append(f"          - {title}: {person['id']}.md\n")
    lines.append("  - Sources: sources.md\n")
    return "".join(lines)


def is_ours(text: str) -> bool:
    """Whether a ``mkdocs.yml`` was written by dossier (and may be rewritten)."""
    return text.startswith(MARKER)
