"""The data manager's commands (issue 15): see what a night did without SQL, in Russian or English."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from etl.cli import main

NIGHT = Path(__file__).parents[1] / "data" / "night_small"


def hsct(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


@pytest.fixture
def two_runs(db_url: str) -> str:
    """The small night run twice: the second run rejects the same rows again."""
    for _ in range(2):
        hsct("run", "--source", str(NIGHT), "--db", db_url, "--no-docs")
    return db_url


def test_quarantine_lists_a_runs_rejections_again_on_a_rerun(two_runs: str) -> None:
    for run in ("1", "2"):
        out = hsct("--lang", "en", "quarantine", "--run", run, "--db", two_runs, "--format", "csv")
        rows = list(csv.DictReader(io.StringIO(out)))
        assert sorted((r["file"], r["row"], r["column"], r["reason"]) for r in rows) == [
            ("labs_20240101.csv", "6", "Код пациента", "unknown_patient"),
            ("registry_ru_20240101.csv", "4", "Дата рождения", "invalid_date"),
        ]
        assert all(r["what to do"] and r["detail (as recorded)"] for r in rows)


def test_quarantine_filters_and_speaks_russian(two_runs: str) -> None:
    out = hsct("--lang", "ru", "quarantine", "--last", "--reason", "invalid_date", "--db", two_runs)
    assert "запуск 2: отклонённых строк — 1" in out
    assert "«31.02.2019» — не существующая дата" in out
    assert "labs_20240101.csv" not in out
    assert "registry_ru" not in hsct("quarantine", "--file", "labs", "--db", two_runs)
    nothing = hsct("--lang", "ru", "quarantine", "--last", "--reason", "no_such_reason", "--db", two_runs)
    assert nothing.strip() == "запуск 2: с заданными фильтрами отклонённых строк нет"  # a sentence, not a bare header


def test_quarantine_workbook_has_a_sheet_per_file_and_the_faulty_cell_marked(two_runs: str, tmp_path: Path) -> None:
    path = tmp_path / "q.xlsx"
    hsct("--lang", "ru", "quarantine", "--db", two_runs, "--format", "xlsx", "--out", str(path))
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["labs_20240101", "registry_ru_20240101"]
    sheet = book["registry_ru_20240101"]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["строка", "причина", "что сделать"] and "Дата рождения" in header
    row = [c for c in sheet[2]]
    assert row[0].value == 4 and row[1].value == "invalid_date"
    marked = [c.value for c in row if c.fill.fgColor.rgb == "FFF4B6B6"]
    assert marked == ["31.02.2019"]
    assert row[header.index("Код пациента")].value  # the original row's other cells are there


def test_xlsx_needs_an_output_file(two_runs: str) -> None:
    assert "--out" in hsct("--lang", "en", "quarantine", "--format", "xlsx", "--db", two_runs, code=2)


def test_conflicts_by_patient_and_run(two_runs: str) -> None:
    out = hsct("--lang", "en", "conflicts", "--patient", "HSCT-2019-0014", "--db", two_runs)
    assert "2 merge conflicts" in out
    assert "ТГСК-2019-014 agvhd_grade: kept 'III [3]' (registry_en_20240101.csv:2), discarded 'II [2]'" in out
    assert "the newer edit wins" in out
    assert "0 merge conflicts" in hsct("--lang", "en", "conflicts", "--patient", "ТГСК-2020-001", "--db", two_runs)
    assert "2 merge conflicts" in hsct("--lang", "en", "conflicts", "--run", "1", "--db", two_runs)


def test_runs_show_state_and_files_and_runs_show_details(two_runs: str) -> None:
    listed = hsct("--lang", "en", "runs", "--db", two_runs)
    assert listed.count("published") == 2
    assert "registry_ru_20240101.csv" in listed
    shown = hsct("--lang", "en", "runs", "show", "1", "--db", two_runs)
    assert "folder:" in shown and "labs_20240101.csv" in shown
    assert "there is no run 9" in hsct("--lang", "en", "runs", "show", "9", "--db", two_runs, code=12)


def test_lineage_by_registry_code_with_a_hint_for_the_concept(two_runs: str) -> None:
    out = hsct("lineage", "complication.grade", "--patient", "HSCT-2019-014", "--concept", "complication/agvhd",
               "--db", two_runs)  # fmt: skip
    assert "registry_en_20240101.csv, row 2, column 'Acute GVHD grade': 'III'" in out
    hint = hsct("--lang", "en", "lineage", "complication.grade", "--patient", "HSCT-2019-014", "--db", two_runs, code=2)
    assert "add --concept, one of: complication/agvhd" in hint
    args = ["--lang", "en", "lineage", "transplant.donor_type_id", "--patient", "HSCT-2099-001", "--db", two_runs]
    missing = hsct(*args, code=12)
    assert "no patient has the registry code HSCT-2099-001" in missing


def test_what_does_not_exist_is_not_found_exit_12(two_runs: str, tmp_path: Path) -> None:
    """A run, a patient or a --since run that does not exist is 'not found' (exit 12) in every command,
    never an empty success, and a refused export leaves no folder behind."""
    assert "there is no run 999" in hsct("--lang", "en", "quarantine", "--run", "999", "--db", two_runs, code=12)
    assert "999" in hsct("--lang", "en", "quality", "--publish", "999", "--by", "x", "--db", two_runs, code=12)
    out = tmp_path / "export"
    hsct("--lang", "en", "export", "fhir", "--out", str(out), "--since", "99", "--db", two_runs, code=12)
    assert not out.exists()
