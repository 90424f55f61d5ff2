"""The published site as a whole (issue 19): safe by default, internal builds marked on every
page, every Mermaid block checked by Mermaid itself, and an MkDocs site that builds.

The Mermaid checks need node, Chromium and `npm ci` in tests/mermaid, and fail without them
(see tests/mermaid_check.py); the MkDocs build needs the `site` extra (in the `test` extra).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from dossier.errors import InvalidInput
from dossier.model.person import validate_person

sys.path.insert(0, str(Path(__file__).parent))
from mermaid_check import Diagram, render_all
from test_mermaid import HOSTILE

REPO = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"```mermaid\n(.*?)```", re.DOTALL)

# Strings planted where only an internal build may show them; plain letters, so no escaping
# can change how they look in any output.
SECRET = {
    "restricted name": "Zorvanmarker Restricted",
    "restricted native name": "زروانمارکر",
    "restricted narrative": "Narrativemarker of a restricted person",
    "restricted relation": "Relationmarker informant",
    "restricted post": "Postmarker warden",
    "restricted place": "Placemarker",
    "restricted tag": "tagmarker",
    "confidential title": "Titlemarker witness statement",
    "confidential note": "Notemarker identity known",
    "confidential author": "Authormarker",
    "confidential publisher": "Publishermarker",
    "confidential url": "https://example.org/urlmarker",
    "confidential key": "keymarker-witness",
    "restricted id": "zorvan-restricted",
}


def secret_database() -> list[dict[str, Any]]:
    """Fictional persons: two public, one restricted linked both ways, a confidential source."""
    confidential = {"key": SECRET["confidential key"], "title": SECRET["confidential title"],
                    "note": SECRET["confidential note"], "author": SECRET["confidential author"],
                    "publisher": SECRET["confidential publisher"], "url": SECRET["confidential url"],
                    "kind": "testimony", "confidential": True}
    public_source = {"key": "example-report", "title": "Example report", "url": "https://example.org/r"}
    return [
        {"id": "kaveh-nadiri", "name": "Kaveh Nadiri", "native_name": "کاوه نادری",
         "role_1988": {"title": "Prosecutor", "place": "Tabriz", "start": "1988-07",
                       "sources": ["example-report", SECRET["confidential key"]]},
         "associates": [{"id": SECRET["restricted id"], "relation": SECRET["restricted relation"]},
                        {"id": "dariush-fakeri", "relation": "fellow member"}],
         "sources": [public_source, confidential]},
        {"id": "dariush-fakeri", "name": "Dariush Fakeri",
         "role_1988": {"title": "Judge", "place": "Tabriz", "sources": ["example-report"]},
         "sources": [public_source]},
        {"id": SECRET["restricted id"], "name": SECRET["restricted name"],
         "native_name": SECRET["restricted native name"], "restricted": True,
         "narrative": SECRET["restricted narrative"], "tags": [SECRET["restricted tag"]],
         "role_1988": {"title": SECRET["restricted post"], "place": SECRET["restricted place"],
                       "start": "1988"},
         "posts": [{"title": SECRET["restricted post"], "start": "1990"}],
         "associates": [{"id": "kaveh-nadiri", "relation": SECRET["restricted relation"]}]},
    ]


def import_records(run, tmp_path: Path, records: list[dict[str, Any]]) -> None:
    path = tmp_path / "in.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    res = run("import", str(path))
    assert res.code == 0, res


def every_byte(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def pages(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.md"))}


# --- safe by default ------------------------------------------------------------------


@pytest.mark.parametrize("options", [[], ["--public"], ["--site", "mkdocs"]])
def test_default_output_holds_no_restricted_person_and_no_confidential_source(
    run, tmp_path: Path, options: list[str]
) -> None:
    import_records(run, tmp_path, secret_database())
    out = tmp_path / "out"
    res = run("profiles", str(out), *options)
    assert res.code == 0, res
    blob = every_byte(out)
    assert b"Kaveh Nadiri" in blob  # the site is there, with diagrams
    assert b"```mermaid" in blob
    for what, marker in SECRET.items():
        assert marker.encode() not in blob, what
    assert b"internal: true" not in blob
    assert b"not for publication" not in blob
    assert b"Withheld" in blob  # the confidential source is there as withheld, and nothing more
    # An internal build of the same database shows everything (the markers would be found).
    full = tmp_path / "full"
    site = ["--site", "mkdocs"] if "--site" in options else []
    assert run("profiles", str(full), "--internal", *site).code == 0
    full_blob = every_byte(full)
    for what, marker in SECRET.items():
        assert marker.encode() in full_blob, what


@pytest.mark.parametrize("fmt", ["ftm", "popolo"])
def test_publication_exports_are_redacted_by_default(run, tmp_path: Path, fmt: str) -> None:
    import_records(run, tmp_path, secret_database())
    res = run("export", "-", "--format", fmt)
    assert res.code == 0, res
    assert "Kaveh Nadiri" in res.stdout
    for what, marker in SECRET.items():
        assert marker not in res.stdout, what
    full = run("export", "-", "--format", fmt, "--internal")
    assert full.code == 0, full
    assert SECRET["restricted name"] in full.stdout
    assert SECRET["confidential title"] in full.stdout


def test_export_internal_is_for_publication_formats_only(run, tmp_path: Path) -> None:
    import_records(run, tmp_path, secret_database())
    res = run("export", "-", "--format", "json", "--internal")
    assert res.code == 2
    assert "--internal" in res.stderr


@pytest.mark.parametrize("options", [[], ["--site", "mkdocs"]])
def test_every_page_of_an_internal_build_is_marked(run, tmp_path: Path, options: list[str]) -> None:
    import_records(run, tmp_path, secret_database())
    out = tmp_path / "out"
    assert run("profiles", str(out), "--internal", *options).code == 0
    built = pages(out / "docs" if options else out)
    assert set(built) == {"index.md", "sources.md", "kaveh-nadiri.md", "dariush-fakeri.md",
                          f"{SECRET['restricted id']}.md"}
    for name, text in built.items():
        meta, body = text[4:].split("\n---\n", 1)
        assert yaml.safe_load(meta)["internal"] is True, name
        assert body.startswith("\n> **Internal — not for publication.**"), name
    if options:
        assert "internal" in (out / "mkdocs.yml").read_text(encoding="utf-8")


def test_internal_marking_does_not_depend_on_the_templates(run, tmp_path: Path) -> None:
    import_records(run, tmp_path, secret_database())
    custom = tmp_path / "tpl"
    custom.mkdir()
    (custom / "person.md.j2").write_text("{{ person.name|md_text }}\n", encoding="utf-8")  # no front matter
    out = tmp_path / "out"
    assert run("profiles", str(out), "--internal", "--templates", str(custom)).code == 0
    page = (out / "kaveh-nadiri.md").read_text(encoding="utf-8")
    assert page.startswith("---\ninternal: true\n---\n\n> **Internal — not for publication.**")
    assert page.endswith("Kaveh Nadiri\n")


def test_public_and_internal_contradict(run, tmp_path: Path) -> None:
    res = run("profiles", str(tmp_path / "out"), "--public", "--internal")
    assert res.code == 2
    assert not (tmp_path / "out").exists()


def test_show_markdown_is_the_internal_page(run, tmp_path: Path) -> None:
    import_records(run, tmp_path, secret_database())
    res = run("show", "kaveh-nadiri", "--format", "markdown")
    assert res.code == 0, res
    assert "internal: true" in res.stdout
    assert SECRET["confidential title"] in res.stdout


# --- every Mermaid block, by Mermaid ---------------------------------------------------


def _valid(record: dict[str, Any]) -> bool:
    try:
        validate_person(record)
    except InvalidInput:
        return False
    return True


def hostile_database() -> list[dict[str, Any]]:
    """Fictional persons whose every text field holds hostile text (as much of it as the record
    model accepts in that field: a name takes no newline or zero-width space, a title no newline)."""
    records = []
    n = len(HOSTILE)
    for i, text in enumerate(HOSTILE):
        line = " ".join(text.split()) or "Kaveh post"
        name = next(c for c in (text, line, re.sub(r"[\u200b-\u200f\u2060\ufeff]", "", line),
                                f"Kaveh Nadiri {i}")
                    if _valid({"name": c}))
        post = {"title": line, "organization": line, "place": line, "sources": [f"src-{i}"]}
        record = {
            "id": f"hostile-{i}", "name": name, "native_name": name, "narrative": text, "tags": [line],
            "role_1988": {**post, "start": "1988-07", "end": "1988-09"},
            "current_post": {**post, "start": "2015", "as_of": "2024-03"},
            "posts": [{**post, "start": "1990", "end": "1999"}, {**post}],
            "associates": [{"id": f"hostile-{(i + 1) % n}", "relation": line}],
            "sources": [{"key": f"src-{i}", "title": line, "publisher": line, "author": line, "note": text,
                         "url": "https://example.org/a)<script>pwned(1)</script>("}],
        }
        assert _valid(record), text
        records.append(record)
    return records


def mermaid_blocks(folder: Path) -> list[str]:
    return [block for text in pages(folder).values() for block in FENCE.findall(text)]


def test_every_mermaid_block_of_the_sample_site_and_a_hostile_database_renders_inert(
    run, tmp_path: Path
) -> None:
    assert run("import", str(REPO / "records")).code == 0
    sample = tmp_path / "sample"
    assert run("profiles", str(sample)).code == 0
    (tmp_path / "hostile").mkdir()
    import_records(run, tmp_path / "hostile", hostile_database())
    hostile = tmp_path / "hostile-site"
    assert run("profiles", str(hostile), "--internal", "--site", "mkdocs").code == 0
    blocks = mermaid_blocks(sample) + mermaid_blocks(hostile / "docs")
    # Every sample person has a timeline; every hostile one a timeline and a graph; two indexes.
    assert len(blocks) >= len(list((REPO / "records").glob("*.yaml"))) - 2 + 2 * len(HOSTILE) + 2
    # Mermaid 12, and Mermaid 11 (what MkDocs Material and many sites load).
    results = render_all([Diagram(b, {}, package) for package in ("mermaid", "mermaid-11") for b in blocks])
    failed = [(r.package, r.error, r.source[:300]) for r in results if not r.ok]
    assert not failed, failed[:3]
    for r in results:
        assert r.svg is not None, r.source
        assert r.svg.lstrip().startswith("<svg"), r.source
        assert r.scripts == 0, r.source
        assert not r.problems(), (r.problems(), r.source)
    # The hostile site builds with MkDocs too, and no record text became markup there.
    build = mkdocs_build(hostile / "mkdocs.yml")
    assert build.returncode == 0, build.stdout + build.stderr
    for html_file in (hostile / "site").rglob("*.html"):
        text = html_file.read_text(encoding="utf-8")
        for markup in ("<script>pwned", "<img src=x", "<svg onload", '<a href="javascript:'):
            assert markup not in text, (html_file, markup)


# --- MkDocs ---------------------------------------------------------------------------


class _MkDocsLoader(yaml.SafeLoader):
    """YAML as MkDocs reads it: ``!!python/name:`` tags name Python objects (kept as text here)."""


_MkDocsLoader.add_multi_constructor("tag:yaml.org,2002:python/name:", lambda _l, suffix, _n: suffix)


def mkdocs_build(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config)],
                          capture_output=True, text=True, timeout=300,
                          env={"PATH": str(Path(sys.executable).parent), "NO_MKDOCS_2_WARNING": "1"})


def test_mkdocs_builds_the_sample_site_strictly(run, tmp_path: Path) -> None:
    assert run("import", str(REPO / "records")).code == 0
    # A person with a Persian name and a hostile one, to see what the theme makes of them.
    import_records(run, tmp_path, [
        {"id": "kaveh-nadiri", "name": "Kaveh Nadiri", "native_name": "کاوه نادری"},
        {"id": "hostile-name", "name": "<img src=x onerror=pwned(1)> & \"Dariush\""},
        {"id": "bahram-sadeghi", "name": "Bahram Sadeghi",
         "role_1988": {"title": "Prosecutor", "place": "شهر نمونه"}},
    ])
    out = tmp_path / "sample-site"
    res = run("profiles", str(out), "--site", "mkdocs")
    assert res.code == 0, res
    assert "mkdocs.yml written" in res.stderr
    build = mkdocs_build(out / "mkdocs.yml")
    assert build.returncode == 0, build.stdout + build.stderr
    config = yaml.load((out / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_MkDocsLoader)
    assert "search" in config["plugins"]
    nav = config["nav"]
    assert [next(iter(item)) for item in nav] == ["Overview", "People", "Sources"]
    letters = nav[1]["People"]
    persons = [entry for group in letters for entry in next(iter(group.values()))]
    assert len(persons) == len(list((out / "docs").glob("*.md"))) - 2  # every person, once
    assert len(letters) > 1
    assert all(len(next(iter(g.values()))) < len(persons) for g in letters)
    assert "naser.md" not in json.dumps(nav)  # restricted
    site = out / "site"
    assert (site / "search" / "search_index.json").is_file()
    # Pages link to pages, not folders, so that the site opens from the disk too; and no font
    # is fetched from a third party, which would learn who reads the site.
    kaveh = (site / "kaveh-nadiri.html").read_text(encoding="utf-8")
    assert '<span lang="fa" dir="rtl">کاوه نادری</span>' in kaveh
    assert 'href="sources.html' in kaveh
    # A heading in Persian (a place of the index) gets an anchor in its own words, not "_1".
    index = (site / "index.html").read_text(encoding="utf-8")
    assert 'id="شهر-نمونه"' in index
    assert 'id="_1"' not in index
    raisi = (site / "ebrahim-raisi.html").read_text(encoding="utf-8")
    assert "fonts.googleapis.com" not in kaveh + raisi
    assert '<pre class="mermaid"><code>gantt' in raisi
    for html_file in site.rglob("*.html"):
        assert "<img src=x" not in html_file.read_text(encoding="utf-8"), html_file
    # Nothing changed: the next run rewrites nothing, mkdocs.yml included.
    again = run("profiles", str(out), "--site", "mkdocs")
    assert again.stderr.startswith("0 pages written"), again
    assert "mkdocs.yml unchanged" in again.stderr, again


def test_a_mkdocs_yml_of_someone_else_is_left_alone(run, tmp_path: Path) -> None:
    import_records(run, tmp_path, secret_database())
    out = tmp_path / "site"
    out.mkdir()
    (out / "mkdocs.yml").write_text("site_name: Our own\n", encoding="utf-8")
    res = run("profiles", str(out), "--site", "mkdocs")
    assert res.code == 0, res
    assert "mkdocs.yml left alone" in res.stderr
    assert (out / "mkdocs.yml").read_text(encoding="utf-8") == "site_name: Our own\n"
    assert (out / "docs" / "kaveh-nadiri.md").is_file()


def test_the_site_own_settings_are_kept_across_runs(run, tmp_path: Path) -> None:
    import_records(run, tmp_path, [{"id": "kaveh-nadiri", "name": "Kaveh Nadiri"}])
    out = tmp_path / "site"
    out.mkdir()
    # (what the README's offline readers add: settings of their own, which a run must not drop)
    (out / "mkdocs.local.yml").write_text("copyright: A fictional team\nsite_name: Not this one\n",
                                          encoding="utf-8")
    for _ in range(2):
        assert run("profiles", str(out), "--site", "mkdocs").code == 0
    assert "INHERIT: mkdocs.local.yml\n" in (out / "mkdocs.yml").read_text(encoding="utf-8")
    build = mkdocs_build(out / "mkdocs.yml")
    assert build.returncode == 0, build.stdout + build.stderr
    page = (out / "site" / "kaveh-nadiri.html").read_text(encoding="utf-8")
    assert "A fictional team" in page
    assert "<title>Kaveh Nadiri - Dossier</title>" in page  # (the generated keys win)
