"""Day-after-transplant cells: `Д+22`, `D+22`, `д+ 22`, bare `22`, `нет`/`no`, or a date.

A 5-digit number in the Excel serial range (1950..2099) is a date, read with
the workbook's date system in an .xlsx and `ambiguous_date` in a CSV file
(see `parse_dates`); a date after today is `date_in_future`.

A day is D+N counted from the transplant (D+0). `нет`/`no` (any false spelling
of mappings/values/boolean.yaml) means the event did not happen; `да`/`yes`
that it happened on an unrecorded day. A bare `0` or `1` is read as the
boolean it spells in these yes-or-day columns (SOS, TMA: "boolean, or the day
it was diagnosed"); a day 0 or 1 must be written `Д+0` / `D+1`. A date is turned into a day against
the transplant date of the same row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from etl.harmonize.normalize import normalize_text
from etl.harmonize.parse_dates import dates_of, offsets, serial_message, serial_numbers
from etl.harmonize.result import (
    AMBIGUOUS_DATE,
    DATE_IN_FUTURE,
    DAY_WITHOUT_TRANSPLANT_DATE,
    INVALID_DAY,
    ParseResult,
    by_unique,
    clean_errors,
)
from etl.harmonize.vocab import Vocabulary, load_vocabulary, lookup, not_recorded_mask

MAX_ABS_DAY = 36_500
BARE_BOOLEANS = frozenset({"0", "1"})
_DAY_RE = r"^(?:(?:д|d|день|day)\.?\s*)?(?P<sign>[+-]?)\s*(?P<n>\d{1,6})$"


@dataclass
class DayResult(ParseResult):
    """`values`: the day (Int64, D+N); `happened`: boolean (False for `нет`);
    `dates`: transplant date + day, or the date given (datetime64)."""

    happened: pd.Series
    dates: pd.Series


def _day_table(u: pd.Series, vocab: Vocabulary, today: dt.date | None, epoch: pd.Timestamp | None) -> pd.DataFrame:
    norm = u.map(normalize_text)
    stripped = u.str.strip()
    # an Excel serial day number (5 digits, 1950..2099) is a date, not a day count (see parse_dates)
    serial = serial_numbers(stripped).notna()
    # a bare 0 or 1 in a column of "yes/no, or the day" is the yes/no: a day 0 or 1 is written Д+0 / D+1
    parts = norm.where(~norm.isin(BARE_BOOLEANS) & ~serial).str.extract(_DAY_RE)
    day = pd.to_numeric(parts["sign"].fillna("") + parts["n"].fillna(""), errors="coerce").astype("Int64")
    day = day.where(parts["n"].notna())
    flag = lookup(u, "boolean", vocab).keys.where(day.isna())
    date = dates_of(stripped, today, epoch).where(day.isna() & flag.isna())
    bad = day.isna() & flag.isna() & date.isna()
    too_far = day.notna() & (day.abs() > MAX_ABS_DAY)
    future = date.notna() & (date > pd.Timestamp(today or dt.date.today()))
    happened = pd.Series(pd.NA, index=u.index, dtype="boolean")
    happened[day.notna() | date.notna() | (flag == "true")] = True
    happened[flag == "false"] = False
    bad = (bad | too_far | future).fillna(True).astype(bool)
    error = pd.Series(None, index=u.index, dtype=object).where(~bad, INVALID_DAY)
    message = ("'" + u + "' is not a day after transplant (Д+22, 22, нет) nor a date").where(bad, None)
    ambiguous = bad & serial & (epoch is None)
    error[ambiguous] = AMBIGUOUS_DATE
    message[ambiguous] = serial_message(u[ambiguous])
    error[future & bad] = DATE_IN_FUTURE
    message[future & bad] = "'" + u[future & bad] + "' lies after today: correct the date"
    return pd.DataFrame(
        {
            "day": day.where(~bad),
            "happened": happened.where(~bad),
            "date": date.where(~bad),
            "error": error,
            "message": message,
        }
    )


def parse_day(
    values: pd.Series,
    transplant_dates: pd.Series | None = None,
    *,
    today: dt.date | None = None,
    excel_epoch: pd.Timestamp | None = None,
    vocab: Vocabulary | None = None,
) -> DayResult:
    """Day cells -> day (Int64), happened (boolean), date (datetime64); reasons
    `invalid_day`, `day_without_transplant_date` (a date, but no transplant date)."""
    vocab = vocab or load_vocabulary()
    present = ~not_recorded_mask(values, vocab)
    df = by_unique(values, present, lambda u: _day_table(u, vocab, today, excel_epoch))
    hsct = (
        pd.to_datetime(transplant_dates).reindex(values.index)
        if transplant_dates is not None
        else pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    )
    given = pd.to_datetime(df["date"])
    day = df["day"].astype("Int64")
    from_date = (given - hsct).dt.days.astype("Int64")
    day = day.fillna(from_date)
    dates = given.fillna(hsct + offsets(df["day"], "D"))
    errors = df["error"].astype(object)
    messages = df["message"].astype(object)
    orphan = given.notna() & hsct.isna()
    errors[orphan] = DAY_WITHOUT_TRANSPLANT_DATE
    messages[orphan] = "a date is given as a day after transplant, but the transplant date is missing"
    ok = ~orphan
    return DayResult(
        values=day.where(ok),
        errors=clean_errors(errors),
        messages=clean_errors(messages),
        happened=df["happened"].astype("boolean").where(ok),
        dates=dates.where(ok),
    )
