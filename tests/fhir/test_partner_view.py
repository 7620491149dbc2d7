"""What a partner center can use, for a partner given shifted dates (demo) and one given day offsets
(berlin): every clinical resource carries its time, every reference resolves inside the export,
Conditions carry their statuses and category, ResearchSubjects their status from the vital status,
every resource its security labels, the Provenance what was done and by whom, and the manifest the
request it answers; pseudonym secrets too short or shared between partners are refused."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from etl.cli import main
from etl.db import make_engine
from etl.errors import EXIT_PARTNER, PartnerError
from etl.fhir.partners import check_dates, checked_secret, load_partners
from schemas.tables import DrugAdministration, FollowUp, Recovery, Transplant
from tests.fhir.conftest import hsct, node_validate
from tests.fhir.helpers import TIMED, bundle_entries, ndjson_resources, references, timing

LABELS = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"
SECRETS = {
    "HSCT_PARTNER_BERLIN_SECRET": "test-berlin-0123456789abcdef0123456789abcdef",
    "HSCT_PARTNER_PRAGUE_SECRET": "test-prague-0123456789abcdef0123456789abcdef",
}


@pytest.fixture(autouse=True)
def _partner_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)


def _export(db: str, out: Path, partner: str, fmt: str = "ndjson") -> Path:
    hsct("export", "fhir", "--db", db, "--out", str(out), "--format", fmt, "--partner", partner, "--validate", "all")
    return out


def _undatable_administrations(db: str) -> int:
    """Drug administrations with neither date nor day, whose purpose does not place them (ATG)."""
    engine = make_engine(db)
    with engine.connect() as conn:
        rows = conn.execute(
            select(DrugAdministration.purpose).where(
                DrugAdministration.admin_date.is_(None), DrugAdministration.admin_day.is_(None)
            )
        ).all()
    engine.dispose()
    return sum(purpose not in ("conditioning", "immunosuppression") for (purpose,) in rows)


def _code(r: dict[str, Any]) -> str | None:
    return r.get("code", {}).get("coding", [{}])[0].get("code")


def test_every_clinical_resource_carries_its_time_and_every_reference_resolves(
    loaded_db: str, tmp_path: Path, node_tools: Path
) -> None:
    engine = make_engine(loaded_db)
    with engine.connect() as conn:
        engraftment = {r.neutrophil_day for r in conn.execute(select(Recovery.neutrophil_day)) if r.neutrophil_day}
        transplants = conn.execute(select(Transplant.transplant_id)).all()
    engine.dispose()
    undatable = _undatable_administrations(loaded_db)
    assert undatable == 1  # night_small: one ATG without a day
    for partner in ("demo", "berlin"):
        folder = _export(loaded_db, tmp_path / partner, partner)
        resources = list(ndjson_resources(folder))
        by_key = {f"{r['resourceType']}/{r['id']}": r for r in resources}
        transplant_of = {
            r["subject"]["reference"]: r for r in resources if r["resourceType"] == "Procedure" and "usedCode" in r
        }
        assert len(transplant_of) == len(transplants) == 3
        timed = [r for r in resources if r["resourceType"] in TIMED]
        assert len(timed) > 80
        absent = 0
        for r in timed:
            when = timing(r)
            if "absent" in when:
                assert r["resourceType"] == "MedicationAdministration" and when["absent"] == "unknown", r
                absent += 1
                continue
            transplant = transplant_of[r["subject"]["reference"]]
            if partner == "demo":
                assert all(isinstance(v, str) and len(v) == 10 for v in when.values()), r
            else:  # every day points at the patient's own transplant
                assert {event for event, _ in when.values()} == {f"Procedure/{transplant['id']}"}, r
        assert absent == undatable
        # the four kinds undated before: lymphocytes on D+30, CD22, MRD and the response before HSCT
        lymphocytes = [r for r in resources if _code(r) == "lymphocytes-d30-gt-0.3"]
        before = [r for r in resources if _code(r) in ("cd22-blasts", "mrd-flow", "response-before-hsct")]
        assert len(lymphocytes) == 3 and len(before) >= 6
        for r in lymphocytes:
            transplant = transplant_of[r["subject"]["reference"]]
            if partner == "demo":
                d30 = dt.date.fromisoformat(r["effectiveDateTime"]) - dt.date.fromisoformat(
                    transplant["performedDateTime"]
                )
                assert d30.days == 30
            else:
                assert timing(r) == {"day": (f"Procedure/{transplant['id']}", 30)}
        undated = 0
        for r in before:  # recorded "before HSCT" without a date: a Period ending on the transplant's day
            if "effectivePeriod" not in r:
                assert _code(r) != "response-before-hsct"  # a dated lab result of the same test
                continue
            transplant = transplant_of[r["subject"]["reference"]]
            d0 = transplant.get("performedDateTime") or (f"Procedure/{transplant['id']}", 0)
            assert timing(r) == {"end": d0}, r
            undated += 1
        assert undated >= 8  # 3 responses, 3 MRD, 2 CD22
        if partner == "berlin":
            days = {
                timing(r)["day"][1]
                for r in resources
                if _code(r) == "neutrophil-engraftment" and "_effectiveDateTime" in r
            }
            assert days == engraftment
            assert all(timing(t) == {"day": (f"Procedure/{t['id']}", 0)} for t in transplant_of.values())
        for r in resources:  # every reference resolves inside the export
            contained = {f"#{c['id']}" for c in r.get("contained", [])}
            for ref in references(r):
                assert ref in by_key or ref in contained, f"{ref} of {r['resourceType']}/{r['id']} is not exported"
        summary, problems = node_validate(node_tools, sorted(folder.glob("*.ndjson")))
        assert problems == [] and summary == {"validated": len(resources), "invalid": 0}
    entries = list(bundle_entries(_export(loaded_db, tmp_path / "berlin-bundle", "berlin", "bundle")))
    exported = {f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in entries}
    for e in entries:
        contained = {f"#{c['id']}" for c in e["resource"].get("contained", [])}
        assert all(ref in exported or ref in contained for ref in references(e["resource"]))


def test_statuses_categories_labels_provenance_and_manifest(loaded_db: str, tmp_path: Path) -> None:
    engine = make_engine(loaded_db)
    with engine.connect() as conn:
        vital = sorted(v for (v,) in conn.execute(select(FollowUp.vital_status_id)))
    engine.dispose()
    assert vital == ["vital_status/alive", "vital_status/alive", "vital_status/dead"]
    for partner, dates in (("demo", "shift"), ("berlin", "offset")):
        folder = _export(loaded_db, tmp_path / partner, partner)
        resources = list(ndjson_resources(folder))
        conditions = [r for r in resources if r["resourceType"] == "Condition"]
        assert len(conditions) > 10
        for c in conditions:  # only what was present: an absence is a negative Observation (test_clinical_links)
            (clinical,) = c["clinicalStatus"]["coding"]
            (verification,) = c["verificationStatus"]["coding"]
            assert clinical["system"] == "http://terminology.hl7.org/CodeSystem/condition-clinical"
            assert [cat["coding"][0]["code"] for cat in c["category"]] == ["problem-list-item"]
            assert verification["code"] == "confirmed" and clinical["code"] in ("active", "relapse")
        assert {c["clinicalStatus"]["coding"][0]["code"] for c in conditions} == {"active", "relapse"}
        # ResearchSubject.status from the vital status Observation of the same patient
        vital_of = {
            r["subject"]["reference"]: r["valueCodeableConcept"]["coding"][0]["code"]
            for r in resources
            if _code(r) == "vital-status"
        }
        subjects = [r for r in resources if r["resourceType"] == "ResearchSubject"]
        assert sorted(r["status"] for r in subjects) == ["follow-up", "follow-up", "off-study"]
        for s in subjects:
            assert s["status"] == {"dead": "off-study", "alive": "follow-up"}[vital_of[s["individual"]["reference"]]]
        # security labels: every resource pseudonymized; dates abstracted for the offset partner (and birth years)
        for r in resources:
            labels = {(s["system"], s["code"]) for s in r["meta"]["security"]}
            assert (LABELS, "PSEUDED") in labels, r
            abstracted = r["resourceType"] == "Patient" or (dates == "offset" and r["resourceType"] in TIMED)
            assert ((LABELS, "ABSTRED") in labels) == abstracted, r
        provenances = [r for r in resources if r["resourceType"] == "Provenance"]
        assert len(provenances) == 3
        for p in provenances:
            assert p["activity"]["coding"] == [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                    "code": "PSEUD",
                    "display": "pseudonymize",
                }
            ]
            assert ("moved by one offset per patient" in p["activity"]["text"]) == (dates == "shift")
            assert ("days from the transplant" in p["activity"]["text"]) == (dates == "offset")
            assert p["policy"][0].endswith("dates-shifted" if dates == "shift" else "days-from-transplant")
            (agent,) = p["agent"]
            assert agent["type"]["coding"][0]["code"] == "assembler" and "display" not in agent["who"]
            (device,) = [c for c in p["contained"] if f"#{c['id']}" == agent["who"]["reference"]]
            assert device["resourceType"] == "Device" and agent["onBehalfOf"]["type"] == "Organization"
        manifest = json.loads((folder / "manifest.json").read_text())
        base = {"demo": "http://127.0.0.1:8080/fhir", "berlin": "https://fhir.partner-berlin.example.org/R4"}[partner]
        assert manifest["request"] == (
            f"{base}/$export?_type=Patient,ResearchStudy,ResearchSubject,Condition,Observation,"
            "MedicationAdministration,Procedure,Provenance"
        )
        assert {p.name.split(".")[1] for p in folder.glob("*.ndjson")} == {"000001"}  # one part numbering


def test_a_short_or_shared_secret_is_refused(loaded_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    partners = load_partners()
    assert checked_secret(partners["berlin"], partners) == SECRETS["HSCT_PARTNER_BERLIN_SECRET"].encode()
    monkeypatch.setenv("HSCT_PARTNER_BERLIN_SECRET", "x" * 31)
    with pytest.raises(PartnerError, match=r"'berlin'.*HSCT_PARTNER_BERLIN_SECRET.*31 bytes.*at least 32"):
        checked_secret(partners["berlin"], partners)
    monkeypatch.setenv("HSCT_PARTNER_BERLIN_SECRET", "x" * 32)
    assert checked_secret(partners["berlin"], partners) == b"x" * 32
    monkeypatch.setenv("HSCT_PARTNER_PRAGUE_SECRET", "x" * 32)
    with pytest.raises(PartnerError, match=r"'berlin' and 'prague' have the same pseudonym secret"):
        checked_secret(partners["berlin"], partners)
    monkeypatch.setenv("HSCT_PARTNER_BERLIN_SECRET", partners["demo"].demo_secret or "")
    with pytest.raises(PartnerError, match=r"'berlin' and 'demo'"):
        checked_secret(partners["berlin"], partners)
    offset_without_transplants = replace(partners["berlin"], resource_types=("Patient", "Observation"))
    with pytest.raises(PartnerError, match=r"add Procedure to its resource_types"):
        check_dates(offset_without_transplants, "Procedure")
    # the command line: exit code 6, the partner and the variable named, nothing written
    monkeypatch.setenv("HSCT_PARTNER_BERLIN_SECRET", "short")
    out = tmp_path / "refused"
    result = CliRunner().invoke(main, ["export", "fhir", "--db", loaded_db, "--out", str(out), "--partner", "berlin"])
    assert result.exit_code == EXIT_PARTNER, result.output
    assert "berlin" in result.output and "HSCT_PARTNER_BERLIN_SECRET" in result.output
    assert not list(out.glob("*.ndjson")) and not list(out.glob("*.json"))
