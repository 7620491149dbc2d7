"""A laboratory file → canonical lab rows (value in the test's UCUM unit), or rejections.

The `LabRecord` rules (a result is present, a percentage lies in 0-100, no
result is negative) are applied column-wise by the parsers, not row by row
through pydantic: a laboratory night can hold a million rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from etl.extract import ROW_NUMBER, RawTable
from etl.harmonize.columns import ROW_ISSUE_REASONS, ColumnMap, IssueCollector, map_columns
from etl.harmonize.context import field_cells, parse_context, reject_too_long
from etl.harmonize.identity import patient_keys, reject_codes, reject_file_without_code
from etl.harmonize.parse import parse_field
from etl.harmonize.parse_labs import LabValueResult
from etl.harmonize.registry import REQUIRED_MISSING, _plain
from etl.harmonize.result import ParseResult
from etl.harmonize.vocab import Vocabulary

LAB_FIELDS = ["patient_key", "result_date", "test", "value_num", "value_comparator", "value_code", "unit"]
NAME_FIELDS = ["patient_key", "test", "result_date"]


@dataclass
class LabRows:
    """A laboratory file harmonized: one record per valid row, the rejected cells, the column map."""

    records: pd.DataFrame  # LabRecord fields + row_number: categories, datetime64 dates, float values
    issues: pd.DataFrame
    columns: ColumnMap
    # (patient_key, test, result_date) of every rejected row, each part missing (NaN) where the row
    # does not tell it: the cell could not be read or was rejected, or the row itself was read wrong.
    # A stored result such a row could be (every part it tells matches) is kept, not deleted
    # (etl.load.labs): the night never deletes what it could not read.
    rejected_names: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=NAME_FIELDS))


def harmonize_labs(table: RawTable, vocab: Vocabulary, today: dt.date | None = None) -> LabRows:
    columns = map_columns(table, vocab)
    issues = IssueCollector(table, columns)
    rows = table.rows
    if "registry_code" not in columns.labels:
        reject_file_without_code(table, issues)
        return LabRows(pd.DataFrame(columns=[*LAB_FIELDS, "row_number"]), issues.frame(), columns)
    issues.add_row_issues()
    specs = vocab.field_types_for(table.feed)
    context = parse_context(table, vocab, today)

    def cells(source: str) -> pd.Series:
        return field_cells(table, columns, source, issues, specs, context)

    def parse(source: str) -> ParseResult:
        result = parse_field(cells(source), specs[source], **context)
        issues.add(result.errors.notna(), source, result.errors, result.messages)
        return result

    code = parse("registry_code").values.astype("string")
    key = patient_keys(code)
    reject_codes(code, key, issues)
    date = parse("result_date")
    issues.add(date.values.isna() & date.errors.isna(), "result_date", REQUIRED_MISSING, "the result date is empty")
    test = parse("test")
    issues.add(test.values.isna() & test.errors.isna(), "test", REQUIRED_MISSING, "the test is empty")
    context["units"] = cells("unit")
    context["tests"] = test.values
    value = parse_field(cells("value"), specs["value"], **context)
    assert isinstance(value, LabValueResult), type(value)
    # a unit no mapping knows (or none, or one unfit for the test) is the Unit cell's fault, not the
    # Result's: quarantined on the Unit column with the unit as written (a file without a Unit column: Result)
    on_unit = value.fields.eq("unit") & ("unit" in columns.labels)
    issues.add(value.errors.notna() & ~on_unit, "value", value.errors, value.messages)
    issues.add(on_unit, "unit", value.errors, value.messages)
    empty = value.values.isna() & value.code.isna() & value.errors.isna()
    issues.add(empty, "value", REQUIRED_MISSING, "the result is empty")

    out = pd.DataFrame(
        {
            "patient_key": _few(key),
            "result_date": pd.to_datetime(date.values),
            "test": _few(test.values),
            "value_num": pd.to_numeric(_plain(value.values)).astype(float),
            "value_comparator": _few(value.comparator),
            "value_code": _few(value.code),
            "unit": _few(value.unit),
            "row_number": rows[ROW_NUMBER].astype(int),
        },
        index=rows.index,
    )
    reject_too_long(out, issues)
    rejected = out["row_number"].isin(issues.bad_rows())
    good = out[~rejected].reset_index(drop=True)
    found = issues.frame()
    named = _rejected_names(out[rejected], found, {f: columns.header(table, s) for f, s in NAME_SOURCES.items()})
    return LabRows(good, found, columns, named)


NAME_SOURCES = {"patient_key": "registry_code", "test": "test", "result_date": "result_date"}
ROW_REASONS = frozenset(ROW_ISSUE_REASONS.values())  # the row was read wrong: none of its cells is sure


def _rejected_names(rejected: pd.DataFrame, issues: pd.DataFrame, headers: dict[str, str]) -> pd.DataFrame:
    """The rejected rows' (patient_key, test, result_date), a part missing where the row does not tell
    it: unparsed, rejected on its own column, or the whole row read wrong (a ragged row, say)."""
    named = rejected[NAME_FIELDS].astype(object)
    named = named.where(named.notna(), None)
    on_row = issues["reason_code"].isin(ROW_REASONS) & issues["column_name"].fillna("").eq("")
    whole = set(issues.loc[on_row, "row_number"].astype(int))
    for name, header in headers.items():
        bad = set(issues.loc[issues["column_name"].eq(header), "row_number"].astype(int)) if header else set()
        named.loc[rejected["row_number"].isin(bad | whole).to_numpy(), name] = None
    named["patient_key"] = named["patient_key"].map(lambda v: None if v is None else str(v))
    named["test"] = named["test"].map(lambda v: None if v is None else str(v))
    return named.drop_duplicates().reset_index(drop=True)


def _few(values: pd.Series) -> pd.Series:
    """A column of few distinct values over many rows (patients, tests, units) as a categorical:
    a million results hold each value once (missing stays missing)."""
    return pd.Series(pd.Categorical(_plain(values)), index=values.index)
