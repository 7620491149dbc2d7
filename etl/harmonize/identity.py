"""The patient's identity in the feeds: registry codes, their digits, names.

`ТГСК-2019-014` and `HSCT-2019-014` are the same patient: the digits
`2019-014` (the patient key) join the feeds.

The identity rule: a registry code is a year and a sequence number (the
study's codes: `ТГСК-2019-014`). The number is compared as a number, so that
a feed writing `ТГСК-2019-0014` names the same patient as `HSCT-2019-014`:
the key is the year, a hyphen and the number written with at least three
digits (`2019-014`; `2019-1234` stays; `HSCT-2019-14`, a zero lost, is
`2019-014`). The number has one to six digits as written, and neither a digit
nor a date's next part (`2019-01-15`) may follow it.
Letters, case, look-alike letters, spaces and dashes around the digits do not
matter either.
"""

from __future__ import annotations

import re

import pandas as pd

from etl.extract import RawTable
from etl.harmonize.columns import IssueCollector
from etl.harmonize.normalize import fold_token
from etl.harmonize.result import by_unique

CODE_PATTERN = r"(?P<year>\d{4})\s*[-‐‑‒–—−]\s*(?P<number>\d{1,6})(?!\d|[-‐‑‒–—−./]\d)"
_CODE = re.compile(CODE_PATTERN)
MISSING_PATIENT_CODE = "missing_patient_code"
INVALID_PATIENT_CODE = "invalid_patient_code"


def patient_keys(codes: pd.Series) -> pd.Series:
    """The patient key `YYYY-NNN` of each code cell by the identity rule (module docstring; NA where
    the cell holds no registry code); each distinct code is read once (a laboratory night names every
    patient many times)."""

    def keys(uniques: pd.Series) -> pd.DataFrame:
        found = (_CODE.search(str(code)) for code in uniques)
        key = [f"{m['year']}-{int(m['number']):03d}" if m else None for m in found]
        return pd.DataFrame({"key": pd.Series(key, index=uniques.index, dtype="string")})

    return by_unique(codes, codes.notna(), keys)["key"].astype("string")


def reject_codes(code: pd.Series, key: pd.Series, issues: IssueCollector) -> None:
    """Rows whose code cell is empty or holds no registry digits."""
    issues.add(code.isna(), "registry_code", MISSING_PATIENT_CODE, "the patient code is empty")
    message = "'" + code.astype("string") + "' has no registry digits YYYY-NNN"
    issues.add(code.notna() & key.isna(), "registry_code", INVALID_PATIENT_CODE, message)


def reject_file_without_code(table: RawTable, issues: IssueCollector) -> None:
    """Every row of a file whose header has no patient-code column; the message names the line read
    as the header (the first non-blank one when no line among the first ten names the code)."""
    header = ", ".join(table.headers)
    if len(header) > 200:
        header = header[:200] + "..."
    issues.add(
        pd.Series(True, index=table.rows.index),
        "registry_code",
        MISSING_PATIENT_CODE,
        f"{table.name}: line {table.header_row} was read as the header ({header!r}) and none of its columns is the "
        "patient code (Код пациента / Patient ID), nor is any of the first ten lines; remove the lines above "
        "the header, or add the header's spelling to mappings/field_catalogue.yaml",
    )


def canonical_code(code: pd.Series, key: pd.Series) -> pd.Series:
    """`ТГСК-2019-014` whatever the look-alike letters, case, spaces and dashes (`tгск – 2019-014`)."""
    prefix = code.astype("string").str.extract(r"^\s*(?P<p>[^\W\d_]*)")["p"].fillna("")
    folded = prefix.map(lambda p: fold_token(p.casefold()).upper() if p else "")
    return (folded.where(folded == "", folded + "-") + key).where(key.notna())


def canonical_key(code: str) -> str | None:
    """The patient key of one code (`patient_keys` for a single value)."""
    key = patient_keys(pd.Series([code], dtype="string")).iloc[0]
    return None if pd.isna(key) else str(key)


def near_identical(a: str, b: str) -> bool:
    """Whether two patient keys differ by one edit: a digit substituted, inserted or deleted, or two
    adjacent digits swapped (optimal string alignment distance 1). Such a pair on one night, one key
    gone and the other new, is more likely one patient with a mistyped code than two patients."""
    if a == b:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return len(diff) == 1 or (
            len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
        )
    if abs(len(a) - len(b)) != 1:
        return False
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def canonical_name(name: str) -> str:
    """A name typed all in capitals or all in small letters gets capitals at word starts; mixed case is kept."""
    if name.isupper() or name.islower():
        return name.title()
    return name
