"""Unit tests of every parser: what each accepts, and the reason each rejection gets."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from etl.harmonize.parse import (
    REASONS,
    parse_boolean,
    parse_code,
    parse_comparator,
    parse_date,
    parse_datetime,
    parse_day,
    parse_decimal,
    parse_dose_list,
    parse_field,
    parse_grade,
    parse_lab_value,
    parse_mrd,
    parse_percent,
    parse_text,
)
from etl.harmonize.parse_dates import EXCEL_EPOCHS

TODAY = dt.date(2026, 1, 15)


def one(result, i: int = 0):  # type: ignore[no-untyped-def]
    value = result.values.iloc[i]
    if pd.isna(value):
        return None
    return value.item() if hasattr(value, "item") else value


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("14.03.2019", "2019-03-14"),
        ("4.3.2019", "2019-03-04"),
        ("14.03.19", "2019-03-14"),
        ("14.01.26", "2026-01-14"),
        ("14.03.27", "1927-03-14"),
        ("01.01.99", "1999-01-01"),
        ("2019-03-14", "2019-03-14"),
        ("2019-03-14T00:00:00", "2019-03-14"),
        ("14/03/2019", "2019-03-14"),
        ("29.02.2020", "2020-02-29"),
    ],
)
def test_dates(raw: str, expected: str) -> None:
    result = parse_date(pd.Series([raw]), today=TODAY)
    assert result.errors.iloc[0] is None
    assert one(result) == pd.Timestamp(expected)


@pytest.mark.parametrize(
    "raw", ["31.02.2019", "29.02.2019", "2019-13-01", "00.01.2019", "abc", "22", "2019-03-14 10:00"]
)
def test_invalid_dates(raw: str) -> None:
    result = parse_date(pd.Series([raw]), today=TODAY)
    assert result.errors.iloc[0] == "invalid_date"
    assert raw in result.messages.iloc[0]
    assert one(result) is None


def test_blank_cells_are_not_recorded_not_errors() -> None:
    s = pd.Series([None, "", "   ", float("nan"), "н/д", "N/A"])
    for parser in (parse_date, parse_decimal, parse_percent, parse_boolean, parse_grade, parse_mrd, parse_dose_list):
        result = parser(s)
        assert result.errors.isna().all(), parser.__name__
        assert result.ok.all()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("14.03.2019 10:22", "2019-03-14 10:22"),
        ("2019-03-14T10:22:33", "2019-03-14 10:22:33"),
        ("2019-03-14 10:22:33.5", "2019-03-14 10:22:33.5"),
        ("2019-03-14", "2019-03-14"),
        ("43831.5", "2020-01-01 12:00"),  # a serial day and its fraction, in a 1900-system workbook
    ],
)
def test_datetimes(raw: str, expected: str) -> None:
    result = parse_datetime(pd.Series([raw]), excel_epoch=EXCEL_EPOCHS[1900])
    assert result.errors.iloc[0] is None
    assert one(result) == pd.Timestamp(expected)


@pytest.mark.parametrize("raw", ["2019-03-14 25:00", "2019-03-14T10:22:33+03:00", "31.02.2019 10:00", "вчера"])
def test_invalid_datetimes(raw: str) -> None:
    assert parse_datetime(pd.Series([raw])).errors.iloc[0] == "invalid_datetime"


@pytest.mark.parametrize(
    ("raw", "expected"), [("74", 74.0), ("74,5", 74.5), ("74.5", 74.5), ("1 500", 1500.0), ("−3", -3.0)]
)
def test_decimals(raw: str, expected: float) -> None:
    assert one(parse_decimal(pd.Series([raw]))) == expected


def test_decimal_separator_of_the_feed_is_enforced() -> None:
    result = parse_decimal(pd.Series(["74,5", "74.5"]), decimal=".")
    assert list(result.errors) == ["invalid_number", None]
    result = parse_decimal(pd.Series(["74,5", "74.5"]), decimal=",")
    assert list(result.errors) == [None, "invalid_number"]


@pytest.mark.parametrize("raw", ["abc", "1,2.3", "1.234,5", "nan", "inf", "1..2", "--1"])
def test_invalid_decimals(raw: str) -> None:
    assert parse_decimal(pd.Series([raw])).errors.iloc[0] == "invalid_number"


def test_decimal_range() -> None:
    assert parse_decimal(pd.Series(["-1"]), minimum=0).errors.iloc[0] == "number_out_of_range"


@pytest.mark.parametrize(
    ("raw", "expected"), [("74", 74.0), ("74%", 74.0), ("74,5", 74.5), ("0", 0.0), ("100 %", 100.0)]
)
def test_percentages(raw: str, expected: float) -> None:
    assert one(parse_percent(pd.Series([raw]))) == expected


@pytest.mark.parametrize(
    ("raw", "reason"), [("101", "percent_out_of_range"), ("-1", "percent_out_of_range"), ("много", "invalid_number")]
)
def test_invalid_percentages(raw: str, reason: str) -> None:
    assert parse_percent(pd.Series([raw])).errors.iloc[0] == reason


@pytest.mark.parametrize(
    ("raw", "value", "cmp"),
    [
        ("<0,01", 0.01, "<"),
        ("<0.01%", 0.01, "<"),
        ("<=5", 5.0, "<="),
        ("≤5", 5.0, "<="),
        (">= 2", 2.0, ">="),
        ("12", 12.0, None),
    ],
)
def test_comparators(raw: str, value: float, cmp: str | None) -> None:
    result = parse_comparator(pd.Series([raw]))
    assert one(result) == value
    got = result.comparator.iloc[0]
    assert (None if pd.isna(got) else got) == cmp


@pytest.mark.parametrize(
    ("raw", "status", "percent", "cmp"),
    [
        ("МОБ-", "negative", None, None),
        ("МОБ–", "negative", None, None),
        ("MRD−", "negative", None, None),
        ("MOБ-", "negative", None, None),
        ("МОБ+", "positive", None, None),
        ("отр.", "negative", None, None),
        ("пол.", "positive", None, None),
        ("negative", "negative", None, None),
        ("positive", "positive", None, None),
        ("<0,01%", "negative", 0.01, "<"),
        ("<0.01%", "negative", 0.01, "<"),
        ("0,8%", "positive", 0.8, None),
        ("0.8%", "positive", 0.8, None),
        ("0,01%", "positive", 0.01, None),
        ("0,005", "negative", 0.005, None),
        ("МОБ+ 0,8%", "positive", 0.8, None),
        ("МОБ 0,8%", "positive", 0.8, None),
    ],
)
def test_mrd(raw: str, status: str, percent: float | None, cmp: str | None) -> None:
    result = parse_mrd(pd.Series([raw]))
    assert result.errors.iloc[0] is None
    assert result.values.iloc[0] == status
    assert (None if pd.isna(result.percent.iloc[0]) else result.percent.iloc[0]) == percent
    assert (None if pd.isna(result.comparator.iloc[0]) else result.comparator.iloc[0]) == cmp


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("МОБ?", "unmapped_value"),
        ("150%", "percent_out_of_range"),
        ("<0,1%", "invalid_mrd"),
        (">1%", "invalid_mrd"),
        ("МОБ- 0,8%", "inconsistent_mrd"),
    ],
)
def test_invalid_mrd(raw: str, reason: str) -> None:
    result = parse_mrd(pd.Series([raw]))
    assert result.errors.iloc[0] == reason
    assert pd.isna(result.values.iloc[0])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("да", True), ("нет", False), ("yes", True), ("no", False), ("+", True), ("-", False), ("1", True), ("0", False),
     ("true", True), ("FALSE", False), ("есть", True)],
)  # fmt: skip
def test_booleans(raw: str, expected: bool) -> None:
    assert one(parse_boolean(pd.Series([raw]))) is expected


def test_invalid_boolean_and_intrathecal_domain() -> None:
    assert parse_boolean(pd.Series(["может быть"])).errors.iloc[0] == "invalid_boolean"
    assert parse_boolean(pd.Series(["3 препарата"])).errors.iloc[0] == "invalid_boolean"
    assert one(parse_boolean(pd.Series(["3 препарата"]), "intrathecal")) is True
    assert one(parse_boolean(pd.Series(["triple IT"]), "intrathecal")) is True
    assert one(parse_boolean(pd.Series(["нет"]), "intrathecal")) is False


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("0", 0), ("нет", 0), ("none", 0), ("I", 1), ("II", 2), ("III", 3), ("IV", 4), ("3", 3), ("ІІІ", 3), ("ІV", 4)],
)
def test_grades(raw: str, expected: int) -> None:
    assert one(parse_grade(pd.Series([raw]))) == expected


@pytest.mark.parametrize("raw", ["5", "V", "II-III", "2,5", "тяжелая"])
def test_invalid_grades(raw: str) -> None:
    assert parse_grade(pd.Series([raw])).errors.iloc[0] == "invalid_grade"


def test_days() -> None:
    raw = pd.Series(
        ["Д+22", "D+22", "д+ 22", "22", "нет", "no", "да", "05.04.2019", "2019-04-05", "Д-3", "Д+0", "0", "1", None]
    )
    hsct = pd.Series(pd.to_datetime(["2019-03-14"] * len(raw)))
    result = parse_day(raw, hsct)
    assert result.errors.isna().all()
    days = [None if pd.isna(v) else int(v) for v in result.values]
    assert days == [22, 22, 22, 22, None, None, None, 22, 22, -3, 0, None, None, None]
    happened = [None if pd.isna(v) else bool(v) for v in result.happened]
    # a bare 0 / 1 is the yes/no of a "boolean, or the day" column, not a day
    assert happened == [True, True, True, True, False, False, True, True, True, True, True, False, True, None]
    assert result.dates.iloc[0] == pd.Timestamp("2019-04-05")


def test_day_reasons() -> None:
    result = parse_day(pd.Series(["Д+22,5", "вчера", "05.04.2019", "Д+164"]), pd.Series([pd.NaT] * 4))
    assert list(result.errors) == ["invalid_day", "invalid_day", "day_without_transplant_date", None]
    assert result.values.iloc[3] == 164


def test_dose_lists() -> None:
    raw = pd.Series(["0,8/0,5/0,5", "0.8, 0.5, 0.5", "0,8", "0,8/-/0,5", "1/2/3/4", "a/b", "-0,8/0,5", None])
    result = parse_dose_list(raw)
    assert list(result.errors) == [None, None, None, None, "invalid_dose_list", "invalid_dose_list",
                                   "invalid_dose_list", None]  # fmt: skip
    assert result.values.iloc[0].tolist() == [0.8, 0.5, 0.5]
    assert result.values.iloc[1].tolist() == [0.8, 0.5, 0.5]
    assert pd.isna(result.values.iloc[3]["ino_dose_d8"])


def test_codes_with_note_and_unmapped() -> None:
    result = parse_code(pd.Series(["В-ОЛЛ, второй рецидив", "ОМЛ"]), "diagnosis")
    assert result.values.iloc[0] == "b_all" and result.notes.iloc[0] == "второй рецидив"
    assert result.errors.iloc[1] == "unmapped_value" and "ОМЛ" in result.messages.iloc[1]


def test_lab_values_convert_units() -> None:
    tests = pd.Series(["anc", "anc", "plt", "mrd_flow", "mrd_flow", "hla_loss_str", "hla_loss_str", "alc"])
    values = pd.Series(["500", "0,5", "20", "<0,01", "<0.01%", "потеря", "no loss", "1 500"])
    units = pd.Series(["кл/мкл", "×10⁹/л", "x10^9/L", "%", None, None, "", "cells/uL"])
    result = parse_lab_value(values, units, tests)
    assert result.errors.isna().all(), result.messages.tolist()
    assert result.values.tolist()[:5] == [0.5, 0.5, 20.0, 0.01, 0.01]
    assert result.values.iloc[7] == 1.5
    assert result.unit.tolist()[:5] == ["10*9/L", "10*9/L", "10*9/L", "%", "%"]
    assert result.comparator.iloc[3] == "<"
    assert result.code.tolist()[5:7] == ["loss", "no_loss"]


@pytest.mark.parametrize(
    ("test", "value", "unit", "reason"),
    [
        ("anc", "abc", "x10^9/L", "invalid_number"),
        ("anc", "1,2", "%", "unit_mismatch"),
        ("anc", "7", None, "missing_unit"),
        ("anc", "7", "ng/mL", "unmapped_unit"),
        ("anc", "-1", "x10^9/L", "number_out_of_range"),
        ("chimerism", "101", "%", "percent_out_of_range"),
        ("hla_loss_str", "частичная", None, "unmapped_value"),
    ],
)
def test_lab_value_reasons(test: str, value: str, unit: str | None, reason: str) -> None:
    result = parse_lab_value(pd.Series([value]), pd.Series([unit], dtype=object), pd.Series([test]))
    assert result.errors.iloc[0] == reason


def test_text_and_field_dispatch() -> None:
    assert parse_text(pd.Series(["  ТГСК-2019-014 "])).values.iloc[0] == "ТГСК-2019-014"
    result = parse_field(pd.Series(["гапло"]), {"parser": "code", "domain": "donor_type"})
    assert result.values.iloc[0] == "haplo"
    result = parse_field(
        pd.Series(["Д+22"]), {"parser": "day"}, transplant_dates=pd.Series([pd.Timestamp("2019-03-14")])
    )
    assert result.values.iloc[0] == 22


def test_every_reason_is_documented() -> None:
    from etl.paths import MAPPINGS_DIR

    readme = (MAPPINGS_DIR / "README.md").read_text(encoding="utf-8")
    for code in REASONS:
        assert f"`{code}`" in readme, code


def test_index_is_preserved() -> None:
    s = pd.Series(["14.03.2019", None, "31.02.2019"], index=["a", "b", "c"])
    result = parse_date(s)
    assert list(result.values.index) == ["a", "b", "c"]
    assert list(result.errors.index) == ["a", "b", "c"]
    assert result.failures().index.tolist() == ["c"]


FIELD_CELLS: dict[str, tuple[dict[str, str], list[str | None]]] = {
    "text": ({"parser": "text"}, [" ТГСК-1 ", "ТГСК-1", "н/д", "", None, "a  b"]),
    "date": ({"parser": "date"}, ["14.03.2019", "31.02.2019", "2019-03-14", "н/д", None, "  ", "вчера"]),
    "datetime": ({"parser": "datetime"}, ["14.03.2019 10:15", "2019-03-14T10:15:00", "x", None]),
    "decimal": ({"parser": "decimal"}, ["0,5", "1.5", "-1", "abc", None, "1 000,5"]),
    "percent": ({"parser": "percent"}, ["74,5", "74,5%", "120", "<0,01", None]),
    "comparator": ({"parser": "comparator"}, ["<0,01", ">= 5", "5%", "x", None]),
    "boolean": ({"parser": "boolean", "domain": "boolean"}, ["да", "Нет", "yes", "может", None]),
    "grade": ({"parser": "grade"}, ["II", "2", "0", "V", None, "н/д"]),
    "code": ({"parser": "code", "domain": "donor_type"}, ["гапло", "Haplo", "MUD", "кто-то", None]),
    "mrd": ({"parser": "mrd"}, ["МОБ-", "<0,01%", "0,8%", "МОБ- 0,8%", None]),
    "dose_list": ({"parser": "dose_list"}, ["0,8/0,5/0,5", "0.8, 0.5, 0.5", "1/2/3/4", None]),
}


@pytest.mark.parametrize("spec, cells", FIELD_CELLS.values(), ids=FIELD_CELLS.keys())
def test_a_field_parsed_by_distinct_cells_equals_the_parser_on_every_row(
    spec: dict[str, str], cells: list[str | None]
) -> None:
    from dataclasses import fields

    from etl.harmonize.parse import PARSERS
    from etl.harmonize.vocab import load_vocabulary

    vocab = load_vocabulary()
    rows = pd.Series([cells[i % len(cells)] for i in range(7 * len(cells))], index=range(100, 100 + 7 * len(cells)))
    by_field = parse_field(rows, spec, vocab=vocab, decimal=",")
    takes_decimal = spec["parser"] in ("decimal", "percent", "comparator", "mrd", "dose_list")
    kwargs = {"vocab": vocab} | ({"decimal": ","} if takes_decimal else {})
    direct = PARSERS[spec["parser"]](rows, *([spec["domain"]] if "domain" in spec else []), **kwargs)
    assert type(by_field) is type(direct)
    for f in fields(direct):
        got, want = getattr(by_field, f.name), getattr(direct, f.name)
        if isinstance(want, pd.DataFrame):
            pd.testing.assert_frame_equal(got, want)
        else:
            pd.testing.assert_series_equal(got, want)
    assert direct.errors.notna().any() or spec["parser"] == "text"  # the cells include rejected ones
