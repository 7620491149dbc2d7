"""Vectorized date and date-time parsers.

Accepted dates: ``dd.mm.yyyy``, ``dd.mm.yy``, ISO ``yyyy-mm-dd`` (with a
``00:00[:00]`` time, as a spreadsheet date cell read as text gives it),
``dd/mm/yyyy``. Anything else, and any date that does not exist
(``31.02.2019``), is ``invalid_date``; a date after today is
``date_in_future`` (an edit time later today is accepted: clocks and time
zones differ).

Excel serial day numbers (``43831`` or ``43831.0``, between 1950-01-01 and
2099-12-31) are dates only where the date system is known: in an .xlsx, whose
workbook says whether it counts from 1899-12-30 (1900 system) or from
1904-01-01 (1904 system, `excel_epoch`), a number in a General-formatted date
cell is read with that epoch. In a CSV file the same number could be either
system's, 1,462 days apart, so it is ``ambiguous_date``: the data manager
formats the column as dates in Excel and saves the file again.

Two-digit years pivot on today: ``yy`` not after this year's two digits is
20yy, otherwise 19yy (in 2026: ``26`` → 2026, ``27`` → 1927). A registry of
children has no date more than ~20 years back, so no real date is misread;
a future date is still caught by the record rules.

Values are ``datetime64[ns]`` (NaT where not recorded or rejected).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from etl.harmonize.result import (
    AMBIGUOUS_DATE,
    DATE_IN_FUTURE,
    INVALID_DATE,
    INVALID_DATETIME,
    ParseResult,
    by_unique,
    clean_errors,
)
from etl.harmonize.vocab import Vocabulary, not_recorded_mask

EXCEL_EPOCH = pd.Timestamp("1899-12-30")  # the 1900 date system (Excel's leap-year bug folded in)
EXCEL_EPOCHS = {1900: EXCEL_EPOCH, 1904: pd.Timestamp("1904-01-01")}
EXCEL_SERIAL_MIN = (pd.Timestamp("1950-01-01") - EXCEL_EPOCH).days
EXCEL_SERIAL_MAX = (pd.Timestamp("2099-12-31") - EXCEL_EPOCH).days

_MIDNIGHT = r"(?:[ T]00:00(?::00(?:\.0+)?)?)?"
_DATE_FORMS = [  # (regex with named groups d, m, y), two-digit year?
    (rf"^(?P<d>\d{{1,2}})\.(?P<m>\d{{1,2}})\.(?P<y>\d{{4}}){_MIDNIGHT}$", False),
    (r"^(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{2})$", True),
    (rf"^(?P<y>\d{{4}})-(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}}){_MIDNIGHT}$", False),
    (r"^(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})$", False),
]
_SERIAL = r"^(?P<serial>\d{5})(?:\.0+)?$"
_DATETIME = r"^(?P<date>[\d./-]+?)(?:[ T](?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<f>\d{1,9}))?)?)?$"
_SERIAL_TIME = r"^(?P<serial>\d{5})(?:\.(?P<frac>\d+))?$"


def offsets(amounts: pd.Series, unit: str) -> pd.Series:
    """Numbers (NaN: missing) as timedeltas of `unit` (NaT: missing).

    pandas scales a float array holding NaN by rounding over memory it has not filled in, which
    warns of overflows at random: the missing amounts are filled before and masked after.
    """
    amounts = pd.to_numeric(amounts).astype("float64")
    return pd.to_timedelta(amounts.fillna(0), unit=unit).where(amounts.notna())


def _pivot(yy: pd.Series, today: dt.date) -> pd.Series:
    return yy.where(yy > today.year % 100, yy + 2000).where(yy <= today.year % 100, yy + 1900)


def serial_numbers(u: pd.Series) -> pd.Series:
    """Float serial day numbers of stripped texts that look like one (5 digits in the range), else NaN."""
    serial = pd.to_numeric(u.str.extract(_SERIAL)["serial"], errors="coerce")
    return serial.where((serial >= EXCEL_SERIAL_MIN) & (serial <= EXCEL_SERIAL_MAX))


def serial_message(cells: pd.Series) -> pd.Series:
    """The message of `ambiguous_date` for these cells."""
    return (
        "'" + cells + "' is a bare number (an Excel serial day?) where a date belongs; a CSV file cannot tell its date "
        "system (1900 or 1904, 1,462 days apart): format the column as dates in Excel and save the file again"
    )


def dates_of(u: pd.Series, today: dt.date | None = None, epoch: pd.Timestamp | None = None) -> pd.Series:
    """datetime64 of distinct stripped texts; NaT where not an existing date. Serial day numbers are
    dates counted from `epoch` (None: not dates; see `serial_numbers`)."""
    today = today or dt.date.today()
    parts = pd.DataFrame({"y": pd.NA, "m": pd.NA, "d": pd.NA}, index=u.index, dtype="Int64")
    for pattern, two_digit in _DATE_FORMS:
        found = u.str.extract(pattern).astype("Int64")
        if two_digit:
            found["y"] = _pivot(found["y"], today)
        parts = parts.fillna(found[["y", "m", "d"]])
    ymd = parts.astype("float64").rename(columns={"y": "year", "m": "month", "d": "day"})
    dates = pd.to_datetime(ymd, errors="coerce")
    if epoch is not None:
        dates = dates.fillna(epoch + offsets(serial_numbers(u), "D"))
    return dates


def _date_errors(
    u: pd.Series, stamps: pd.Series, today: dt.date | None, epoch: pd.Timestamp | None, reason: str, forms: str
) -> pd.DataFrame:
    """error and message columns: the parser's `reason` where no date was read (`ambiguous_date` for a
    serial day number the file's date system cannot tell), `date_in_future` after today."""
    today = today or dt.date.today()
    bad = stamps.isna()
    serial = bad & serial_numbers(u).notna() if epoch is None else pd.Series(False, index=u.index)
    future = ~bad & (stamps.dt.normalize() > pd.Timestamp(today))
    error = pd.Series(None, index=u.index, dtype=object)
    message = pd.Series(None, index=u.index, dtype=object)
    error[bad], message[bad] = reason, "'" + u[bad] + f"' is not an existing date ({forms})"
    error[serial] = AMBIGUOUS_DATE
    message[serial] = serial_message(u[serial])
    error[future] = DATE_IN_FUTURE
    message[future] = "'" + u[future] + f"' lies after today ({today.isoformat()}): correct the date"
    return pd.DataFrame({"error": error, "message": message})


