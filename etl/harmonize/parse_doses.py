"""The InO dose-list cell, `0,8/0,5/0,5`: the doses of days 1, 8 and 15 (mg/m2), read as numbers
by the rules of etl.harmonize.parse_numbers (the file's decimal mark; a number read two ways is rejected)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from etl.harmonize.parse_numbers import clean_number_text, read_numbers
from etl.harmonize.result import INVALID_DOSE_LIST, ParseResult, by_unique, clean_errors
from etl.harmonize.vocab import Vocabulary, not_recorded_mask

DOSE_COLUMNS = ["ino_dose_d1", "ino_dose_d8", "ino_dose_d15"]


@dataclass
class DoseListResult(ParseResult):
    """`values`: a DataFrame with ino_dose_d1, ino_dose_d8, ino_dose_d15 (Float64)."""


def _split_doses(u: pd.Series) -> pd.DataFrame:
    """Columns '0', '1', ... of the dose slots of distinct texts."""
    text = clean_number_text(u)
    slashed = text.str.contains(r"[/;\\|]", regex=True)
    # `0.8, 0.5, 0.5`: points as decimals, commas between the doses
    commas = ~slashed & text.str.contains(".", regex=False) & text.str.contains(",", regex=False)
    text = text.str.replace(r"\s*[/;\\|]\s*", "/", regex=True)
    text = text.where(~commas, text.str.replace(r"\s*,\s*", "/", regex=True))
    parts = text.str.split("/", expand=True, regex=False)
    parts.columns = [str(c) for c in parts.columns]
    return parts


def parse_dose_list(
    values: pd.Series, *, decimal: str | None = None, vocab: Vocabulary | None = None
) -> DoseListResult:
    """`0,8/0,5/0,5` (doses of days 1, 8, 15, mg/m2) -> three Float64 columns; a `-` or
    empty slot is a dose not given. `invalid_dose_list` for anything else."""
    present = ~not_recorded_mask(values, vocab)

    def fn(u: pd.Series) -> pd.DataFrame:
        parts = _split_doses(u)
        too_many = parts.notna().sum(axis=1) > len(DOSE_COLUMNS)
        if parts.shape[1] > len(DOSE_COLUMNS):
            too_many |= parts.iloc[:, len(DOSE_COLUMNS) :].notna().any(axis=1)
        bad = too_many.copy()
        out = pd.DataFrame(index=u.index)
        for i, column in enumerate(DOSE_COLUMNS):
            cell = parts[str(i)] if str(i) in parts else pd.Series(pd.NA, index=u.index, dtype=object)
            cell = cell.astype("string").str.strip()
            empty = cell.isna() | cell.isin(["", "-"])
            nums = read_numbers(cell.fillna(""), decimal)
            bad |= (~empty & (nums.isna() | (nums < 0))).fillna(True).astype(bool)
            out[column] = nums.where(~empty)
        out = out.where(~bad, pd.NA).astype("Float64")
        out["error"] = pd.Series(None, index=u.index, dtype=object).where(~bad, INVALID_DOSE_LIST)
        out["message"] = ("'" + u + "' is not up to three doses separated by / (0,8/0,5/0,5)").where(bad, None)
        return out

    df = by_unique(values, present, fn)
    return DoseListResult(
        values=df[DOSE_COLUMNS].astype("Float64"),
        errors=clean_errors(df["error"]),
        messages=clean_errors(df["message"]),
    )
