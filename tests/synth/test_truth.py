"""The truth files: valid records, canonical concept keys, and labs that agree with the registry fields."""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from etl.paths import MAPPINGS_DIR
from schemas.records import LabRecord, PatientRecord, record_fields

DOMAIN_OF = {
    "sex": "sex", "diagnosis": "diagnosis", "disease_status": "disease_status", "bridging_therapy": "bridging_therapy",
    "response": "response", "mrd_status": "mrd_status", "donor_type": "donor_type", "graft_source": "graft_source",
    "conditioning": "conditioning", "gvhd_prophylaxis": "gvhd_prophylaxis", "immunosuppression": "immunosuppression",
    "relapse_site": "relapse_site", "hla_loss": "hla_loss", "vital_status": "vital_status",
    "cause_of_death": "cause_of_death",
}


def _rows(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [{k: (v or None) for k, v in r.items()} for r in csv.DictReader(fh)]


@pytest.fixture(scope="module")
def patients(study_night: Path) -> list[dict[str, Any]]:
    return _rows(study_night / "truth" / "patients.csv")


@pytest.fixture(scope="module")
def labs(study_night: Path) -> dict[str, list[dict[str, Any]]]:
    by: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in _rows(study_night / "truth" / "labs.csv"):
        by[r["patient_key"]].append(r)
    return by


def test_columns_are_the_record_fields_in_order(study_night: Path) -> None:
    for name, model in (("patients.csv", PatientRecord), ("labs.csv", LabRecord)):
        header = (study_night / "truth" / name).read_text(encoding="utf-8").splitlines()[0]
        assert header.split(",") == record_fields(model)


def test_every_truth_row_is_a_valid_record(patients: list[dict[str, Any]], labs: dict[str, Any]) -> None:
    for p in patients:
        PatientRecord(**{k: ({"true": True, "false": False}.get(v, v)) for k, v in p.items()})
    for rows in labs.values():
        for r in rows:
            LabRecord(**r)
    assert len(patients) == 55


def test_coded_fields_use_concept_keys(patients: list[dict[str, Any]], labs: dict[str, Any]) -> None:
    keys: dict[str, set[str]] = defaultdict(set)
    with (MAPPINGS_DIR / "concepts.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            keys[r["domain"]].add(r["key"])
    for p in patients:
        for field, domain in DOMAIN_OF.items():
            assert p[field] is None or p[field] in keys[domain], (p["patient_key"], field, p[field])
    assert {r["test"] for rows in labs.values() for r in rows} <= keys["lab_test"]


def test_patient_key_and_codes(patients: list[dict[str, Any]]) -> None:
    for p in patients:
        assert p["registry_code_ru"] in (None, f"ТГСК-{p['patient_key']}")
        assert p["registry_code_en"] in (None, f"HSCT-{p['patient_key']}")
        assert p["registry_code_ru"] or p["registry_code_en"]
        assert p["patient_key"][:4] == p["hsct_date"][:4]
        assert "2015-01-01" <= p["hsct_date"] <= "2023-12-31"
    assert len({p["patient_key"] for p in patients}) == len(patients)


def _day(p: dict[str, Any], r: dict[str, Any]) -> int:
    return (dt.date.fromisoformat(r["result_date"]) - dt.date.fromisoformat(p["hsct_date"])).days


def test_labs_agree_with_the_registry_fields(patients: list[dict[str, Any]], labs: dict[str, Any]) -> None:
    for p in patients:
        mine = labs[p["patient_key"]]
        anc = sorted((_day(p, r), float(r["value_num"])) for r in mine if r["test"] == "anc")
        above = [d for d, v in anc if v > 0.5]
        assert (above[0] if above else None) == (int(p["engraftment_day"]) if p["engraftment_day"] else None)
        alc = [float(r["value_num"]) for r in mine if r["test"] == "alc" and _day(p, r) == 30]
        if alc:
            assert (alc[0] > 0.3) == (p["lymphocytes_d30_gt_0_3"] == "true")
        (cd22,) = [r for r in mine if r["test"] == "cd22_blasts"]
        assert float(cd22["value_num"]) == float(p["cd22_percent"])
        (mrd,) = [r for r in mine if r["test"] == "mrd_flow" and _day(p, r) < 0]
        negative = mrd["value_comparator"] == "<" or float(mrd["value_num"]) < 0.01
        assert negative == (p["mrd_status"] == "negative")
        if p["mrd_value_percent"]:
            assert float(mrd["value_num"]) == float(p["mrd_value_percent"])
        strs = [r["value_code"] for r in mine if r["test"] == "hla_loss_str"]
        assert strs == ([p["hla_loss"]] if p["hla_loss"] in ("loss", "no_loss") else [])
        for r in mine:
            assert r["unit"] in (None, "%", "10*9/L")
