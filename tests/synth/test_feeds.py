"""The night's files: layout, encodings, every habit of source-feeds.md, the injected errors, determinism."""

from __future__ import annotations

import csv
import filecmp
import io
import re
from pathlib import Path

import openpyxl
import pytest

from tests.synth.conftest import run_generate
from tests.synth.reader import read_table

NIGHT = "20240101"
REASONS = {"invalid_date", "date_order", "age_out_of_range", "engraftment_day_out_of_range", "percent_out_of_range",
           "unmapped_value", "duplicate_conflict", "missing_patient_code", "unreadable_file"}


def _all_text(night: Path) -> str:
    parts = []
    for name in (f"registry_ru_{NIGHT}.csv", f"registry_en_{NIGHT}.csv", f"registry_ru_{NIGHT}.xlsx",
                 f"labs_{NIGHT}.csv", f"labs_{NIGHT}_2.csv"):
        parts.extend(";".join(r.values()) for r in read_table(night / name))
    return "\n".join(parts)


def test_layout_and_encodings(study_night: Path) -> None:
    names = {p.name for p in study_night.iterdir() if p.is_file()}
    assert {f"registry_ru_{NIGHT}.xlsx", f"registry_ru_{NIGHT}.csv", f"registry_en_{NIGHT}.csv",
            f"labs_{NIGHT}.csv"} <= names
    ru = (study_night / f"registry_ru_{NIGHT}.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        ru.decode("utf-8")
    header = ru.decode("cp1251").splitlines()[0]
    assert "x10^6" in header and "<=" in header and ";" in header
    assert (study_night / f"registry_en_{NIGHT}.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    ws = openpyxl.load_workbook(study_night / f"registry_ru_{NIGHT}.xlsx").worksheets[0]
    assert ws.cell(1, 1).value == "Код пациента"


@pytest.mark.parametrize(("habit", "pattern"), [
    ("Latin letter inside a Cyrillic word", r"ИнO|MOБ|TГСК|B-ОЛЛ"),
    ("hyphen for negative", r"(МОБ|MOБ|MRD)-"),
    ("en dash", "–"),
    ("em dash", "—"),
    ("minus sign", "−"),
    ("Д+22", r"Д\+\d+"),
    ("D+22", r"D\+\d+"),
    ("д+ 22", r"д\+ \d+"),
    ("bare day", r";\s*\d{2}\s*;"),
    ("Roman grade", r";(I|II|III|IV);"),
    ("да/нет", r";\s*(да|нет)\s*;"),
    ("yes/no", r";\s*(yes|no)\s*;"),
    ("+/-", r";\s*[+-]\s*;"),
    ("1/0", r";\s*[10]\s*;"),
    ("surrounding spaces", r"; \S|\S  ;"),
    ("upper case", r";[А-ЯЁ]{3,} [А-ЯЁ]{3,}"),
    ("empty cell", r";;"),
    ("dd.mm.yy", r";\d{2}\.\d{2}\.\d{2};"),
    ("dd/mm/yyyy", r"\d{2}/\d{2}/\d{4}"),
    ("decimal comma", r";\d+,\d+"),
    ("cells/uL", r"cells/uL|кл/мкл"),
    ("x10^9/L", r"x10\^9/L|×10⁹/л"),
    ("<0.01", r"<0[,.]01"),
    ("percent sign in CD22", r";\d+%;"),
])
def test_every_habit_occurs(study_night: Path, habit: str, pattern: str) -> None:
    assert re.search(pattern, _all_text(study_night)), habit


def test_some_patients_come_in_both_registry_feeds_with_a_newer_edit(study_night: Path) -> None:
    def keys(name: str) -> dict[str, str]:
        out = {}
        for r in read_table(study_night / name):
            code, upd = next(iter(r.values())), r.get("Изменено") or r.get("Updated at")
            out[re.search(r"\d{4}-\d{3,6}", code).group(0)] = upd  # type: ignore[union-attr]
        return out
    ru = keys(f"registry_ru_{NIGHT}.xlsx") | keys(f"registry_ru_{NIGHT}.csv")
    en = keys(f"registry_en_{NIGHT}.csv")
    assert len(set(ru) & set(en)) >= 5


def test_manifest_lists_one_of_each_kind_and_points_at_the_bad_cell(study_night: Path) -> None:
    text = (study_night / "truth" / "injected_errors.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == ["file", "row", "column", "kind", "expected_reason"]
    assert {r["expected_reason"] for r in rows} == REASONS
    truth_keys = {r["patient_key"] for r in csv.DictReader(
        (study_night / "truth" / "patients.csv").open(encoding="utf-8"))}
    for r in rows:
        path = study_night / r["file"]
        assert path.exists(), r
        if r["expected_reason"] == "unreadable_file":
            with pytest.raises(Exception):  # noqa: B017 - any reader error will do
                openpyxl.load_workbook(path)
            continue
        table = read_table(path)
        cells = table[int(r["row"]) - 2]
        if r["expected_reason"] == "missing_patient_code":
            assert not any(h.strip() in ("Код пациента", "Patient ID") for h in cells)
            assert len(table) == sum(x["file"] == r["file"] for x in rows)
            continue
        assert r["column"] in cells, r
        code = next(iter(cells.values()))
        assert re.search(r"\d{4}-\d{3,6}", code).group(0) not in truth_keys  # type: ignore[union-attr]
    dupes = [r for r in rows if r["expected_reason"] == "duplicate_conflict"]
    assert len(dupes) == 2 and dupes[0]["file"] == dupes[1]["file"]


def test_same_arguments_give_byte_identical_files(study_night: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    run_generate(again, "--inject-errors")
    for path in sorted(p for p in study_night.rglob("*") if p.is_file()):
        assert filecmp.cmp(path, again / path.relative_to(study_night), shallow=False), path.name
