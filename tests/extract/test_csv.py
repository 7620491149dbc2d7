"""CSV feeds as the three systems write them, read back cell for cell."""

from pathlib import Path

import pytest

from etl.extract import ROW_NUMBER, csv_reader
from tests.extract.helpers import cells, read, write_csv

RU_HEADER = ["Код пациента", "Экспрессия CD22, %", "Дозы ИнО, мг/м2", "Дата ТГСК", "Пол"]
RU_ROWS = [
    ["ТГСК-2019-014", "74,5", "0,8/0,5/0,5", "07.03.2019", "М"],
    ["ТГСК-2019-015", "", "", "11.04.19", " ж "],
    ["ТГСК-2019-016", "001", "  ", "31.02.2019", "Ж"],
]


def test_cp1251_semicolon_file_with_decimal_commas_and_cyrillic_headers(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "registry_ru.csv", [RU_HEADER, *RU_ROWS], delimiter=";", encoding="cp1251")
    table = read(path)
    assert (table.feed, table.format, table.encoding, table.delimiter) == ("registry_ru", "csv", "cp1251", ";")
    assert table.headers == RU_HEADER
    assert table.columns == RU_HEADER
    assert cells(table) == [
        ["ТГСК-2019-014", "74,5", "0,8/0,5/0,5", "07.03.2019", "М"],
        ["ТГСК-2019-015", None, None, "11.04.19", " ж "],
        ["ТГСК-2019-016", "001", None, "31.02.2019", "Ж"],
    ]
    assert table.rows[ROW_NUMBER].tolist() == [2, 3, 4]
    assert table.cell_origin == "text"
    assert table.sheet is None
    assert table.size == path.stat().st_size
    assert len(table.sha256) == 64
    assert table.issues == [] and table.warnings == []


def test_rows_frame_holds_only_strings_and_none(tmp_path: Path) -> None:
    table = read(write_csv(tmp_path / "registry_ru.csv", [RU_HEADER, *RU_ROWS], delimiter=";"))
    for label in table.columns:
        assert table.rows[label].dtype == object
        assert all(v is None or isinstance(v, str) for v in table.rows[label])


def test_utf8_with_bom(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "registry_ru.csv", [RU_HEADER, *RU_ROWS], delimiter=";", encoding="utf-8-sig")
    table = read(path)
    assert table.encoding == "utf-8-sig"
    assert table.headers[0] == "Код пациента"  # no BOM glued to the first header
    assert cells(table)[0][1] == "74,5"


def test_utf8_comma_file_with_quoted_header_holding_a_comma(tmp_path: Path) -> None:
    header = ["Patient ID", "CD22 expression, %", "HSCT date", "Diagnosis"]
    rows = [["HSCT-2019-014", "74.5", "2019-03-07", "B-ALL, second relapse"], ["HSCT-2019-015", "<0.01", "", "C91.0"]]
    table = read(write_csv(tmp_path / "registry_en.csv", [header, *rows]))
    assert (table.encoding, table.delimiter) == ("utf-8", ",")
    assert table.headers == header
    assert cells(table) == [rows[0], ["HSCT-2019-015", "<0.01", None, "C91.0"]]


def test_labs_with_comma_and_with_semicolon(tmp_path: Path) -> None:
    header = ["Patient ID", "Date", "Test", "Result", "Unit"]
    comma_rows = [["HSCT-1", "2019-03-07", "ANC", "0.5", "x10^9/L"], ["HSCT-1", "2019-03-08", "MRD", "<0.01", "%"]]
    semi_rows = [["ТГСК-1", "07.03.2019", "Нейтрофилы", "0,5", "×10⁹/л"], ["ТГСК-1", "08.03.2019", "МОБ", "<0,01", "%"]]
    comma = read(write_csv(tmp_path / "labs_a.csv", [header, *comma_rows], delimiter=","))
    semi = read(write_csv(tmp_path / "labs_b.csv", [header, *semi_rows], delimiter=";"))
    assert (comma.delimiter, semi.delimiter) == (",", ";")
    assert cells(comma) == comma_rows
    assert cells(semi) == semi_rows


def test_semicolon_file_whose_header_has_commas_and_every_row_one_decimal_comma(tmp_path: Path) -> None:
    # Split on "," this file is just as regular (2 columns everywhere): the wider split wins.
    path = tmp_path / "labs.csv"
    path.write_text("Код;Результат, %;Дата\nА-1;0,5;07.03.2019\nА-2;1,5;08.03.2019\n", encoding="utf-8")
    table = read(path)
    assert table.delimiter == ";"
    assert cells(table) == [["А-1", "0,5", "07.03.2019"], ["А-2", "1,5", "08.03.2019"]]


def test_quoted_cells_with_delimiter_quotes_and_newlines_keep_physical_row_numbers(tmp_path: Path) -> None:
    # Lines: 1 header; 2-4 one record (its note spans three lines); 5 the next record.
    text = (
        "Код пациента;Примечание;Доза\r\n"
        'ТГСК-1;"первая строка;\r\nвторая ""в кавычках""\r\nтретья";0,8\r\n'
        'ТГСК-2;"a;b";"1,5"\r\n'
    )
    path = tmp_path / "registry_ru.csv"
    path.write_bytes(text.encode("utf-8"))
    table = read(path)
    assert table.rows[ROW_NUMBER].tolist() == [2, 5]
    assert cells(table) == [
        ["ТГСК-1", 'первая строка;\r\nвторая "в кавычках"\r\nтретья', "0,8"],
        ["ТГСК-2", "a;b", "1,5"],
    ]


