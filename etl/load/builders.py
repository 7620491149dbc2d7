"""Turn harmonized patient records (one row per patient) into the rows of each table.

Input: a DataFrame with the `PatientRecord` fields plus `patient_id`,
`transplant_id` and `raw_row_id` (the winning source row). Output: one
DataFrame per table, columns named as in `schemas.tables`, vectorized.
Surrogate keys of child rows (`therapy_id`, `administration_id`) are left to
the synchronizer, which keeps existing ids stable across runs.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import pandas as pd
import yaml

from etl.harmonize.parse_dates import offsets
from etl.paths import MAPPINGS_DIR
from schemas.records import CODED_FIELDS

TOXICITY_FLAGS = {
    "tox_neutropenia": "toxicity/neutropenia",
    "tox_thrombocytopenia": "toxicity/thrombocytopenia",
    "tox_febrile_neutropenia": "toxicity/febrile_neutropenia",
    "tox_sepsis": "toxicity/sepsis",
    "tox_polyneuropathy": "toxicity/polyneuropathy",
    "tox_sos": "toxicity/sos",
}
INO_DAYS = {"ino_dose_d1": 1, "ino_dose_d8": 8, "ino_dose_d15": 15}


def concept_ids(df: pd.DataFrame, field: str) -> pd.Series:
    """Concept keys of a coded field as concept ids (`domain/key`); None stays None."""
    domain = CODED_FIELDS[field]
    values = df[field]
    return (
        values.where(values.isna(), domain + "/" + values.astype("string")).astype(object).where(values.notna(), None)
    )


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate, leaving out empty frames (their all-NA columns would decide no dtype)."""
    kept = [f for f in frames if not f.empty]
    if not kept:
        return frames[0].iloc[0:0]
    return pd.concat(kept, ignore_index=True)


def _days(dates: pd.Series, origin: pd.Series) -> pd.Series:
    return (pd.to_datetime(dates) - pd.to_datetime(origin)).dt.days.astype("Int64")


def _date_plus(origin: pd.Series, days: pd.Series) -> pd.Series:
    out = pd.to_datetime(origin) + offsets(days, "D")
    return out.dt.date.where(days.notna(), None)


def _age(birth: pd.Series, on: pd.Series) -> pd.Series:
    b, o = pd.to_datetime(birth), pd.to_datetime(on)
    before_birthday = (o.dt.month < b.dt.month) | ((o.dt.month == b.dt.month) & (o.dt.day < b.dt.day))
    return (o.dt.year - b.dt.year - before_birthday.astype(int)).astype(int)


@cache
def regimen_drugs(folder: Path = MAPPINGS_DIR) -> pd.DataFrame:
    """mappings/regimens.yaml as rows: regimen concept id → drug, dose, unit, day."""
    spec = yaml.safe_load((folder / "regimens.yaml").read_text(encoding="utf-8"))
    rows = []
    for regimen, drugs in spec.items():
        purpose = regimen.split("/", 1)[0]  # the regimen's domain names the purpose
        for drug in drugs:
            for day in drug.get("days") or [None]:
                rows.append(
                    {
                        "regimen": regimen,
                        "purpose": purpose,
                        "drug_id": f"drug/{drug['drug']}",
                        "dose": drug.get("dose"),
                        "dose_unit": drug.get("unit"),
                        "therapy_day": 0 if day is None else day,
                        "admin_day": day,
                    }
                )
    return pd.DataFrame(rows)


def build_table(name: str, patients: pd.DataFrame) -> pd.DataFrame:
    """One clinical or personal table's rows for these patients (a table at a time: a large
    registry's tables need not all exist at once)."""
    return BUILDERS[name](patients)


def _person(p: pd.DataFrame) -> pd.DataFrame:
    return p[
        [
            "patient_id",
            "patient_key",
            "registry_code_ru",
            "registry_code_en",
            "full_name_ru",
            "full_name_en",
            "birth_date",
        ]
    ].copy()


def _patient(p: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "patient_id": p["patient_id"],
            "sex_id": concept_ids(p, "sex"),
            "birth_year": pd.to_datetime(p["birth_date"]).dt.year.astype(int),
            "source_updated_at": p["updated_at"],
            "raw_row_id": p["raw_row_id"],
        }
    )


