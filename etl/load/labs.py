"""Load the night's laboratory results (a full export: the table then holds exactly these).

Two exceptions keep stored results a night's files do not carry: a night whose
lab files could not all be read, or of which one yields no usable row (a file
refused, unreadable, header-only, or every row rejected), deletes no result
(`complete` False); and results whose patient, test and date tonight's files
name only in rejected rows are kept as they were (`kept_names`), as a patient
whose registry rows were all rejected keeps what was loaded before.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from pandas.api.types import union_categoricals
from sqlalchemy import Connection, select

from etl.load.sync import SyncResult, sync_table
from schemas.tables import LabResult, Person, Transplant

LAB_KEY = ["patient_id", "test_id", "result_date", "seq"]


def attach_patients(conn: Connection, labs: pd.DataFrame) -> pd.DataFrame:
    """Add patient_id, transplant_id and hsct_date by registry digits; unknown patients get NaN."""
    known = pd.read_sql(
        select(Person.patient_key, Person.patient_id, Transplant.transplant_id, Transplant.hsct_date).join(
            Transplant, Transplant.patient_id == Person.patient_id, isouter=True
        ),
        conn,
    )
    return labs.merge(known, on="patient_key", how="left")


def stack_labs(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The files' lab records as one frame; categorical columns stay categorical (on the union of
    the files' categories, sorted, so that sorting by them sorts by value)."""
    if not frames:
        return pd.DataFrame()
    aligned = [f.copy() for f in frames]
    for column in frames[0].columns:
        if all(isinstance(f[column].dtype, pd.CategoricalDtype) for f in frames):
            categories = union_categoricals([f[column] for f in frames], sort_categories=True).categories
            for frame in aligned:
                frame[column] = frame[column].cat.set_categories(categories)
    return pd.concat(aligned, ignore_index=True)


def build_lab_rows(labs: pd.DataFrame) -> pd.DataFrame:
    """lab_result rows from LabRecord fields + raw_row_id + patient/transplant ids."""
    df = labs.sort_values(["patient_id", "test", "result_date", "raw_row_id"], kind="stable").reset_index(drop=True)
    result_date = pd.to_datetime(df["result_date"])
    out = pd.DataFrame(
        {
            "patient_id": df["patient_id"].astype(int),
            "transplant_id": df["transplant_id"].astype("Int64"),
            "test_id": "lab_test/" + df["test"].astype(str),
            "result_date": result_date.dt.date,
            "result_day": (result_date - pd.to_datetime(df["hsct_date"])).dt.days.astype("Int64"),
            "value_num": pd.to_numeric(df["value_num"]).astype(float),
            "value_comparator": df["value_comparator"],
            "value_concept_id": ("hla_loss/" + df["value_code"].astype("string")).astype(object).where(
                df["value_code"].notna(), None
            ),
            "unit": df["unit"],
            "raw_row_id": df["raw_row_id"].astype(int),
        }
    )
    out["seq"] = out.groupby(["patient_id", "test_id", "result_date"]).cumcount()
    return out


def load_labs(
    conn: Connection,
    labs: pd.DataFrame,
    run_id: int,
    *,
    complete: bool = True,
    kept_names: pd.DataFrame | None = None,
) -> SyncResult:
    """Make lab_result hold exactly these results (ids stable for results seen before), but for the
    exceptions of the module docstring. `kept_names`: patient_key, test, result_date of rejected rows."""
    rows = build_lab_rows(labs) if len(labs) else pd.DataFrame(columns=[*LAB_KEY, "raw_row_id"])
    if rows.empty and not complete:
        return SyncResult(0, 0, 0)
    keep = _named_only_by_rejected(conn, rows, kept_names) if complete else None
    return sync_table(
        conn,
        LabResult.__table__,
        rows,
        LAB_KEY,
        "patient_id",
        None,
        "lab_result_id",
        run_id,
        delete=complete,
        keep=keep,
    )


def _name_keys(patient_ids: pd.Series, test_ids: pd.Series, dates: pd.Series) -> pd.Series:
    day = pd.to_datetime(dates).dt.strftime("%Y-%m-%d")
    return patient_ids.astype("Int64").astype(str) + "|" + test_ids.astype(str) + "|" + day


def _named_only_by_rejected(
    conn: Connection, rows: pd.DataFrame, kept_names: pd.DataFrame | None
) -> Callable[[pd.DataFrame], pd.Series] | None:
    """The mask of stored results whose (patient, test, date) only rejected rows name tonight."""
    if kept_names is None or kept_names.empty:
        return None
    named = attach_patients(conn, kept_names.astype({"patient_key": str}))
    named = named[named["patient_id"].notna()]
    if named.empty:
        return None
    names = set(_name_keys(named["patient_id"], "lab_test/" + named["test"].astype(str), named["result_date"]))
    if len(rows):
        names -= set(_name_keys(rows["patient_id"], rows["test_id"], rows["result_date"]))
    if not names:
        return None
    return lambda stored: _name_keys(stored["patient_id"], stored["test_id"], stored["result_date"]).isin(names)
