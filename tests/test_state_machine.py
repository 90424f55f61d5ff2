"""Stateful property test: any sequence of add / edit / rm / import / export
leaves ``export`` equal to a plain dict model of what the commands said they did."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule

from dossier import api
from dossier.api import exporting, transfer
from dossier.model import rules
from dossier.model.person import dump, validate_person

GIVEN = ["Dariush", "Kaveh", "Bahram", "Shirin", "Mahdi", "داریوش"]
FAMILY = ["Fakeri", "Namdar", "Sadeghi", "Pourzadeh", "نامدار"]
names = st.builds(lambda g, f: f"{g} {f}", st.sampled_from(GIVEN), st.sampled_from(FAMILY))
text = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Cf")), max_size=40)
dates = st.sampled_from([None, "1988", "1988-07", "1988-07-29", "SH1367-05-07"])


@st.composite
def imported_person(draw: st.DrawFn) -> dict[str, Any]:
    pid = draw(st.sampled_from(["imp-a", "imp-b", "imp-c"]))
    record: dict[str, Any] = {"id": pid, "name": draw(names), "narrative": draw(text)}
    if draw(st.booleans()):
        record["role_1988"] = {"title": "Prosecutor", "start": draw(dates), "sources": ["src"]}
        record["sources"] = [{"key": "src", "title": "Shared report", "url": "https://example.org/r"}]
    return record


class DossierMachine(RuleBasedStateMachine):
    persons = Bundle("persons")

    @initialize()
    def fresh_database(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="dossier-sm-"))
        self.db = self.folder / "db.json"
        self.model: dict[str, dict[str, Any]] = {}

    @rule(target=persons, name=names)
    def add(self, name: str) -> str:
        person = api.add(self.db, api.NewPerson(name=name))
        assert person["id"] not in self.model
        self.model[person["id"]] = rules.content(person)
        return str(person["id"])

    @rule(pid=persons, narrative=text)
    def edit(self, pid: str, narrative: str) -> None:
        if pid not in self.model:
            return
        api.edit(self.db, pid, [f"narrative={narrative}"])
        self.model[pid] = rules.content(dump(validate_person({**self.model[pid], "narrative": narrative})))

    @rule(pid=persons)
    def rm(self, pid: str) -> None:
        if pid not in self.model:
            return
        api.remove(self.db, pid)
        del self.model[pid]

    @rule(batch=st.lists(imported_person(), min_size=1, max_size=3, unique_by=lambda r: r["id"]))
    def import_file(self, batch: list[dict[str, Any]]) -> None:
        path = self.folder / "in.ndjson"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in batch), encoding="utf-8")
        report = transfer.import_path(self.db, path, on_conflict="update")
        for record in batch:
            self.model[record["id"]] = rules.content(dump(validate_person(record)))
        assert len(report.added) + len(report.updated) + len(report.unchanged) == len(batch)

    @invariant()
    def export_equals_model(self) -> None:
        if not hasattr(self, "db"):
            return
        out = self.folder / "out.json"
        exporting.export(self.db, out, fmt="json")
        exported = json.loads(out.read_text(encoding="utf-8"))
        assert {r["id"]: rules.content(r) for r in exported} == self.model


DossierMachine.TestCase.settings = settings(
    max_examples=30, stateful_step_count=8, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestDossierMachine = DossierMachine.TestCase
