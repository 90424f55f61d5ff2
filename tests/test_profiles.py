"""`dossier profiles` and `show --format markdown`: Markdown pages a static site publishes.

Golden files (tests/golden/profiles/) pin the exact bytes of a richly filled
and a nearly empty fictional person; regenerate them with
``pytest tests/test_profiles.py --update-golden`` and review the diff.
Every generated page is also rendered to HTML with markdown-it-py (CommonMark,
raw HTML allowed, so only the escaping stands between record text and markup).
"""

from __future__ import annotations

import html
import importlib.util
import json
import os
import re
import stat
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from dossier.model.person import dump, validate_person
from dossier.publish.escape import front_matter, md_escape, md_url
from dossier.publish.site import render_site, template_dir
from tests.conftest import make_person

REPO = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden" / "profiles"
GOLDEN_DAY = date(2026, 11, 23)  # "today" of the golden pages
UPDATED = "2026-11-20T10:00:00Z"

# --- fictional records ----------------------------------------------------------------

RICH: dict[str, Any] = {
    "id": "dariush-fakeri",
    "name": "Dariush Fakeri",
    "native_name": "داریوش فاکری",
    "aliases": ["Dariyush Fakeri", "D. Fakeri: the 'judge'", "داریوش فاکری‌زاده"],
    "status": "deceased",
    "born": "SH1315",
    "died": "2019-05",
    "role_1988": {
        "title": "Prosecutor; member of the provincial death committee",
        "organization": "Islamic Revolutionary Court",
        "place": "Tabriz",
        "start": "SH1367-05-07",
        "end": "1988-09",
        "sources": ["example-report-1990", "witness-statement-17"],
        "confidence": "high",
    },
    "current_post": {
        "title": "Adviser to the head",
        "organization": "Provincial judiciary",
        "as_of": "2019-01",
        "sources": ["example-daily-2019"],
        "confidence": "low",
    },
    "posts": [
        {"title": "Head of the provincial judiciary", "start": "1995", "end": "2004",
         "sources": ["example-daily-2019"], "confidence": "medium"},
        {"title": "Investigating judge", "organization": "Revolutionary Court", "place": "Ardabil",
         "start": "1981", "end": "1986", "confidence": "low"},
        {"title": "Lecturer", "organization": "Seminary school", "confidence": "low"},
    ],
    "associates": [
        {"id": "kaveh-nadiri", "relation": "fellow member, Tabriz death committee",
         "sources": ["example-report-1990"], "confidence": "medium"},
        {"id": "someone-not-in-the-database", "relation": "deputy", "confidence": "low"},
    ],
    "narrative": (
        "Dariush Fakeri is a fictional person made for dossier's tests.\n\n"
        "The *invented* report says he chaired hearings in 1988 - each lasted minutes.\n"
        "1988. A line that starts like a list item; # and > too.\n\n"
        "Sources: see below."
    ),
    "tags": ["death-commission", "tabriz"],
    "sources": [
        {"key": "example-report-1990", "title": "Example report: the summer of 1988 in Tabriz",
         "publisher": "Example Human Rights Monitor", "author": "A. Researcher",
         "url": "https://example.org/reports/1990?lang=en&page=2", "published": "1990-06",
         "accessed": "2024-02-01", "archive_url": "https://archive.example.org/r/1990",
         "sha256": "a" * 64, "kind": "report", "note": "Fictional.\nPages 12-14."},
        {"key": "witness-statement-17", "title": "Statement of a former prisoner (Mr. Example)",
         "author": "Confidential witness", "url": "https://example.org/private/witness-17",
         "kind": "testimony", "confidential": True, "note": "Kept offline; identity known to us."},
        {"key": "example-daily-2019", "title": "Example Daily", "kind": "article",
         "published": "2019-01-15"},
    ],
    "updated": UPDATED,
    "created": "2026-01-01T00:00:00Z",
}

SPARSE: dict[str, Any] = {
    "id": "kaveh-nadiri",
    "name": "Kaveh Nadiri",
    "updated": "2026-11-23T08:00:00Z",
    "created": "2026-11-23T08:00:00Z",
}


def persons(*records: dict[str, Any]) -> list[dict[str, Any]]:
    """Records as the store holds them: the canonical dump of the validated model."""
    return [dump(validate_person(dict(r))) for r in records]


