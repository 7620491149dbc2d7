"""Files as hospital systems and people really write them (issue 14): the reader finds the header,
reads every encoding a feed may come in, names what it cannot read down to the line and byte, and
refuses a workbook that would expand without bound before parsing it."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from etl.extract import ROW_NUMBER, UnreadableFileError, read_file
from etl.extract.delimiter import detect_delimiter, sep_hint
from etl.extract.sniff import decode_text
from etl.harmonize.vocab import load_vocabulary
from tests.extract.helpers import cells, feed_file

LAB_HEADER = "Patient ID,Date,Test,Result,Unit"


def read(path: Path):  # type: ignore[no-untyped-def]
    """Read as the nightly run does: with the header rule of the feed's mappings."""
    source = feed_file(path)
    return read_file(source, load_vocabulary().header_rule(source.feed))


def test_sep_line_names_the_delimiter_and_is_not_data(tmp_path: Path) -> None:
    path = tmp_path / "labs_1.csv"
    path.write_bytes(b"sep=;\r\nPatient ID;Date;Test;Result;Unit\r\nHSCT-2018-002;2018-08-20;ANC;0,19;x10^9/L\r\n")
    table = read(path)
    assert (table.delimiter, table.header_row) == (";", 2)
    assert table.rows[ROW_NUMBER].tolist() == [3]
    assert cells(table) == [["HSCT-2018-002", "2018-08-20", "ANC", "0,19", "x10^9/L"]]
    assert any("sep=;" in w for w in table.warnings)


@pytest.mark.parametrize(("text", "hint"), [("sep=,\nA,B\n", ","), ("SEP=\t\r\nA\tB", "\t"), ("sepal,B\n", None)])
def test_sep_hint(text: str, hint: str | None) -> None:
    assert sep_hint(text) == hint


def test_title_lines_above_the_header_are_the_preamble(tmp_path: Path) -> None:
    path = tmp_path / "labs_1.csv"
    title = "Laboratory report 01.01.2024\n\nPrinted by LIS v2,,,,\n"
    path.write_text(title + LAB_HEADER + "\nHSCT-2018-002,2018-08-20,ANC,0.19,x10^9/L\n", encoding="utf-8")
    table = read(path)
    assert table.header_row == 4
    assert [n for n, _ in table.preamble] == [1, 3]
    assert table.preamble[0][1] == "Laboratory report 01.01.2024"
    assert table.rows[ROW_NUMBER].tolist() == [5]
    assert table.headers[0] == "Patient ID"


def test_a_two_row_header_is_read_from_its_row_that_names_the_patient_code(tmp_path: Path) -> None:
    path = tmp_path / "labs_1.csv"
    path.write_text("Patient,,Result,,\n" + LAB_HEADER + "\nHSCT-2018-002,2018-08-20,ANC,0.19,x10^9/L\n")
    table = read(path)
    assert (table.header_row, table.preamble) == (2, [(1, "Patient,,Result")])


def test_without_a_patient_code_header_the_first_line_is_the_header(tmp_path: Path) -> None:
    path = tmp_path / "labs_1.csv"
    path.write_text("MRN,Date,Test,Result,Unit\n7,2018-08-20,ANC,0.19,x10^9/L\n")
    table = read(path)
    assert (table.header_row, table.headers[0], len(table.rows)) == (1, "MRN", 1)


def test_the_header_is_looked_for_in_the_first_ten_non_blank_lines_only(tmp_path: Path) -> None:
    path = tmp_path / "labs_1.csv"
    path.write_text("".join(f"title {i}\n" for i in range(10)) + LAB_HEADER + "\nHSCT-2018-002,2018-08-20,ANC,1,%\n")
    assert read(path).header_row == 1


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le"])
def test_unicode_text_with_a_byte_order_mark_is_read(tmp_path: Path, codec: str) -> None:
    bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff", "utf-32-le": b"\xff\xfe\x00\x00"}[codec]
    path = tmp_path / "registry_en_1.csv"
    path.write_bytes(bom + "Patient ID\tSex\r\nHSCT-2017-002\tFemale\r\n".encode(codec))
    table = read(path)
    assert (table.encoding, table.delimiter) == (codec, "\t")
    assert cells(table) == [["HSCT-2017-002", "Female"]]


def test_utf16_without_a_byte_order_mark_is_refused_naming_utf16(tmp_path: Path) -> None:
    path = tmp_path / "registry_en_1.csv"
    path.write_bytes("Patient ID\tSex\r\nHSCT-2017-002\tFemale\r\n".encode("utf-16-le"))
    with pytest.raises(UnreadableFileError, match="UTF-16 text without a byte-order mark"):
        read(path)


def test_a_stray_byte_is_named_by_line_and_offset_and_only_its_row_is_flagged(tmp_path: Path) -> None:
    path = tmp_path / "labs_1.csv"
    good = f"{LAB_HEADER}\r\nHSCT-2018-002,2018-08-20,ANC,0.19,x10^9/L\r\n".encode()
    bad = b"HSCT-2018-002,2018-08-30,ANC,0.5,x10^9/L\x96\r\n"
    path.write_bytes(good + bad + b"HSCT-2018-002,2018-09-12,ANC,0.6,x10^9/L\r\n")
    table = read(path)
    assert table.encoding == "utf-8"
    assert len(table.rows) == 3
    [issue] = table.issues
    assert (issue.row_number, issue.kind) == (3, "undecodable_text")
    assert f"byte offset {len(good) + len(bad) - 3}" in issue.detail and "0x96" in issue.detail
    assert cells(table)[1][4] == "x10^9/L\\x96"  # kept, the foreign byte written out


