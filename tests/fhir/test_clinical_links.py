"""The clinical modeling a partner needs beyond the resources themselves, for a partner given shifted
dates (demo) and one given day offsets (berlin): the disease status before the transplant as an mCODE
CancerDiseaseStatus Observation focused on the diagnosis (not Condition.stage); the transplant and
every drug administration pointing at the diagnosis they treat, the conditioning, prophylaxis and
immunosuppression `partOf` their transplant, complications pointing at it; an absent complication or
toxicity as a negative Observation (LOINC LA9634-2 Absent), never a refuted Condition; dosage with
course totals said to be course totals and no dose invented."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import func, select

from etl.db import make_engine
from etl.fhir import transforms
from etl.fhir.concepts import ConceptIndex
from schemas.tables import Complication, Diagnosis, PretransplantToxicity
from tests.fhir.conftest import hsct
from tests.fhir.helpers import ndjson_resources, timing

LOINC = "http://loinc.org"
DISEASE_STATUS = "https://hsct-registry.example.org/fhir/CodeSystem/disease-status"
ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
COMPLICATION = "https://hsct-registry.example.org/fhir/CodeSystem/complication"
ABSENT_CODE = "LA9634-2"  # LOINC answer "Absent"
TRANSPLANT_PURPOSES = {"conditioning", "gvhd-prophylaxis", "immunosuppression"}


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HSCT_PARTNER_BERLIN_SECRET", "test-berlin-0123456789abcdef0123456789abcdef")


def _code(r: dict[str, Any], field: str = "code") -> str:
    return r[field]["coding"][0]["code"]


def _system_code(r: dict[str, Any]) -> tuple[str, str]:
    coding = r["code"]["coding"][0]
    return coding["system"], coding["code"]


def _counts(db: str) -> tuple[int, int, int]:
    """(patients with a disease status, complications recorded absent, toxicities recorded absent)."""
    engine = make_engine(db)
    with engine.connect() as conn:
        status = conn.execute(select(func.count()).where(Diagnosis.disease_status_id.is_not(None))).scalar_one()
        complications = conn.execute(select(func.count()).where(Complication.present.is_(False))).scalar_one()
        toxicities = conn.execute(select(func.count()).where(PretransplantToxicity.present.is_(False))).scalar_one()
    engine.dispose()
    return status, complications, toxicities


def _check_dosage(administrations: list[dict[str, Any]]) -> None:
    """Course totals said so, the dose of each PTCy day as it is, no invented dose."""
    drugs: dict[str, list[dict[str, Any]]] = {}
    for a in administrations:
        drugs.setdefault(_code(a, "medicationCodeableConcept"), []).append(a)
    for atc, total in (("L01AB01", (12.0, "mg/kg")), ("L01AA03", (140.0, "mg/m2"))):
        for a in drugs.get(atc, []):
            dose = a["dosage"]["dose"]
            assert (dose["value"], dose["code"]) == total
            assert a["dosage"]["text"].startswith(f"course total {total[0]:g} {total[1]}")
    assert "L01AB01" in drugs and "L01AA03" in drugs
    assert "per os or intravenous" in drugs["L01AB01"][0]["dosage"]["text"]
    for a in drugs["L01AA01"]:  # post-transplant cyclophosphamide 50 mg/kg on D+3 and D+4
        assert a["dosage"]["dose"]["value"] == 50.0 and "text" not in a["dosage"]
    for a in drugs["L04AA04"]:  # ATG: the registry records no dose
        assert a["dosage"]["dose"] == {"extension": [{"url": ABSENT, "valueCode": "unknown"}]}
        assert a["dosage"]["text"] == "dose not recorded by the registry"
    for a in drugs["L01FB01"]:  # inotuzumab: the dose of each administration, no text
        assert a["dosage"]["dose"]["code"] == "mg/m2" and set(a["dosage"]) == {"dose"}


@pytest.mark.parametrize("partner", ["demo", "berlin"])
def test_disease_status_links_absences_and_dosage(loaded_db: str, tmp_path: Path, partner: str) -> None:
    n_status, n_absent_complications, n_absent_toxicities = _counts(loaded_db)
    assert n_status == 3 and n_absent_complications > 5 and n_absent_toxicities > 5
    hsct("export", "fhir", "--db", loaded_db, "--out", str(tmp_path), "--format", "ndjson", "--partner", partner)
    resources = list(ndjson_resources(tmp_path))
    by_ref = {f"{r['resourceType']}/{r['id']}": r for r in resources}

    def target(ref: dict[str, str], rtype: str, subject: str) -> dict[str, Any]:
        r = by_ref[ref["reference"]]  # resolves inside the export, to the same patient's resource
        assert r["resourceType"] == rtype and r["subject"]["reference"] == subject, (ref, r)
        return r

    diagnosis = {r["subject"]["reference"]: r for r in resources
                 if r["resourceType"] == "Condition" and _code(r) == "C91.0"}  # fmt: skip
    transplants = {r["subject"]["reference"]: r for r in resources
                   if r["resourceType"] == "Procedure" and "usedCode" in r}  # fmt: skip
    assert len(diagnosis) == len(transplants) == 3
    assert all("stage" not in d for d in diagnosis.values())  # mCODE keeps stage.summary for the stage

    # disease status: mCODE CancerDiseaseStatus (LOINC 97509-4), focus the diagnosis, before the transplant
    status = [r for r in resources if r["resourceType"] == "Observation" and _code(r) == "97509-4"]
    assert len(status) == n_status
    for s in status:
        subject = s["subject"]["reference"]
        (focus,) = s["focus"]
        assert target(focus, "Condition", subject) is diagnosis[subject]
        assert s["valueCodeableConcept"]["coding"][0]["system"] == DISEASE_STATUS
        day0 = transplants[subject].get("performedDateTime") or (f"Procedure/{transplants[subject]['id']}", 0)
        assert timing(s) == {"end": day0}

    # HLA loss is looked for in the relapse
    hla = [r for r in resources if r["resourceType"] == "Observation" and _code(r) == "hla-loss-str" and "focus" in r]
    assert hla
    for r in hla:
        (focus,) = r["focus"]
        assert _code(target(focus, "Condition", r["subject"]["reference"])) == "relapse-after-hsct"

    # the transplant treats the diagnosis
    for subject, t in transplants.items():
        (reason,) = t["reasonReference"]
        assert target(reason, "Condition", subject) is diagnosis[subject]

    # every administration: reasonReference the diagnosis (mCODE: reasonCode or reasonReference);
    # conditioning, prophylaxis and immunosuppression partOf the transplant, the bridging therapy not
    administrations = [r for r in resources if r["resourceType"] == "MedicationAdministration"]
    purposes: set[str] = set()
    for a in administrations:
        subject, purpose = a["subject"]["reference"], _code(a, "category")
        purposes.add(purpose)
        (reason,) = a["reasonReference"]
        assert target(reason, "Condition", subject) is diagnosis[subject]
        if purpose in TRANSPLANT_PURPOSES:
            (part,) = a["partOf"]
            assert target(part, "Procedure", subject) is transplants[subject]
        else:
            assert purpose == "bridging" and "partOf" not in a
    assert purposes == TRANSPLANT_PURPOSES | {"bridging"}

    # complications present: Conditions pointing at their transplant; absent: negative Observations
    conditions = [r for r in resources if r["resourceType"] == "Condition"]
    assert all(_code(c, "verificationStatus") == "confirmed" for c in conditions)
    complication_codes = {("http://snomed.info/sct", "402355000")} | {
        (COMPLICATION, code) for code in ("sos", "ta-tma", "infection-d100")
    }
    present = [c for c in conditions if _system_code(c) in complication_codes]
    assert present
    for c in present:
        subject = c["subject"]["reference"]
        (detail,) = c["evidence"][0]["detail"]
        assert target(detail, "Procedure", subject) is transplants[subject]
    observations = [r for r in resources if r["resourceType"] == "Observation"]
    negatives = [
        r for r in observations if r.get("valueCodeableConcept", {}).get("coding", [{}])[0].get("code") == ABSENT_CODE
    ]
    assert len(negatives) == n_absent_complications + n_absent_toxicities
    absent_complications = [r for r in negatives if _system_code(r) in complication_codes]
    assert len(absent_complications) == n_absent_complications
    for r in negatives:
        assert r["valueCodeableConcept"]["coding"][0]["system"] == LOINC
        assert "stage" not in r and "interpretation" not in r
    for r in absent_complications:  # over the registry's window after the transplant, part of it
        subject = r["subject"]["reference"]
        (part,) = r["partOf"]
        assert target(part, "Procedure", subject) is transplants[subject]
        day0 = transplants[subject].get("performedDateTime") or (f"Procedure/{transplants[subject]['id']}", 0)
        assert timing(r) == {"start": day0}

    _check_dosage(administrations)


def test_dosage_gives_the_route_a_regimen_names_and_never_a_dose_it_lacks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The paper names no route for sure, so the demo sends none: a regimen entry with `route` (as
    mappings/regimens.yaml allows) gives `dosage.route` from the fhir_route concept."""
    iv = {"coding": [{"system": "http://snomed.info/sct", "code": "47625008"}], "text": "Intravenous route"}
    regimens = {
        ("conditioning", "drug/melphalan"): {"drug": "melphalan", "dose_is": "course_total", "route": "iv"},
        ("gvhd_prophylaxis", "drug/atg"): {"drug": "atg", "route": "iv"},
    }
    monkeypatch.setattr(transforms, "regimen_drugs", lambda: regimens)
    ctx = SimpleNamespace(concepts=ConceptIndex({"fhir_route/iv": iv}, {}))
    frame = pd.DataFrame({
        "dose": [140.0, None, 1.8], "unit": ["mg/m2", None, "mg/m2"],
        "purpose": ["conditioning", "gvhd_prophylaxis", "bridging"],
        "drug": ["drug/melphalan", "drug/atg", "drug/inotuzumab"],
    })  # fmt: skip
    args = {"dose": "dose", "unit_column": "unit", "purpose": "purpose", "drug": "drug"}
    melphalan, atg, ino = transforms.dosage(frame, args, ctx)  # type: ignore[arg-type]  # a stand-in context: dosage reads only .concepts
    assert melphalan["route"] is iv and melphalan["text"] == "course total 140 mg/m2"
    assert melphalan["dose"] == {
        "value": 140.0,
        "unit": "mg/m2",
        "system": "http://unitsofmeasure.org",
        "code": "mg/m2",
    }
    assert atg == {
        "text": "dose not recorded by the registry",
        "route": iv,
        "dose": {"extension": [{"url": ABSENT, "valueCode": "unknown"}]},
    }
    assert set(ino) == {"dose"} and ino["dose"]["value"] == 1.8