def write_import(tmp_path: Path, records: list[dict[str, Any]], name: str = "in.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return path


def import_records(run, tmp_path: Path, records: list[dict[str, Any]]) -> None:
    res = run("import", str(write_import(tmp_path, records)))
    assert res.code == 0, res


# --- golden files ---------------------------------------------------------------------


def golden_pages() -> dict[str, str]:
    pages = render_site(persons(RICH, SPARSE), internal=True, templates=None, today=GOLDEN_DAY)
    public = render_site(persons(RICH, SPARSE), internal=False, templates=None, today=GOLDEN_DAY)
    pages["public-dariush-fakeri.md"] = public["dariush-fakeri.md"]
    pages["public-sources.md"] = public["sources.md"]
    return pages


@pytest.mark.parametrize(
    "name",
    ["dariush-fakeri.md", "kaveh-nadiri.md", "index.md", "sources.md",
     "public-dariush-fakeri.md", "public-sources.md"],
)
def test_golden(name: str, update_golden: bool) -> None:
    text = golden_pages()[name]
    path = GOLDEN / name
    if update_golden:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    assert path.read_bytes() == text.encode("utf-8"), f"{name} differs (rerun with --update-golden)"


def test_rich_page_shows_every_claim_with_sources_and_confidence() -> None:
    page = golden_pages()["dariush-fakeri.md"]
    assert "1988-07-29 (SH1367-05-07) – 1988-09" in page  # Solar Hijri text beside Gregorian
    assert "Born: 1936 (SH1315)" in page
    assert "confidence: high [^1] [^2]" in page
    assert ("**Investigating judge**, Revolutionary Court, Ardabil · 1981 – 1986 · confidence: low"
            " · **unsourced**") in page
    assert "- someone-not-in-the-database (no profile) — deputy · confidence: low · **unsourced**" in page
    assert "[Kaveh Nadiri](kaveh-nadiri.md)" in page
    # Stale (as of 2019-01, more than two years before the golden day) and deceased.
    stale = "**Possibly out of date:** last confirmed 2019-01, more than two years before this page was built"
    assert stale in page
    assert "**Deceased:**" in page
    # Timeline is chronological, undated last.
    assert page.index("Investigating judge") < page.index("Head of the provincial") < page.index("Lecturer")
    assert "[^2]: [Statement of a former prisoner (Mr. Example)](https://example.org/private/witness-17)" \
        in page
    assert "**Confidential**: withheld from public profiles" in page


def test_sparse_page_says_unknown_and_none() -> None:
    page = golden_pages()["kaveh-nadiri.md"]
    body = page.split("---\n", 2)[2]
    assert "## Current post\n\nUnknown.\n" in body
    assert "## Position in 1988\n\nNone recorded.\n" in body
    # Its only source is the one of the link from Dariush's record that names him.
    assert "## Sources\n\n[^1]: [Example report: the summer of 1988 in Tabriz]" in body


def test_front_matter_is_yaml_with_the_record_values() -> None:
    pages = golden_pages()
    meta = yaml.safe_load(pages["public-dariush-fakeri.md"].split("---\n")[1])
    assert meta == {
        "title": "Dariush Fakeri", "id": "dariush-fakeri", "aliases": RICH["aliases"],
        "tags": RICH["tags"], "updated": UPDATED, "generator": "dossier",
    }
    internal = yaml.safe_load(pages["dariush-fakeri.md"].split("---\n")[1])
    assert internal == {**meta, "internal": True}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dictionaries(
    st.text(min_size=1, max_size=12),
    st.one_of(st.none(), st.booleans(), st.text(max_size=40),
              st.lists(st.text(max_size=20), max_size=4)),
    max_size=6), min_size=1, max_size=4))
def test_front_matter_is_exactly_yaml_safe_dump(documents: list[dict[str, Any]]) -> None:
    # front_matter keeps one libyaml emitter open across pages for speed; whatever
    # the text, each document must come out as safe_dump's and load back unchanged.
    for data in documents:
        text = front_matter(data)
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # the safe dumper, libyaml's emitter
        assert text == yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False, width=1_000_000)
        assert yaml.safe_load(text) == data


def test_today_parameter_decides_staleness() -> None:
    early = render_site(persons(RICH), internal=True, templates=None, today=_date("2020-06-01"))
    assert "Possibly out of date" not in early["dariush-fakeri.md"]
    late = render_site(persons(RICH), internal=True, templates=None, today=_date("2021-02-01"))
    assert "last confirmed 2019-01, more than two years before" in late["dariush-fakeri.md"]


def _date(text: str) -> Any:
    from datetime import date

    return date.fromisoformat(text)


# --- the command ----------------------------------------------------------------------


def test_profiles_writes_pages_and_reports(run, tmp_path: Path, update_golden: bool) -> None:
    import_records(run, tmp_path, [RICH, SPARSE])
    out = tmp_path / "site" / "nested"  # created if missing
    res = run("profiles", str(out), "--internal", "--today", GOLDEN_DAY.isoformat())
    assert res.code == 0, res
    assert res.stderr == f"4 pages written, 0 unchanged, 0 removed → {out}\n"
    assert res.stdout == ""
    assert sorted(p.name for p in out.iterdir()) == [
        "dariush-fakeri.md", "index.md", "kaveh-nadiri.md", "sources.md"]
    for page in out.iterdir():
        assert stat.S_IMODE(page.stat().st_mode) == 0o644
        if not update_golden:  # the command writes exactly the golden bytes
            assert page.read_bytes() == (GOLDEN / page.name).read_bytes(), page.name


def test_show_markdown_is_the_internal_profiles_page(run, tmp_path: Path) -> None:
    import_records(run, tmp_path, [RICH, SPARSE])
    assert run("profiles", str(tmp_path / "out"), "--internal").code == 0
    for ref in ("dariush-fakeri", "Kaveh Nadiri"):
        res = run("show", ref, "--format", "markdown")
        assert res.code == 0, res
        page = tmp_path / "out" / f"{ref.lower().replace(' ', '-')}.md"
        assert res.stdout.encode("utf-8") == page.read_bytes()


