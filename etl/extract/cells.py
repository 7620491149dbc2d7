"""Render an Excel cell's typed value as the string a person would have typed.

Dates → ISO `yyyy-mm-dd`, or `yyyy-mm-ddTHH:MM:SS` when the time is not
midnight (rounded to the second); times → `HH:MM:SS`; booleans → `TRUE` /
`FALSE`; numbers → plain decimal notation with a point, at Excel's own
precision of 15 significant digits (so `22.0` → `22`, `74.5` → `74.5`,
`0.30000000000000004` → `0.3`, never an exponent); a number formatted as a
percentage (Excel stores `74,5%` as 0.745) → `74.5%`. Text is kept as is;
empty or whitespace-only cells → None.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

EXCEL_DIGITS = 15


def cell_text(value: object, number_format: str = "General") -> str | None:
    """The string form of one cell value (see the module docstring)."""
    if value is None:
        return None
    if isinstance(value, str):
        return None if not value or value.isspace() else value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        if "%" in number_format:
            return number_text(Decimal(number_text(value)) * 100) + "%"
        return number_text(value)
    if isinstance(value, dt.datetime):
        return datetime_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.replace(microsecond=0).isoformat()
    return str(value)


def number_text(value: float | Decimal) -> str:
    """`value` in plain decimal notation, 15 significant digits, no trailing zeros."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if value == 0:
        return "0"
    rounded = Decimal(format(value, f".{EXCEL_DIGITS}g"))
    return format(rounded.normalize(), "f")


def datetime_text(value: dt.datetime) -> str:
    """ISO date, with `THH:MM:SS` (rounded to the second) when the time is not midnight."""
    if value.microsecond >= 500_000:
        value += dt.timedelta(seconds=1)
    value = value.replace(microsecond=0, tzinfo=None)
    if value.time() == dt.time(0, 0):
        return value.date().isoformat()
    return value.isoformat(timespec="seconds")
