"""The nightly run end to end on a small bilingual night (tests/data/night_small), on both databases."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from etl.cli import main
from etl.db import make_engine
from etl.lineage import lineage
from schemas.tables import EtlRun, MergeConflict, Patient, Person, Quarantine, RunFile, SourceFile, Transplant
from tests.run.snapshot import snapshot

NIGHT = Path(__file__).parents[1] / "data" / "night_small"


def hsct(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_run_loads_merges_quarantines_and_accounts_for_every_row(db_url: str) -> None:
    out = hsct("run", "--source", str(NIGHT), "--db", db_url)
    assert "run 1 completed" in out
    engine = make_engine(db_url)
    with engine.connect() as conn:
        files = {r.file_name: r for r in conn.execute(select(RunFile.__table__)).all()}
        assert {(n, f.rows_in, f.rows_loaded, f.rows_merged, f.rows_quarantined) for n, f in files.items()} == {
            ("labs_20240101.csv", 5, 4, 0, 1),
            ("registry_en_20240101.csv", 2, 2, 0, 0),
            ("registry_ru_20240101.csv", 3, 1, 1, 1),
        }
        run = conn.execute(select(EtlRun.__table__)).one()
        assert (run.status, run.rows_in, run.rows_loaded + run.rows_merged + run.rows_quarantined) == (
            "completed",
            10,
            10,
        )
        rejected = conn.execute(
            select(Quarantine.row_number, Quarantine.column_name, Quarantine.raw_value, Quarantine.reason_code)
        ).all()
        assert sorted(rejected) == [
            (4, "Дата рождения", "31.02.2019", "invalid_date"),
            (6, "Код пациента", "ТГСК-2099-999", "unknown_patient"),
        ]
        keys = dict(conn.execute(select(Person.patient_key, Person.patient_id)).all())
        assert set(keys) == {"2019-014", "2020-001", "2021-007"}
        conflicts = conn.execute(
            select(MergeConflict.field, MergeConflict.kept_value, MergeConflict.discarded_value).order_by(
                MergeConflict.field
            )
        ).all()
        # the newer English row wins whole cells: its grade, and its diagnosis cell without the note
        assert conflicts == [("agvhd_grade", "3", "2"), ("diagnosis", "b_all / -", "b_all / второй рецидив")]
    engine.dispose()


def test_lineage_names_file_row_and_column(db_url: str) -> None:
    hsct("run", "--source", str(NIGHT), "--db", db_url)
    engine = make_engine(db_url)
    with engine.connect() as conn:
        patient = conn.execute(select(Person.patient_id).where(Person.patient_key == "2019-014")).scalar_one()
        # the newer (English) row won for the aGVHD grade ...
        [grade] = lineage(conn, "complication", "grade", patient, "complication/agvhd")
        assert (grade.file_name, grade.row_number, grade.column_header, grade.cell) == (
            "registry_en_20240101.csv", 2, "Acute GVHD grade", "III",
        )  # fmt: skip
        # ... while the Russian registry code exists only in the Russian row
        [code] = lineage(conn, "person", "registry_code_ru", patient)
        assert (code.file_name, code.row_number, code.column_header, code.cell) == (
            "registry_ru_20240101.csv", 2, "Код пациента", "ТГСК-2019-014",
        )  # fmt: skip
    engine.dispose()


def test_running_the_same_night_twice_changes_nothing(db_url: str) -> None:
    hsct("run", "--source", str(NIGHT), "--db", db_url)
    first = snapshot(db_url)
    out = hsct("run", "--source", str(NIGHT), "--db", db_url)
    assert "0 new or changed" in out
    assert snapshot(db_url) == first


def test_a_changed_source_row_updates_its_record(db_url: str, tmp_path: Path) -> None:
    hsct("run", "--source", str(NIGHT), "--db", db_url)
    night = tmp_path / "night"
    shutil.copytree(NIGHT, night)
    en = night / "registry_en_20240101.csv"
    en.write_text(en.read_text(encoding="utf-8").replace(",0.6,1.25,", ",0.7,1.25,"), encoding="utf-8")
    out = hsct("run", "--source", str(night), "--db", db_url)
    assert "1 new or changed" in out
    engine = make_engine(db_url)
    with engine.connect() as conn:
        marks = dict(
            conn.execute(
                select(Person.patient_key, Patient.changed_run_id).join(
                    Patient, Patient.patient_id == Person.patient_id
                )
            ).all()
        )
        assert marks == {"2019-014": 1, "2020-001": 2, "2021-007": 1}
        dose = conn.execute(select(Transplant.cd34_dose).where(Transplant.patient_id == 2)).scalar_one()
        assert dose == 0.7
    engine.dispose()


def _start_paused_run(db_url: str, seconds: float = 60) -> subprocess.Popen[str]:
    env = {**os.environ, "HSCT_PAUSE_BEFORE_COMMIT": str(seconds)}
    cmd = [sys.executable, "-m", "etl.cli", "run", "--source", str(NIGHT), "--db", db_url]
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    for line in proc.stderr:  # type: ignore[union-attr]
        if "pausing" in line:
            return proc
    proc.wait()
    pytest.fail(f"the run ended before pausing: exit {proc.returncode}")


def test_a_killed_run_leaves_nothing_and_a_rerun_equals_one_clean_run(db_url: str, empty_db_url: str) -> None:
    proc = _start_paused_run(db_url)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    engine = make_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(select(Patient.patient_id)).all() == []
    engine.dispose()
    hsct("run", "--source", str(NIGHT), "--db", db_url)
    engine = make_engine(db_url)
    with engine.connect() as conn:
        statuses = conn.execute(select(EtlRun.status).order_by(EtlRun.run_id)).scalars().all()
    engine.dispose()
    assert statuses == ["failed", "completed"]
    hsct("run", "--source", str(NIGHT), "--db", empty_db_url)
    assert snapshot(db_url, ignore_run_numbers=True) == snapshot(empty_db_url, ignore_run_numbers=True)


def test_a_second_run_refuses_while_one_is_going(db_url: str) -> None:
    proc = _start_paused_run(db_url, seconds=30)
    try:
        result = CliRunner().invoke(main, ["run", "--source", str(NIGHT), "--db", db_url])
        assert result.exit_code == 5, result.output
        assert "another hsct run" in result.output and "--wait" in result.output
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()


def test_rows_valid_alone_but_not_together_are_quarantined_with_the_reason(db_url: str, tmp_path: Path) -> None:
    night = tmp_path / "night"
    shutil.copytree(NIGHT, night)
    en = night / "registry_en_20240101.csv"
    # the newer English row moves the transplant after the relapse day the Russian row gives, and has no relapse date
    text = (
        en.read_text(encoding="utf-8")
        .replace(",2019-05-20,haplo,", ",2019-12-01,haplo,")
        .replace(",D+164,BM,", ",,BM,")
    )
    en.write_text(text, encoding="utf-8")
    hsct("run", "--source", str(night), "--db", db_url)
    engine = make_engine(db_url)
    with engine.connect() as conn:
        rejected = conn.execute(
            select(SourceFile.file_name, Quarantine.row_number, Quarantine.column_name, Quarantine.reason_code)
            .join(SourceFile, SourceFile.file_id == Quarantine.file_id)
            .where(Quarantine.reason_code == "date_order")
        ).all()
        keys = set(conn.execute(select(Person.patient_key)).scalars())
        files = {r.file_name: r for r in conn.execute(select(RunFile.__table__)).all()}
    engine.dispose()
    assert sorted(rejected) == [
        ("registry_en_20240101.csv", 2, "Relapse date", "date_order"),
        ("registry_ru_20240101.csv", 2, "Дата рецидива", "date_order"),
    ]
    assert "2019-014" not in keys
    for f in files.values():
        assert f.rows_in == f.rows_loaded + f.rows_merged + f.rows_quarantined


def test_no_docs_runs_the_checks_without_rendering_data_docs(db_url: str, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    out = hsct("run", "--source", str(NIGHT), "--db", db_url, "--docs", str(docs), "--no-docs")
    assert "quality:" in out and "Data Docs:" not in out
    assert not docs.exists()
