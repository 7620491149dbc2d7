"""Numbers as the paper prints them: rounded half up; a decimal comma in Russian, a point in English."""

from __future__ import annotations

from typing import Any

from etl.audit.numbers import at_precision, decimals
from etl.messages import Lang, decimal_mark

DEFAULT_PCT_PLACES = 1
NOT_SIGNIFICANT = "n. s."  # as the paper prints it in both languages ("р = n. s.", "p = n. s.")


def num(value: float | int, places: int = 0, lang: Lang = "ru") -> str:
    """`value` rounded half up to `places` decimals, with the language's decimal mark; whole numbers without
    decimals."""
    if isinstance(value, int) or (float(value).is_integer() and places == 0):
        return str(int(value))
    shown = str(at_precision(float(value), places, "round"))
    return decimal_mark(shown, lang)


def plain(value: Any, lang: Lang) -> str:
    """A printed or computed value as it stands (no rounding), with the language's decimal mark."""
    if value is None:
        return "—"
    if isinstance(value, list):
        return "–".join(plain(v, lang) for v in value)
    if isinstance(value, str):
        return NOT_SIGNIFICANT if value.replace(" ", "") == "n.s." else value
    shown = f"{value:.6g}" if isinstance(value, float) else str(value)
    return decimal_mark(shown, lang)


def places_like(printed: Any, default: int) -> int:
    """The decimals of a printed value (the precision to show a computed one at)."""
    return decimals(printed) if isinstance(printed, int | float) else default


def count_text(n: int, denom: int | None, pct: float | None, places: int, of: bool = False, lang: Lang = "ru") -> str:
    """`n (pct)`, or `n/denom (pct)` as Table 3 prints it; `n` alone without a base."""
    head = f"{n}/{denom}" if of and denom is not None else str(n)
    return head if pct is None else f"{head} ({num(pct, places, lang)})"


def printed_count(entry: dict[str, Any], of: bool = False, lang: Lang = "ru") -> str:
    """A catalog count as the paper prints it."""
    head = f"{entry['n']}/{entry['denom']}" if of and "denom" in entry else str(entry["n"])
    return f"{head} ({num(entry['pct'], decimals(entry['pct']), lang)})" if "pct" in entry else head


def p_text(p: Any, lang: Lang = "ru") -> str:
    if p is None:
        return "—"
    if isinstance(p, str):
        return NOT_SIGNIFICANT if p.replace(" ", "") == "n.s." else p
    return num(p, 3, lang) if p >= 0.001 else f"< {num(0.001, 3, lang)}"