def test_rerun_rewrites_nothing_and_output_is_deterministic(run, tmp_path: Path) -> None:
    import_records(run, tmp_path, [RICH, SPARSE])
    out = tmp_path / "out"
    assert run("profiles", str(out)).code == 0
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_ino) for p in out.iterdir()}
    res = run("profiles", str(out))
    assert res.code == 0, res
    assert res.stderr == f"0 pages written, 4 unchanged, 0 removed → {out}\n"
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_ino) for p in out.iterdir()}
    assert after == before  # same bytes, same mtimes, same inodes: nothing was replaced
    other = tmp_path / "other"
    assert run("profiles", str(other)).code == 0
    assert {p.name: p.read_bytes() for p in other.iterdir()} == {k: v[0] for k, v in before.items()}


def test_pages_changed_by_hand_or_deleted_are_restored(run, tmp_path: Path, db: Path) -> None:
    import_records(run, tmp_path, [RICH, SPARSE])
    out = tmp_path / "out"
    assert run("profiles", str(out)).code == 0
    good = (out / "kaveh-nadiri.md").read_bytes()
    (out / "kaveh-nadiri.md").write_bytes(good.replace(b"Kaveh", b"Kavex"))  # same size
    os.utime(out / "kaveh-nadiri.md", ns=(1, 1))
    (out / "index.md").unlink()
    res = run("profiles", str(out))
    assert res.stderr.startswith("2 pages written, 2 unchanged, 0 removed"), res
    assert (out / "kaveh-nadiri.md").read_bytes() == good
    assert (out / "index.md").exists()
    # The cache that makes reruns cheap lives beside the database, not in the site.
    cache = db.with_name(db.name + ".profiles-cache.json")
    assert cache.exists()
    assert sorted(p.name for p in out.iterdir())[0] == "dariush-fakeri.md"
    cache.write_text("{not json", encoding="utf-8")  # a damaged cache costs only time
    (out / "sources.md").write_text("changed", encoding="utf-8")
    res = run("profiles", str(out))
    assert res.stderr.startswith("1 pages written, 3 unchanged, 0 removed"), res


def test_a_changed_record_rewrites_only_the_pages_it_changes(run, tmp_path: Path) -> None:
    import_records(run, tmp_path, [RICH, SPARSE])
    out = tmp_path / "out"
    assert run("profiles", str(out)).code == 0
    assert run("edit", "dariush-fakeri", "--set", "narrative=Rewritten.").code == 0
    res = run("profiles", str(out))
    assert res.code == 0, res
    # The narrative and the newest `updated` changed: Dariush's page only
    # (Kaveh's page says nothing that depends on either).
    assert res.stderr.startswith("1 pages written, 3 unchanged, 0 removed")
    assert "Rewritten." in (out / "dariush-fakeri.md").read_text(encoding="utf-8")


def test_a_new_link_rewrites_the_page_it_points_to(run, tmp_path: Path) -> None:
    # Kaveh's associates graph draws the persons who name him: Dariush's new link changes his page.
    other = {**SPARSE, "id": "bahram-sadeghi", "name": "Bahram Sadeghi"}
    import_records(run, tmp_path, [RICH, SPARSE, other])
    out = tmp_path / "out"
    assert run("profiles", str(out)).code == 0
    link = 'associates+={"id": "bahram-sadeghi", "relation": "deputy in Ardabil"}'
    assert run("edit", "dariush-fakeri", "--set", link).code == 0
    res = run("profiles", str(out))
    assert res.stderr.startswith("2 pages written, 3 unchanged"), res  # Dariush's and Bahram's
    page = (out / "bahram-sadeghi.md").read_text(encoding="utf-8")
    assert "Named as an associate by:\n\n- [Dariush Fakeri](dariush-fakeri.md) — deputy in Ardabil" in page
    assert '-->|"deputy in Ardabil"| p_bahram_sadeghi' in page


def test_a_link_from_another_record_is_cited_on_the_page_it_names(run, tmp_path: Path) -> None:
    # "Named as an associate by" states a claim about this person: it carries the sources of
    # the record that makes it, withheld where confidential, or is marked unsourced.
    links = [{"id": "kaveh-nadiri", "relation": "fellow member", "sources": ["witness-statement-17"],
              "confidence": "high"}, {"id": "bahram-sadeghi", "relation": "clerk"}]
    other = {**SPARSE, "id": "bahram-sadeghi", "name": "Bahram Sadeghi"}
    import_records(run, tmp_path, [{**RICH, "associates": links}, SPARSE, other])
    out = tmp_path / "out"
    assert run("profiles", str(out), "--public").code == 0
    kaveh = (out / "kaveh-nadiri.md").read_text(encoding="utf-8")
    assert ("- [Dariush Fakeri](dariush-fakeri.md) — fellow member · confidence: high [^1]\n"
            in kaveh)
    assert "[^1]: Withheld: confidential source. [Bibliography ↗](sources.md#withheld_1)" in kaveh
    for secret in SECRETS:
        assert secret not in kaveh, secret
    bahram = (out / "bahram-sadeghi.md").read_text(encoding="utf-8")
    assert "- [Dariush Fakeri](dariush-fakeri.md) — clerk · confidence: medium · **unsourced**\n" in bahram
    assert run("profiles", str(tmp_path / "full"), "--internal").code == 0
    kaveh = (tmp_path / "full" / "kaveh-nadiri.md").read_text(encoding="utf-8")
    assert "[^1]: [Statement of a former prisoner (Mr. Example)](https://example.org/private/witness-17)" \
        in kaveh


