"""Hand-written synthetic PatientRecords for load tests (invented names and dates)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from schemas.records import PatientRecord

BASE: dict[str, Any] = {
    "patient_key": "2019-014",
    "registry_code_ru": "ТГСК-2019-014",
    "registry_code_en": "HSCT-2019-014",
    "full_name_ru": "Синтетова Анна Петровна",
    "full_name_en": "Sintetova Anna Petrovna",
    "birth_date": dt.date(2009, 4, 17),
    "sex": "female",
    "diagnosis": "b_all",
    "diagnosis_note": "второй рецидив",
    "disease_status": "second_relapse",
    "cd22_percent": 74.5,
    "bridging_therapy": "ino",
    "therapy_start_date": dt.date(2019, 4, 20),
    "ino_dose_d1": 0.8,
    "ino_dose_d8": 0.5,
    "ino_dose_d15": 0.5,
    "intrathecal": True,
    "response": "cri",
    "mrd_status": "negative",
    "mrd_value_percent": 0.01,
    "mrd_value_comparator": "<",
    "hsct_date": dt.date(2019, 5, 20),
    "donor_type": "haplo",
    "graft_source": "bm",
    "cd34_dose": 4.8,
    "cd3_dose": 7.1,
    "conditioning": "ric_mel",
    "gvhd_prophylaxis": "ptcy",
    "immunosuppression": "tac_sir",
    "tox_neutropenia": True,
    "tox_thrombocytopenia": True,
    "tox_febrile_neutropenia": False,
    "tox_sepsis": False,
    "tox_polyneuropathy": False,
    "tox_mucositis_grade": 2,
    "tox_sos": False,
    "engrafted": True,
    "engraftment_day": 22,
    "platelet_recovered": True,
    "platelet_recovery_day": 33,
    "lymphocytes_d30_gt_0_3": True,
    "agvhd_grade": 3,
    "sos": True,
    "sos_day": 14,
    "tma": False,
    "tma_day": None,
    "infection_d100": True,
    "relapse": True,
    "relapse_date": dt.date(2019, 10, 31),
    "relapse_site": "bm",
    "hla_loss": "loss",
    "dli": True,
    "vital_status": "dead",
    "last_contact_date": dt.date(2020, 3, 1),
    "cause_of_death": "relapse",
    "updated_at": dt.datetime(2023, 12, 30, 17, 45),
}


def make(key: str, **changes: Any) -> PatientRecord:
    data = {**BASE, "patient_key": key, "registry_code_ru": f"ТГСК-{key}", "registry_code_en": f"HSCT-{key}"}
    data.update(changes)
    return PatientRecord(**data)


def frame(records: list[PatientRecord], raw_row_ids: list[int]) -> pd.DataFrame:
    df = pd.DataFrame([r.model_dump() for r in records])
    df["raw_row_id"] = raw_row_ids
    return df


ALIVE_NO_RELAPSE = {
    "relapse": False,
    "relapse_date": None,
    "relapse_site": None,
    "hla_loss": None,
    "dli": False,
    "vital_status": "alive",
    "cause_of_death": None,
    "last_contact_date": dt.date(2024, 1, 1),
    "bridging_therapy": "hd_mtx",
    "ino_dose_d1": None,
    "ino_dose_d8": None,
    "ino_dose_d15": None,
    "agvhd_grade": 0,
    "sos": False,
    "sos_day": None,
    "conditioning": "mac_bu",
    "gvhd_prophylaxis": "atg",
    "immunosuppression": "sir",
}
