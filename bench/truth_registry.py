"""Load a synthetic registry into a database straight from a generator's truth files
(truth/patients.csv: PatientRecord fields; truth/labs.csv: LabRecord fields) through
etl.load, repeating the cohort under new patient codes up to N patients when asked.

Used by bench/fhir_export.py to build the 100,000-patient registry quickly and
deterministically (the nightly run parses feeds; this skips to the harmonized records).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from etl.extract import ROW_NUMBER, RawTable
from etl.load.labs import attach_patients, load_labs
from etl.load.patients import load_patients
from etl.load.raw import store_raw
from etl.run.bookkeeping import finish_run, start_run
from schemas.records import PatientRecord

BOOLS = [
    "intrathecal", "tox_neutropenia", "tox_thrombocytopenia", "tox_febrile_neutropenia", "tox_sepsis",
    "tox_polyneuropathy", "tox_sos", "engrafted", "platelet_recovered", "lymphocytes_d30_gt_0_3", "sos", "tma",
    "infection_d100", "relapse", "dli",
]  # fmt: skip
DATES = ["birth_date", "therapy_start_date", "hsct_date", "relapse_date", "last_contact_date"]


def read_truth(truth: Path, patients: int | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    p = pd.read_csv(truth / "patients.csv", dtype=str, keep_default_na=False).replace("", None)
    labs = pd.read_csv(truth / "labs.csv", dtype=str, keep_default_na=False).replace("", None)
    records = [
        PatientRecord(**{k: v for k, v in r.items() if v is not None}).model_dump() for r in p.to_dict("records")
    ]
    base = pd.DataFrame(records)
    n = patients or len(base)
    copies = -(-n // len(base))
    frames, lab_frames = [], []
    for c in range(copies):
        f = base.copy()
        if c:
            keys = f["patient_key"].str.slice(0, 5) + (f.index + c * len(base)).map(lambda i: f"{i:06d}")
            mapping = dict(zip(base["patient_key"], keys, strict=True))
            f["patient_key"] = keys
            f["registry_code_ru"] = "ТГСК-" + keys
            f["registry_code_en"] = "HSCT-" + keys
            f["full_name_en"] = f["full_name_en"] + f" {c}"
            f["full_name_ru"] = f["full_name_ru"] + f" {c}"
            lab = labs.assign(patient_key=labs["patient_key"].map(mapping))
        else:
            lab = labs
        frames.append(f)
        lab_frames.append(lab)
    out = pd.concat(frames, ignore_index=True).iloc[:n]
    lab_out = pd.concat(lab_frames, ignore_index=True)
    lab_out = lab_out[lab_out["patient_key"].isin(set(out["patient_key"]))].reset_index(drop=True)
    lab_out["value_num"] = pd.to_numeric(lab_out["value_num"])
    lab_out["result_date"] = pd.to_datetime(lab_out["result_date"]).dt.date
    return out, lab_out


def _raw(name: str, feed: str, codes: list[str]) -> RawTable:
    rows = pd.DataFrame({ROW_NUMBER: range(2, 2 + len(codes)), "code": codes})
    sha = hashlib.sha256(("\n".join(codes) + name).encode()).hexdigest()
    return RawTable(
        path=Path(name), feed=feed, format="csv", sha256=sha, size=len(codes), encoding="utf-8", delimiter=";",
        sheet=None, header_row=1, headers=["code"], columns=["code"], rows=rows, cell_origin="text",
    )  # fmt: skip


def load_truth(engine: Engine, truth: Path, patients: int | None = None) -> tuple[int, int]:
    """One completed run holding the truth's patients and labs; returns (patients, lab results)."""
    records, labs = read_truth(truth, patients)
    run_id = start_run(engine, str(truth))
    with engine.begin() as conn:
        _, ids = store_raw(conn, _raw("registry_en_truth.csv", "registry_en", list(records["patient_key"])), {})
        records["raw_row_id"] = ids.to_numpy()[: len(records)]
        vs = pd.DataFrame({"patient_key": [], "field": [], "raw_row_id": []})
        load_patients(conn, records, vs, run_id, set(records["patient_key"]))
        _, lab_ids = store_raw(conn, _raw("labs_truth.csv", "labs", list(labs["patient_key"])), {})
        labs["raw_row_id"] = lab_ids.to_numpy()[: len(labs)]
        load_labs(conn, attach_patients(conn, labs), run_id)
        total = len(records) + len(labs)
        counts = {"rows_in": total, "rows_loaded": total, "rows_merged": 0, "rows_quarantined": 0}
        finish_run(conn, run_id, counts, "completed", None)
    return len(records), len(labs)
