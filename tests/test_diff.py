"""`dossier diff`: persons added, removed and changed, field by field, against crafted exports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

from dossier import store
from dossier.api.diff import Change, diff_records, touched_since
from dossier.cli.views import render_markdown
from dossier.model.person import dump, validate_person
from tests.conftest import make_person

STAMP = "2026-01-10T09:00:00Z"


def canonical(data: dict[str, Any], *, created: str = STAMP, updated: str = STAMP) -> dict[str, Any]:
    """A record as stored and exported (every field, timestamps set)."""
    record = dump(validate_person(data))
    record["created"], record["updated"] = created, updated
    return record


def fakeri() -> dict[str, Any]:
    return canonical(make_person(
        "Dariush Fakeri", id="dariush-fakeri", aliases=["Dariosh Fakery", "D. Fakeri"],
        current_post={"title": "Judge", "organization": "Supreme Court", "as_of": "2017",
                      "sources": ["example-report-1990"]},
        posts=[{"title": "Deputy prosecutor", "place": "Tabriz", "start": "1984"},
               {"title": "Prosecutor", "place": "Urmia", "start": "1986"}],
        associates=[{"id": "kaveh-namdar", "relation": "fellow member"}],
    ))


def seed(db: Path, *records: dict[str, Any]) -> None:
    with store.transaction(db) as tx:
        tx.put_many(records)


def paths(diff, person_id: str) -> list[tuple[str, str]]:
    person = next(p for p in diff.changed if p.id == person_id)
    return [(c.path, c.kind) for c in person.changes]


# --- the pure function ----------------------------------------------------------


def test_added_removed_changed():
    old = [fakeri(), canonical(make_person("Bahram Sadeghi", id="bahram-sadeghi"))]
    new_fakeri = fakeri()
    new_fakeri["role_1988"]["title"] = "Judge"
    new = [new_fakeri, canonical(make_person("Kaveh Namdar", id="kaveh-namdar"))]
    diff = diff_records(old, new)
    assert diff.added == [{"id": "kaveh-namdar", "name": "Kaveh Namdar"}]
    assert diff.removed == [{"id": "bahram-sadeghi", "name": "Bahram Sadeghi"}]
    assert [p.id for p in diff.changed] == ["dariush-fakeri"]
    assert diff.changed[0].changes == [Change("role_1988.title", "changed", "Prosecutor", "Judge")]
    assert diff.counts() == "1 added, 1 removed, 1 changed"


def test_identical_and_timestamps_only_are_no_change():
    touched = fakeri()
    touched["updated"] = "2026-05-01T00:00:00Z"
    assert not diff_records([fakeri()], [touched])


def test_missing_fields_equal_empty_ones():
    old = {"id": "dariush-fakeri", "name": "Dariush Fakeri"}  # an export with fields left out
    new = {"id": "dariush-fakeri", "name": "Dariush Fakeri", "aliases": [], "native_name": None,
           "narrative": "", "posts": [], "role_1988": None}
    assert not diff_records([old], [new])


def test_text_lists_compare_as_sets():
    new = fakeri()
    new["aliases"] = ["D. Fakeri", "Fakeri-ye Tabrizi"]
    new["tags"] = ["tabriz"]
    new["current_post"]["sources"] = []
    changes = diff_records([fakeri()], [new]).changed[0].changes
    assert changes == [
        Change("aliases", "removed", "Dariosh Fakery", None),
        Change("aliases", "added", None, "Fakeri-ye Tabrizi"),
        Change("current_post.sources", "removed", "example-report-1990", None),
        Change("tags", "added", None, "tabriz"),
    ]
    reordered = fakeri()
    reordered["aliases"].reverse()
    assert paths(diff_records([fakeri()], [reordered]), "dariush-fakeri") == [("aliases", "changed")]


def test_sources_by_key_and_associates_by_id():
    new = fakeri()
    new["sources"][0]["url"] = "https://example.org/r2"
    new["sources"].append({**new["sources"][0], "key": "un-1989", "title": "UN report"})
    new["associates"] = [{"id": "kaveh-namdar", "relation": "fellow judge", "sources": [],
                          "confidence": "medium"},
                         {"id": "bahram-sadeghi", "relation": None, "sources": [], "confidence": "low"}]
    assert paths(diff_records([fakeri()], [new]), "dariush-fakeri") == [
        ("associates[kaveh-namdar].relation", "changed"),
        ("associates[bahram-sadeghi]", "added"),
        ("sources[example-report-1990].url", "changed"),
        ("sources[un-1989]", "added"),
    ]


def test_posts_pair_by_content_not_position():
    new = fakeri()
    new["posts"].insert(0, {"title": "Clerk", "start": "1980"})  # shifts every index
    new["posts"][1]["end"] = "1986"                               # Deputy prosecutor, now posts[1]
    del new["posts"][1]["place"]
    diff = diff_records([fakeri()], [new])
    assert paths(diff, "dariush-fakeri") == [
        ("posts[0]", "added"), ("posts[1].end", "added"), ("posts[1].place", "removed"),
    ]
    gone = fakeri()
    gone["posts"] = gone["posts"][1:]
    assert paths(diff_records([fakeri()], [gone]), "dariush-fakeri") == [("posts[0]", "removed")]


def test_current_post_set_and_cleared():
    cleared = fakeri()
    cleared["current_post"] = None
    diff = diff_records([fakeri()], [cleared])
    change = diff.changed[0].changes[0]
    assert (change.path, change.kind) == ("current_post", "removed")
    assert "Judge (Supreme Court)" in render_markdown(diff)
    back = diff_records([cleared], [fakeri()])
    assert (back.changed[0].changes[0].path, back.changed[0].changes[0].kind) == ("current_post", "added")


def test_merged_person_is_named():
    keep = fakeri()
    keep["merged_ids"] = ["d-fakeri"]
    other = canonical(make_person("D. Fakeri", id="d-fakeri"))
    diff = diff_records([fakeri(), other], [keep])
    assert diff.removed == [{"id": "d-fakeri", "name": "D. Fakeri", "merged_into": "dariush-fakeri"}]
    assert "merged into [dariush-fakeri](dariush-fakeri.md)" in render_markdown(diff)


def test_since_uses_timestamps():
    records = [
        canonical(make_person("Old Unchanged", id="a"), created="2025-01-01T00:00:00Z",
                  updated="2025-02-01T00:00:00Z"),
        canonical(make_person("Old Changed", id="b"), created="2025-01-01T00:00:00Z",
                  updated="2026-03-01T12:00:00Z"),
        canonical(make_person("New One", id="c"), created="2026-03-01T00:00:00Z",
                  updated="2026-03-01T00:00:00Z"),
    ]
    diff = touched_since(records, "2026-03-01")
    assert [p["id"] for p in diff.added] == ["c"]
    assert [p.id for p in diff.changed] == ["b"]
    assert not diff.removed_known
    assert [p.id for p in touched_since(records, "2026-03-01T06:00:00Z").changed] == ["b"]
    assert touched_since(records, "2026-03-01T06:00:00Z").added == []


# --- through the CLI ------------------------------------------------------------


@pytest.fixture
def exported(db: Path, tmp_path: Path) -> Path:
    """OLD.json as `export --format json` wrote it; then the database moves on."""
    old = [fakeri(), canonical(make_person("Bahram Sadeghi", id="bahram-sadeghi"))]
    path = tmp_path / "OLD.json"
    path.write_text(json.dumps(old, ensure_ascii=False, indent=2), encoding="utf-8")
    changed = fakeri()
    changed["role_1988"]["title"] = "Judge"
    changed["current_post"]["as_of"] = "2024-06"
    changed["aliases"].append("Fakeri [Tabrizi]")
    seed(db, changed, canonical(make_person("Kaveh <b>Namdar</b>", id="kaveh-namdar")))
    return path


def test_cli_text(run, exported):
    res = run("diff", str(exported))
    assert res.code == 0, res
    assert res.stdout.splitlines()[0] == "Changes since OLD.json: 1 added, 1 removed, 1 changed"
    assert "  + kaveh-namdar  Kaveh <b>Namdar</b>" in res.stdout
    assert "  - bahram-sadeghi  Bahram Sadeghi" in res.stdout
    assert '      role_1988.title: "Prosecutor" → "Judge"' in res.stdout
    assert '      current_post.as_of: "2017" → "2024-06"' in res.stdout
    assert '      aliases: + "Fakeri [Tabrizi]"' in res.stdout


def test_cli_json(run, exported):
    out = run("diff", str(exported), "--format", "json").json()
    assert [p["id"] for p in out["added"]] == ["kaveh-namdar"]
    assert [p["id"] for p in out["removed"]] == ["bahram-sadeghi"]
    changes = out["changed"][0]["changes"]
    assert {"path": "role_1988.title", "kind": "changed", "old": "Prosecutor", "new": "Judge"} in changes
    assert out["removed_known"] is True


def test_cli_markdown_changelog(run, exported):
    text = run("diff", str(exported), "--format", "markdown").stdout
    assert text.startswith("# Changes since OLD.json\n")
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == ["## Added", "## Removed", "## Changed"]
    assert "- [Dariush Fakeri](dariush-fakeri.md)\n  - `aliases`: " in text
    assert "\n  - `role_1988.title`: " in text
    assert '\n  - `aliases`: added "Fakeri \\[Tabrizi\\]"\n' in text
    html = MarkdownIt("commonmark").render(text)
    assert '<a href="kaveh-namdar.md">Kaveh &lt;b&gt;Namdar&lt;/b&gt;</a>' in html
    assert "<b>" not in html  # record text never becomes markup
    assert "Fakeri [Tabrizi]" in html
    assert "<h2>Changed</h2>" in html


def test_cli_accepts_persons_object_ndjson_and_stdin(run, exported, tmp_path):
    old = json.loads(exported.read_text(encoding="utf-8"))
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(json.dumps({"persons": old}), encoding="utf-8")
    lines = tmp_path / "old.ndjson"
    lines.write_text("\n".join(json.dumps(r) for r in old) + "\n", encoding="utf-8")
    expected = run("diff", str(exported), "--format", "json").json()
    for arg, stdin in ((str(wrapped), None), (str(lines), None), ("-", exported.read_text())):
        got = run("diff", arg, "--format", "json", input=stdin).json()
        assert {k: got[k] for k in ("added", "removed", "changed")} == {
            k: expected[k] for k in ("added", "removed", "changed")}


def test_cli_no_changes(run, db, tmp_path):
    seed(db, fakeri())
    path = tmp_path / "same.json"
    path.write_text(json.dumps([fakeri()]), encoding="utf-8")
    assert run("diff", str(path)).stdout == "Changes since same.json: 0 added, 0 removed, 0 changed\n"
    assert "No changes." in run("diff", str(path), "--format", "markdown").stdout


def test_cli_since(run, db):
    seed(db,
         canonical(make_person("Old Changed", id="b"), created="2025-01-01T00:00:00Z",
                   updated="2026-03-01T12:00:00Z"),
         canonical(make_person("New One", id="c"), created="2026-03-02T00:00:00Z",
                   updated="2026-03-02T00:00:00Z"))
    res = run("diff", "--since", "2026-03-01")
    assert res.code == 0, res
    assert "  + c  New One" in res.stdout
    assert "  ~ b  Old Changed" in res.stdout
    assert "Removed persons cannot be known from --since" in res.stdout
    out = run("diff", "--since", "2026-03-02", "--format", "json").json()
    assert ([p["id"] for p in out["added"]], out["changed"], out["removed_known"]) == (["c"], [], False)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [((), 2, "or --since DATE"), (("x.json", "--since", "2026"), 2, "not both"),
     (("--since", "2026-13-01"), 2, "--since: not a date"), (("missing.json",), 4, "no such file")],
)
def test_cli_usage_errors(run, db, args, code, message):
    res = run("diff", *args)
    assert res.code == code, res
    assert message in res.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "not a JSON export"), ('{"people": []}', 'or {"persons": [...]}'),
     ('[{"name": "no id"}]', "[0]: not a person with an id")],
)
def test_cli_bad_export_exits_4(run, db, tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    res = run("diff", str(path))
    assert res.code == 4, res
    assert message in res.stderr


def test_diff_does_not_change_the_export_or_database(run, exported, db):
    before = (exported.read_bytes(), db.read_bytes())
    run("diff", str(exported))
    assert (exported.read_bytes(), db.read_bytes()) == before


def test_cli_older_partial_export_shows_only_real_changes(run, db, tmp_path):
    # an export without the fields added since (defaults): only the title change is real
    path = tmp_path / "v0.json"
    path.write_text(json.dumps([{"id": "dariush-fakeri", "name": "Dariush Fakeri",
                                 "role_1988": {"title": "Prosecutor"}}]), encoding="utf-8")
    seed(db, canonical({"id": "dariush-fakeri", "name": "Dariush Fakeri", "role_1988": {"title": "Judge"}}))
    out = run("diff", str(path), "--format", "json").json()
    assert out["changed"][0]["changes"] == [
        {"path": "role_1988.title", "kind": "changed", "old": "Prosecutor", "new": "Judge"}]


@pytest.mark.parametrize("earlier", ["split", "old.yaml", "old.csv"])
def test_diff_reads_a_split_folder_and_every_export_format(run, db, tmp_path, earlier):
    source = ["--source-url", "https://example.org/r", "--source-title", "R"]
    assert run("add", "Dariush Fakeri", *source).code == 0
    args = [str(tmp_path / earlier)] + (["--split"] if earlier == "split" else [])
    assert run("export", *args).code == 0
    assert run("edit", "dariush-fakeri", "--set", "tags+=checked").code == 0
    assert run("add", "Kaveh Testi").code == 0
    out = run("diff", str(tmp_path / earlier), "--format", "json")
    assert out.code == 0, out
    found = out.json()
    assert [p["id"] for p in found["added"]] == ["kaveh-testi"]
    assert [(c["id"], [f["path"] for f in c["changes"]]) for c in found["changed"]] == [
        ("dariush-fakeri", ["tags"])]
