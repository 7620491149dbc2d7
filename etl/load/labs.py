"""Load the night's laboratory results (a full export: the table then holds exactly these)."""

from __future__ import annotations

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


def load_labs(conn: Connection, labs: pd.DataFrame, run_id: int) -> SyncResult:
    """Make lab_result hold exactly these results (ids stable for results seen before)."""
    return sync_table(
        conn, LabResult.__table__, build_lab_rows(labs), LAB_KEY, "patient_id", None, "lab_result_id", run_id
    )
