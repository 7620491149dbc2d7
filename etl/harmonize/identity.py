"""The patient's identity in the feeds: registry codes, their digits, names.

`ТГСК-2019-014` and `HSCT-2019-014` are the same patient: the digits
`2019-014` (the patient key) join the feeds.
"""

from __future__ import annotations

import pandas as pd

from etl.extract import RawTable
from etl.harmonize.columns import IssueCollector
from etl.harmonize.normalize import fold_token
from etl.harmonize.result import by_unique

CODE_PATTERN = r"(?P<key>\d{4}\s*[-‐‑‒–—−]\s*\d{3,6})"
MISSING_PATIENT_CODE = "missing_patient_code"
INVALID_PATIENT_CODE = "invalid_patient_code"


def patient_keys(codes: pd.Series) -> pd.Series:
    """The registry digits `YYYY-NNN` of each code cell (NA where there are none); each distinct
    code is read once (a laboratory night names every patient many times)."""

    def keys(uniques: pd.Series) -> pd.DataFrame:
        key = uniques.astype("string").str.extract(CODE_PATTERN)["key"]
        return pd.DataFrame({"key": key.str.replace(r"\s*[-‐‑‒–—−]\s*", "-", regex=True)})

    return by_unique(codes, codes.notna(), keys)["key"].astype("string")


def reject_codes(code: pd.Series, key: pd.Series, issues: IssueCollector) -> None:
    """Rows whose code cell is empty or holds no registry digits."""
    issues.add(code.isna(), "registry_code", MISSING_PATIENT_CODE, "the patient code is empty")
    message = "'" + code.astype("string") + "' has no registry digits YYYY-NNN"
    issues.add(code.notna() & key.isna(), "registry_code", INVALID_PATIENT_CODE, message)


def reject_file_without_code(table: RawTable, issues: IssueCollector) -> None:
    """Every row of a file whose header has no patient-code column."""
    issues.add(
        pd.Series(True, index=table.rows.index),
        "registry_code",
        MISSING_PATIENT_CODE,
        f"{table.name}: no column of the header is the patient code (Код пациента / Patient ID); "
        "add its spelling to mappings/headers.yaml",
    )


def canonical_code(code: pd.Series, key: pd.Series) -> pd.Series:
    """`ТГСК-2019-014` whatever the look-alike letters, case, spaces and dashes (`tгск – 2019-014`)."""
    prefix = code.astype("string").str.extract(r"^\s*(?P<p>[^\W\d_]*)")["p"].fillna("")
    folded = prefix.map(lambda p: fold_token(p.casefold()).upper() if p else "")
    return (folded.where(folded == "", folded + "-") + key).where(key.notna())


def canonical_name(name: str) -> str:
    """A name typed all in capitals or all in small letters gets capitals at word starts; mixed case is kept."""
    if name.isupper() or name.islower():
        return name.title()
    return name
