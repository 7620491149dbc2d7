"""Vectorized date and date-time parsers.

Accepted dates: ``dd.mm.yyyy``, ``dd.mm.yy``, ISO ``yyyy-mm-dd`` (with a
``00:00[:00]`` time, as a spreadsheet date cell read as text gives it),
``dd/mm/yyyy``, and Excel serial day numbers (``43831`` or ``43831.0``)
between 1950-01-01 and 2099-12-31. Anything else, and any date that does not
exist (``31.02.2019``), is ``invalid_date``.

Two-digit years pivot on today: ``yy`` not after this year's two digits is
20yy, otherwise 19yy (in 2026: ``26`` → 2026, ``27`` → 1927). A registry of
children has no date more than ~20 years back, so no real date is misread;
a future date is still caught by the record rules.

Values are ``datetime64[ns]`` (NaT where not recorded or rejected).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from etl.harmonize.result import INVALID_DATE, INVALID_DATETIME, ParseResult, by_unique, clean_errors
from etl.harmonize.vocab import Vocabulary, not_recorded_mask

EXCEL_EPOCH = pd.Timestamp("1899-12-30")
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


def dates_of(u: pd.Series, today: dt.date | None = None, serials: bool = True) -> pd.Series:
    """datetime64 of distinct stripped texts; NaT where not an existing date."""
    today = today or dt.date.today()
    parts = pd.DataFrame({"y": pd.NA, "m": pd.NA, "d": pd.NA}, index=u.index, dtype="Int64")
    for pattern, two_digit in _DATE_FORMS:
        found = u.str.extract(pattern).astype("Int64")
        if two_digit:
            found["y"] = _pivot(found["y"], today)
        parts = parts.fillna(found[["y", "m", "d"]])
    ymd = parts.astype("float64").rename(columns={"y": "year", "m": "month", "d": "day"})
    dates = pd.to_datetime(ymd, errors="coerce")
    if serials:
        serial = pd.to_numeric(u.str.extract(_SERIAL)["serial"], errors="coerce")
        serial = serial.where((serial >= EXCEL_SERIAL_MIN) & (serial <= EXCEL_SERIAL_MAX))
        dates = dates.fillna(EXCEL_EPOCH + offsets(serial, "D"))
    return dates


def parse_date(
    values: pd.Series,
    *,
    today: dt.date | None = None,
    excel_serials: bool = True,
    vocab: Vocabulary | None = None,
) -> ParseResult:
    """Date cells -> datetime64[ns]; `invalid_date` where not an existing date."""
    present = ~not_recorded_mask(values, vocab)

    def fn(u: pd.Series) -> pd.DataFrame:
        dates = dates_of(u, today, excel_serials)
        bad = dates.isna()
        return pd.DataFrame(
            {
                "value": dates,
                "error": pd.Series(None, index=u.index, dtype=object).where(~bad, INVALID_DATE),
                "message": ("'" + u + "' is not an existing date (dd.mm.yyyy, yyyy-mm-dd, dd/mm/yyyy)").where(
                    bad, None
                ),
            }
        )

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
    excel_serials: bool = True,
    vocab: Vocabulary | None = None,
) -> ParseResult:
    """Date-time cells (`Изменено`, `Updated at`): any accepted date, optionally followed
    by ` hh:mm[:ss[.ffffff]]` or `Thh:mm...`, or an Excel serial with a day fraction ->
    datetime64[ns]; `invalid_datetime`. A time-zone suffix is rejected, not converted."""
    present = ~not_recorded_mask(values, vocab)

    def fn(u: pd.Series) -> pd.DataFrame:
        parts = u.str.extract(_DATETIME)
        days = dates_of(parts["date"].fillna(""), today, serials=False)
        delta, valid = _times(parts)
        stamps = (days + delta).where(valid)
        if excel_serials:
            serial = u.str.extract(_SERIAL_TIME)
            number = pd.to_numeric(serial["serial"] + "." + serial["frac"].fillna("0"), errors="coerce")
            number = number.where((number >= EXCEL_SERIAL_MIN) & (number < EXCEL_SERIAL_MAX + 1))
            from_serial = EXCEL_EPOCH + offsets((number * 86400).round(), "s")
            stamps = stamps.fillna(from_serial)
        bad = stamps.isna()
        return pd.DataFrame(
            {
                "value": stamps,
                "error": pd.Series(None, index=u.index, dtype=object).where(~bad, INVALID_DATETIME),
                "message": ("'" + u + "' is not a date-time (dd.mm.yyyy hh:mm, yyyy-mm-ddThh:mm:ss)").where(bad, None),
            }
        )

    df = by_unique(values, present, fn)
    return ParseResult(
        values=pd.to_datetime(df["value"]),
        errors=clean_errors(df["error"]),
        messages=clean_errors(df["message"]),
    )