def _diagnosis(p: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "patient_id": p["patient_id"],
            "diagnosis_id": concept_ids(p, "diagnosis"),
            "note": p["diagnosis_note"],
            "disease_status_id": concept_ids(p, "disease_status"),
            "cd22_percent": p["cd22_percent"],
            "raw_row_id": p["raw_row_id"],
        }
    )


def _transplant(p: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "transplant_id": p["transplant_id"],
            "patient_id": p["patient_id"],
            "hsct_date": p["hsct_date"],
            "age_years_at_hsct": _age(p["birth_date"], p["hsct_date"]),
            "donor_type_id": concept_ids(p, "donor_type"),
            "graft_source_id": concept_ids(p, "graft_source"),
            "cd34_dose": p["cd34_dose"],
            "cd3_dose": p["cd3_dose"],
            "conditioning_id": concept_ids(p, "conditioning"),
            "gvhd_prophylaxis_id": concept_ids(p, "gvhd_prophylaxis"),
            "immunosuppression_id": concept_ids(p, "immunosuppression"),
            "raw_row_id": p["raw_row_id"],
        }
    )


def _bridging_therapy(p: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "patient_id": p["patient_id"],
            "transplant_id": p["transplant_id"],
            "regimen_id": concept_ids(p, "bridging_therapy"),
            "start_date": p["therapy_start_date"],
            "start_day": _days(p["therapy_start_date"], p["hsct_date"]),
            "intrathecal": p["intrathecal"],
            "raw_row_id": p["raw_row_id"],
        }
    )


def _disease_assessment(p: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "transplant_id": p["transplant_id"],
            "response_id": concept_ids(p, "response"),
            "mrd_status_id": concept_ids(p, "mrd_status"),
            "mrd_value_percent": p["mrd_value_percent"],
            "mrd_comparator": p["mrd_value_comparator"],
            "raw_row_id": p["raw_row_id"],
        }
    )


def _relapse(p: pd.DataFrame) -> pd.DataFrame:
    relapsed = p[p["relapse"].eq(True)]
    return pd.DataFrame(
        {
            "transplant_id": relapsed["transplant_id"],
            "relapse_date": relapsed["relapse_date"],
            "relapse_day": _days(relapsed["relapse_date"], relapsed["hsct_date"]),
            "site_id": concept_ids(relapsed, "relapse_site"),
            "hla_loss_id": concept_ids(relapsed, "hla_loss"),
            "raw_row_id": relapsed["raw_row_id"],
        }
    )


def _dli(p: pd.DataFrame) -> pd.DataFrame:
    dli = p[p["dli"].eq(True)]
    return pd.DataFrame(
        {"transplant_id": dli["transplant_id"], "dli_date": None, "dli_day": None, "raw_row_id": dli["raw_row_id"]}
    )


def _follow_up(p: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "transplant_id": p["transplant_id"],
            "relapsed": p["relapse"],
            "dli_given": p["dli"],
            "vital_status_id": concept_ids(p, "vital_status"),
            "last_contact_date": p["last_contact_date"],
            "last_contact_day": _days(p["last_contact_date"], p["hsct_date"]),
            "cause_of_death_id": concept_ids(p, "cause_of_death"),
            "raw_row_id": p["raw_row_id"],
        }
    )


def _administrations(p: pd.DataFrame) -> pd.DataFrame:
    ino = p.melt(
        id_vars=["patient_id", "transplant_id", "raw_row_id", "therapy_start_date", "hsct_date"],
        value_vars=list(INO_DAYS),
        var_name="slot",
        value_name="dose",
    ).dropna(subset=["dose"])
    ino["therapy_day"] = ino["slot"].map(INO_DAYS)
    ino["admin_date"] = _date_plus(ino["therapy_start_date"], ino["therapy_day"] - 1)
    ino = ino.assign(
        drug_id="drug/inotuzumab",
        purpose="bridging",
        dose_unit="mg/m2",
        admin_day=_days(ino["admin_date"], ino["hsct_date"]),
    )
    regimen_rows = []
    for field in ("conditioning", "gvhd_prophylaxis", "immunosuppression"):
        regimens = p[["patient_id", "transplant_id", "raw_row_id", "hsct_date"]].assign(regimen=concept_ids(p, field))
        regimen_rows.append(regimens.merge(regimen_drugs(), on="regimen"))
    reg = pd.concat(regimen_rows, ignore_index=True)
    reg["admin_day"] = reg["admin_day"].astype("Int64")
    reg["admin_date"] = _date_plus(reg["hsct_date"], reg["admin_day"])
    columns = [
        "patient_id", "transplant_id", "drug_id", "purpose", "therapy_day", "admin_date", "admin_day", "dose",
        "dose_unit", "raw_row_id",
    ]  # fmt: skip
    out = _concat([ino[columns], reg[columns]])
    out["dose"] = out["dose"].astype(float)
    return out.sort_values(["transplant_id", "purpose", "drug_id", "therapy_day"], ignore_index=True)


