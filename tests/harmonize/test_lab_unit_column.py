"""A lab result rejected for its unit names the Unit column and the unit as written, not the Result cell.

The tester's file: a labs CSV saved as Windows-1251 by Excel, which writes `×10⁹/L` as `?10?/L`; the
quarantine said `column «Result»: unmapped_unit: «0.28»` and the clinic workbook marked the Result cell.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from etl.extract import FeedFile, read_file
from etl.harmonize.labs import harmonize_labs
from etl.harmonize.parse_labs import parse_lab_value
from etl.harmonize.vocab import load_vocabulary
from tests.quality.helpers import NIGHT, hsct

HEADER = "Patient ID;Date;Test;Result;Unit\n"
UNKNOWN_UNIT_ROWS = (
    "ТГСК-2019-014;11.06.2019;Нейтрофилы;600;кл/мкл\n"
    "ТГСК-2019-014;19.06.2019;Лимфоциты;0,45;x10^9/л\n"
    "ТГСК-2019-014;20.06.2019;Лимфоциты;0,28;×10⁹/L\n"  # row 4: Excel writes it `?10?/L` in Windows-1251
)


def _excel_cp1251_labs(folder: Path) -> Path:
    path = folder / "labs_20240101.csv"
    path.write_bytes((HEADER + UNKNOWN_UNIT_ROWS).encode("cp1251", errors="replace"))  # what Excel does
    assert b"?10?/L" in path.read_bytes()
    return path


def _issues(path: Path) -> pd.DataFrame:
    table = read_file(FeedFile(path, "labs", "csv"), load_vocabulary().header_rule("labs"))
    return harmonize_labs(table, load_vocabulary()).issues


def test_unknown_unit_is_blamed_on_the_unit_cell(tmp_path: Path) -> None:
    issues = _issues(_excel_cp1251_labs(tmp_path))
    assert issues[["row_number", "column_name", "raw_value", "reason_code"]].values.tolist() == [
        [4, "Unit", "?10?/L", "unmapped_unit"]
    ]


@pytest.mark.parametrize(
    ("test", "value", "unit", "reason", "column"),
    [
        ("Нейтрофилы", "0,28", "?10?/L", "unmapped_unit", "Unit"),
        ("Нейтрофилы", "7", "", "missing_unit", "Unit"),
        ("Нейтрофилы", "1,2", "%", "unit_mismatch", "Unit"),
        ("Нейтрофилы", "abc", "кл/мкл", "invalid_number", "Result"),
        ("Нейтрофилы", "-5", "кл/мкл", "number_out_of_range", "Result"),
        ("МОБ (проточная цитометрия)", "120", "%", "percent_out_of_range", "Result"),
        ("Потеря HLA-гаплотипа (STR)", "может быть", "", "unmapped_value", "Result"),
    ],
)
def test_each_lab_reason_names_the_cell_at_fault(
    tmp_path: Path, test: str, value: str, unit: str, reason: str, column: str
) -> None:
    path = tmp_path / "labs_20240101.csv"
    path.write_text(HEADER + f"ТГСК-2019-014;11.06.2019;{test};{value};{unit}\n", encoding="utf-8")
    issues = _issues(path)
    assert issues[["column_name", "reason_code"]].values.tolist() == [[column, reason]]
    assert issues["raw_value"].iloc[0] == {"Unit": unit or None, "Result": value}[column]


def test_the_parser_says_which_cell_each_reason_is_about() -> None:
    result = parse_lab_value(
        pd.Series(["0.28", "7", "1,2", "abc", "600"]),
        pd.Series(["?10?/L", None, "%", "кл/мкл", "кл/мкл"], dtype=object),
        pd.Series(["anc"] * 5),
    )
    assert result.errors.tolist() == ["unmapped_unit", "missing_unit", "unit_mismatch", "invalid_number", None]
    assert result.fields.tolist() == ["unit", "unit", "unit", "value", None]


def test_a_file_without_a_unit_column_still_names_the_result(tmp_path: Path) -> None:
    path = tmp_path / "labs_20240101.csv"
    path.write_text("Patient ID;Date;Test;Result\nТГСК-2019-014;11.06.2019;Нейтрофилы;7\n", encoding="utf-8")
    issues = _issues(path)
    assert issues[["column_name", "raw_value", "reason_code"]].values.tolist() == [["Result", "7", "missing_unit"]]


def test_hsct_quarantine_names_the_unit_column_of_an_excel_cp1251_file(db_url: str, tmp_path: Path) -> None:
    night = tmp_path / "night"
    night.mkdir()
    for name in ("registry_ru_20240101.csv", "registry_en_20240101.csv"):
        shutil.copy(NIGHT / name, night)
    _excel_cp1251_labs(night)
    run = hsct("--lang", "ru", "run", "--source", str(night), "--db", db_url, "--no-docs", "--wait")
    assert "строка 4, столбец «Unit»: unmapped_unit: «?10?/L»" in run, run
    out = hsct("--lang", "en", "quarantine", "--last", "--file", "labs", "--format", "csv", "--db", db_url)
    rows = [r for r in csv.DictReader(io.StringIO(out)) if r["reason"] == "unmapped_unit"]
    assert [(r["row"], r["column"], r["cell"]) for r in rows] == [("4", "Unit", "?10?/L")]
    ru = hsct("--lang", "ru", "quarantine", "--last", "--reason", "unmapped_unit", "--db", db_url)
    assert "labs_20240101.csv  4       Unit     ?10?/L  unmapped_unit" in ru, ru

    book_path = tmp_path / "q.xlsx"
    hsct(
        "quarantine", "--last", "--reason", "unmapped_unit", "--format", "xlsx", "--out", str(book_path), "--db", db_url
    )
    sheet = openpyxl.load_workbook(book_path)["labs_20240101"]
    header = [c.value for c in sheet[1]]
    row = list(sheet[2])
    marked = [header[i] for i, c in enumerate(row) if c.fill.fgColor.rgb == "FFF4B6B6"]
    assert marked == ["Unit"] and row[header.index("Unit")].value == "?10?/L"
