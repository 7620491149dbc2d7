"""Load the night's laboratory results (a full export: the table then holds exactly these).

Two exceptions keep stored results a night's files do not carry: a night whose
lab files could not all be read, or of which one yields no usable row (a file
refused, unreadable, header-only, or every row rejected), deletes no result
(`complete` False); and a stored result that a row rejected tonight could be is
kept as it was (`kept_names`), as a patient whose registry rows were all rejected
keeps what was loaded before. "Could be": every part of the result's key the row
tells (patient, test, date) matches; a part it does not tell — a cell unreadable
or rejected, a code naming no patient, a row read wrong — matches any. A typo in
a date thus keeps every stored result of that patient and test, and a row that
tells nothing of its key keeps every result: the night never deletes what it
could not read (the run summary says how many were kept).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import pandas as pd
from pandas.api.types import union_categoricals
from sqlalchemy import Connection, func, select

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
    exceptions of the module docstring. `kept_names`: patient_key, test, result_date of rejected rows
    (None where the row does not tell it)."""
    rows = build_lab_rows(labs) if len(labs) else pd.DataFrame(columns=[*LAB_KEY, "raw_row_id"])
    if rows.empty and not complete:  # nothing to load, nothing to delete: the results held stay
        held = conn.execute(select(func.count()).select_from(LabResult.__table__)).scalar()
        return SyncResult(0, 0, 0, stored=int(held or 0))
    keep = _could_be_rejected(conn, kept_names) if complete else None
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


def _could_be_rejected(conn: Connection, kept_names: pd.DataFrame | None) -> Callable[[pd.DataFrame], pd.Series] | None:
    """The mask of stored results a rejected row could be: every part of the key (patient, test,
    date) the row tells matches. A part it does not tell (missing) matches any; so does a patient code
    that names no stored patient (a mistyped code may be any patient's)."""
    if kept_names is None or kept_names.empty:
        return None
    names = kept_names.reset_index(drop=True).astype(object)
    names = names.where(names.notna(), None)
    codes = names["patient_key"].dropna().astype(str).drop_duplicates()
    known = attach_patients(conn, pd.DataFrame({"patient_key": codes})) if len(codes) else pd.DataFrame()
    ids = {} if known.empty else dict(zip(known["patient_key"], known["patient_id"], strict=True))
    parts = pd.DataFrame(
        {
            "patient": names["patient_key"].map(lambda k: _id_text(ids.get(str(k))) if k is not None else None),
            "test": names["test"].map(lambda t: None if t is None else f"lab_test/{t}"),
            "date": names["result_date"].map(lambda d: None if d is None else pd.Timestamp(d).strftime("%Y-%m-%d")),
        }
    )
    patterns: dict[tuple[str, ...], set[str]] = {}  # the parts a row tells -> their values, joined
    for row in parts.drop_duplicates().itertuples(index=False):
        told = [(c, v) for c, v in zip(parts.columns, row, strict=True) if v is not None]
        if not told:  # a row that tells nothing of its key could be any result
            return lambda stored: pd.Series(True, index=stored.index)
        patterns.setdefault(tuple(c for c, _ in told), set()).add("|".join(str(v) for _, v in told))

    def keep(stored: pd.DataFrame) -> pd.Series:
        own = pd.DataFrame(
            {
                "patient": pd.to_numeric(stored["patient_id"]).astype("Int64").astype(str),
                "test": stored["test_id"].astype(str),
                "date": pd.to_datetime(stored["result_date"]).dt.strftime("%Y-%m-%d"),
            },
            index=stored.index,
        )
        mask = pd.Series(False, index=stored.index)
        for columns, values in patterns.items():
            mask |= _joined(own, list(columns)).isin(values)
        return mask

    return keep


def _id_text(patient_id: object) -> str | None:
    # an id column with NaN holds floats
    return None if patient_id is None or pd.isna(patient_id) else str(int(cast(float, patient_id)))


def _joined(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    out = frame[columns[0]].astype(str)
    for column in columns[1:]:
        out = out + "|" + frame[column].astype(str)
    return out