def test_a_cp1251_registry_with_one_utf8_line_flags_that_line_as_mixed_encoding(tmp_path: Path) -> None:
    path = tmp_path / "registry_ru_1.csv"
    lines = ["Код пациента;Пол\r\n", "ТГСК-2019-014;м\r\n", "ТГСК-2019-015;ж\r\n"]
    path.write_bytes("".join(lines).encode("cp1251") + "ТГСК-2019-016;м\r\n".encode())
    table = read(path)
    assert table.encoding == "cp1251"
    assert cells(table)[2] == ["ТГСК-2019-016", "м"]
    assert [(i.row_number, i.kind) for i in table.issues] == [(4, "mixed_encoding")]


def test_the_majority_of_non_ascii_lines_decides_utf8_over_cp1251() -> None:
    data = "Код;Пол\nА;м\nБ;ж\n".encode() + "В;м\n".encode("cp1251")
    decoded = decode_text(data, ["utf-8", "cp1251"])
    assert decoded.encoding == "utf-8"
    assert [(b.line, b.kind) for b in decoded.bad_lines] == [(4, "undecodable_text")]


def test_a_lab_file_wholly_in_windows_1251_is_read_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "labs_1.csv"
    path.write_bytes("Код пациента,Исследование\nТГСК-1,Нейтрофилы\nТГСК-2,Тромбоциты\n".encode("cp1251"))
    table = read(path)
    assert (table.encoding, table.issues) == ("cp1251", [])
    assert any("expected in UTF-8" in w for w in table.warnings)


def test_a_file_mostly_in_another_encoding_than_its_utf8_lines_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "labs_1.csv"
    text = "Код пациента,Исследование\n".encode() + "ТГСК-1,Нейтрофилы\nТГСК-2,Тромбоциты\n".encode("cp1251")
    path.write_bytes(text + "ТГСК-3,Лимфоциты\n".encode("cp1251"))
    with pytest.raises(UnreadableFileError, match="3 of its 4 lines are not UTF-8 text"):
        read(path)


def test_a_file_cut_inside_its_last_row_flags_that_row(tmp_path: Path) -> None:
    path = tmp_path / "labs_1.csv"
    path.write_text(f"{LAB_HEADER}\nHSCT-2018-002,2018-08-20,ANC,0.19,x10^9/L\nHSCT-2018-002,2018-08-30,ANC,0.")
    table = read(path)
    assert [(i.row_number, i.kind) for i in table.issues if i.kind != "short"] == [(3, "truncated_row")]


def test_a_file_ending_with_a_line_break_has_no_truncated_row(tmp_path: Path) -> None:
    path = tmp_path / "labs_1.csv"
    path.write_text(f"{LAB_HEADER}\nHSCT-2018-002,2018-08-20,ANC,0.19,x10^9/L\n,,,,")  # a blank last line
    assert read(path).issues == []


def test_title_lines_do_not_mislead_the_delimiter() -> None:
    text = "Отчёт лаборатории, январь\n" + "Код пациента;Дата;Результат\n" + "ТГСК-1;01.01.2024;0,5\n" * 3
    assert detect_delimiter(text, ",") == ";"


def _workbook(path: Path, rows: list[list[object]], date1904: bool = False) -> Path:
    workbook = openpyxl.Workbook()
    if date1904:
        workbook.epoch = CALENDAR_MAC_1904
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


def test_a_1904_workbook_reports_its_date_system_and_renders_date_cells_with_it(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "registry_ru_1.xlsx",
        [["Код пациента", "Дата ТГСК", "Дата рождения"], ["ТГСК-2015-004", dt.date(2015, 6, 6), 41796]],
        date1904=True,
    )
    table = read(path)
    assert table.date_system == 1904
    assert cells(table) == [["ТГСК-2015-004", "2015-06-06", "41796"]]


def test_a_formula_without_a_saved_value_keeps_its_text_and_is_flagged(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "registry_ru_1.xlsx", [["Код пациента", "CD34+"], ["ТГСК-2015-009", "=4.2*1"]])
    table = read(path)
    assert cells(table) == [["ТГСК-2015-009", "=4.2*1"]]
    [issue] = table.issues
    assert (issue.row_number, issue.kind, issue.column) == (2, "formula_without_value", 2)
    assert "save it again" in issue.detail


def test_an_excel_error_value_is_flagged(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "registry_ru_1.xlsx", [["Код пациента", "CD34+"], ["ТГСК-2015-009", "#N/A"]])
    assert [(i.row_number, i.kind, i.column) for i in read(path).issues] == [(2, "excel_error", 2)]


def test_a_workbook_that_expands_a_hundredfold_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "registry_ru_1.xlsx", [["Код пациента"], ["ТГСК-2015-009"]])
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            if name != "xl/worksheets/sheet1.xml":
                out.writestr(name, data)
        with out.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            row = b'<row><c t="inlineStr"><is><t>' + b"A" * 1000 + b"</t></is></c></row>"
            for _ in range(40_000):  # 40 MB of XML in well under 1 MB
                sheet.write(row)
            sheet.write(b"</sheetData></worksheet>")
    path.write_bytes(bomb.getvalue())
    assert path.stat().st_size < 1 << 20
    with pytest.raises(UnreadableFileError, match="zip bomb"):
        read(path)
