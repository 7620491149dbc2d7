"""Vectorized number parsers: decimals, percentages, comparators (InO dose lists: parse_doses).

`decimal` names the marks of the file's numbers: ``","`` (registry_ru) or
``"."`` (registry_en): that decimal mark only, a number written with the other
is rejected, not re-read; ``",."`` or ``".,"``: that decimal mark and the other
as the thousands mark (a file whose own numbers proved its decimal mark,
`decimal_evidence`); None: either mark is a decimal mark (cells Excel typed,
a file without evidence). Thousands may always be grouped with spaces
(``1 500``).

A number that reads two ways is never guessed: with `decimal` None, `1,500`
and `1.500` (1 to 3 digits, not starting with 0, a mark, then exactly three
digits) are rejected as `ambiguous_number`, not read as 1.5 (a thousand-fold
error when the file meant 1500).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from etl.harmonize.result import (
    AMBIGUOUS_NUMBER,
    INVALID_NUMBER,
    NUMBER_OUT_OF_RANGE,
    PERCENT_OUT_OF_RANGE,
    ParseResult,
    by_unique,
    clean_errors,
)
from etl.harmonize.vocab import Vocabulary, not_recorded_mask

_DASHES = "[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d]"
_SPACES = "[\u00a0\u202f\u2009\u2007 ]+"
_CMP = {"≤": "<=", "≥": ">=", "⩽": "<=", "⩾": ">="}


_AMBIGUOUS = r"[+-]?[1-9]\d{0,2}[.,]\d{3}"


def _marks(decimal: str | None) -> tuple[str | None, str | None]:
    """(decimal mark, thousands mark) of a `decimal` argument (module docstring)."""
    if not decimal:
        return None, None
    return decimal[0], (decimal[1] if len(decimal) > 1 else None)


def _number_pattern(decimal: str | None) -> str:
    mark, grouping = _marks(decimal)
    sep = {",": ",", ".": r"\.", None: "[.,]"}[mark]
    plain = rf"(?:\d+(?:{sep}\d*)?|{sep}\d+)(?:[eE][+-]?\d+)?"
    groups = " " if grouping is None else " " + re.escape(grouping)
    grouped = rf"\d{{1,3}}(?:[{groups}]\d{{3}})+(?:{sep}\d+)?"
    return rf"[+-]?(?:{grouped}|{plain})"


def ambiguous_numbers(text: pd.Series, decimal: str | None) -> pd.Series:
    """Cleaned texts that read two ways under `decimal` (only when it is None: `1,500`, `1.500`)."""
    if decimal is not None:
        return pd.Series(False, index=text.index)
    return text.str.fullmatch(_AMBIGUOUS).fillna(False).astype(bool)


def decimal_evidence(cells: pd.Series) -> str | None:
    """The marks a file's number cells prove (".," point decimals and comma thousands, ",." the
    reverse), or None when they prove neither or both.

    A mark is a decimal mark when it is followed by other than exactly three digits
    (`0.19`, `12,5`, `0.5000`), follows a 0 or nothing (`0,500`, `.5`), follows
    more than three digits (`1500.5`), or comes after the other mark (`1,500.5`);
    it is a thousands mark when it occurs twice (`1,500,000`). `1,500` proves nothing.
    Comparators, signs, spaces and a trailing % are ignored.
    """
    texts = pd.Series(pd.unique(cells.dropna().astype(str)), dtype=object)
    if texts.empty:
        return None
    text = clean_number_text(texts).str.replace(r"^(?:<=|>=|<|>)\s*|\s*%$|\s", "", regex=True)
    text = text[text.str.fullmatch(r"[+-]?[\d.,]*\d[\d.,]*")]
    proves = {".": False, ",": False}
    for mark, other in ((".", ","), (",", ".")):
        m, o = re.escape(mark), re.escape(other)
        decimal = (
            text.str.contains(rf"{m}(?:\d{{1,2}}|\d{{4,}})$")
            | text.str.contains(rf"(?:^|^[+-]|[^\d]|^0|^[+-]0){m}\d")
            | text.str.contains(rf"\d{{4,}}{m}\d")
            | text.str.contains(rf"{o}\d{{3}}{m}\d+$")
            | text.str.contains(rf"{o}.*{o}")
        ) & ~text.str.contains(rf"{m}.*{m}")
        proves[mark] = bool(decimal.any())
    if proves["."] == proves[","]:
        return None
    return ".," if proves["."] else ",."


def clean_number_text(text: pd.Series) -> pd.Series:
    """Unify dashes and spaces of number cells (a minus sign is a minus)."""
    text = text.astype(str).str.replace(_DASHES, "-", regex=True).str.replace(_SPACES, " ", regex=True)
    for symbol, ascii_form in _CMP.items():
        text = text.str.replace(symbol, ascii_form, regex=False)
    return text.str.strip()


def read_numbers(text: pd.Series, decimal: str | None = None) -> pd.Series:
    """Float64 of cleaned texts that are a whole number literal; <NA> where not (or ambiguous)."""
    ok = text.str.fullmatch(_number_pattern(decimal)).fillna(False).astype(bool)
    ok &= ~ambiguous_numbers(text, decimal)
    _mark, grouping = _marks(decimal)
    literal = text.where(ok).str.replace(" ", "", regex=False)
    if grouping is not None:
        literal = literal.str.replace(grouping, "", regex=False)
    literal = literal.str.replace(",", ".", regex=False)
    with np.errstate(over="ignore"):
        nums = pd.to_numeric(literal, errors="coerce").astype("Float64")
    finite = nums.notna() & np.isfinite(nums.astype("float64").fillna(0.0))
    return nums.where(finite, pd.NA)


def _result(values: pd.Series, errors: pd.Series, messages: pd.Series) -> ParseResult:
    return ParseResult(values=values, errors=clean_errors(errors), messages=clean_errors(messages))


def parse_decimal(
    values: pd.Series,
    *,
    decimal: str | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
    vocab: Vocabulary | None = None,
) -> ParseResult:
    """Decimals with a comma or a point -> Float64; `invalid_number`, `number_out_of_range`."""
    present = ~not_recorded_mask(values, vocab)

    def fn(u: pd.Series) -> pd.DataFrame:
        nums = read_numbers(clean_number_text(u), decimal)
        err = pd.Series(None, index=u.index, dtype=object)
        msg = pd.Series(None, index=u.index, dtype=object)
        bad = nums.isna()
        err[bad] = INVALID_NUMBER
        note = "" if decimal is None else f" (decimal separator '{decimal[0]}')"
        msg[bad] = "'" + u[bad] + "' is not a number" + note
        _flag_ambiguous(clean_number_text(u), decimal, u, err, msg)
        low = nums.notna() & (nums < minimum) if minimum is not None else pd.Series(False, index=u.index)
        high = nums.notna() & (nums > maximum) if maximum is not None else pd.Series(False, index=u.index)
        out = (low | high).fillna(False).astype(bool)
        err[out] = NUMBER_OUT_OF_RANGE
        msg[out] = u[out] + f" is outside {minimum if minimum is not None else '-inf'}..{maximum or 'inf'}"
        return pd.DataFrame({"value": nums.where(~out), "error": err, "message": msg})

    df = by_unique(values, present, fn)
    return _result(df["value"].astype("Float64"), df["error"], df["message"])


def parse_percent(values: pd.Series, *, decimal: str | None = None, vocab: Vocabulary | None = None) -> ParseResult:
    """`74`, `74%`, `74,5` -> Float64 in 0..100; `invalid_number`, `percent_out_of_range`."""
    present = ~not_recorded_mask(values, vocab)

    def fn(u: pd.Series) -> pd.DataFrame:
        text = clean_number_text(u).str.replace(r"\s*%$", "", regex=True)
        nums = read_numbers(text, decimal)
        err = pd.Series(None, index=u.index, dtype=object)
        msg = pd.Series(None, index=u.index, dtype=object)
        bad = nums.isna()
        err[bad] = INVALID_NUMBER
        msg[bad] = "'" + u[bad] + "' is not a percentage"
        _flag_ambiguous(text, decimal, u, err, msg)
        out = (nums.notna() & ((nums < 0) | (nums > 100))).fillna(False).astype(bool)
        err[out] = PERCENT_OUT_OF_RANGE
        msg[out] = "percentage " + u[out] + " is outside 0-100"
        return pd.DataFrame({"value": nums.where(~out), "error": err, "message": msg})

    df = by_unique(values, present, fn)
    return _result(df["value"].astype("Float64"), df["error"], df["message"])


@dataclass
class ComparatorResult(ParseResult):
    """`values`: the number; `comparator`: '<', '<=', '>', '>=' or <NA>; `percent_sign`: the cell ended in %."""

    comparator: pd.Series
    percent_sign: pd.Series


_COMPARATOR_RE = r"^(?P<cmp><=|>=|<|>)?\s*(?P<num>.*?)\s*(?P<pct>%)?$"


def comparator_number_text(u: pd.Series) -> pd.Series:
    """The number part of comparator cells (`<1,500 %` -> `1,500`), cleaned."""
    return clean_number_text(u).str.extract(_COMPARATOR_RE)["num"].fillna("")


def ambiguous_message(raw: pd.Series) -> pd.Series:
    return (
        "'"
        + raw
        + "' reads two ways (a decimal or a thousands separator: 1.5 or 1500) and the file's other numbers do "
        "not settle which; write it without a thousands separator, or correct the file's decimal marks"
    )


def _flag_ambiguous(text: pd.Series, decimal: str | None, raw: pd.Series, err: pd.Series, msg: pd.Series) -> None:
    """In place: rows whose number reads two ways get `ambiguous_number` instead of `invalid_number`."""
    two_ways = ambiguous_numbers(text, decimal) & err.eq(INVALID_NUMBER)
    if two_ways.any():
        err[two_ways] = AMBIGUOUS_NUMBER
        msg[two_ways] = ambiguous_message(raw[two_ways])


def split_comparator(u: pd.Series, decimal: str | None) -> pd.DataFrame:
    """Columns cmp (string), num (Float64), pct (bool) of distinct cleaned texts."""
    parts = clean_number_text(u).str.extract(_COMPARATOR_RE)
    nums = read_numbers(parts["num"].fillna(""), decimal)
    return pd.DataFrame(
        {
            "cmp": parts["cmp"].astype("string"),
            "num": nums,
            "pct": parts["pct"].notna().astype("boolean"),
        },
        index=u.index,
    )


def parse_comparator(
    values: pd.Series, *, decimal: str | None = None, vocab: Vocabulary | None = None
) -> ComparatorResult:
    """`<0,01`, `<0.01%`, `<=5`, `12` -> number + comparator; `invalid_number`."""
    present = ~not_recorded_mask(values, vocab)

    def fn(u: pd.Series) -> pd.DataFrame:
        parts = split_comparator(u, decimal)
        bad = parts["num"].isna()
        err = pd.Series(None, index=u.index, dtype=object)
        msg = pd.Series(None, index=u.index, dtype=object)
        err[bad] = INVALID_NUMBER
        msg[bad] = "'" + u[bad] + "' is not a number with an optional comparator (<0,01)"
        _flag_ambiguous(comparator_number_text(u), decimal, u, err, msg)
        return parts.assign(error=err, message=msg)

    df = by_unique(values, present, fn)
    return ComparatorResult(
        values=df["num"].astype("Float64"),
        errors=clean_errors(df["error"]),
        messages=clean_errors(df["message"]),
        comparator=df["cmp"].astype("string"),
        percent_sign=df["pct"].astype("boolean"),
    )
