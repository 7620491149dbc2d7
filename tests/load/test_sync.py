"""`sync_table` on both databases: only differences are written, ids stay, and lineage follows content.

A probe table of its own (a key with a nullable part, a value, a date, a scope
column, lineage and a surrogate id) is synchronized with the stored rows in the
ways a night does it; raw rows of two files of one feed, and one of another feed,
stand for the cells the lineage names.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pandas as pd
import pytest
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    Double,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    select,
)

from etl.db.bulk import bulk_insert
from etl.load.sync import SyncResult, sync_table
from schemas.tables import RawRow, SourceFile

PROBE = Table(
    "sync_probe",
    MetaData(),
    Column("probe_id", BigInteger, primary_key=True, autoincrement=False),
    Column("patient_id", Integer, nullable=False),
    Column("test", String(16), nullable=False),
    Column("site", String(16), nullable=True),  # a key part that may be missing
    Column("value", Double),
    Column("day", Date),
    Column("raw_row_id", BigInteger, nullable=False),
    Column("changed_run_id", Integer),
    UniqueConstraint("patient_id", "test", "site"),
)
KEY = ["patient_id", "test", "site"]
# raw rows: file 1 (labs) rows 1-4, file 2 (labs, tonight) rows 11-14, file 3 (registry_en) row 21
CELLS = {1: "a", 2: "b", 3: "c", 4: "d", 11: "a", 12: "b", 13: "c-other", 14: "d", 21: "a"}
FILE_OF = {1: 1, 2: 1, 3: 1, 4: 1, 11: 2, 12: 2, 13: 2, 14: 2, 21: 3}


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    with engine.begin() as connection:
        files = [(1, "labs"), (2, "labs"), (3, "registry_en")]
        bulk_insert(
            connection,
            SourceFile.__table__,
            pd.DataFrame(
                {
                    "file_id": [f for f, _ in files],
                    "checksum_sha256": [str(f) * 64 for f, _ in files],
                    "file_name": [f"f{f}.csv" for f, _ in files],
                    "feed": [feed for _, feed in files],
                    "format": "csv",
                    "size_bytes": 1,
                    "encoding": "utf-8",
                }
            ),
        )
        bulk_insert(
            connection,
            RawRow.__table__,
            pd.DataFrame(
                {
                    "raw_row_id": list(CELLS),
                    "file_id": [FILE_OF[i] for i in CELLS],
                    "row_number": [i + 1 for i in CELLS],  # data rows start below the header
                    "cells": [json.dumps({"cell": c}) for c in CELLS.values()],
                }
            ),
        )
        PROBE.create(connection)
        yield connection


def _rows(*rows: tuple[int, str, str | None, float | None, int]) -> pd.DataFrame:
    """(patient_id, test, site, value, raw_row_id) rows, all on one day."""
    frame = pd.DataFrame(rows, columns=["patient_id", "test", "site", "value", "raw_row_id"])
    return frame.assign(day=dt.date(2026, 1, 2))


def _sync(conn: Connection, wanted: pd.DataFrame, run_id: int, **options: object) -> SyncResult:
    return sync_table(conn, PROBE, wanted, KEY, "patient_id", None, "probe_id", run_id, **options)  # type: ignore[arg-type]


def _stored(conn: Connection) -> dict[tuple[object, ...], tuple[object, ...]]:
    """(patient_id, test, site) → (probe_id, value, raw_row_id, changed_run_id)."""
    rows = conn.execute(select(PROBE).order_by(PROBE.c.probe_id)).mappings().all()
    return {
        (r["patient_id"], r["test"], r["site"]): (r["probe_id"], r["value"], r["raw_row_id"], r["changed_run_id"])
        for r in rows
    }


FIRST = _rows(
    (1, "wbc", None, 4.5, 1), (1, "plt", "left", 150.0, 2), (2, "wbc", None, 3.0, 3), (3, "wbc", None, None, 4)
)


def test_the_same_rows_from_cells_of_the_same_text_change_nothing(conn: Connection) -> None:
    first = _sync(conn, FIRST, run_id=1)
    assert (first.inserted, first.updated, first.deleted) == (4, 0, 0)
    before = _stored(conn)
    assert [v[0] for v in before.values()] == [1, 2, 3, 4]  # ids in the order given
    tonight = FIRST.assign(raw_row_id=[11, 12, 13, 14])  # a new file; row 13's cells differ from row 3's
    result = _sync(conn, tonight, run_id=2)
    assert (result.inserted, result.updated, result.deleted) == (0, 1, 0)
    assert result.changed_scope == frozenset()  # a lineage change is no content change
    after = _stored(conn)
    assert after[(1, "wbc", None)] == (1, 4.5, 1, 1)  # same cells: the stored cell stays named
    assert after[(1, "plt", "left")] == (2, 150.0, 2, 1)
    assert after[(2, "wbc", None)] == (3, 3.0, 13, 1)  # other cells: tonight's row is named, run unchanged
    assert after[(3, "wbc", None)] == (4, None, 4, 1)  # a missing value equals a missing value


def test_cells_of_another_feed_are_not_the_same_source(conn: Connection) -> None:
    _sync(conn, FIRST, run_id=1)
    result = _sync(conn, FIRST.assign(raw_row_id=[21, 2, 3, 4]), run_id=2)
    assert result.updated == 1
    assert _stored(conn)[(1, "wbc", None)] == (1, 4.5, 21, 1)


def test_changed_values_new_and_vanished_keys(conn: Connection) -> None:
    _sync(conn, FIRST, run_id=1)
    tonight = _rows(
        (1, "wbc", None, 4.5, 11),
        (1, "plt", "left", 151.0, 12),  # changed value
        (3, "wbc", None, 0.0, 14),  # missing → 0.0 is a change
        (4, "wbc", None, 1.0, 13),  # a new key
    )  # (2, "wbc") vanished
    result = _sync(conn, tonight, run_id=2)
    assert (result.inserted, result.updated, result.deleted) == (1, 2, 1)
    assert result.changed_scope == frozenset({1, 2, 3, 4})
    assert result.deleted_scope == frozenset({2})
    assert result.deleted_rows is not None and result.deleted_rows.to_dict("records") == [
        {"patient_id": 2, "test": "wbc", "site": None}
    ]
    after = _stored(conn)
    assert after[(1, "wbc", None)] == (1, 4.5, 1, 1)
    assert after[(1, "plt", "left")] == (2, 151.0, 12, 2)  # a changed row names tonight's cell
    assert after[(3, "wbc", None)] == (4, 0.0, 14, 2)
    assert after[(4, "wbc", None)] == (5, 1.0, 13, 2)  # a new id after the largest one
    assert (2, "wbc", None) not in after


def test_rows_a_rejected_row_could_be_or_an_incomplete_night_lacks_stay(conn: Connection) -> None:
    _sync(conn, FIRST, run_id=1)
    keep_two = _sync(conn, FIRST.iloc[:1], run_id=2, keep=lambda stored: stored["patient_id"] == 2)
    assert (keep_two.deleted, keep_two.kept) == (2, 1)
    assert set(_stored(conn)) == {(1, "wbc", None), (2, "wbc", None)}
    incomplete = _sync(conn, FIRST.iloc[:1], run_id=3, delete=False)
    assert (incomplete.inserted, incomplete.updated, incomplete.deleted) == (0, 0, 0)
    assert set(_stored(conn)) == {(1, "wbc", None), (2, "wbc", None)}


def test_only_rows_in_scope_are_compared(conn: Connection) -> None:
    _sync(conn, FIRST, run_id=1)
    tonight = _rows((1, "wbc", None, 9.9, 11))
    result = sync_table(conn, PROBE, tonight, KEY, "patient_id", {1}, "probe_id", 2)
    assert (result.inserted, result.updated, result.deleted, result.stored) == (0, 1, 1, 2)
    after = _stored(conn)
    assert after[(1, "wbc", None)] == (1, 9.9, 11, 2)
    assert set(after) == {(1, "wbc", None), (2, "wbc", None), (3, "wbc", None)}  # patients 2 and 3 out of scope
