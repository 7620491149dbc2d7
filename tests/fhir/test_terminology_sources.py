"""Every standard code the export emits was verified in a public source, recorded in the data:
the `source` column of concepts.csv and concept_codings.csv, `fixed` of mappings/fhir/terminology.yaml
for the codes of FHIR-defined systems the element mapping and the security labels fix. No code of
terminology.yaml `withdrawn` (unverifiable, or of another meaning) is emitted, and every ATC coding
states the index version it was read from."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select

from etl.db import make_engine
from etl.fhir.concepts import load_terminology
from etl.load.concepts import sync_concepts
from etl.paths import MAPPINGS_DIR
from schemas.tables import ConceptCoding
from tests.fhir.conftest import hsct
from tests.fhir.helpers import ndjson_resources

LOCAL = "https://hsct-registry.example.org/"
ATC = "http://www.whocc.no/atc"


def _rows(name: str) -> list[dict[str, str]]:
    with (MAPPINGS_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def sources() -> dict[tuple[str, str], str]:
    """(system, code) -> where it was verified, from the three places the data records it."""
    out = {(r["system"], r["code"]): r["source"] for r in _rows("concepts.csv")}
    out |= {(r["system"], r["code"]): r["source"] for r in _rows("concept_codings.csv")}
    for system, codes in load_terminology()["fixed"].items():
        out |= {(system, str(code)): source for code, source in codes.items()}
    return out


def codings(node: Any) -> Iterator[dict[str, Any]]:
    """Every Coding of a resource: the items of `coding` lists and of `meta.security`, at any depth."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("coding", "security") and isinstance(value, list):
                yield from (c for c in value if isinstance(c, dict) and "system" in c)
            yield from codings(value)
    elif isinstance(node, list):
        for item in node:
            yield from codings(item)


def test_every_row_of_the_concept_data_names_its_source() -> None:
    for name in ("concepts.csv", "concept_codings.csv"):
        for r in _rows(name):
            local = r["system"].startswith(LOCAL)
            assert r["source"].strip(), f"{name}: {r['domain']}/{r['key']} has no source"
            assert (r["source"] == "local") == local, f"{name}: {r['domain']}/{r['key']}: {r['source']!r}"
    atc = [r for r in _rows("concepts.csv") if r["system"] == ATC]
    assert atc and all(r["version"] == load_terminology()["versions"][ATC] for r in atc)
    withdrawn = {(w["system"], str(w["code"])) for w in load_terminology()["withdrawn"]}
    assert len(withdrawn) == 6 and not withdrawn & set(sources())


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HSCT_PARTNER_BERLIN_SECRET", "test-berlin-0123456789abcdef0123456789abcdef")


@pytest.mark.parametrize("partner", ["demo", "berlin"])
def test_every_emitted_standard_coding_has_a_source(loaded_db: str, tmp_path: Path, partner: str) -> None:
    hsct("export", "fhir", "--db", loaded_db, "--out", str(tmp_path), "--format", "ndjson", "--partner", partner)
    known = sources()
    withdrawn = {(w["system"], str(w["code"])) for w in load_terminology()["withdrawn"]}
    emitted: set[tuple[str, str]] = set()
    atc = 0
    for resource in ndjson_resources(tmp_path):
        for c in codings(resource):
            key = (c["system"], c["code"])
            emitted.add(key)
            assert key not in withdrawn, f"{key} is withdrawn, yet {resource['resourceType']}/{resource['id']} has it"
            if c["system"] == ATC:
                assert c.get("version") == "2024", c
                atc += 1
            else:
                assert "version" not in c, c
    standard = {k for k in emitted if not k[0].startswith(LOCAL)}
    missing = sorted(k for k in standard if not known.get(k, "").strip() or known[k] == "local")
    assert missing == []
    # the export does emit the kinds checked: SNOMED, LOINC, ATC, RxNorm, the FHIR-defined systems
    systems = {s for s, _ in standard}
    assert {"http://snomed.info/sct", "http://loinc.org", ATC, "http://www.nlm.nih.gov/research/umls/rxnorm"} <= systems
    assert ("http://terminology.hl7.org/CodeSystem/v3-ObservationValue", "PSEUDED") in standard
    assert ("http://loinc.org", "97509-4") in standard  # the disease status (mCODE CancerDiseaseStatus)
    assert atc > 0


def test_a_coding_withdrawn_from_the_data_leaves_the_database(loaded_db: str) -> None:
    """A database loaded before a coding was withdrawn (SNOMED 303071001 beside the haploidentical
    donor) loses it at the next concept sync, so that the export stops sending it."""
    engine = make_engine(loaded_db)
    stale = {"concept_id": "donor_type/haplo", "system": "http://snomed.info/sct", "code": "303071001"}
    try:
        with engine.begin() as conn:
            conn.execute(insert(ConceptCoding.__table__).values(**stale, display="Person in the family"))
        sync_concepts(engine)
        with engine.connect() as conn:
            rows = conn.execute(select(ConceptCoding.__table__)).all()
    finally:
        engine.dispose()
    assert {(r.concept_id, r.system, r.code) for r in rows} == {
        (f"{r['domain']}/{r['key']}", r["system"], r["code"]) for r in _rows("concept_codings.csv")
    }
