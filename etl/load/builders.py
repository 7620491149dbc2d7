"""Turn harmonized patient records (one row per patient) into the rows of each table.

Input: a DataFrame with the `PatientRecord` fields plus `patient_id`,
`transplant_id` and `raw_row_id` (the winning source row). Output: one
DataFrame per table, columns named as in `schemas.tables`, vectorized.
Surrogate keys of child rows (`therapy_id`, `administration_id`) are left to
the synchronizer, which keeps existing ids stable across runs.

A wide table (one row per patient or transplant) is built from the field
catalogue alone (`mappings/field_catalogue.yaml`, `wide_table`): each column
it names is its record field copied (a concept key as its concept id, an
Integer column as Int64) or made by the `as` of the catalogue (`HOWS`). The
long tables (one row per drug, toxicity or complication) have builders of
their own below; which record field feeds which of their rows is read from
the catalogue too (`TOXICITY_FLAGS`, `complication_sources`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import pandas as pd
import yaml
from sqlalchemy import Integer

from etl.harmonize.catalogue import Catalogue, Column, RecordField, load_catalogue
from etl.harmonize.parse_dates import offsets
from etl.paths import MAPPINGS_DIR
from schemas.tables import metadata

INO_DAYS = {"ino_dose_d1": 1, "ino_dose_d8": 8, "ino_dose_d15": 15}


def _present_flags(table: str) -> dict[str, str]:
    """Record field → concept, for the record fields copied into `present` of a long table's rows."""
    return {
        target.name: column.concept
        for target, column in load_catalogue().table_columns(table)
        if column.column == "present" and column.how == "copy"
    }


# boolean record field -> the toxicity it says was present (pretransplant_toxicity rows), from the catalogue
TOXICITY_FLAGS = _present_flags("pretransplant_toxicity")


def complication_sources() -> list[tuple[str, str, str | None]]:
    """(record field of "present", complication concept, record field of the onset day or None), for
    each complication whose presence is a copied flag (the catalogue's `complication.present@...`)."""
    columns = load_catalogue().table_columns("complication")
    days = {c.concept: t.name for t, c in columns if c.column == "onset_day"}
    return [(name, concept, days.get(concept)) for name, concept in _present_flags("complication").items()]


def concept_ids(df: pd.DataFrame, field: str, catalogue: Catalogue | None = None) -> pd.Series:
    """Concept keys of a coded field as concept ids (`domain/key`); None stays None. The field's domain
    is the catalogue's (`mappings/field_catalogue.yaml`; None: the shipped one)."""
    domain = (catalogue or load_catalogue()).coded_fields("registry")[field]
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


def build_table(name: str, patients: pd.DataFrame, catalogue: Catalogue | None = None) -> pd.DataFrame:
    """One clinical or personal table's rows for these patients (a table at a time: a large
    registry's tables need not all exist at once). `catalogue`: the field catalogue a wide table
    is built from (None: the shipped one)."""
    builder = BUILDERS.get(name)
    return builder(patients) if builder is not None else wide_table(name, patients, catalogue)


def _column_values(p: pd.DataFrame, target: RecordField, column: Column, catalogue: Catalogue) -> pd.Series:
    """A wide table's column from its record field, by the catalogue's `as` (mappings/README.md)."""
    values = p[target.name]
    if column.how == "copy":
        if target.domain:
            return concept_ids(p, target.name, catalogue)
        if isinstance(metadata.tables[column.table].c[column.column].type, Integer):
            return values.astype("Int64")
        return values
    if column.how == "day":
        return _days(values, p["hsct_date"])
    if column.how == "date":
        return _date_plus(p["hsct_date"], values)
    if column.how == "year":
        return pd.to_datetime(values).dt.year.astype(int)
    if column.how == "age":
        return _age(values, p["hsct_date"])
    raise ValueError(f"{column.table}.{column.column}: a wide table has no `as {column.how}` column")


def wide_table(name: str, patients: pd.DataFrame, catalogue: Catalogue | None = None) -> pd.DataFrame:
    """A wide table's rows: its columns in schema order, each from the catalogue (its record field),
    a key or `raw_row_id` of the patients frame, or empty (the catalogue's `columns_without_source`).
    A table the catalogue's `rows_where` names has rows only where that record field is true."""
    catalogue = catalogue or load_catalogue()
    where = dict(catalogue.rows_where).get(name)
    p = patients[patients[where].eq(True)] if where else patients
    fed = {c.column: (t, c) for t, c in catalogue.table_columns(name) if c.how != "derived" and not c.concept}
    empty = {column for table, column in catalogue.empty if table == name}
    out: dict[str, object] = {}
    for column in metadata.tables[name].c:
        if column.name in fed:
            out[column.name] = _column_values(p, *fed[column.name], catalogue)
        elif column.name in catalogue.bookkeeping and column.name in p:
            out[column.name] = p[column.name]
        elif column.name in empty:
            out[column.name] = None
    return pd.DataFrame(out)


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
    for name, concept, day_field in complication_sources():
        rows = p[p[name].notna()]
        parts.append(
            pd.DataFrame(
                {
                    "transplant_id": rows["transplant_id"],
                    "complication_id": concept,
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


# the long tables (rows per drug, toxicity, complication); every other table is a `wide_table`
BUILDERS: dict[str, Callable[[pd.DataFrame], pd.DataFrame]] = {
    "drug_administration": _administrations,
    "pretransplant_toxicity": _toxicities,
    "complication": _complications,
}
