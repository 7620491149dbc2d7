"""A patient code twice in one file: identical rows are one row; differing rows are both rejected."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from etl.harmonize.catalogue import load_catalogue
from etl.harmonize.columns import ISSUE_COLUMNS

DUPLICATE_CONFLICT = "duplicate_conflict"


@dataclass
class Duplicates:
    unique: pd.DataFrame  # one row per patient_key
    identical_rows: list[int]  # row numbers folded into an identical earlier row
    conflicting: pd.DataFrame  # rejections (ISSUE_COLUMNS) of every row of a conflicting code


def split_duplicates(records: pd.DataFrame, code_header: str) -> Duplicates:
    """Split a file's harmonized rows by whether their patient code repeats, and how."""
    repeated = records["patient_key"].duplicated(keep=False)
    if not repeated.any():
        return Duplicates(records, [], pd.DataFrame(columns=ISSUE_COLUMNS))
    dup = records[repeated]
    content = [f for f in load_catalogue().record_fields("registry") if f != "updated_at"]
    text = dup[content].astype(str)
    distinct = text.groupby(dup["patient_key"]).nunique().gt(1).any(axis=1)
    conflicting_keys = set(distinct[distinct].index)
    bad = dup[dup["patient_key"].isin(conflicting_keys)]
    same = dup[~dup["patient_key"].isin(conflicting_keys)]
    folded = same[same["patient_key"].duplicated(keep="first")]
    unique = records[~records["patient_key"].isin(conflicting_keys) & ~records.index.isin(folded.index)]
    if bad.empty:  # every repeated code repeats an identical row
        return Duplicates(unique, folded["row_number"].astype(int).tolist(), pd.DataFrame(columns=ISSUE_COLUMNS))
    differing = (
        text[dup["patient_key"].isin(conflicting_keys)]
        .groupby(bad["patient_key"])
        .nunique()
        .gt(1)
        .apply(lambda r: ", ".join(r[r].index), axis=1)
    )
    issues = pd.DataFrame(
        {
            "row_number": bad["row_number"].astype(int),
            "column_name": code_header,
            "raw_value": bad["registry_code_ru"].fillna(bad["registry_code_en"]),
            "reason_code": DUPLICATE_CONFLICT,
            "message": "patient "
            + bad["patient_key"]
            + " appears more than once in this file with different "
            + bad["patient_key"].map(differing)
            + "; correct the file so that the patient appears once",
        }
    )
    return Duplicates(unique, folded["row_number"].astype(int).tolist(), issues[ISSUE_COLUMNS])
