"""Values that read two ways are never guessed (issue 14): decimal and thousands marks decided by the
file's own evidence, Excel serial days only where the date system is known, dates after today,
registry codes compared by their number."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from etl.harmonize import parse_comparator, parse_date, parse_datetime, parse_day, parse_decimal
from etl.harmonize.identity import near_identical, patient_keys
from etl.harmonize.parse_dates import EXCEL_EPOCHS
from etl.harmonize.parse_numbers import decimal_evidence

TODAY = dt.date(2024, 1, 1)


@pytest.mark.parametrize(
    ("cells", "marks"),
    [
        (["1,500", "0.19"], ".,"),  # a point followed by two digits: point decimals, comma thousands
        (["1,500", "12.5"], ".,"),
        (["0.500"], ".,"),  # after a leading zero a mark is a decimal mark
        (["1,500,000"], ".,"),  # twice: a thousands mark
        (["1,500.5"], ".,"),  # the last of two marks is the decimal mark
        (["0,6", "1.500"], ",."),
        (["<0,01", "12"], ",."),
        (["1.500,5 %"], ",."),
        (["1,500", "980"], None),  # nothing settles it
        (["0.19", "0,6"], None),  # both marks proved: no file-wide reading
        ([], None),
    ],
)
def test_decimal_evidence(cells: list[str], marks: str | None) -> None:
    assert decimal_evidence(pd.Series(cells, dtype=object)) == marks


@pytest.mark.parametrize(
    ("cell", "decimal", "value", "error"),
    [
        ("1,500", ".,", 1500.0, None),
        ("1.500", ",.", 1500.0, None),
        ("1,500", ",.", 1.5, None),
        ("150,000", ".,", 150000.0, None),
        ("1,500", None, None, "ambiguous_number"),
        ("1.500", None, None, "ambiguous_number"),
        ("<1,500", None, None, "ambiguous_number"),
        ("0,500", None, 0.5, None),  # a leading zero is no thousands group
        ("1,5", None, 1.5, None),
        ("1,500", ".", None, "invalid_number"),  # a declared point decimal: the comma is refused, not re-read
    ],
)
def test_a_number_that_reads_two_ways_is_never_guessed(
    cell: str, decimal: str | None, value: float | None, error: str | None
) -> None:
    result = parse_comparator(pd.Series([cell]), decimal=decimal)
    assert result.errors.iloc[0] == error
    assert (None if pd.isna(result.values.iloc[0]) else float(result.values.iloc[0])) == value


def test_decimal_cells_flag_ambiguity_too() -> None:
    result = parse_decimal(pd.Series(["1,500", "2,25"]))
    assert result.errors.tolist() == ["ambiguous_number", None]
    assert "1.5 or 1500" in result.messages.iloc[0]


@pytest.mark.parametrize(
    ("epoch", "expected"),
    [(EXCEL_EPOCHS[1900], "2020-01-01"), (EXCEL_EPOCHS[1904], "2024-01-02")],
)
def test_a_serial_day_is_read_with_the_workbooks_date_system(epoch: pd.Timestamp, expected: str) -> None:
    result = parse_date(pd.Series(["43831"]), today=dt.date(2025, 1, 1), excel_epoch=epoch)
    assert result.errors.iloc[0] is None
    assert result.values.iloc[0] == pd.Timestamp(expected)


def test_a_serial_day_in_a_csv_file_is_ambiguous() -> None:
    result = parse_date(pd.Series(["43831", "43831.0"]), today=TODAY)
    assert result.errors.tolist() == ["ambiguous_date", "ambiguous_date"]
    assert "1904" in result.messages.iloc[0]


def test_a_serial_day_in_a_day_column() -> None:
    hsct = pd.Series(pd.to_datetime(["2015-06-06", "2015-06-06"]))
    in_csv = parse_day(pd.Series(["42454", "Д+22"]), hsct, today=dt.date(2020, 1, 1))
    assert in_csv.errors.tolist() == ["ambiguous_date", None]
    in_xlsx = parse_day(pd.Series(["42454"]), hsct[:1], today=dt.date(2020, 1, 1), excel_epoch=EXCEL_EPOCHS[1900])
    assert in_xlsx.errors.tolist() == [None]
    assert in_xlsx.dates.iloc[0] == pd.Timestamp("2016-03-25")


def test_dates_after_today_are_rejected() -> None:
    assert parse_date(pd.Series(["02.01.2024", "01.01.2024"]), today=TODAY).errors.tolist() == ["date_in_future", None]
    edits = parse_datetime(pd.Series(["2024-01-01 23:59", "2024-01-02 00:01"]), today=TODAY)
    assert edits.errors.tolist() == [None, "date_in_future"]


@pytest.mark.parametrize(
    ("code", "key"),
    [
        ("ТГСК-2019-016", "2019-016"),
        ("HSCT-2019-0016", "2019-016"),
        ("hsct 2019 – 00016", "2019-016"),
        ("ТГСК-2019-1234", "2019-1234"),
        ("ТГСК-2019-16", "2019-016"),  # a leading zero lost
        ("ТГСК-2019-0160000", None),  # seven digits: not cut to six
        ("2019-01-15", None),
    ],
)
def test_the_identity_rule_compares_the_number_as_a_number(code: str, key: str | None) -> None:
    found = patient_keys(pd.Series([code], dtype="string")).iloc[0]
    assert (None if pd.isna(found) else found) == key


@pytest.mark.parametrize(
    ("a", "b", "near"),
    [
        ("2019-014", "2019-015", True),
        ("2019-014", "2019-041", True),
        ("2019-014", "2019-1014", True),
        ("2019-014", "2018-015", False),
        ("2019-014", "2019-014", False),
    ],
)
def test_near_identical_keys(a: str, b: str, near: bool) -> None:
    assert near_identical(a, b) is near