def test_stale_pages_are_removed_only_when_dossier_wrote_them(run, tmp_path: Path) -> None:
    import_records(run, tmp_path, [RICH, SPARSE])
    out = tmp_path / "out"
    assert run("profiles", str(out)).code == 0
    foreign = {
        "about.md": "# About this site\n",
        "other.md": "---\ntitle: Other\ngenerator: hugo\n---\nbody\n",
        "broken.md": "---\ntitle: [unclosed\n---\n",
        "post.md": "---\ndate: 2020-02-30\n---\nA blog post whose date the calendar lacks\n",
        "tagged.md": "---\ntags: !!set [a]\n---\nA page whose front matter YAML cannot construct\n",
        "style.css": "body {}\n",
    }
    for name, text in foreign.items():
        (out / name).write_text(text, encoding="utf-8")
    assert run("rm", "kaveh-nadiri", "--yes").code == 0
    res = run("profiles", str(out))
    assert res.code == 0, res
    assert "1 removed" in res.stderr
    assert not (out / "kaveh-nadiri.md").exists()
    for name, text in foreign.items():
        assert (out / name).read_text(encoding="utf-8") == text
    # The associate whose page is gone is now plain text, not a broken link.
    assert "kaveh-nadiri (no profile)" in (out / "dariush-fakeri.md").read_text(encoding="utf-8")


def test_an_id_that_would_overwrite_a_site_page_is_refused(run, tmp_path: Path) -> None:
    res = run("import", str(write_import(tmp_path, [{**SPARSE, "id": "index"}])))
    assert res.code == 4
    assert "reserved" in res.stderr
    assert run("profiles", str(tmp_path / "out")).code == 0
    assert not (tmp_path / "out" / "index-person.md").exists()


def test_bad_today_is_a_usage_error(run, tmp_path: Path) -> None:
    res = run("profiles", str(tmp_path / "out"), "--today", "2024-13-01")
    assert res.code == 2
    assert "--today" in res.stderr


# --- --public ---------------------------------------------------------------------------

SECRETS = ["Statement of a former prisoner", "Mr. Example", "example.org/private", "witness-17",
           "witness-statement-17", "Confidential witness", "Kept offline", "identity known"]


def test_public_leaves_out_restricted_persons_and_withholds_confidential_sources(
    run, tmp_path: Path
) -> None:
    restricted = {"id": "roya-secret", "name": "Roya Secretname", "restricted": True,
                  "associates": [{"id": "dariush-fakeri", "relation": "sister-in-law"}],
                  "sources": [{"key": "only-cited-by-roya", "title": "Roya's own file"}],
                  "updated": "2026-11-24T00:00:00Z"}
    rich = {**RICH, "associates": [*RICH["associates"], {"id": "roya-secret", "relation": "informant"}]}
    import_records(run, tmp_path, [rich, SPARSE, restricted])
    out = tmp_path / "public"
    res = run("profiles", str(out), "--public")
    assert res.code == 0, res
    assert sorted(p.name for p in out.iterdir()) == [
        "dariush-fakeri.md", "index.md", "kaveh-nadiri.md", "sources.md"]
    blob = b"".join(p.read_bytes() for p in sorted(out.iterdir()))
    for secret in [*SECRETS, "Roya", "roya-secret", "Secretname", "informant", "sister-in-law",
                   "only-cited-by-roya", "2026-11-24"]:
        assert secret.encode() not in blob, secret
    page = (out / "dariush-fakeri.md").read_text(encoding="utf-8")
    assert "[^2]: Withheld: confidential source. [Bibliography ↗](sources.md#withheld_1)" in page
    sources = (out / "sources.md").read_text(encoding="utf-8")
    assert ('<a id="withheld_1"></a>Withheld source 1. Cited by: [Dariush Fakeri](dariush-fakeri.md).'
            in sources)
    # The default is --public, byte for byte.
    default = tmp_path / "default"
    assert run("profiles", str(default)).code == 0
    assert {p.name: p.read_bytes() for p in default.iterdir()} == {
        p.name: p.read_bytes() for p in out.iterdir()}
    # --internal shows everything, marked.
    full = tmp_path / "full"
    assert run("profiles", str(full), "--internal").code == 0
    full_blob = b"".join(p.read_bytes() for p in full.iterdir())
    assert b"witness-statement-17" in full_blob
    assert b"Roya Secretname" in full_blob


def test_a_withheld_source_does_not_tie_the_persons_citing_it_together(run, tmp_path: Path) -> None:
    # One confidential witness about two persons: each page's withheld footnote has an anchor
    # of its own, so the bibliography does not say that one secret source spoke about both.
    witness = next(s for s in RICH["sources"] if s.get("confidential"))
    other = {**SPARSE, "id": "bahram-sadeghi", "name": "Bahram Sadeghi", "sources": [witness],
             "role_1988": {"title": "Clerk", "sources": [witness["key"]]}}
    import_records(run, tmp_path, [RICH, SPARSE, other])
    out = tmp_path / "out"
    assert run("profiles", str(out)).code == 0
    sources = (out / "sources.md").read_text(encoding="utf-8")
    assert ('<a id="withheld_1"></a>Withheld source 1. Cited by: [Bahram Sadeghi](bahram-sadeghi.md).'
            in sources)
    assert ('<a id="withheld_2"></a>Withheld source 2. Cited by: [Dariush Fakeri](dariush-fakeri.md).'
            in sources)
    assert "sources.md#withheld_1" in (out / "bahram-sadeghi.md").read_text(encoding="utf-8")
    assert "sources.md#withheld_2" in (out / "dariush-fakeri.md").read_text(encoding="utf-8")


