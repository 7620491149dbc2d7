"""The FHIR export of a real night: valid for two validators, deterministic, bilingual, coded."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from etl.fhir import validate_resource
from etl.fhir.writers import MAX_OBSERVATIONS, BundleWriter
from tests.fhir.conftest import hsct, node_validate
from tests.fhir.helpers import bundle_entries, by_type, file_bytes, ndjson_resources

TYPES = {
    "Patient", "ResearchStudy", "ResearchSubject", "Condition", "Observation", "MedicationAdministration",
    "Procedure", "Provenance",
}  # fmt: skip


def _export(db: str, out: Path, fmt: str, *extra: str) -> str:
    return hsct("export", "fhir", "--db", db, "--out", str(out), "--format", fmt, "--validate", "all", *extra)


def test_every_resource_is_valid_for_both_validators_and_exports_are_byte_identical(
    loaded_db: str, tmp_path: Path, node_tools: Path
) -> None:
    for fmt in ("ndjson", "bundle"):
        out = _export(loaded_db, tmp_path / f"{fmt}1", fmt)
        assert "validated by the R4 models: 105" in out
        _export(loaded_db, tmp_path / f"{fmt}2", fmt)
        assert file_bytes(tmp_path / f"{fmt}1") == file_bytes(tmp_path / f"{fmt}2")
    resources = list(ndjson_resources(tmp_path / "ndjson1"))
    assert {r["resourceType"] for r in resources} == TYPES
    assert len(resources) == 105  # 102 + the disease status of each of 3 patients
    for r in resources:
        assert validate_resource(r) == [], r
    summary, problems = node_validate(node_tools, sorted((tmp_path / "ndjson1").glob("*.ndjson")))
    assert problems == [] and summary == {"validated": 105, "invalid": 0}
    bundles = sorted((tmp_path / "bundle1").glob("*.json"))
    summary, problems = node_validate(node_tools, bundles)
    assert problems == [] and summary == {"validated": 105 + len(bundles), "invalid": 0}
    entries = list(bundle_entries(tmp_path / "bundle1"))
    assert sorted(json.dumps(e["resource"], sort_keys=True) for e in entries) == sorted(
        json.dumps(r, sort_keys=True) for r in resources
    )
    assert all(e["request"] == {"method": "PUT", "url": f"{e['resource']['resourceType']}/{e['resource']['id']}"}
               for e in entries)  # fmt: skip
    manifest = json.loads((tmp_path / "ndjson1" / "manifest.json").read_text())
    listed: dict[str, int] = {}
    for o in manifest["output"]:
        listed[o["type"]] = listed.get(o["type"], 0) + o["count"]
        assert (tmp_path / "ndjson1" / o["url"]).exists()
    assert listed == {t: sum(r["resourceType"] == t for r in resources) for t in TYPES}


def test_codes_are_standard_where_they_exist_and_carry_russian_translations(loaded_db: str, tmp_path: Path) -> None:
    _export(loaded_db, tmp_path / "out", "ndjson")
    resources = list(ndjson_resources(tmp_path / "out"))
    diagnosis = [r for r in resources if r["resourceType"] == "Condition"
                 and r["code"]["coding"][0]["code"] == "C91.0"]  # fmt: skip
    assert len(diagnosis) == 3
    codings = {(c["system"], c["code"]) for c in diagnosis[0]["code"]["coding"]}
    assert codings == {("http://hl7.org/fhir/sid/icd-10", "C91.0"), ("http://snomed.info/sct", "277571004")}
    primary = diagnosis[0]["code"]["coding"][0]
    translation = primary["_display"]["extension"][0]
    assert translation["url"] == "http://hl7.org/fhir/StructureDefinition/translation"
    assert {"url": "content", "valueString": "Острый лимфобластный лейкоз"} in translation["extension"]
    labs = {c["code"]: r for r in resources if r["resourceType"] == "Observation" for c in r["code"]["coding"]}
    assert labs["751-8"]["valueQuantity"]["system"] == "http://unitsofmeasure.org"
    assert labs["751-8"]["valueQuantity"]["code"] == "10*9/L" and labs["751-8"]["valueQuantity"]["value"] == 0.6
    mrd = [r for r in resources if r["resourceType"] == "Observation" and r["code"]["coding"][0]["code"] == "mrd-flow"]
    assert {r.get("valueQuantity", {}).get("comparator") for r in mrd} >= {"<"}
    assert any(r.get("interpretation", [{}])[0].get("coding", [{}])[0].get("code") == "negative" for r in mrd)
    drugs = {r["medicationCodeableConcept"]["coding"][0]["code"]: r for r in resources
             if r["resourceType"] == "MedicationAdministration"}  # fmt: skip
    assert {"L01FB01", "L01AA03", "L01AA01", "L04AD02", "L04AH01", "L04AA04", "L01AB01"} <= set(drugs)
    assert drugs["L01FB01"]["dosage"]["dose"]["code"] == "mg/m2"
    arms = sorted(r["assignedArm"] for r in resources if r["resourceType"] == "ResearchSubject")
    assert arms == ["InO+", "InO+", "InO-"]


def test_an_invalid_resource_is_caught_by_each_validator(tmp_path: Path, node_tools: Path) -> None:
    good = {
        "resourceType": "Observation",
        "id": "a1",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "751-8"}]},
        "subject": {"reference": "Patient/p1"},
        "valueQuantity": {"value": 0.6, "unit": "10*9/L", "system": "http://unitsofmeasure.org", "code": "10*9/L"},
    }
    broken_code = copy.deepcopy(good)
    broken_code["code"]["coding"][0]["code"] = " 751-8 x "
    missing_status = {k: v for k, v in good.items() if k != "status"}
    missing_code = {k: v for k, v in good.items() if k != "code"}
    assert validate_resource(good) == []
    for bad in (broken_code, missing_status, missing_code):
        assert validate_resource(bad), bad
    path = tmp_path / "Observation.ndjson"
    path.write_text("\n".join(json.dumps(r) for r in (good, broken_code, missing_status, missing_code)) + "\n")
    summary, problems = node_validate(node_tools, [path])
    assert summary == {"validated": 4, "invalid": 3}
    assert [p["line"] for p in problems] == [2, 3, 4]
    texts = [json.dumps(p["issues"]) for p in problems]
    assert "Invalid code" in texts[0] and "Observation.status" in texts[1] and "Observation.code" in texts[2]


def test_bundles_carry_at_most_50_observations_and_the_provenance_last(tmp_path: Path) -> None:
    writer = BundleWriter(tmp_path, "https://fhir.example.org")
    patient = {"resourceType": "Patient", "id": "p1"}
    observations = [{"resourceType": "Observation", "id": f"o{i:03d}"} for i in range(120)]
    provenance = {"resourceType": "Provenance", "id": "v1"}
    writer.patient("p1", [patient, *observations, provenance], [("Observation", "old1"), ("Condition", "old2")])
    parts = [json.loads(p.read_text()) for p in sorted(tmp_path.glob("p1-*.json"))]
    assert len(parts) == 3
    for part in parts:
        assert sum("Observation/" in e["request"]["url"] for e in part["entry"]) <= MAX_OBSERVATIONS
    first_urls = [e["request"]["url"] for e in parts[0]["entry"]]
    assert first_urls[:2] == ["Condition/old2", "Patient/p1"] and "Observation/old1" in first_urls
    assert parts[-1]["entry"][-1]["resource"] == provenance
    assert sum(len(p["entry"]) for p in parts) == 124


def test_output_is_the_same_for_any_chunk_size_and_number_of_workers(loaded_db: str, tmp_path: Path) -> None:
    from etl.db import make_engine
    from etl.fhir import export_fhir, get_partner

    engine = make_engine(loaded_db)
    demo = get_partner("demo")
    for fmt in ("ndjson", "bundle"):
        whole = export_fhir(engine, demo, tmp_path / f"{fmt}-whole", fmt, validate="all")
        one = export_fhir(engine, demo, tmp_path / f"{fmt}-1", fmt, validate="all", workers=1, chunk_size=1)
        two = export_fhir(engine, demo, tmp_path / f"{fmt}-2", fmt, validate="all", workers=2, chunk_size=1)
        assert whole.counts == one.counts == two.counts and whole.validated == two.validated == 105
        assert file_bytes(tmp_path / f"{fmt}-1") == file_bytes(tmp_path / f"{fmt}-2")
    assert len(list((tmp_path / "ndjson-2").glob("Patient.*.ndjson"))) == 3
    assert by_type(tmp_path / "ndjson-whole") == by_type(tmp_path / "ndjson-2")
    assert file_bytes(tmp_path / "bundle-whole") == file_bytes(tmp_path / "bundle-2")
    engine.dispose()
