"""What every parser returns, the reason codes, and the distinct-values helper.

A parser never raises on bad data and never guesses: each row is either
parsed (`errors` is None; a blank cell parses to a missing value) or rejected
with a reason code and a message a data manager can act on, so that the
caller can quarantine that row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from etl.performance import frame_per_distinct

# Reason codes (documented in mappings/README.md); never reuse one for another meaning.
INVALID_DATE = "invalid_date"
INVALID_DATETIME = "invalid_datetime"
INVALID_NUMBER = "invalid_number"
NUMBER_OUT_OF_RANGE = "number_out_of_range"
PERCENT_OUT_OF_RANGE = "percent_out_of_range"
UNMAPPED_VALUE = "unmapped_value"
INVALID_DAY = "invalid_day"
DAY_WITHOUT_TRANSPLANT_DATE = "day_without_transplant_date"
INVALID_GRADE = "invalid_grade"
INVALID_BOOLEAN = "invalid_boolean"
INVALID_DOSE_LIST = "invalid_dose_list"
INVALID_MRD = "invalid_mrd"
INCONSISTENT_MRD = "inconsistent_mrd"
UNMAPPED_UNIT = "unmapped_unit"
UNIT_MISMATCH = "unit_mismatch"
MISSING_UNIT = "missing_unit"
AMBIGUOUS_NUMBER = "ambiguous_number"
AMBIGUOUS_DATE = "ambiguous_date"
DATE_IN_FUTURE = "date_in_future"

REASONS: dict[str, str] = {
    INVALID_DATE: "not a date, or a date that does not exist (31.02.2019)",
    INVALID_DATETIME: "not a date-time",
    INVALID_NUMBER: "not a number (or a decimal separator the feed does not use)",
    NUMBER_OUT_OF_RANGE: "a number outside the range the field allows (e.g. a negative dose)",
    PERCENT_OUT_OF_RANGE: "a percentage outside 0-100",
    UNMAPPED_VALUE: "a value no mapping knows: add its spelling to mappings/values/",
    INVALID_DAY: "not a day after transplant (Д+22, 22, нет) nor a date",
    DAY_WITHOUT_TRANSPLANT_DATE: "a date given for a day after transplant, but the transplant date is missing",
    INVALID_GRADE: "not a grade 0-IV",
    INVALID_BOOLEAN: "not a yes/no value",
    INVALID_DOSE_LIST: "not a list of up to three doses (0,8/0,5/0,5)",
    INVALID_MRD: "an MRD cell that does not tell positive (>= 0.01%) from negative (< 0.01%)",
    INCONSISTENT_MRD: "an MRD cell whose word and number disagree (МОБ- 0,8%)",
    UNMAPPED_UNIT: "a unit no mapping knows: add it to mappings/values/unit.yaml",
    UNIT_MISMATCH: "a unit that does not fit the test (cells/uL for a percentage)",
    MISSING_UNIT: "a numeric lab result without a unit (and no % sign)",
    AMBIGUOUS_NUMBER: "a number that reads two ways (1,500: 1.5 or 1500) that the file's other numbers do not settle",
    AMBIGUOUS_DATE: "a bare number (an Excel serial day) in a date column of a CSV file: its date system is unknown",
    DATE_IN_FUTURE: "a date (or an edit time) after today",
}


@dataclass
class ParseResult:
    """Per row: a typed value, or a reason code and message (None where parsed)."""

    values: pd.Series
    errors: pd.Series  # object: reason code or None
    messages: pd.Series  # object: human message or None

    @property
    def ok(self) -> pd.Series:
        """True where the row parsed (a blank cell parses to a missing value)."""
        return self.errors.isna()

    def failures(self) -> pd.DataFrame:
        """The rejected rows: index, reason, message."""
        bad = ~self.ok
        return pd.DataFrame({"reason": self.errors[bad], "message": self.messages[bad]})


def none_series(index: pd.Index) -> pd.Series:
    return pd.Series([None] * len(index), index=index, dtype=object)


def by_unique(values: pd.Series, present: pd.Series, fn: Callable[[pd.Series], pd.DataFrame]) -> pd.DataFrame:
    """Run `fn` once over the distinct stripped texts of the `present` rows and
    spread its columns back to every row (absent rows get NA).

    `fn` gets a Series of distinct strings (RangeIndex) and returns a frame with
    the same index; use nullable dtypes (Int64, boolean, string) so that NA fits.
    """
    text = values[present].astype(str).str.strip()
    return frame_per_distinct(text, fn).reindex(values.index)


def clean_errors(errors: pd.Series) -> pd.Series:
    """Object Series with None (not NaN/<NA>) where there is no error."""
    errors = errors.astype(object)
    return errors.where(errors.notna(), None)
