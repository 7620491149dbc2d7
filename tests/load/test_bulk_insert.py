"""Bulk inserts: the values arrive as given, and foreign keys and indexes hold on both databases,
also when a large load into an empty table rebuilds them after it (etl.db.bulk.BULK_REBUILD_ROWS)."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pandas as pd
import psycopg
import pytest
from sqlalchemy import Engine, inspect, select
from sqlalchemy.exc import IntegrityError

from etl.db import bulk
from etl.db.bulk import bulk_insert
from schemas.tables import EtlRun, RawRow, SourceFile


def _file(conn) -> None:  # type: ignore[no-untyped-def]
    conn.execute(
        SourceFile.__table__.insert(),
        {"file_id": 1, "checksum_sha256": "a" * 64, "file_name": "labs_x.csv", "feed": "labs", "format": "csv",
         "size_bytes": 1, "encoding": "utf-8", "delimiter": ",", "sheet": None},
    )  # fmt: skip


def _rows(file_ids: list[int]) -> pd.DataFrame:
    n = len(file_ids)
    return pd.DataFrame(
        {"raw_row_id": range(1, n + 1), "file_id": file_ids, "row_number": range(2, n + 2), "cells": ['{"a":"1"}'] * n}
    )


@pytest.fixture(params=[10**9, 2], ids=["row-checked", "rebuilt-after"])
def threshold(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(bulk, "BULK_REBUILD_ROWS", request.param)
    return int(request.param)


def _indexes(engine: Engine) -> set[tuple[str, tuple[str, ...]]]:
    return {(i["name"], tuple(i["column_names"])) for i in inspect(engine).get_indexes("raw_row")}


def test_rows_arrive_and_keys_survive(engine: Engine, threshold: int) -> None:
    keys_before = {fk["name"] for fk in inspect(engine).get_foreign_keys("raw_row")}
    indexes_before = _indexes(engine)
    with engine.begin() as conn:
        _file(conn)
        assert bulk_insert(conn, RawRow.__table__, _rows([1, 1, 1])) == 3
    with engine.connect() as conn:
        stored = conn.execute(select(RawRow.raw_row_id, RawRow.row_number).order_by(RawRow.raw_row_id)).all()
    assert [tuple(r) for r in stored] == [(1, 2), (2, 3), (3, 4)]
    assert {fk["name"] for fk in inspect(engine).get_foreign_keys("raw_row")} == keys_before
    assert keys_before  # raw_row.file_id → source_file
    assert _indexes(engine) == indexes_before
    assert ("ix_raw_row_file_id", ("file_id",)) in indexes_before


# the driver's own error where rows go through its cursor (COPY, executemany), SQLAlchemy's elsewhere
INTEGRITY_ERRORS = (IntegrityError, sqlite3.IntegrityError, psycopg.errors.IntegrityError)


def test_a_broken_key_fails_the_load(engine: Engine, threshold: int) -> None:
    with pytest.raises(INTEGRITY_ERRORS, match=r"(?i)foreign key"), engine.begin() as conn:
        _file(conn)
        bulk_insert(conn, RawRow.__table__, _rows([1, 99, 1]))  # no source file 99
    with engine.connect() as conn:
        assert conn.execute(select(RawRow.raw_row_id)).first() is None
    assert inspect(engine).get_foreign_keys("raw_row")  # rolled back with the key in place


def test_dates_and_missing_values(engine: Engine) -> None:
    with engine.begin() as conn:
        frame = pd.DataFrame(
            {"run_id": [7], "started_at": [pd.Timestamp("2026-01-02 03:04:05")], "source_dir": ["/night"],
             "status": ["running"], "finished_at": [None], "rows_in": [0], "rows_loaded": [0], "rows_merged": [0],
             "rows_quarantined": [0], "message": [float("nan")]}
        )  # fmt: skip
        bulk_insert(conn, EtlRun.__table__, frame)
    with engine.connect() as conn:
        query = select(EtlRun.started_at, EtlRun.finished_at, EtlRun.message).where(EtlRun.run_id == 7)
        row = conn.execute(query).one()
    assert row.started_at == dt.datetime(2026, 1, 2, 3, 4, 5)
    assert row.finished_at is None
    assert row.message is None  # NaN, pandas' missing value, arrives as NULL