def _toxicities(p: pd.DataFrame) -> pd.DataFrame:
    flags = p[["transplant_id", "raw_row_id", *TOXICITY_FLAGS]].melt(
        id_vars=["transplant_id", "raw_row_id"], var_name="field", value_name="present"
    )
    flags = flags.dropna(subset=["present"])
    flags = flags.assign(
        toxicity_id=flags["field"].map(TOXICITY_FLAGS), grade=pd.Series(pd.NA, index=flags.index, dtype="Int64")
    )
    muco = p[p["tox_mucositis_grade"].notna()]
    muco = pd.DataFrame(
        {
            "transplant_id": muco["transplant_id"],
            "raw_row_id": muco["raw_row_id"],
            "toxicity_id": "toxicity/mucositis",
            "present": muco["tox_mucositis_grade"] > 0,
            "grade": muco["tox_mucositis_grade"].astype("Int64"),
        }
    )
    cols = ["transplant_id", "toxicity_id", "present", "grade", "raw_row_id"]
    out = _concat([flags[cols], muco[cols]])
    out["present"] = out["present"].astype(bool)
    return out.sort_values(["transplant_id", "toxicity_id"], ignore_index=True)


def _recovery(p: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "transplant_id": p["transplant_id"],
            "neutrophil_engrafted": p["engrafted"],
            "neutrophil_date": _date_plus(p["hsct_date"], p["engraftment_day"]),
            "neutrophil_day": p["engraftment_day"].astype("Int64"),
            "platelet_recovered": p["platelet_recovered"],
            "platelet_date": _date_plus(p["hsct_date"], p["platelet_recovery_day"]),
            "platelet_day": p["platelet_recovery_day"].astype("Int64"),
            "lymphocytes_d30_gt_0_3": p["lymphocytes_d30_gt_0_3"],
            "raw_row_id": p["raw_row_id"],
        }
    )


def _complications(p: pd.DataFrame) -> pd.DataFrame:
    parts = []
    agvhd = p[p["agvhd_grade"].notna()]
    parts.append(
        pd.DataFrame(
            {
                "transplant_id": agvhd["transplant_id"],
                "complication_id": "complication/agvhd",
                "present": agvhd["agvhd_grade"] > 0,
                "grade": agvhd["agvhd_grade"].astype("Int64"),
                "onset_day": pd.Series(pd.NA, index=agvhd.index, dtype="Int64"),
                "hsct_date": agvhd["hsct_date"],
                "raw_row_id": agvhd["raw_row_id"],
            }
        )
    )
    for name, day_field in (("sos", "sos_day"), ("tma", "tma_day"), ("infection_d100", None)):
        rows = p[p[name].notna()]
        parts.append(
            pd.DataFrame(
                {
                    "transplant_id": rows["transplant_id"],
                    "complication_id": "complication/" + name.removesuffix("_d100"),
                    "present": rows[name].astype(bool),
                    "grade": pd.Series(pd.NA, index=rows.index, dtype="Int64"),
                    "onset_day": (rows[day_field] if day_field else pd.Series(pd.NA, index=rows.index)).astype("Int64"),
                    "hsct_date": rows["hsct_date"],
                    "raw_row_id": rows["raw_row_id"],
                }
            )
        )
    out = _concat(parts)
    out["onset_date"] = _date_plus(out["hsct_date"], out["onset_day"])
    out = out.drop(columns="hsct_date")
    return out.sort_values(["transplant_id", "complication_id"], ignore_index=True)


BUILDERS: dict[str, Callable[[pd.DataFrame], pd.DataFrame]] = {
    "person": _person,
    "patient": _patient,
    "diagnosis": _diagnosis,
    "transplant": _transplant,
    "bridging_therapy": _bridging_therapy,
    "drug_administration": _administrations,
    "disease_assessment": _disease_assessment,
    "pretransplant_toxicity": _toxicities,
    "recovery": _recovery,
    "complication": _complications,
    "relapse": _relapse,
    "dli": _dli,
    "follow_up": _follow_up,
}
