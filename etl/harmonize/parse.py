"""The value parsers of the harmonize stage, in one place, and the name -> parser
table that the field catalogue (mappings/field_catalogue.yaml, `parser:`) refers to.

Every parser takes a Series of raw cells (None/NaN/blank/`н/д` = not recorded)
and returns a `ParseResult` (`values`, `errors` = reason code or None,
`messages`), some with extra Series (see each result class).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from etl.harmonize.parse_codes import CodeResult, MrdResult, parse_boolean, parse_code, parse_grade, parse_mrd
from etl.harmonize.parse_dates import parse_date, parse_datetime
from etl.harmonize.parse_days import DayResult, parse_day
from etl.harmonize.parse_doses import DoseListResult, parse_dose_list
from etl.harmonize.parse_labs import LabValueResult, parse_lab_value
from etl.harmonize.parse_numbers import ComparatorResult, parse_comparator, parse_decimal, parse_percent
from etl.harmonize.result import REASONS, ParseResult, clean_errors
from etl.harmonize.vocab import Vocabulary, not_recorded_mask
from etl.performance import once_per_distinct


def parse_text(values: pd.Series, *, vocab: Vocabulary | None = None) -> ParseResult:
    """Free text (codes, names): stripped, inner spaces collapsed; blank -> <NA>; never fails."""
    absent = not_recorded_mask(values, vocab)
    text = values.astype("string").str.strip().str.replace(r"\s+", " ", regex=True).where(~absent)
    none = pd.Series(None, index=values.index, dtype=object)
    return ParseResult(values=text, errors=clean_errors(none), messages=clean_errors(none.copy()))


# name -> parser, as named in mappings/field_catalogue.yaml
PARSERS: dict[str, Callable[..., ParseResult]] = {
    "text": parse_text,
    "date": parse_date,
    "datetime": parse_datetime,
    "decimal": parse_decimal,
    "percent": parse_percent,
    "comparator": parse_comparator,
    "boolean": parse_boolean,
    "grade": parse_grade,
    "code": parse_code,
    "day": parse_day,
    "mrd": parse_mrd,
    "dose_list": parse_dose_list,
    "lab_value": parse_lab_value,
}
_TAKES_DECIMAL = {"decimal", "percent", "comparator", "mrd", "dose_list", "lab_value"}
_ROW_CONTEXT = {"day", "lab_value"}  # their result depends on other cells of the row too
DISTINCT_SHARE = 0.5  # parse distinct cells only when they are at most this share of the rows


def parse_field(values: pd.Series, spec: dict[str, str], **context: Any) -> ParseResult:
    """Parse a column by its catalogue spec ({'parser': ..., 'domain': ...}, `SourceField.spec`).

    context: `decimal` (the file's decimal and thousands marks, see parse_numbers), `transplant_dates`
    (day cells), `units` and `tests` (lab values), `vocab`, `today`, `excel_epoch` (the workbook's date
    system for serial day numbers; None for CSV files)."""
    name = spec["parser"]
    try:
        parser = PARSERS[name]
    except KeyError:
        raise KeyError(f"unknown parser {name!r}; known: {', '.join(sorted(PARSERS))}") from None
    kwargs: dict[str, Any] = {"vocab": context.get("vocab")}
    if name in _TAKES_DECIMAL:
        kwargs["decimal"] = context.get("decimal")
    if name in ("date", "datetime", "day"):
        if context.get("today") is not None:
            kwargs["today"] = context["today"]
        kwargs["excel_epoch"] = context.get("excel_epoch")
    if name in ("code", "boolean") and spec.get("domain"):
        return _by_distinct(values, lambda v: parser(v, spec["domain"], **kwargs))
    if name == "day":
        return parser(values, context.get("transplant_dates"), **kwargs)
    if name == "lab_value":
        return parser(values, context["units"], context.get("tests"), **kwargs)
    return _by_distinct(values, lambda v: parser(v, **kwargs))


def _by_distinct(values: pd.Series, parse: Callable[[pd.Series], ParseResult]) -> ParseResult:
    """`parse(values)`, computed once per distinct cell and spread back to the rows.

    For parsers whose result for a cell depends on that cell alone. A column of
    100,000 rows holds a few hundred dates or a handful of codes, and every
    pass a parser makes (strip, match, look up) then runs over those only
    (text cells only, and only when they repeat enough to gain: `once_per_distinct`).
    """
    return once_per_distinct(values, parse, lambda parsed, rows: _spread(parsed, rows, values.index), DISTINCT_SHARE)


def _spread(parsed: ParseResult, positions: np.ndarray, index: pd.Index) -> ParseResult:
    """A parser's result for distinct values, taken back for every row (`positions`, labelled `index`)."""
    spread = {}
    for field in dataclasses.fields(parsed):
        column = getattr(parsed, field.name)
        if isinstance(column, pd.DataFrame | pd.Series):
            spread[field.name] = column.iloc[positions].set_axis(index)
        else:
            spread[field.name] = column
    return type(parsed)(**spread)


__all__ = [
    "PARSERS",
    "REASONS",
    "CodeResult",
    "ComparatorResult",
    "DayResult",
    "DoseListResult",
    "LabValueResult",
    "MrdResult",
    "ParseResult",
    "parse_boolean",
    "parse_code",
    "parse_comparator",
    "parse_date",
    "parse_datetime",
    "parse_day",
    "parse_decimal",
    "parse_dose_list",
    "parse_field",
    "parse_grade",
    "parse_lab_value",
    "parse_mrd",
    "parse_percent",
    "parse_text",
]