def test_a_page_citing_a_link_from_another_record_follows_its_anchor(run, tmp_path: Path) -> None:
    # Kaveh's page cites the confidential source of Dariush's link to him: a withheld source
    # added before it in the numbering renders his page again, with the new anchor.
    witness = next(s for s in RICH["sources"] if s.get("confidential"))
    links = [{"id": "kaveh-nadiri", "relation": "fellow member", "sources": [witness["key"]]}]
    import_records(run, tmp_path, [{**RICH, "associates": links}, SPARSE])
    out = tmp_path / "out"
    assert run("profiles", str(out)).code == 0
    assert "sources.md#withheld_1" in (out / "kaveh-nadiri.md").read_text(encoding="utf-8")
    earlier = {**SPARSE, "id": "bahram-sadeghi", "name": "Bahram Sadeghi",
               "sources": [{**witness, "key": "another-witness"}],
               "role_1988": {"title": "Clerk", "sources": ["another-witness"]}}
    import_records(run, tmp_path, [earlier])
    assert run("profiles", str(out)).code == 0
    kaveh = (out / "kaveh-nadiri.md").read_text(encoding="utf-8")
    assert "sources.md#withheld_2" in kaveh
    assert '<a id="withheld_2"></a>Withheld source 2. Cited by: [Dariush Fakeri]' in (
        out / "sources.md").read_text(encoding="utf-8")


def test_public_run_removes_pages_of_restricted_persons_left_by_a_full_run(run, tmp_path: Path) -> None:
    import_records(run, tmp_path, [RICH, {**SPARSE, "restricted": True}])
    out = tmp_path / "out"
    assert run("profiles", str(out), "--internal").code == 0
    res = run("profiles", str(out), "--public")
    assert res.code == 0, res
    assert "1 removed" in res.stderr
    assert not (out / "kaveh-nadiri.md").exists()
    assert b"Kaveh" not in b"".join(p.read_bytes() for p in out.iterdir())


# --- escaping: every page rendered to HTML -------------------------------------------------

INJECTIONS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[a](javascript:alert(1))",
    "![x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<a href='javascript:alert(1)'>x</a>",
    "<https://evil.example/autolink>",
    "{{ 7*7 }}",
    "{% raw %}x{% endraw %}",
    "`code` and ``more`` and ```fence",
    "cell | with | pipes",
    "*emphasis* _under_ **strong** ~~strike~~",
    "&lt;script&gt; &amp; &#60;",
    "[^1] [x]: /evil",
    "# heading",
    "- list item",
    "1. ordered",
    "> quote",
    "\\ backslash \\",
    "<!-- comment -->",
]


def injected_records() -> list[dict[str, Any]]:
    records = []
    for i, payload in enumerate(INJECTIONS):
        key = f"src-{i}"
        records.append({
            "id": f"injected-{i}",
            "name": f"Name {payload}",
            "native_name": f"نام {payload}",
            "aliases": [payload, f"{payload}: colon 'quote' \"dq\""],
            "role_1988": {"title": payload, "organization": payload, "place": payload,
                          "sources": [key]},
            "current_post": {"title": f"Now {payload}", "as_of": "2020", "sources": [key]},
            "posts": [{"title": payload, "start": "1990"}],
            "associates": [{"id": "injected-0" if i else "injected-1", "relation": payload}],
            "narrative": (f"{payload}\n---\ntitle: hacked\n---\n\n    indented {payload}\n"
                          f"===\n```\n{payload}\n```\n<div>\n{payload}\n</div>"),
            "tags": [f"tag {payload}"],
            "sources": [{"key": key, "title": payload, "publisher": payload, "author": payload,
                         "note": f"{payload}\n{payload}",
                         # Valid (http, no spaces), yet it would close a Markdown link early.
                         "url": "https://example.org/a)<script>alert(1)</script>(",
                         "archive_url": "https://example.org/x?a=<b>&c=(d)\"onmouseover=alert(1)"}],
            "updated": UPDATED,
        })
    return records


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    assert text.startswith("---\n")
    head, body = text[4:].split("\n---\n", 1)
    meta = yaml.safe_load(head)
    assert isinstance(meta, dict)
    assert meta["generator"] == "dossier"
    return meta, body


TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>")
ALLOWED_TAGS = {"a", "p", "h1", "h2", "ul", "ol", "li", "strong", "em", "blockquote", "hr", "span", "pre",
                "code"}
FENCE = re.compile(r"<pre><code[^>]*>.*?</code></pre>", re.DOTALL)


