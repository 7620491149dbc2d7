"""Parsers of coded cells: concept keys, booleans, grades, MRD.

All go through `vocab.lookup`, so every spelling lives in `mappings/values/`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from etl.harmonize.parse_numbers import split_comparator
from etl.harmonize.result import (
    INCONSISTENT_MRD,
    INVALID_BOOLEAN,
    INVALID_GRADE,
    INVALID_MRD,
    PERCENT_OUT_OF_RANGE,
    UNMAPPED_VALUE,
    ParseResult,
    by_unique,
    clean_errors,
)
from etl.harmonize.vocab import Vocabulary, load_vocabulary, lookup, not_recorded_mask

MRD_THRESHOLD = 0.01  # percent: MRD negative means < 0.01% blasts


@dataclass
class CodeResult(ParseResult):
    """`values`: concept keys (string); `notes`: a free-text note kept apart (domains with notes)."""

    notes: pd.Series


def _unmapped(values: pd.Series, mask: pd.Series, reason: str, what: str) -> tuple[pd.Series, pd.Series]:
    errors = pd.Series(None, index=values.index, dtype=object)
    errors[mask] = reason
    messages = pd.Series(None, index=values.index, dtype=object)
    messages[mask] = "'" + values[mask].astype(str) + f"' is not {what} any mapping knows"
    return clean_errors(errors), clean_errors(messages)


def parse_code(values: pd.Series, domain: str, *, vocab: Vocabulary | None = None) -> CodeResult:
    """Cells -> concept keys of a domain (`mappings/values/<domain>.yaml`); `unmapped_value`."""
    found = lookup(values, domain, vocab)
    errors, messages = _unmapped(values, found.unmapped, UNMAPPED_VALUE, f"a {domain} value")
    return CodeResult(values=found.keys, errors=errors, messages=messages, notes=found.notes)


def parse_boolean(values: pd.Series, domain: str = "boolean", *, vocab: Vocabulary | None = None) -> ParseResult:
    """да/нет, yes/no, +/-, 1/0, true/false, есть ... -> boolean; `invalid_boolean`."""
    found = lookup(values, domain, vocab)
    keys = found.keys
    result = pd.Series(pd.NA, index=values.index, dtype="boolean")
    result[keys == "true"] = True
    result[keys == "false"] = False
    errors, messages = _unmapped(values, found.unmapped, INVALID_BOOLEAN, "a yes/no value")
    return ParseResult(values=result, errors=errors, messages=messages)


def parse_grade(values: pd.Series, *, vocab: Vocabulary | None = None) -> ParseResult:
    """0-4, 0-IV (Cyrillic look-alike І accepted), нет/none = 0 -> Int64; `invalid_grade`."""
    found = lookup(values, "grade", vocab)
    result = pd.to_numeric(found.keys, errors="coerce").astype("Int64")
    errors, messages = _unmapped(values, found.unmapped, INVALID_GRADE, "a grade 0-IV")
    return ParseResult(values=result, errors=errors, messages=messages)


@dataclass
class MrdResult(ParseResult):
    """`values`: 'positive' / 'negative'; `percent`: the % given (Float64); `comparator`: '<' or <NA>."""

    percent: pd.Series
    comparator: pd.Series


def _mrd_table(u: pd.Series, vocab: Vocabulary, decimal: str | None) -> pd.DataFrame:
    words = lookup(u, "mrd_status", vocab).keys
    neutral = {str(w) for w in vocab.domain("mrd_status").section_list("neutral")}
    # a status word or neutral word, then a number: `МОБ+ 0,8%`, `MRD (<0.01%)`
    parts = u.str.extract(r"^(?P<word>.*?)[\s:(]*(?P<rest>[<>≤≥]?=?\s*[\d.,]+\s*%?)\s*\)?$")
    head = lookup(parts["word"].fillna(""), "mrd_status", vocab).keys
    head_text = parts["word"].fillna("").str.strip().str.casefold()
    head_ok = (
        parts["word"].fillna("").str.strip().eq("") | head.notna() | head_text.isin({n.casefold() for n in neutral})
    )
    num = split_comparator(parts["rest"].fillna(""), decimal)
    has_num = parts["rest"].notna() & num["num"].notna() & head_ok
    value, cmp = num["num"], num["cmp"]
    from_num = pd.Series(pd.NA, index=u.index, dtype="string")
    plain = has_num & cmp.isna()
    from_num[plain & (value < MRD_THRESHOLD)] = "negative"
    from_num[plain & (value >= MRD_THRESHOLD)] = "positive"
    below = has_num & (cmp == "<") & (value <= MRD_THRESHOLD)
    from_num[below] = "negative"
    status = words.fillna(from_num)
    error = pd.Series(None, index=u.index, dtype=object)
    message = pd.Series(None, index=u.index, dtype=object)

    def fail(mask: pd.Series, reason: str, text: str) -> None:
        mask = mask.fillna(False).astype(bool) & error.isna()
        error[mask] = reason
        message[mask] = "'" + u[mask] + "' " + text

    fail(words.isna() & ~has_num, UNMAPPED_VALUE, "is not an MRD result any mapping knows (МОБ-, МОБ+, <0,01%, 0,8%)")
    fail(has_num & ((value < 0) | (value > 100)), PERCENT_OUT_OF_RANGE, "is outside 0-100%")
    fail(has_num & from_num.isna(), INVALID_MRD, "does not tell MRD < 0.01% from >= 0.01% (only '<' is kept)")
    fail(has_num & head.notna() & (head != from_num), INCONSISTENT_MRD, "has a word and a number that disagree")
    bad = error.notna()
    return pd.DataFrame(
        {
            "status": status.where(~bad).fillna(head.where(~bad)).astype("string"),
            "percent": value.where(has_num & ~bad).astype("Float64"),
            "comparator": cmp.where(has_num & ~bad).astype("string"),
            "error": error,
            "message": message,
        }
    )


def parse_mrd(values: pd.Series, *, decimal: str | None = None, vocab: Vocabulary | None = None) -> MrdResult:
    """MRD cells: `МОБ-`, `МОБ+`, `отр.`, `пол.`, `negative`, `<0,01%` (negative, 0.01, '<'),
    `0,8%` (positive, 0.8). A number decides by the 0.01% threshold; a word with a number
    must agree. Reasons: unmapped_value, percent_out_of_range, invalid_mrd, inconsistent_mrd."""
    vocab = vocab or load_vocabulary()
    present = ~not_recorded_mask(values, vocab)
    df = by_unique(values, present, lambda u: _mrd_table(u, vocab, decimal))
    return MrdResult(
        values=df["status"].astype("string"),
        errors=clean_errors(df["error"]),
        messages=clean_errors(df["message"]),
        percent=df["percent"].astype("Float64"),
        comparator=df["comparator"].astype("string"),
    )
