"""Files that cannot be read at all: a clear error naming the file, the night goes on."""

import os
from pathlib import Path

import openpyxl
import pytest

from etl.errors import EXIT_INPUT
from etl.extract import UnreadableFileError, read_folder
from tests.extract.helpers import read, write_csv


def good_workbook(path: Path) -> Path:
    workbook = openpyxl.Workbook()
    workbook.active.append(["Код пациента", "Пол"])
    for i in range(200):
        workbook.active.append([f"ТГСК-2019-{i:03d}", "М"])
    workbook.save(path)
    return path


def unreadable(path: Path) -> UnreadableFileError:
    with pytest.raises(UnreadableFileError) as caught:
        read(path)
    assert caught.value.path == path
    assert str(path) in str(caught.value)
    return caught.value


def test_truncated_workbook(tmp_path: Path) -> None:
    path = good_workbook(tmp_path / "registry_ru.xlsx")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert "cannot be opened" in unreadable(path).reason


def test_random_bytes_named_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "registry_ru.xlsx"
    path.write_bytes(os.urandom(4096))
    assert "not an .xlsx workbook" in unreadable(path).reason


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "registry_ru.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert "cannot be opened" in unreadable(path).reason


def test_old_xls_named_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "registry_ru.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    assert ".xls" in unreadable(path).reason


@pytest.mark.parametrize("name", ["labs.csv", "registry_ru.xlsx"])
def test_empty_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"")
    assert "empty" in unreadable(path).reason


@pytest.mark.parametrize(
    ("name", "text"), [("labs.csv", "\n  \n\t\n\n"), ("registry_ru.csv", "\n ; \n;;\n"), ("labs.csv", ",,,\n,\n")]
)
def test_blank_lines_only_has_no_header(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert "no header" in unreadable(path).reason


def test_empty_sheet_has_no_header(tmp_path: Path) -> None:
    path = tmp_path / "registry_ru.xlsx"
    openpyxl.Workbook().save(path)
    assert "no header" in unreadable(path).reason


def test_binary_csv(tmp_path: Path) -> None:
    path = tmp_path / "labs.csv"
    path.write_bytes(bytes(range(256)) * 8)
    unreadable(path)


def test_workbook_renamed_csv(tmp_path: Path) -> None:
    path = tmp_path / "registry_ru.csv"
    good_workbook(tmp_path / "book.xlsx").rename(path)
    assert "zip archive" in unreadable(path).reason


def test_error_is_an_input_error_for_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "labs.csv"
    path.write_bytes(b"")
    assert unreadable(path).exit_code == EXIT_INPUT


def test_the_rest_of_the_night_still_loads(tmp_path: Path) -> None:
    good_workbook(tmp_path / "registry_ru_1.xlsx")
    (tmp_path / "registry_ru_2.xlsx").write_bytes(os.urandom(100))
    (tmp_path / "labs_empty.csv").write_bytes(b"")
    write_csv(tmp_path / "registry_en.csv", [["Patient ID", "Sex"], ["HSCT-1", "F"]])
    tables, errors = read_folder(tmp_path)
    assert [t.name for t in tables] == ["registry_en.csv", "registry_ru_1.xlsx"]
    assert [e.path.name for e in errors] == ["labs_empty.csv", "registry_ru_2.xlsx"]
    assert tables[1].row_count == 200
