"""An incremental night gives the database a first load of the same night gives, on both databases.

Nights (etl.synth.next_night): A, a generated registry of 300 patients; B, A with
patients changed, deleted and new and lab rows changed and withdrawn; then A
again (the deleted patients come back, so lab rows quarantined as naming nobody
become valid); C, A with lab rows appended (the registry files are A's, not read
again). After each night, the database loaded night after night is compared,
every harmonized table row by row (tests/run/canonical.py), tonight's quarantine
and the merge conflicts between tonight's rows, with a database into which that
night alone was loaded from empty.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, select, text

from etl.db import make_engine, upgrade
from etl.load.builders import build_table
from etl.load.concepts import sync_concepts
from etl.run.nightly import run_night
from etl.run.publish import publish_run
from etl.run.summary import RunSummary
from etl.synth.generate import generate
from etl.synth.next_night import NightChanges, next_night
from schemas.quality import QualityResult, QualityRun
from schemas.tables import RunFile, RunQuarantine
from tests.conftest import PG_SKIP, _drop_pg_schema, _fresh_pg_schema
from tests.run.canonical import conflicts_of, harmonized, tonights_quarantine

PATIENTS = 300
TODAY = dt.date(2026, 11, 30)  # after every generated date: nothing is quarantined as lying in the future


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("nights")
    a = base / "a"
    generate(a, seed=11, patients=PATIENTS)
    b_counts = next_night(a, base / "b", NightChanges(0.03, 0.02, 0.02, 0.03, 0.01, 0.0), seed=5)
    assert b_counts["patients_deleted"] >= 5 and b_counts["patients_new"] >= 5, b_counts
    assert b_counts["patients_changed"] > 0 and b_counts["lab_rows_changed"] > 0 and b_counts["lab_rows_withdrawn"] > 0
    next_night(a, base / "c", NightChanges(labs_appended=0.02), seed=6)
    next_night(a, base / "withdrawn", NightChanges(labs_withdrawn=0.2), seed=7)
    return {"a": a, "b": base / "b", "c": base / "c", "withdrawn": base / "withdrawn"}


@pytest.fixture
def new_db(empty_db_url: str, pg_admin: Engine | None, tmp_path: Path) -> Iterator[Callable[[], Engine]]:
    """More empty, migrated databases of the test's kind, each with the vocabulary loaded."""
    made: list[tuple[Engine, str | None]] = []

    def make() -> Engine:
        schema = None
        if empty_db_url.startswith("sqlite"):
            url = f"sqlite:///{tmp_path / f'fresh{len(made)}.db'}"
        else:
            if pg_admin is None:
                pytest.skip(PG_SKIP)
            schema, url = _fresh_pg_schema(pg_admin)
        engine = make_engine(url)
        upgrade(engine)
        sync_concepts(engine)
        made.append((engine, schema))
        return engine

    yield make
    for engine, schema in made:
        engine.dispose()
        if schema is not None and pg_admin is not None:
            _drop_pg_schema(pg_admin, schema)


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many patients each registry load built rows for (etl.load.record_digest spares the others)."""
    counts: list[int] = []

    def counting(name: str, patients: pd.DataFrame) -> pd.DataFrame:
        if name == "patient":
            counts.append(len(patients))
        return build_table(name, patients)

    monkeypatch.setattr("etl.load.patients.build_table", counting)
    return counts


def _checksums(folder: Path) -> set[str]:
    return {hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()}


def _same_as_first_load(nightly: Engine, night: Path, new_db: Callable[[], Engine], tonight: RunSummary) -> None:
    """Every harmonized table equal to a first load's, row by row; but for the lab results the
    night kept by rule (etl.load.labs: a stored result whose row is quarantined tonight is kept,
    not deleted; the run says how many), which a first load never had."""
    fresh = new_db()
    summary = run_night(fresh, night, today=TODAY)
    assert summary.published
    got, expected = harmonized(nightly), harmonized(fresh)
    kept = sum(int(str(p["n"])) for key, p in tonight.notes if key == "run.note.lab_results_kept")
    for table in expected:
        if table == "lab_result":
            assert set(expected[table]) <= set(got[table]), f"{night.name}: lab results missing"
            assert len(got[table]) - len(expected[table]) == kept, f"{night.name}: lab results kept"
            continue
        assert got[table] == expected[table], f"{night.name}: {table} differs from a first load"
    assert tonights_quarantine(nightly) == tonights_quarantine(fresh), f"{night.name}: quarantine"
    assert conflicts_of(nightly, _checksums(night)) == conflicts_of(fresh, _checksums(night)), night.name


def _unchanged_rows(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        run = conn.execute(text("SELECT max(run_id) FROM etl_run")).scalar()
        rows = conn.execute(select(RunFile.file_name, RunFile.rows_unchanged).where(RunFile.run_id == run)).all()
    return dict((str(name), int(n)) for name, n in rows)


def test_incremental_nights_equal_first_loads(
    nights: dict[str, Path], new_db: Callable[[], Engine], built: list[int]
) -> None:
    nightly = new_db()
    assert run_night(nightly, nights["a"], today=TODAY).published
    assert built == [PATIENTS]

    b = run_night(nightly, nights["b"], today=TODAY)  # registry and labs changed: every file read
    assert b.published and b.deleted_patients >= 5 and b.changed_patients > 0
    # rows built for the changed and new patients (and those whose source cells changed) alone: the
    # others' records have their stored digest
    assert b.changed_patients <= built[1] < PATIENTS / 5, built
    replayed = [f.name for f in b.files if ("run.note.file_from_raw_layer", {}) in f.notes]
    assert replayed == [p.name for p in nights["a"].glob("*.xlsx")]  # A's workbook, not parsed again
    assert set(_unchanged_rows(nightly).values()) == {0}
    with nightly.connect() as conn:
        gone = conn.execute(text("SELECT count(*) FROM deleted_patient")).scalar()
    assert gone == b.deleted_patients
    assert any(r["reason"] == "unknown_patient" for f in b.files for r in f.rejections)  # valid → quarantined
    assert any(key == "run.note.lab_results_kept" for key, _ in b.notes)  # results x 1.1 over 100 %
    _same_as_first_load(nightly, nights["b"], new_db, b)

    back = run_night(nightly, nights["a"], today=TODAY)  # the deleted patients return: their lab rows load
    assert back.published and not any(r["reason"] == "unknown_patient" for f in back.files for r in f.rejections)
    assert back.changed_patients <= built[-1] < PATIENTS / 5, built
    assert set(_unchanged_rows(nightly).values()) == {0}  # A's files, but the live batch is B's: read again
    _same_as_first_load(nightly, nights["a"], new_db, back)

    c = run_night(nightly, nights["c"], today=TODAY)  # lab rows appended: only the lab files are read
    unchanged = _unchanged_rows(nightly)
    assert {n for n, rows in unchanged.items() if rows} == {p.name for p in nights["a"].glob("registry_*")}
    assert c.changes["lab_result"].inserted > 0 and c.changes["lab_result"].deleted == 0
    assert c.patients == back.patients
    _same_as_first_load(nightly, nights["c"], new_db, c)


def test_an_unchanged_night_reads_nothing_and_changes_nothing(
    nights: dict[str, Path], new_db: Callable[[], Engine]
) -> None:
    engine = new_db()
    first = run_night(engine, nights["b"], today=TODAY)
    before = harmonized(engine)
    quarantined = tonights_quarantine(engine)
    again = run_night(engine, nights["b"], today=TODAY)

    assert again.published
    assert again.clock.seconds.get("harmonize", 0.0) == 0.0  # no file was read or harmonized
    assert [(f.name, f.rows_in, f.loaded, f.merged, f.quarantined) for f in again.files] == [
        (f.name, f.rows_in, f.loaded, f.merged, f.quarantined) for f in first.files
    ]
    assert again.totals == first.totals
    assert all(f.unchanged == f.rows_in for f in again.files)
    assert _unchanged_rows(engine) == {f.name: f.rows_in for f in first.files}
    assert harmonized(engine) == before
    assert tonights_quarantine(engine) == quarantined  # the quarantine is linked to tonight's run
    with engine.connect() as conn:
        links = dict(conn.execute(select(RunQuarantine.run_id, text("count(*)")).group_by(RunQuarantine.run_id)).all())
        checks = dict(
            conn.execute(
                select(QualityRun.run_id, text("count(*)"))
                .join(QualityResult, QualityResult.quality_run_id == QualityRun.quality_run_id)
                .group_by(QualityRun.run_id)
            ).all()
        )
    assert links[first.run_id] == links[again.run_id] > 0
    assert checks[first.run_id] == checks[again.run_id]  # a whole report: carried and tonight's own checks


def test_full_reads_every_file_and_gives_the_same_database(
    nights: dict[str, Path], new_db: Callable[[], Engine], built: list[int]
) -> None:
    engine = new_db()
    run_night(engine, nights["a"], today=TODAY)
    before = harmonized(engine)
    full = run_night(engine, nights["a"], today=TODAY, full=True)
    assert full.published and all(f.unchanged == 0 for f in full.files)
    assert full.changed_patients == 0
    assert built == [PATIENTS, PATIENTS]  # --full trusts no stored digest either
    assert harmonized(engine) == before


def test_other_code_or_mappings_read_every_file(
    nights: dict[str, Path], new_db: Callable[[], Engine], monkeypatch: pytest.MonkeyPatch, built: list[int]
) -> None:
    engine = new_db()
    run_night(engine, nights["a"], today=TODAY)
    monkeypatch.setattr("etl.run.nightly.inputs_sha256", lambda: "0" * 64)  # a synonym edited, say
    again = run_night(engine, nights["a"], today=TODAY)
    assert all(f.unchanged == 0 for f in again.files)
    assert built == [PATIENTS, PATIENTS]  # and every patient's rows are built again: no digest is tonight's


def test_a_row_judged_against_the_day_is_judged_again(nights: dict[str, Path], new_db: Callable[[], Engine]) -> None:
    engine = new_db()
    early = dt.date(2019, 6, 1)  # many generated dates lie after it: quarantined as date_in_future
    first = run_night(engine, nights["a"], today=early)
    assert any(r["reason"] == "date_in_future" for f in first.files for r in f.rejections)
    again = run_night(engine, nights["a"], today=early)
    registry = [f for f in again.files if f.feed != "labs"]
    assert all(f.unchanged == 0 for f in registry)  # a date in the future may be valid tonight


def test_a_held_night_with_an_unchanged_registry_publishes_as_a_first_load(
    nights: dict[str, Path], new_db: Callable[[], Engine]
) -> None:
    """The registry files are not read (unchanged), the lab files withdraw a fifth of the results: the
    deletion guard holds the night; published after review, it replays every file of the run, the
    registry's from the raw layer too, and the database is a first load's of that night."""
    engine = new_db()
    run_night(engine, nights["a"], today=TODAY)
    held = run_night(engine, nights["withdrawn"], today=TODAY)
    assert not held.published
    assert {f.name for f in held.files if f.unchanged} == {p.name for p in nights["a"].glob("registry_*")}
    publish_run(engine, held.run_id, decided_by="test", note="reviewed")
    fresh = new_db()
    assert run_night(fresh, nights["withdrawn"], today=TODAY).published
    assert harmonized(engine) == harmonized(fresh)