def test_blank_lines_are_skipped_but_numbering_stays_physical(tmp_path: Path) -> None:
    path = tmp_path / "labs.csv"
    path.write_text("\nPatient ID,Result\nA,1\n\n,\n  ,\t\nB,2\n\n\n", encoding="utf-8")
    table = read(path)
    assert table.header_row == 2
    assert table.rows[ROW_NUMBER].tolist() == [3, 7]
    assert table.blank_rows == [4, 5, 6]  # trailing blank lines are not listed
    assert cells(table) == [["A", "1"], ["B", "2"]]


def test_ragged_row_keeps_extra_cells_under_placeholders_and_is_flagged(tmp_path: Path) -> None:
    path = tmp_path / "labs.csv"
    path.write_text("Patient ID,Date,Result\nA,2019-01-01,1\nB,2019-01-02,2,oops,\nC,2019-01-03\nD,2019-01-04,4,,\n")
    table = read(path)
    assert table.columns == ["Patient ID", "Date", "Result", "<column 4>"]
    assert table.headers == ["Patient ID", "Date", "Result"]
    assert cells(table) == [
        ["A", "2019-01-01", "1", None],
        ["B", "2019-01-02", "2", "oops"],
        ["C", "2019-01-03", None, None],
        ["D", "2019-01-04", "4", None],
    ]
    assert [(i.row_number, i.kind) for i in table.issues] == [(3, "ragged"), (4, "short")]
    assert "<column 4>" in table.issues[0].detail
    assert table.issues_by_row()[3][0].kind == "ragged"


def test_blank_and_repeated_headers_get_placeholders_and_unique_labels(tmp_path: Path) -> None:
    path = tmp_path / "registry_ru.csv"
    path.write_text("Код;Дата;;Дата; row_number\nА;1;2;3;4\n", encoding="utf-8")
    table = read(path)
    assert table.headers == ["Код", "Дата", "<column 3>", "Дата", " row_number"]
    assert table.columns == ["Код", "Дата", "<column 3>", "Дата <column 4>", " row_number"]
    assert any("repeats" in w for w in table.warnings)
    assert cells(table) == [["А", "1", "2", "3", "4"]]


def test_header_named_row_number_does_not_clash(tmp_path: Path) -> None:
    path = tmp_path / "labs.csv"
    path.write_text("row_number,Result\n7,1\n", encoding="utf-8")
    table = read(path)
    assert table.columns == ["row_number <column 1>", "Result"]
    assert table.rows[ROW_NUMBER].tolist() == [2]
    assert cells(table) == [["7", "1"]]


def test_header_only_file_has_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "labs.csv"
    path.write_text("Patient ID,Date,Test,Result,Unit\n", encoding="utf-8")
    table = read(path)
    assert table.row_count == 0
    assert list(table.rows.columns) == ["row_number", "Patient ID", "Date", "Test", "Result", "Unit"]


def test_unclosed_quote_at_the_end_is_flagged(tmp_path: Path) -> None:
    path = tmp_path / "labs.csv"
    path.write_text('Patient ID,Result\nA,1\nB,"2\nC,3\n', encoding="utf-8")
    table = read(path)
    assert table.rows[ROW_NUMBER].tolist() == [2, 3]
    assert [(i.row_number, i.kind) for i in table.issues] == [(3, "unclosed_quote")]


def test_bare_quote_inside_a_cell_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "registry_ru.csv"
    path.write_text('Код;Примечание\nА;5" монитор\n', encoding="utf-8")
    assert cells(read(path)) == [["А", '5" монитор']]


def test_lf_and_cr_line_endings(tmp_path: Path) -> None:
    for newline in ["\n", "\r"]:
        path = write_csv(tmp_path / "labs.csv", [["A", "B"], ["1", "2"], ["3", "4"]], newline=newline)
        table = read(path)
        assert cells(table) == [["1", "2"], ["3", "4"]]
        assert table.rows[ROW_NUMBER].tolist() == [2, 3]


CHUNKED_TEXTS = {
    "plain, blank lines, short and ragged rows in later chunks": (
        "Patient ID,Date,Result\nA,2019-01-01,1\n\nB,2019-01-02, \nC,2019-01-03\n"
        "D,2019-01-04,4,extra,\n,,\nE,2019-01-05,5\nA,2019-01-01,1\n\n"
    ),
    "a quoted cell spanning lines in a later chunk": (
        'Patient ID,Note,Result\nA,x,1\nB,y,2\nC,"two\nlines",3\nD,z,4,more\n'
    ),
}


@pytest.mark.parametrize("text", CHUNKED_TEXTS.values(), ids=CHUNKED_TEXTS.keys())
@pytest.mark.parametrize("chunk_rows", [1, 2, 3])
def test_reading_in_chunks_gives_the_table_read_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, chunk_rows: int
) -> None:
    path = tmp_path / "labs.csv"
    path.write_text(text, encoding="utf-8")
    whole = read(path)
    monkeypatch.setattr(csv_reader, "CHUNK_CELLS", chunk_rows * len(whole.headers))
    chunked = read(path)
    assert chunked.columns == whole.columns
    assert chunked.rows.equals(whole.rows)
    assert chunked.blank_rows == whole.blank_rows
    assert chunked.issues == whole.issues
    assert len(whole.rows) > 3  # several chunks at every size tried


def test_equal_cells_of_a_column_share_one_string(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "labs.csv", [["Patient ID", "Test"], ["A", "CD22"], ["B", "CD22"], ["C", " "]])
    column = read(path).rows["Test"].tolist()
    assert column == ["CD22", "CD22", None]
    assert column[0] is column[1]
