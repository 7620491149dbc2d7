"""Numbers as the paper prints them: rounded half up, decimal comma (the paper's tables are Russian-first)."""

from __future__ import annotations

from typing import Any

from etl.audit.numbers import at_precision, decimals

DEFAULT_PCT_PLACES = 1


def num(value: float | int, places: int = 0) -> str:
    """`value` rounded half up to `places` decimals, with a decimal comma; whole numbers without decimals."""
    if isinstance(value, int) or (float(value).is_integer() and places == 0):
        return str(int(value))
    return str(at_precision(float(value), places, "round")).replace(".", ",")


def places_like(printed: Any, default: int) -> int:
    """The decimals of a printed value (the precision to show a computed one at)."""
    return decimals(printed) if isinstance(printed, int | float) else default


def count_text(n: int, denom: int | None, pct: float | None, places: int, of: bool = False) -> str:
    """`n (pct)`, or `n/denom (pct)` as Table 3 prints it; `n` alone without a base."""
    head = f"{n}/{denom}" if of and denom is not None else str(n)
    return head if pct is None else f"{head} ({num(pct, places)})"


def printed_count(entry: dict[str, Any], of: bool = False) -> str:
    """A catalog count as the paper prints it."""
    head = f"{entry['n']}/{entry['denom']}" if of and "denom" in entry else str(entry["n"])
    return f"{head} ({num(entry['pct'], decimals(entry['pct']))})" if "pct" in entry else head


def p_text(p: Any) -> str:
    if p is None:
        return "—"
    if isinstance(p, str):
        return p.replace("n.s.", "n. s.")
    return num(p, 3) if p >= 0.001 else "< 0,001"
