"""The synthetic generator's nights: the clean one passes every blocking check; every injected error is caught.

The generator (`hsct generate`) writes the study cohort's feeds and, with
--inject-errors, one bad input of each kind with a manifest
(truth/injected_errors.csv: file, row, column, kind, expected_reason). Each
injected error must be caught either at parse time (a quarantine row of that
file and row with the expected reason) or by a failed check whose sample
names that file and row; the test reports which caught it.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from etl.db import make_engine
from schemas.quality import QualityResult, QualityRun
from schemas.tables import Quarantine, SourceFile
from tests.conftest import generated_night
from tests.quality.helpers import hsct

synth = pytest.importorskip("etl.synth", reason="the synthetic generator (etl/synth) is not in this tree")


@pytest.fixture(scope="module")
def clean_night(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated_night(tmp_path_factory, tmp_path_factory.mktemp("synth") / "night")


@pytest.fixture(scope="module")
def injected_night(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated_night(tmp_path_factory, tmp_path_factory.mktemp("synth") / "night", "--inject-errors")


def _run(db_url: str, night: Path, tmp_path: Path, code: int) -> str:
    return hsct("run", "--source", str(night), "--db", db_url, "--docs", str(tmp_path / "docs"), "--wait", code=code)


def _failed_checks(db_url: str) -> list[tuple[str, str, list[dict[str, object]]]]:
    engine = make_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(
            select(QualityResult.check_id, QualityResult.severity, QualityResult.unexpected_sample)
            .join(QualityRun, QualityRun.quality_run_id == QualityResult.quality_run_id)
            .where(QualityResult.success.is_(False))
        ).all()
    engine.dispose()
    return [(c, s, sample if isinstance(sample, list) else json.loads(sample or "[]")) for c, s, sample in rows]


def test_the_clean_synthetic_night_passes_every_blocking_check(db_url: str, tmp_path: Path, clean_night: Path) -> None:
    out = _run(db_url, clean_night, tmp_path, code=0)
    assert "batch published" in out
    assert [c for c, severity, _ in _failed_checks(db_url) if severity == "blocking"] == []


def _caught_by(db_url: str, row: dict[str, str]) -> str | None:
    """How an injected error was caught: 'quarantine: <reason>' or 'check: <id>' (None: missed)."""
    engine = make_engine(db_url)
    with engine.connect() as conn:
        query = (
            select(Quarantine.reason_code)
            .join(SourceFile, SourceFile.file_id == Quarantine.file_id)
            .where(SourceFile.file_name == row["file"], Quarantine.row_number == int(row["row"] or 0))
        )
        reasons = set(conn.execute(query).scalars())
    engine.dispose()
    if row["expected_reason"] in reasons:
        return f"quarantine: {row['expected_reason']}"
    for check_id, _severity, sample in _failed_checks(db_url):
        if any(s.get("file") == row["file"] and str(s.get("row")) == (row["row"] or "") for s in sample):
            return f"check: {check_id}"
    return None


def test_every_injected_error_is_caught(db_url: str, tmp_path: Path, injected_night: Path) -> None:
    night = injected_night
    out = hsct("run", "--source", str(night), "--db", db_url, "--docs", str(tmp_path / "docs"), "--wait", code=None)
    with (night / "truth" / "injected_errors.csv").open(encoding="utf-8", newline="") as handle:
        manifest = list(csv.DictReader(handle))
    assert manifest
    caught = {(r["file"], r["row"], r["kind"]): _caught_by(db_url, r) for r in manifest}
    missed = [k for k, how in caught.items() if how is None]
    assert missed == [], f"missed: {missed}; caught: {caught}\n{out}"
    # every injected row error of this generator is stopped at parse time, before the checks
    assert all(how and how.startswith("quarantine") for how in caught.values()), caught
