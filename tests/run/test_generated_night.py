"""The generator's night with injected errors, through `hsct run`, on both databases:
every injected error is quarantined for its expected reason and nothing else is,
and the harmonized database equals the generator's truth file field by field."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from etl.cli import main
from etl.db import make_engine
from etl.load.readback import read_labs, read_patients
from schemas.records import LabRecord, PatientRecord
from schemas.tables import Quarantine, SourceFile
from tests.conftest import generated_night


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated_night(tmp_path_factory, tmp_path_factory.mktemp("night"), "--inject-errors")


def _records(frame: pd.DataFrame, model: type) -> list[dict]:
    """Rows through the record model, so both sides hold the same Python types."""
    rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return [model.model_validate({k: (None if v == "" else v) for k, v in r.items()}).model_dump() for r in rows]


def _truth(night: Path, name: str, model: type) -> list[dict]:
    return _records(pd.read_csv(night / "truth" / name, dtype=str, keep_default_na=False), model)


@pytest.fixture
def loaded(night: Path, db_url: str) -> str:
    result = CliRunner().invoke(main, ["run", "--source", str(night), "--db", db_url], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return db_url


def test_every_injected_error_is_quarantined_for_its_reason_and_nothing_else(night: Path, loaded: str) -> None:
    manifest = pd.read_csv(night / "truth" / "injected_errors.csv", dtype=str, keep_default_na=False)
    expected = {(r.file, int(r.row or 0), r.expected_reason) for r in manifest.itertuples()}
    engine = make_engine(loaded)
    with engine.connect() as conn:
        got = conn.execute(
            select(SourceFile.file_name, Quarantine.row_number, Quarantine.reason_code).join(
                SourceFile, SourceFile.file_id == Quarantine.file_id
            )
        ).all()
    engine.dispose()
    by_row: dict[tuple[str, int], set[str]] = {}
    for file_name, row, reason in got:
        by_row.setdefault((file_name, row), set()).add(reason)
    rows_expected = {(f, r) for f, r, _ in expected}
    assert set(by_row) == rows_expected, "quarantined rows differ from the manifest"
    for file_name, row, reason in expected:
        assert reason in by_row[(file_name, row)], f"{file_name} row {row}: {by_row[(file_name, row)]} not {reason}"


def test_the_database_equals_the_truth_file_field_by_field(night: Path, loaded: str) -> None:
    engine = make_engine(loaded)
    with engine.connect() as conn:
        patients = _records(read_patients(conn), PatientRecord)
        labs = _records(read_labs(conn), LabRecord)
    engine.dispose()
    truth = {p["patient_key"]: p for p in _truth(night, "patients.csv", PatientRecord)}
    got = {p["patient_key"]: p for p in patients}
    assert set(got) == set(truth)
    differences = [
        (key, field, got[key][field], value)
        for key, record in truth.items()
        for field, value in record.items()
        if got[key][field] != value
    ]
    assert differences == [], f"{len(differences)} fields differ, e.g. {differences[:10]}"

    def lab_key(r: dict) -> tuple:
        return (r["patient_key"], r["test"], r["result_date"], r["value_num"] or -1, r["value_code"] or "")

    assert sorted(labs, key=lab_key) == sorted(_truth(night, "labs.csv", LabRecord), key=lab_key)
