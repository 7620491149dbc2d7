"""A path the user gave that cannot be used is the user's to correct, not a bug (exit 9): the command
names the path, says why in the command's language, exits 4 (3 for the database) and creates nothing."""

from __future__ import annotations

from pathlib import Path

from etl.errors import EXIT_DATABASE, EXIT_INPUT
from tests.cli.helpers import hsct


def test_an_output_folder_below_a_file_is_refused_naming_it(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("", encoding="utf-8")
    out = hsct("--lang", "ru", "generate", "--out", str(tmp_path / "afile" / "sub"), "--patients", "3", code=EXIT_INPUT)
    assert f"{tmp_path / 'afile' / 'sub'}: часть пути — файл, а не папка" in out
    assert "внутренняя ошибка" not in out


def test_a_database_in_a_folder_that_does_not_exist_creates_nothing(tmp_path: Path) -> None:
    night = tmp_path / "night"
    night.mkdir()
    (night / "labs_20240101.csv").write_text("x\n", encoding="utf-8")
    db = tmp_path / "typo" / "hsct.db"
    out = hsct("--lang", "en", "run", "--source", str(night), "--db", str(db), code=EXIT_DATABASE)
    assert f"the folder {tmp_path / 'typo'} does not exist (nothing was created)" in out
    assert not (tmp_path / "typo").exists()  # no database, lock, logs, pages or docs folder made for the typo


def test_a_database_hsct_has_no_driver_for_is_named(tmp_path: Path) -> None:
    out = hsct("--lang", "en", "runs", "--db", "mysql://registry@db.example/hsct", code=EXIT_DATABASE)
    assert "hsct works with SQLite" in out and "not mysql" in out
    assert "No module named" not in out and "internal error" not in out
