"""Load hand-written PatientRecords into a test database through the real loader (no feeds needed)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, create_engine, text

from etl.db import make_engine, upgrade
from etl.extract import ROW_NUMBER, RawTable
from etl.load.concepts import sync_concepts
from etl.load.patients import load_patients
from etl.load.raw import store_raw
from etl.run.bookkeeping import start_run
from schemas.records import PatientRecord
from tests.conftest import PG_SKIP, _fresh_pg_schema
from tests.load.records import ALIVE_NO_RELAPSE, frame, make

CODE = "Код пациента"


def load_records(engine: Engine, records: list[PatientRecord], sha: str = "a" * 64) -> None:
    rows = pd.DataFrame({ROW_NUMBER: range(2, 2 + len(records)), CODE: [r.registry_code_ru for r in records]})
    raw = RawTable(
        path=Path("registry_ru_20240101.csv"), feed="registry_ru", format="csv", sha256=sha, size=100,
        encoding="utf-8", delimiter=";", sheet=None, header_row=1, headers=[CODE], columns=[CODE], rows=rows,
        cell_origin="text",
    )  # fmt: skip
    run_id = start_run(engine, "/night")
    with engine.begin() as conn:
        _, ids = store_raw(conn, raw, {CODE: "registry_code"})
        df = frame(records, list(ids.to_numpy()[: len(records)]))
        vs = pd.DataFrame({"patient_key": [], "field": [], "raw_row_id": []})
        load_patients(conn, df, vs, run_id, {r.patient_key for r in records})


def small_cohort() -> list[PatientRecord]:
    """Four patients: InO+ RIC relapse death; InO- MAC alive; InO+ refractory, no engraftment; InO- SOS death."""
    return [
        make("2019-014"),
        make("2019-015", **ALIVE_NO_RELAPSE),
        make("2019-016", response="refractory", mrd_status=None, mrd_value_percent=None, mrd_value_comparator=None,
             engrafted=False, engraftment_day=None, platelet_recovered=False, platelet_recovery_day=None,
             lymphocytes_d30_gt_0_3=False, agvhd_grade=None, sos=False, sos_day=None, tma=True, tma_day=150,
             relapse=False, relapse_date=None, relapse_site=None, hla_loss=None, dli=False, vital_status="alive",
             cause_of_death=None, last_contact_date=dt.date(2024, 1, 1), cd22_percent=90.0),
        make("2019-017", **{**ALIVE_NO_RELAPSE, "sos": True, "sos_day": 20, "vital_status": "dead",
                            "cause_of_death": "sos", "last_contact_date": dt.date(2019, 6, 30),
                            "bridging_therapy": "flu_based", "conditioning": "ric_mel"}),
    ]


@contextmanager
def sqlite_and_postgresql(tmp_path: Path, pg_admin: Engine | None) -> Iterator[tuple[Engine, Engine]]:
    """A migrated SQLite and PostgreSQL database side by side (skips without PostgreSQL)."""
    if pg_admin is None:
        pytest.skip(PG_SKIP)
    schema, url = _fresh_pg_schema(pg_admin)
    engines = (make_engine(f"sqlite:///{tmp_path / 'a.db'}"), make_engine(url))
    try:
        for e in engines:
            upgrade(e)
            sync_concepts(e)
        yield engines
    finally:
        for e in engines:
            e.dispose()
        with create_engine(pg_admin.url, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
