"""Outcome-level cohort table -> canonical PatientRecord rows (identity, dates, codes, values)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from etl.synth.fitting import fit_values
from etl.synth.people import full_names, patient_keys
from schemas.records import PatientRecord, age_in_years, record_fields

CNI_KINDS = ["tac_sir", "csa_sir", "cni_mtor"]
STATUSES = ["relapse", "early_relapse", "second_relapse", "refractory"]
NOTES_RU = ["второй рецидив", "поздний рецидив", "ранний костномозговой рецидив"]
NOTES_EN = ["second relapse", "late relapse", "early bone marrow relapse"]


def _d(v: Any) -> Any:
    return None if v is None or (isinstance(v, float) and np.isnan(v)) else v


def _birth_date(hsct: dt.date, age: int, rng: np.random.Generator) -> dt.date:
    while True:
        birth = hsct - dt.timedelta(days=int(age * 365.25 + rng.integers(1, 364)))
        if age_in_years(birth, hsct) == age:
            return birth


def _mrd(row: pd.Series, rng: np.random.Generator) -> tuple[str, float | None, str | None]:
    if row["resp"] == "cri" and row["mrd"] == "negative":
        return "negative", (None if rng.random() < 0.25 else 0.01), "<"
    if row["resp"] == "cri":
        return "positive", float(round(rng.uniform(0.02, 3.5), 2)), None
    return "positive", float(round(rng.uniform(5, 60), 1)), None


def _updated_at(last_event: dt.date, rng: np.random.Generator) -> dt.datetime:
    start = max(last_event, dt.date(2023, 1, 10))
    days = (dt.date(2023, 12, 31) - start).days
    day = start + dt.timedelta(days=int(rng.integers(0, max(days, 0) + 1)))
    return dt.datetime(day.year, day.month, day.day, int(rng.integers(8, 20)), int(rng.integers(0, 60)))


def to_records(table: pd.DataFrame, rng: np.random.Generator, censor: dt.date) -> list[dict[str, Any]]:
    """One dict per patient with exactly the PatientRecord fields, plus `_feeds` (ru/en/both)."""
    n = len(table)
    ages = fit_values(n, 10, rng, 3, 17)
    female = rng.random(n) < 0.45
    names_ru, names_en = full_names(female, rng)
    hsct = list(table["hsct_date"])
    keys = patient_keys(np.array([d.year for d in hsct]), rng)
    feeds = rng.choice(["ru", "en", "both"], size=n, p=[0.5, 0.25, 0.25])
    rows = []
    for i, (_, t) in enumerate(table.iterrows()):
        rows.append(_one(t, hsct[i], int(ages[i]), bool(female[i]), names_ru[i], names_en[i], keys[i],
                         str(feeds[i]), rng, censor))
    return sorted(rows, key=lambda r: r["patient_key"])


def _one(t: pd.Series, hsct: dt.date, age: int, female: bool, name_ru: str, name_en: str, key: str,
         feeds: str, rng: np.random.Generator, censor: dt.date) -> dict[str, Any]:
    pos = t["grp"] == "pos"
    mrd_status, mrd_value, comparator = _mrd(t, rng)
    if mrd_value is None:
        comparator = None
    rday = _d(t["relapse_day"])
    death = _d(t["death_day"])
    last = hsct + dt.timedelta(days=int(death)) if death is not None else censor
    agvhd = {"none": 0, "mild": int(rng.integers(1, 3)), "severe": int(rng.integers(3, 5))}.get(t["agvhd"])
    in_ru, in_en = feeds in ("ru", "both"), feeds in ("en", "both")
    note = None
    if feeds != "both" and rng.random() < 0.2:
        note = (NOTES_RU if in_ru else NOTES_EN)[int(rng.integers(0, 3))]
    sos_day = _d(t["sos_day"])
    if sos_day is not None and not pos and rng.random() < 0.5:
        sos_day = None  # recorded as a plain yes
    tma_day = _d(t["tma_day"])
    if tma_day is not None and not pos and rng.random() < 0.5:
        tma_day = None
    rel = bool(t["rel"])
    rec = {
        "patient_key": key,
        "registry_code_ru": f"ТГСК-{key}" if in_ru else None,
        "registry_code_en": f"HSCT-{key}" if in_en else None,
        "full_name_ru": name_ru if in_ru else None,
        "full_name_en": name_en if in_en else None,
        "birth_date": _birth_date(hsct, age, rng),
        "sex": "female" if female else "male",
        "diagnosis": "b_all",
        "diagnosis_note": note,
        "disease_status": "refractory" if t["resp"] == "refractory" and rng.random() < 0.5
        else STATUSES[int(rng.integers(0, 3))],
        "cd22_percent": float(t["cd22"]),
        "bridging_therapy": "ino" if pos else ("hd_mtx" if rng.random() < 0.6 else "flu_based"),
        "therapy_start_date": hsct - dt.timedelta(days=int(t["days_to_hsct"])),
        "ino_dose_d1": 0.8 if pos else None,
        "ino_dose_d8": 0.5 if pos else None,
        "ino_dose_d15": 0.5 if pos else None,
        "intrathecal": True,
        "response": t["resp"],
        "mrd_status": mrd_status,
        "mrd_value_percent": mrd_value,
        "mrd_value_comparator": comparator,
        "hsct_date": hsct,
        "donor_type": t["donor"],
        "graft_source": t["graft"],
        "cd34_dose": float(t["cd34"]),
        "cd3_dose": float(t["cd3"]),
        "conditioning": t["cond"],
        "gvhd_prophylaxis": "ptcy" if t["gvhd_px"] == "ptcy" else "atg",
        "immunosuppression": "sir" if t["ist"] == "sir" else CNI_KINDS[int(rng.integers(0, 3))],
        "tox_neutropenia": True,
        "tox_thrombocytopenia": True,
        "tox_febrile_neutropenia": bool(t["febrile"]),
        "tox_sepsis": bool(t["sepsis"]),
        "tox_polyneuropathy": bool(t["polyneuropathy"]),
        "tox_mucositis_grade": 0 if pos else 2,
        "tox_sos": False,
        "engrafted": bool(t["engr"]),
        "engraftment_day": _d(t["engr_day"]),
        "platelet_recovered": t["plt"] if isinstance(t["plt"], bool) else None,
        "platelet_recovery_day": _d(t["plt_day"]),
        "lymphocytes_d30_gt_0_3": bool(t["lymph"]),
        "agvhd_grade": agvhd,
        "sos": bool(t["sos"]),
        "sos_day": sos_day,
        "tma": t["tma"] is not None,
        "tma_day": tma_day,
        "infection_d100": bool(t["inf"]),
        "relapse": rel,
        "relapse_date": hsct + dt.timedelta(days=int(rday)) if rday is not None else None,
        "relapse_site": t["site"] if rel else None,
        "hla_loss": (t["hla"] or "not_tested") if rel else None,
        "dli": bool(rel and t["vital"] == "alive" and t["hla"] != "loss" and rng.random() < 0.6) if rel else False,
        "vital_status": t["vital"],
        "last_contact_date": last,
        "cause_of_death": t["cause"] if t["vital"] == "dead" else None,
        "updated_at": None,
        "_feeds": feeds,
    }
    rec["updated_at"] = _updated_at(min(last, dt.date(2023, 12, 31)), rng)
    for k in ("engraftment_day", "platelet_recovery_day", "sos_day", "tma_day", "agvhd_grade"):
        if rec[k] is not None:
            rec[k] = int(rec[k])
    return rec


def validate(records: list[dict[str, Any]]) -> None:
    """Every truth patient passes PatientRecord validation (raises otherwise)."""
    fields = record_fields(PatientRecord)
    for row in records:
        PatientRecord(**{k: row[k] for k in fields})