def parse_date(
    values: pd.Series,
    *,
    today: dt.date | None = None,
    excel_epoch: pd.Timestamp | None = None,
    vocab: Vocabulary | None = None,
) -> ParseResult:
    """Date cells -> datetime64[ns]; `invalid_date`, `ambiguous_date`, `date_in_future`.
    `excel_epoch`: the workbook's date system for serial day numbers (None: a CSV file)."""
    present = ~not_recorded_mask(values, vocab)

    def fn(u: pd.Series) -> pd.DataFrame:
        dates = dates_of(u, today, excel_epoch)
        errors = _date_errors(u, dates, today, excel_epoch, INVALID_DATE, "dd.mm.yyyy, yyyy-mm-dd, dd/mm/yyyy")
        return pd.DataFrame({"value": dates.where(errors["error"].isna())}).join(errors)

    df = by_unique(values, present, fn)
    return ParseResult(
        values=pd.to_datetime(df["value"]),
        errors=clean_errors(df["error"]),
        messages=clean_errors(df["message"]),
    )


def _times(parts: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(timedelta, valid) of the h/mi/s/f columns; no time = midnight."""
    h = pd.to_numeric(parts["h"], errors="coerce").fillna(0)
    mi = pd.to_numeric(parts["mi"], errors="coerce").fillna(0)
    s = pd.to_numeric(parts["s"], errors="coerce").fillna(0)
    frac = pd.to_numeric(("0." + parts["f"].fillna("0")), errors="coerce").fillna(0)
    valid = (h < 24) & (mi < 60) & (s < 60)
    delta = pd.to_timedelta(h * 3600 + mi * 60 + s + frac, unit="s")
    return delta, valid


def parse_datetime(
    values: pd.Series,
    *,
    today: dt.date | None = None,
    excel_epoch: pd.Timestamp | None = None,
    vocab: Vocabulary | None = None,
) -> ParseResult:
    """Date-time cells (`Изменено`, `Updated at`): any accepted date, optionally followed
    by ` hh:mm[:ss[.ffffff]]` or `Thh:mm...`, or (with `excel_epoch`) an Excel serial with a day
    fraction -> datetime64[ns]; `invalid_datetime`, `ambiguous_date`, `date_in_future` (a later
    day than today). A time-zone suffix is rejected, not converted."""
    present = ~not_recorded_mask(values, vocab)

    def fn(u: pd.Series) -> pd.DataFrame:
        parts = u.str.extract(_DATETIME)
        days = dates_of(parts["date"].fillna(""), today)
        delta, valid = _times(parts)
        stamps = (days + delta).where(valid)
        if excel_epoch is not None:
            serial = u.str.extract(_SERIAL_TIME)
            number = pd.to_numeric(serial["serial"] + "." + serial["frac"].fillna("0"), errors="coerce")
            number = number.where((number >= EXCEL_SERIAL_MIN) & (number < EXCEL_SERIAL_MAX + 1))
            from_serial = excel_epoch + offsets((number * 86400).round(), "s")
            stamps = stamps.fillna(from_serial)
        errors = _date_errors(
            u.str.extract(_SERIAL_TIME)["serial"].fillna(u), stamps, today, excel_epoch, INVALID_DATETIME, ""
        )
        bad = stamps.isna() & errors["error"].eq(INVALID_DATETIME)
        errors.loc[bad, "message"] = "'" + u[bad] + "' is not a date-time (dd.mm.yyyy hh:mm, yyyy-mm-ddThh:mm:ss)"
        return pd.DataFrame({"value": stamps.where(errors["error"].isna())}).join(errors)

    df = by_unique(values, present, fn)
    return ParseResult(
        values=pd.to_datetime(df["value"]),
        errors=clean_errors(df["error"]),
        messages=clean_errors(df["message"]),
    )