def check_html(name: str, body: str, pages: dict[str, str]) -> str:
    """Render like a static site (front matter stripped); return the visible text."""
    rendered = MarkdownIt("commonmark").render(body)
    assert "<script" not in rendered.lower(), name
    for _closing, tag, attrs in TAG.findall(rendered):
        assert tag.lower() in ALLOWED_TAGS, f"{name}: <{tag}{attrs}>"
        if tag == "span":  # ours: Persian text marked as such
            assert attrs in ("", ' lang="fa" dir="rtl"'), f"{name}: <span{attrs}>"
        if tag == "code":  # ours: Mermaid diagrams (checked by Mermaid itself in test_site.py)
            assert attrs in ("", ' class="language-mermaid"'), f"{name}: <code{attrs}>"
        assert not re.search(r"\bon\w+\s*=", attrs, re.IGNORECASE), f"{name}: {attrs}"
        for href in re.findall(r'(?:href|src)="([^"]*)"', attrs):
            href = html.unescape(href)
            assert not href.lower().startswith(("javascript:", "data:", "vbscript:")), href
            if href.startswith(("http://", "https://")):
                continue
            target, _, anchor = href.partition("#")
            target = target or name
            assert target in pages, f"{name}: link to missing page {href}"
            if anchor:
                assert f'id="{anchor}"' in MarkdownIt("commonmark").render(pages[target]), href
    return html.unescape(TAG.sub("", FENCE.sub("", rendered)))


def test_injection_corpus_renders_as_inert_text() -> None:
    records = injected_records()
    pages = render_site(persons(*records), internal=True, templates=None)
    for name, text in pages.items():
        meta, body = split_front_matter(text)
        visible = check_html(name, body, pages)
        assert "49" not in visible.replace("2049", ""), name  # no template engine ran the text
        if name.startswith("injected-"):
            record = records[int(name.removesuffix(".md").split("-")[1])]
            # Front matter holds the record text, with & < > " as entities for themes
            # that print it unescaped (MkDocs' <title>).
            assert html.unescape(meta["title"]) == record["name"]
            assert [html.unescape(a) for a in meta["aliases"]] == record["aliases"]
            for value in [meta["title"], *meta["aliases"], *meta["tags"]]:
                assert not re.search(r'[<>"]', value), value
            assert "hacked" not in meta
            flat = " ".join(visible.split())
            payload = " ".join(INJECTIONS[int(name.removesuffix(".md").split("-")[1])].split())
            assert f"Name {payload}" in flat, name  # shown exactly as written
            assert f"tag {payload}" in flat, name
            assert "title: hacked" in flat  # the narrative's front matter is only text


def test_every_page_of_the_sample_corpus_renders_safely(run, tmp_path: Path) -> None:
    res = run("import", str(REPO / "records"))
    assert res.code == 0, res
    import_records(run, tmp_path, injected_records()[:6])
    for internal in ([], ["--internal"]):
        out = tmp_path / f"site{len(internal)}"
        assert run("profiles", str(out), *internal).code == 0
        pages = {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()}
        assert "ebrahim-raisi.md" in pages
        for name, text in pages.items():
            check_html(name, split_front_matter(text)[1], pages)


@pytest.mark.parametrize("text", [*INJECTIONS, "plain", "Ali-Reza", "1988. x", "+ x", "= x", "a\tb"])
def test_md_escape_round_trips_through_commonmark(text: str) -> None:
    rendered = MarkdownIt("commonmark").render(md_escape(text))
    expected = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    assert rendered == f"<p>{expected}</p>\n"


def test_md_url_keeps_links_closed_and_refuses_other_schemes() -> None:
    assert md_url("https://example.org/a)<b>") == "https://example.org/a%29%3Cb%3E"
    assert md_url("http://example.org/ok?a=1&b=2#x") == "http://example.org/ok?a=1&b=2#x"
    for bad in ("javascript:alert(1)", "data:text/html,x", "JavaScript://x", "//example.org", None):
        assert md_url(bad) == ""


# --- templates ----------------------------------------------------------------------------


def test_templates_override_the_packaged_ones(run, tmp_path: Path) -> None:
    import_records(run, tmp_path, [RICH, SPARSE])
    custom = tmp_path / "tpl"
    custom.mkdir()
    (custom / "person.md.j2").write_text(
        "---\n{{ {'title': person.name, 'generator': 'dossier'}|front_matter }}---\n"
        "CUSTOM {{ person.name|md_escape }}\n", encoding="utf-8")
    out = tmp_path / "out"
    res = run("profiles", str(out), "--templates", str(custom), "--internal")
    assert res.code == 0, res
    assert (out / "kaveh-nadiri.md").read_text(encoding="utf-8").endswith("CUSTOM Kaveh Nadiri\n")
    assert (out / "index.md").read_bytes() == (GOLDEN / "index.md").read_bytes()  # packaged


@pytest.mark.parametrize(
    ("source", "line", "words"),
    [
        ("line one\n{{ person.name|md_escape }}\n{% if %}\n", 3, "TemplateSyntaxError"),
        ("line one\nline two\n{{ person.no_such_field }}\n", 3, "no_such_field"),
        ("{{ person.name }}\n{% include 'missing.md.j2' %}\n", 2, "missing.md.j2"),
        ("{{ person.name }}\n{{ nothing_here }}\n", 2, "nothing_here"),
    ],
)
def test_a_broken_template_exits_4_naming_file_and_line(
    run, tmp_path: Path, source: str, line: int, words: str
) -> None:
    import_records(run, tmp_path, [SPARSE])
    custom = tmp_path / "tpl"
    custom.mkdir()
    (custom / "person.md.j2").write_text(source, encoding="utf-8")
    out = tmp_path / "out"
    res = run("profiles", str(out), "--templates", str(custom))
    assert res.code == 4, res
    assert f"{custom / 'person.md.j2'}:{line}: template: " in res.stderr
    assert words in res.stderr
    assert "Traceback" not in res.stderr
    assert not out.exists()  # nothing is written when a page cannot be rendered


