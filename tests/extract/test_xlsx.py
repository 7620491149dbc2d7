"""Workbooks written by openpyxl the way the clinical team's Excel saves them."""

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from etl.extract import ROW_NUMBER
from etl.extract.cells import cell_text
from tests.extract.helpers import cells, read


def write_workbook(path: Path, rows: list[list[object]], *, title: str = "Регистр") -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    workbook.create_sheet("Второй").append(["never", "read"])
    workbook.save(path)
    return path


def test_first_sheet_with_dates_numbers_booleans_and_text(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "registry_ru.xlsx",
        [
            ["Код пациента", "Дата ТГСК", "Изменено", "Экспрессия CD22, %", "CD34+, ×10⁶/кг", "Сепсис", "Приживление"],
            ["ТГСК-2019-014", dt.datetime(2019, 3, 7), dt.datetime(2019, 5, 1, 14, 30, 5), 74.5, 22.0, True, "Д+22"],
            ["ТГСК-2019-015", dt.date(2019, 4, 11), None, 80, 5.25, False, "  "],
            ["ТГСК-2019-016", "07.03.2019", "001", "74,5", 0.1 + 0.2, None, 22],
        ],
    )
    table = read(path)
    assert (table.format, table.sheet, table.encoding, table.delimiter) == ("xlsx", "Регистр", None, None)
    assert table.cell_origin == "excel"
    assert table.headers[0] == "Код пациента"
    assert cells(table) == [
        ["ТГСК-2019-014", "2019-03-07", "2019-05-01T14:30:05", "74.5", "22", "TRUE", "Д+22"],
        ["ТГСК-2019-015", "2019-04-11", None, "80", "5.25", "FALSE", None],
        ["ТГСК-2019-016", "07.03.2019", "001", "74,5", "0.3", None, "22"],
    ]
    assert table.rows[ROW_NUMBER].tolist() == [2, 3, 4]


def test_percent_formatted_cell_reads_as_typed(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Код пациента", "Экспрессия CD22, %"])
    sheet.append(["ТГСК-1", 0.745])
    sheet["B2"].number_format = "0.0%"
    workbook.save(tmp_path / "registry_ru.xlsx")
    assert cells(read(tmp_path / "registry_ru.xlsx")) == [["ТГСК-1", "74.5%"]]


def test_row_numbers_are_worksheet_rows_and_empty_rows_are_skipped(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"], sheet["B1"] = "Код пациента", "Пол"
    sheet["A2"], sheet["B2"] = "ТГСК-1", "М"
    sheet["A5"] = "ТГСК-2"
    sheet["B9"].number_format = "0.0"  # a formatted but empty trailing cell
    sheet["A12"] = " "
    workbook.save(tmp_path / "registry_ru.xlsx")
    table = read(tmp_path / "registry_ru.xlsx")
    assert table.rows[ROW_NUMBER].tolist() == [2, 5]
    assert table.blank_rows == [3, 4]
    assert cells(table) == [["ТГСК-1", "М"], ["ТГСК-2", None]]


def test_values_beyond_the_header_are_kept_and_named_in_warnings(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "registry_ru.xlsx", [["Код", None, "Пол"], ["А", "x", "М", None, "лишнее"]])
    table = read(path)
    assert table.headers == ["Код", "<column 2>", "Пол"]
    assert table.columns == ["Код", "<column 2>", "Пол", "<column 4>", "<column 5>"]
    assert cells(table) == [["А", "x", "М", None, "лишнее"]]
    assert any("column 5 has values but no header" in w for w in table.warnings)
    assert any("column 2 has values but no header" in w for w in table.warnings)


def test_wrong_stated_dimensions_do_not_cut_rows(tmp_path: Path) -> None:
    import zipfile

    path = write_workbook(tmp_path / "registry_ru.xlsx", [["Код"], ["А"], ["Б"], ["В"]])
    patched = tmp_path / "registry_ru_patched.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(patched, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<dimension ref="A1:A4"', b'<dimension ref="A1:A2"')
                assert b'ref="A1:A2"' in data
            dst.writestr(item, data)
    assert cells(read(patched)) == [["А"], ["Б"], ["В"]]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (22.0, "22"),
        (74.5, "74.5"),
        (-2.5, "-2.5"),
        (1e-05, "0.00001"),
        (12345678901234567, "12345678901234567"),
        (dt.datetime(2019, 3, 7, 23, 59, 59, 600_000), "2019-03-08"),
        (dt.time(8, 30), "08:30:00"),
        ("  текст  ", "  текст  "),
        ("", None),
    ],
)
def test_cell_text(value: object, text: str | None) -> None:
    assert cell_text(value) == text
