"""Lab results: a number (with comparator) in a unit converted to the test's
canonical UCUM unit, or a coded value (STR HLA loss: `потеря` / `no loss`).

What a result of each test is comes from the `result:` section of
mappings/values/lab_test.yaml; units and their conversions from
mappings/values/unit.yaml (500 cells/uL = 0.5 10*9/L).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import pandas as pd

from etl.harmonize.parse_numbers import parse_comparator
from etl.harmonize.result import (
    AMBIGUOUS_NUMBER,
    INVALID_NUMBER,
    MISSING_UNIT,
    NUMBER_OUT_OF_RANGE,
    PERCENT_OUT_OF_RANGE,
    UNIT_MISMATCH,
    UNMAPPED_UNIT,
    UNMAPPED_VALUE,
    ParseResult,
    clean_errors,
)
from etl.harmonize.vocab import Vocabulary, load_vocabulary, lookup, not_recorded_mask

# the reasons that are about the unit cell, not the result cell: the quarantine names the Unit column
UNIT_REASONS = frozenset({UNMAPPED_UNIT, MISSING_UNIT, UNIT_MISMATCH})


@dataclass
class LabValueResult(ParseResult):
    """`values`: the number in `unit` (Float64); `comparator`; `code` (coded results); `unit` (UCUM);
    `fields`: per rejected row, the field whose cell the reason is about (`value`, or `unit` for
    `UNIT_REASONS`), None where parsed."""

    comparator: pd.Series
    code: pd.Series
    unit: pd.Series
    fields: pd.Series


def test_results(vocab: Vocabulary) -> dict[str, dict[str, str]]:
    """test key -> {'unit': UCUM} or {'domain': value domain}."""
    raw = vocab.domain("lab_test").section_map("result")
    return {str(k): {str(a): str(b) for a, b in v.items()} for k, v in raw.items()}


def unit_conversions(vocab: Vocabulary) -> dict[str, tuple[str, Fraction]]:
    """source unit -> (canonical unit, factor); every unit converts to itself by 1."""
    dom = vocab.domain("unit")
    out = {key: (key, Fraction(1)) for key in dom.keys}
    for key, spec in dom.section_map("convert").items():
        out[str(key)] = (str(spec["to"]), Fraction(str(spec["factor"])))
    return out


def _scale(values: pd.Series, source: pd.Series, conversions: dict[str, tuple[str, Fraction]]) -> pd.Series:
    """values x factor of each row's source unit, dividing by the inverse when it is
    whole (500 / 1000, not 500 * 0.001, so that no float noise is added)."""
    multiply = {k: 1.0 if (1 / f).denominator == 1 else float(f) for k, (_, f) in conversions.items()}
    divide = {k: float(1 / f) if (1 / f).denominator == 1 else 1.0 for k, (_, f) in conversions.items()}
    mult = source.map(multiply).astype("Float64").fillna(1.0)
    div = source.map(divide).astype("Float64").fillna(1.0)
    return values.astype("Float64") * mult / div


def parse_lab_value(
    values: pd.Series,
    units: pd.Series,
    tests: pd.Series | None = None,
    *,
    decimal: str | None = None,
    vocab: Vocabulary | None = None,
) -> LabValueResult:
    """Result cells with their unit cells and test keys (from `parse_code(..., 'lab_test')`).

    Reasons: invalid_number, unmapped_value (coded result), unmapped_unit, missing_unit,
    unit_mismatch, percent_out_of_range, number_out_of_range (negative)."""
    vocab = vocab or load_vocabulary()
    idx = values.index
    tests = pd.Series(pd.NA, index=idx, dtype="string") if tests is None else tests.astype("string")
    spec = test_results(vocab)
    coded_domain = tests.map({k: s["domain"] for k, s in spec.items() if "domain" in s}).astype(object)
    want_unit = tests.map({k: s["unit"] for k, s in spec.items() if "unit" in s}).astype("string")
    absent = not_recorded_mask(values, vocab)
    errors = pd.Series(None, index=idx, dtype=object)
    messages = pd.Series(None, index=idx, dtype=object)

    def fail(mask: pd.Series, reason: str, text: pd.Series | str) -> None:
        mask = mask.fillna(False).astype(bool) & errors.isna() & ~absent
        errors[mask] = reason
        messages[mask] = text[mask] if isinstance(text, pd.Series) else text

    code = pd.Series(pd.NA, index=idx, dtype="string")
    coded = coded_domain.notna()
    for domain in pd.unique(coded_domain[coded]):
        rows = coded_domain == domain
        found = lookup(values[rows], str(domain), vocab)
        code[rows] = found.keys
        fail(
            found.unmapped.reindex(idx, fill_value=False),
            UNMAPPED_VALUE,
            "'" + values.astype(str) + "' is not a result any mapping knows",
        )
    numeric = ~coded & ~absent
    number = parse_comparator(values.where(numeric), decimal=decimal, vocab=vocab)
    ambiguous = numeric & number.errors.eq(AMBIGUOUS_NUMBER)
    fail(ambiguous, AMBIGUOUS_NUMBER, number.messages.astype(object))
    fail(numeric & number.errors.notna(), INVALID_NUMBER, "'" + values.astype(str) + "' is not a number (<0,01, 12,5)")
    unit_key = lookup(units.where(numeric), "unit", vocab)
    conversions = unit_conversions(vocab)
    pct_only = unit_key.keys.isna() & ~unit_key.unmapped & number.percent_sign.fillna(False)
    source = unit_key.keys.where(~pct_only, "%")
    canonical = source.map({k: c[0] for k, c in conversions.items()}).astype("string")
    fail(numeric & unit_key.unmapped, UNMAPPED_UNIT, "unit '" + units.astype(str) + "' is not a unit any mapping knows")
    fail(numeric & number.values.notna() & source.isna(), MISSING_UNIT, "a number without a unit")
    mismatch = numeric & want_unit.notna() & canonical.notna() & (canonical != want_unit)
    mismatch |= numeric & number.percent_sign.fillna(False) & canonical.notna() & (canonical != "%")
    fail(mismatch, UNIT_MISMATCH, "unit '" + units.astype(str) + "' does not fit the test")
    value = _scale(number.values, source, conversions)
    fail(numeric & (value < 0), NUMBER_OUT_OF_RANGE, "a negative result")
    fail(numeric & (canonical == "%") & (value > 100), PERCENT_OUT_OF_RANGE, "a percentage over 100")
    ok = errors.isna()
    cleaned = clean_errors(errors)
    return LabValueResult(
        values=value.where(ok & numeric).astype("Float64"),
        errors=cleaned,
        messages=clean_errors(messages),
        comparator=number.comparator.where(ok & numeric).astype("string"),
        code=code.where(ok),
        unit=canonical.where(ok & numeric & value.notna()).astype("string"),
        fields=error_fields(cleaned),
    )


def error_fields(errors: pd.Series) -> pd.Series:
    """Per row, the field whose cell a reason is about: `unit` for `UNIT_REASONS`, else `value`."""
    about = errors.map(lambda reason: None if reason is None else "unit" if reason in UNIT_REASONS else "value")
    return about.astype(object).where(errors.notna(), None)