def test_a_template_that_is_not_utf8_exits_4_naming_the_file(run, tmp_path: Path) -> None:
    import_records(run, tmp_path, [SPARSE])
    custom = tmp_path / "tpl"
    custom.mkdir()
    (custom / "person.md.j2").write_bytes("# {{ person.name }} — پرونده\n".encode("cp1256", "replace"))
    res = run("profiles", str(tmp_path / "out"), "--templates", str(custom))
    assert res.code == 4, res
    assert res.stderr.startswith(f"error: {custom / 'person.md.j2'}: template: not valid UTF-8 (byte 0x"), res


def test_templates_dir_must_exist(run, tmp_path: Path) -> None:
    res = run("profiles", str(tmp_path / "out"), "--templates", str(tmp_path / "nope"))
    assert res.code == 2


def test_checkout_template_dir_holds_only_templates() -> None:
    # hatch force-includes templates/ verbatim into the wheel: nothing else belongs there.
    assert template_dir() == REPO / "templates"
    names = sorted(p.name for p in template_dir().iterdir())
    assert "person.md.j2" in names
    assert all(n.endswith(".j2") for n in names), names


def test_wheel_install_finds_the_packaged_templates(tmp_path: Path) -> None:
    """Build a real wheel, unpack it (no editable link back to the checkout), render."""
    dist = tmp_path / "dist"
    # Without hatchling in this venv (a fresh CI venv), pip fetches it for an isolated build.
    isolation = [] if importlib.util.find_spec("hatchling") is None else ["--no-build-isolation"]
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation, "-q", "-w", str(dist), str(REPO)],
        capture_output=True, text=True, timeout=120,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = dist.glob("dossier-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        assert {f"dossier/templates/{t}" for t in ("person.md.j2", "index.md.j2", "sources.md.j2")} <= names
        zf.extractall(tmp_path / "site-packages")
    code = (
        "import dossier, dossier.publish.site as p\n"
        "from dossier.model.person import dump, validate_person\n"
        "print(dossier.__file__); print(p.template_dir())\n"
        "person = dump(validate_person({'id': 'x', 'name': 'Wheel Test'}))\n"
        "pages = p.render_site([person], templates=None)\n"
        "print(pages['x.md'].splitlines()[-1])\n"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site-packages")}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=60)
    assert proc.returncode == 0, proc.stderr
    module, templates, last = proc.stdout.splitlines()
    assert module == str(tmp_path / "site-packages" / "dossier" / "__init__.py")
    assert templates == str(tmp_path / "site-packages" / "dossier" / "templates")
    assert last == "None recorded."


# --- rendering from the stored records ------------------------------------------------------


def test_pages_are_the_same_whether_the_store_is_trusted_or_not(run, tmp_path: Path, db: Path) -> None:
    from dossier import store

    import_records(run, tmp_path, [RICH, SPARSE])
    assert store.read(db).trusted
    assert run("profiles", str(tmp_path / "trusted"), "--internal").code == 0
    # A file whose header no longer vouches for its records: every record is validated first.
    data = db.read_bytes()
    db.write_bytes(data.replace(b'"validated":true', b'"validated":false', 1))
    assert not store.read(db).trusted
    db.with_name(db.name + ".profiles-cache.json").unlink()
    assert run("profiles", str(tmp_path / "checked"), "--internal").code == 0
    trusted = {p.name: p.read_bytes() for p in (tmp_path / "trusted").iterdir()}
    assert trusted == {p.name: p.read_bytes() for p in (tmp_path / "checked").iterdir()}


def test_records_lacking_a_newer_field_are_validated_before_rendering() -> None:
    from dossier.publish.site import fit_records

    complete = persons(SPARSE)
    assert fit_records(complete, trusted=True) is complete  # rendered as stored
    older = [{k: v for k, v in complete[0].items() if k != "distinct_from"}]
    assert fit_records(older, trusted=True) == complete
    assert fit_records(complete, trusted=False) == complete


def test_a_source_no_claim_cites_is_listed_not_left_as_an_orphan_footnote(run, tmp_path: Path) -> None:
    # A footnote nothing refers to is dropped by GitHub and orphaned by MkDocs: the source
    # would vanish from the page.
    person = {"id": "kaveh-nadiri", "name": "Kaveh Nadiri",
              "role_1988": {"title": "Prosecutor", "sources": ["cited-report"]},
              "sources": [{"key": "cited-report", "title": "Cited report", "kind": "report"},
                          {"key": "background", "title": "Background reading", "kind": "article"}]}
    import_records(run, tmp_path, [person])
    assert run("profiles", str(tmp_path / "out")).code == 0
    page = (tmp_path / "out" / "kaveh-nadiri.md").read_text(encoding="utf-8")
    definitions = re.findall(r"^\[\^(\d+)\]:", page, flags=re.M)
    references = set(re.findall(r"\[\^(\d+)\](?!:)", page))
    assert set(definitions) == references == {"1"}
    assert "Also in this record, cited by no claim:\n\n- Background reading (article)." in page


def test_a_public_build_that_would_name_a_restricted_person_writes_nothing(run, tmp_path: Path) -> None:
    hidden = make_person("Farhad", id="farhad", restricted=True)
    witness = make_person("Kourosh Zandieh", id="kourosh-zandieh", restricted=True)
    saying = make_person("Kaveh Testi", id="kaveh-testi",
                         narrative="Kaveh Testi and the representative Farhad questioned prisoners.\n")
    spelling = make_person("Anna Farhadi", id="anna-farhadi",
                           narrative="She served with Kurosh Zandiyeh in Arakvand.\n")
    # A person published whose own name holds the restricted one is not that person.
    namesake = make_person("Farhad Pour-Testi", id="farhad-pour-testi", aliases=["Pour Farhad"],
                           narrative="Pour Farhad, as a report calls him.\n")
    import_records(run, tmp_path, [hidden, witness, saying, spelling, namesake])
    res = run("profiles", str(tmp_path / "out"))
    assert res.code == 4, res
    assert res.stderr.splitlines() == [
        "error: anna-farhadi: narrative: names restricted person kourosh-zandieh ('a spelling of Kourosh "
        "Zandieh'), whom the public pages leave out",
        "kaveh-testi: narrative: names restricted person farhad ('Farhad'), whom the public pages leave out",
        "nothing was written: reword those places, or restrict the persons they are in too (an internal "
        "build, --internal, shows everything)"]
    assert not (tmp_path / "out").exists()
    assert run("profiles", str(tmp_path / "internal"), "--internal").code == 0
    assert run("edit", "anna-farhadi", "--set", "narrative=She served with a witness in Arakvand.").code == 0
    assert run("edit", "kaveh-testi", "--set", "narrative=Kaveh Testi questioned prisoners.").code == 0
    assert run("profiles", str(tmp_path / "out")).code == 0


def test_a_public_build_finds_a_restricted_name_written_in_persian_script(run, tmp_path: Path) -> None:
    # "He worked with کوروش زندیه in 1988." was published for a person recorded in Latin only.
    witness = make_person("Kourosh Zandieh", id="kourosh-zandieh", restricted=True)
    saying = make_person("Kaveh Testi", id="kaveh-testi", narrative="He worked with کوروش زندیه in 1988.\n")
    import_records(run, tmp_path, [witness, saying])
    res = run("profiles", str(tmp_path / "out"))
    assert res.code == 4, res
    assert res.stderr.splitlines()[0] == ("error: kaveh-testi: narrative: names restricted person "
                                          "kourosh-zandieh ('a spelling of Kourosh Zandieh'), whom the "
                                          "public pages leave out")
    assert not (tmp_path / "out").exists()


def test_what_a_public_build_leaves_out_may_name_a_restricted_person_what_it_shows_may_not(
    run, tmp_path: Path
) -> None:
    hidden = make_person("Kourosh Zandieh", id="kourosh-zandieh", restricted=True)
    linking = make_person("Ali Testi", id="ali-testi",
                          associates=[{"id": "kourosh-zandieh", "relation": "brother of Kourosh Zandieh"}])
    import_records(run, tmp_path, [hidden, linking])
    assert run("profiles", str(tmp_path / "out")).code == 0  # the link is left out, and its words
    cited = {"key": "interview-1990", "title": "Interview with Kourosh Zandieh", "kind": "article"}
    sourced = make_person("Bahram Testi", id="bahram-testi")
    sourced["sources"] = [*sourced["sources"], cited]
    import_records(run, tmp_path, [sourced])
    res = run("profiles", str(tmp_path / "out"))
    assert res.code == 4
    assert "bahram-testi: sources[1].title: names restricted person kourosh-zandieh" in res.stderr
    # as a bibliography writes a name, and in a link or a key
    for field, value in (("author", "Zandieh, Kourosh"), ("url", "https://example.org/kourosh-zandieh")):
        cited = {"key": "memoir-1995", "title": "Memoir", "kind": "article", field: value}
        sourced["sources"] = [*sourced["sources"][:1], cited]
        path = write_import(tmp_path, [sourced])
        assert run("import", str(path), "--on-conflict", "update").code == 0
        res = run("profiles", str(tmp_path / "out"))
        assert f"bahram-testi: sources[1].{field}: names restricted person kourosh-zandieh" in res.stderr


def test_the_index_marks_what_the_person_page_marks(run, tmp_path: Path) -> None:
    bare = make_person("Kaveh Testi", id="kaveh-testi", role_1988={"title": "Interrogator", "sources": []},
                       current_post={"title": "Adviser", "sources": []})
    import_records(run, tmp_path, [bare])
    assert run("profiles", str(tmp_path / "out")).code == 0
    row = next(line for line in (tmp_path / "out" / "index.md").read_text(encoding="utf-8").splitlines()
               if line.startswith("| [Kaveh Testi]"))
    assert row.endswith("| Interrogator · **unsourced** | Adviser · **unsourced** · unconfirmed |"), row
