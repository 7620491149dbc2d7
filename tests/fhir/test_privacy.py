"""Pseudonymized per partner: no personal data leaves; ids unrelated across partners, stable per partner;
dates shifted per patient (intervals exact) or replaced by days from the transplant (relative-date)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from etl.db import make_engine
from schemas.tables import Person, Recovery, Transplant
from tests.fhir.conftest import hsct
from tests.fhir.helpers import SIGN, bundle_entries, ndjson_resources, second_night

SECRETS = {
    "HSCT_PARTNER_BERLIN_SECRET": "test-secret-berlin-0123456789abcdef0123456789",
    "HSCT_PARTNER_PRAGUE_SECRET": "test-secret-prague-0123456789abcdef0123456789",
}
ISO_DATE = re.compile(rb"\d{4}-\d{2}-\d{2}")


def _relative_dates(node: Any) -> list[dict[str, Any]]:
    """Every relative-date extension, as {relationship, offset}, at any depth."""
    out = []
    if isinstance(node, dict):
        if node.get("url") == "http://hl7.org/fhir/StructureDefinition/relative-date":
            parts = {e["url"]: e for e in node["extension"]}
            out.append({"relationship": parts["relationship"]["valueCode"], "offset": parts["offset"]["valueDuration"]})
        for value in node.values():
            out += _relative_dates(value)
    elif isinstance(node, list):
        for item in node:
            out += _relative_dates(item)
    return out


@pytest.fixture(autouse=True)
def _partner_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)


def _export(db: str, out: Path, partner: str, fmt: str = "ndjson") -> Path:
    hsct("export", "fhir", "--db", db, "--out", str(out), "--format", fmt, "--partner", partner, "--validate", "all")
    return out


def _personal_strings(db: str) -> set[str]:
    engine = make_engine(db)
    with engine.connect() as conn:
        people = conn.execute(select(Person.__table__)).all()
    engine.dispose()
    found: set[str] = set()
    for p in people:
        found |= {p.patient_key, p.registry_code_ru, p.registry_code_en, p.full_name_ru, p.full_name_en}
        found |= {p.birth_date.isoformat(), p.birth_date.strftime("%d.%m.%Y"), p.birth_date.strftime("%Y%m%d")}
        for name in (p.full_name_ru, p.full_name_en):
            found |= set((name or "").split())  # each part of a name alone
    return {s for s in found if s and len(s) >= 3}


def test_no_name_registry_code_or_date_of_birth_leaves(loaded_db: str, tmp_path: Path) -> None:
    personal = _personal_strings(loaded_db)
    assert len(personal) > 20  # names, codes and dates of birth of the 3 patients
    exports = [
        _export(loaded_db, tmp_path / f"{partner}-{fmt}", partner, fmt)
        for partner in ("demo", "berlin", "prague")
        for fmt in ("ndjson", "bundle")
    ]
    scanned = 0
    for folder in exports:
        for path in folder.iterdir():
            data = path.read_bytes()
            scanned += len(data)
            text = data.decode("utf-8")
            for s in personal:
                assert s not in text, f"{s!r} found in {path}"
                # a name part as a word of its own, in any case (not inside another word)
                assert not re.search(rf"(?<!\w){re.escape(s)}(?!\w)", text, re.IGNORECASE), f"{s!r} in {path}"
    assert scanned > 100_000
    notes = "второй рецидив"  # free text of a diagnosis note in the feeds is never exported
    assert all(notes.encode() not in p.read_bytes() for f in exports for p in f.iterdir())


def test_ids_differ_between_partners_and_stay_the_same_for_one_partner(loaded_db: str, tmp_path: Path) -> None:
    demo = {r["id"] for r in ndjson_resources(_export(loaded_db, tmp_path / "demo", "demo"))}
    prague = {r["id"] for r in ndjson_resources(_export(loaded_db, tmp_path / "prague", "prague"))}
    assert len(demo) == 105 and len(prague) > 50
    assert not demo & prague
    patients_night1 = {r["id"] for r in ndjson_resources(tmp_path / "demo") if r["resourceType"] == "Patient"}
    hsct("run", "--source", str(second_night(tmp_path)), "--db", loaded_db, "--wait")
    night2 = _export(loaded_db, tmp_path / "demo2", "demo")
    patients_night2 = {r["id"] for r in ndjson_resources(night2) if r["resourceType"] == "Patient"}
    assert len(patients_night2) == 2 and patients_night2 < patients_night1


def test_dates_are_shifted_per_patient_with_exact_intervals_or_given_as_day_offsets(
    loaded_db: str, tmp_path: Path
) -> None:
    engine = make_engine(loaded_db)
    with engine.connect() as conn:
        real = {r.hsct_date.isoformat() for r in conn.execute(select(Transplant.hsct_date))}
        engraftment = {r.neutrophil_day for r in conn.execute(select(Recovery.neutrophil_day)) if r.neutrophil_day}
    engine.dispose()
    resources = list(ndjson_resources(_export(loaded_db, tmp_path / "demo", "demo")))
    transplants = [r for r in resources if r["resourceType"] == "Procedure" and "usedCode" in r]
    shifted = {r["performedDateTime"] for r in transplants}
    assert len(shifted) == 3 and not shifted & real
    by_patient = {r["subject"]["reference"]: r["performedDateTime"] for r in transplants}
    intervals = set()
    for r in resources:
        code = r.get("code", {}).get("coding", [{}])[0].get("code")
        if code == "neutrophil-engraftment" and "effectiveDateTime" in r:
            from datetime import date

            day = date.fromisoformat(r["effectiveDateTime"]) - date.fromisoformat(by_patient[r["subject"]["reference"]])
            intervals.add(day.days)
    assert intervals == engraftment
    berlin = _export(loaded_db, tmp_path / "berlin", "berlin")
    for r in ndjson_resources(berlin):
        r.pop("recorded", None)  # Provenance: when the ETL ran, not a date of the patient's
        assert not ISO_DATE.search(json.dumps(r).encode()), f"a date in {r}"
    offsets = [  # the relative-date extensions: days after (before) the start of the transplant
        SIGN[rel["relationship"]] * rel["offset"]["value"] for rel in _relative_dates(list(ndjson_resources(berlin)))
    ]
    assert 0 in offsets and set(engraftment) <= set(offsets) and min(offsets) < 0
    entries = list(bundle_entries(_export(loaded_db, tmp_path / "berlin-b", "berlin", "bundle")))
    assert all(e["fullUrl"].startswith("https://fhir.partner-berlin.example.org/R4/") for e in entries)
