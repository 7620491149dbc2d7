from pathlib import Path

import pytest

from etl.errors import InputError
from etl.extract import FeedFile, discover, read_folder, scan


def touch(path: Path, text: str = "Patient ID,Date\nHSCT-1,2019-01-01\n") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_feed_from_prefix_and_format_from_extension_case_insensitive(tmp_path: Path) -> None:
    for name in ["labs_2.csv", "Registry_RU_night.XLSX", "registry_en.csv", "LABS_1.CSV"]:
        touch(tmp_path / name)
    files = discover(tmp_path)
    assert [(f.name, f.feed, f.format) for f in files] == [
        ("LABS_1.CSV", "labs", "csv"),
        ("labs_2.csv", "labs", "csv"),
        ("registry_en.csv", "registry_en", "csv"),
        ("Registry_RU_night.XLSX", "registry_ru", "xlsx"),
    ]
    assert all(isinstance(f, FeedFile) for f in files)


def test_other_names_and_extensions_are_reported_as_ignored(tmp_path: Path) -> None:
    touch(tmp_path / "registry_ru.csv")
    touch(tmp_path / "notes.txt")
    touch(tmp_path / "registry_ru_old.xls")
    touch(tmp_path / "~$registry_ru.xlsx")
    found = scan(tmp_path)
    assert [f.name for f in found.files] == ["registry_ru.csv"]
    reasons = {i.path.name: i.reason for i in found.ignored}
    assert set(reasons) == {"notes.txt", "registry_ru_old.xls", "~$registry_ru.xlsx"}
    assert "only .csv and .xlsx" in reasons["registry_ru_old.xls"]


def test_truth_subfolder_is_never_read(tmp_path: Path) -> None:
    touch(tmp_path / "labs.csv")
    touch(tmp_path / "truth" / "labs.csv", "not, a, feed\n")
    touch(tmp_path / "truth" / "registry_ru.csv", "\x00\x01")
    found = scan(tmp_path)
    assert [f.path for f in found.files] == [tmp_path / "labs.csv"]
    assert [i.path.name for i in found.ignored] == ["truth"]
    tables, errors = read_folder(tmp_path)
    assert [t.path for t in tables] == [tmp_path / "labs.csv"]
    assert errors == []


def test_a_folder_named_like_a_feed_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "labs.csv").mkdir()
    assert discover(tmp_path) == []
    assert scan(tmp_path).ignored[0].reason.startswith("a folder")


def test_missing_folder_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a folder"):
        discover(tmp_path / "nope")
