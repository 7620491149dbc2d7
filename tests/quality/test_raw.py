"""The raw-layer suites on the night's files as read, before harmonizing."""

from __future__ import annotations

import shutil
from pathlib import Path

from etl.extract import discover, read_file
from etl.harmonize.vocab import load_vocabulary
from etl.quality import QualityCheck, QualityReport
from tests.quality.helpers import NIGHT, failed_ids


def _raw_report(folder: Path) -> QualityReport:
    quality = QualityCheck()
    quality.raw([read_file(f) for f in discover(folder)], load_vocabulary())
    return quality.report


def _night(tmp_path: Path) -> Path:
    night = tmp_path / "night"
    shutil.copytree(NIGHT, night)
    return night


def test_the_small_night_passes_every_raw_check() -> None:
    report = _raw_report(NIGHT)
    assert failed_ids(report) == set()
    assert {r.check.layer for r in report.results} == {"raw"}
    assert len(report.results) == 17


def test_patient_codes_lost_from_a_file_hold_the_night(tmp_path: Path) -> None:
    night = _night(tmp_path)
    en = night / "registry_en_20240101.csv"
    en.write_text(en.read_text(encoding="utf-8").replace("HSCT-2020-001,", ",", 1), encoding="utf-8")
    report = _raw_report(night)
    assert failed_ids(report) == {"raw_registry_code_present"}
    assert not report.success
    [result] = report.blocking_failures
    assert result.sample == [{"registry_code": None, "file": "registry_en_20240101.csv", "row": 3}]


def test_an_unreadable_code_and_a_bad_date_are_flagged(tmp_path: Path) -> None:
    night = _night(tmp_path)
    en = night / "registry_en_20240101.csv"
    text = en.read_text(encoding="utf-8").replace("HSCT-2020-001,", "Primerov,", 1).replace("2020-03-10", "10 March")
    en.write_text(text, encoding="utf-8")
    failed = failed_ids(_raw_report(night))
    assert failed == {"raw_registry_code_format", "raw_registry_hsct_date_format"}


def test_a_code_twice_in_one_file_is_a_warning(tmp_path: Path) -> None:
    night = _night(tmp_path)
    en = night / "registry_en_20240101.csv"
    lines = en.read_text(encoding="utf-8").splitlines()
    en.write_text("\n".join([*lines, lines[1]]) + "\n", encoding="utf-8")
    report = _raw_report(night)
    assert failed_ids(report) == {"raw_registry_code_unique"}
    assert report.success


def test_a_night_without_lab_files_has_no_lab_checks(tmp_path: Path) -> None:
    night = _night(tmp_path)
    (night / "labs_20240101.csv").unlink()
    report = _raw_report(night)
    assert {r.check.frame for r in report.results} == {"registry"}
