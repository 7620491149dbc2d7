"""`--since`: after changing one patient and deleting another, the export holds exactly those changes."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from etl.db import make_engine
from schemas.tables import EtlRun
from tests.fhir.conftest import hsct
from tests.fhir.helpers import file_bytes, ndjson_resources, patient_refs, second_night


def _export(db: str, out: Path, *extra: str) -> Path:
    hsct("export", "fhir", "--db", db, "--out", str(out), "--format", "ndjson", "--validate", "all", *extra)
    return out


def _by_patient(folder: Path) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for r in ndjson_resources(folder):
        for ref in patient_refs(r):
            out.setdefault(ref, set()).add(f"{r['resourceType']}/{r['id']}")
    return out


def test_since_exports_the_changed_patient_and_deletes_the_deleted_one(loaded_db: str, tmp_path: Path) -> None:
    first = _export(loaded_db, tmp_path / "night1")
    before = _by_patient(first)
    cd34_before = {
        r["subject"]["reference"]: r["valueQuantity"]["value"]
        for r in ndjson_resources(first)
        if r["resourceType"] == "Observation" and r["code"]["coding"][0]["code"] == "cd34-dose"
    }
    hsct("run", "--source", str(second_night(tmp_path)), "--db", loaded_db, "--wait")
    since = _export(loaded_db, tmp_path / "since1", "--since", "1")
    changed = list(ndjson_resources(since))
    # the precise change set (issue 16, item 4): the changed Observation and its patient's Provenance only
    assert sorted(r["resourceType"] for r in changed) == ["Observation", "Provenance"]
    (changed_ref,) = set().union(*(patient_refs(r) for r in changed))
    assert all(patient_refs(r) == {changed_ref} for r in changed)
    assert {f"{r['resourceType']}/{r['id']}" for r in changed} < before[changed_ref]
    cd34 = [r for r in changed if r["resourceType"] == "Observation" and r["code"]["coding"][0]["code"] == "cd34-dose"]
    assert cd34[0]["valueQuantity"]["value"] == 0.9 and cd34_before[changed_ref] == 0.6
    (deleted_file,) = since.glob("deleted.*.ndjson")
    deleted_bundles = [json.loads(line) for line in deleted_file.read_text().splitlines()]
    assert len(deleted_bundles) == 1
    urls = {e["request"]["url"] for e in deleted_bundles[0]["entry"]}
    assert all(e["request"]["method"] == "DELETE" for e in deleted_bundles[0]["entry"])
    gone = [
        ref
        for ref in before
        if ref not in {changed_ref} and ref not in _by_patient(_export(loaded_db, tmp_path / "all2"))
    ]
    assert len(gone) == 1
    assert urls == before[gone[0]]
    manifest = json.loads((since / "manifest.json").read_text())
    assert manifest["deleted"] == [{"type": "Bundle", "url": deleted_file.name, "count": 1}]
    run1 = json.loads((first / "manifest.json").read_text())["transactionTime"]  # when run 1 finished
    assert manifest["request"] == (
        "http://127.0.0.1:8080/fhir/$export?_type=Patient,ResearchStudy,ResearchSubject,Condition,Observation,"
        f"MedicationAdministration,Procedure,Provenance&_since={run1.replace('+', '%2B')}"
    )
    # the same --since again: byte-identical; by time stamp: the same as by run
    again = _export(loaded_db, tmp_path / "since1b", "--since", "1")
    assert file_bytes(again) == file_bytes(since)
    engine = make_engine(loaded_db)
    with engine.connect() as conn:
        finished = conn.execute(select(EtlRun.finished_at).where(EtlRun.run_id == 1)).scalar_one()
    engine.dispose()
    by_time = _export(loaded_db, tmp_path / "since-t", "--since", finished.isoformat())
    assert file_bytes(by_time) == file_bytes(since)
    nothing = _export(loaded_db, tmp_path / "since2", "--since", "2")
    assert sorted(p.name for p in nothing.iterdir()) == ["manifest.json"]
