"""Set-based writes that behave alike on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any, cast

import numpy as np
import pandas as pd
from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Connection,
    Date,
    DateTime,
    Double,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    Table,
    literal,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import AddConstraint, CreateIndex, DropConstraint, DropIndex

from etl.performance import each_distinct


def _dialect_insert(conn: Connection, table: Table) -> Any:
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    if conn.dialect.name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"no upsert for the {conn.dialect.name} dialect")


def upsert(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]], keys: Iterable[str], update: bool = True
) -> None:
    """Insert rows; where a row with the same key exists, update its other columns (or, with
    update=False, leave the stored row as it is).

    One executemany per call (psycopg 3 pipelines it, SQLite runs it in C).
    """
    if not rows:
        return
    keys = list(keys)
    stmt = _dialect_insert(conn, table)
    updated = {c: stmt.excluded[c] for c in rows[0] if c not in keys} if update else {}
    stmt = (
        stmt.on_conflict_do_update(index_elements=keys, set_=updated)
        if updated
        else stmt.on_conflict_do_nothing(index_elements=keys)
    )
    conn.execute(stmt, list(rows))


def python_values(df: pd.DataFrame, table: Table, dialect: str) -> list[tuple[Any, ...]]:
    """Rows as tuples of plain Python values the DB-API driver adapts (None for missing)."""
    return list(zip(*(_column_values(df[name], table.c[name].type, dialect) for name in df.columns), strict=True))


def _column_values(s: pd.Series, coltype: Any, dialect: str) -> list[Any]:
    """One column as plain Python values (None for missing)."""
    if isinstance(coltype, JSON):
        # JSON text passes through (the raw layer builds it column-wise); objects are encoded
        if pd.api.types.infer_dtype(s, skipna=True) not in ("string", "empty"):
            s = s.map(lambda v: v if v is None or isinstance(v, str) else json.dumps(v, ensure_ascii=False))
    elif isinstance(coltype, Date | DateTime):  # a million results fall on a few thousand dates
        convert = partial(_date_value, sqlite=dialect == "sqlite", date=not isinstance(coltype, DateTime))
        return _as_list(each_distinct(s, convert))
    elif isinstance(coltype, Integer | BigInteger):
        s = pd.to_numeric(s)
        if isinstance(s.dtype, np.dtype) and s.dtype.kind in "iu":  # numpy ints hold no missing value
            return _as_list(s)
        s = s.astype("Int64")
    elif isinstance(coltype, Double):
        s = pd.to_numeric(s).astype(float)
        if not s.isna().any():  # numpy floats, none missing
            return _as_list(s)
    values = s.to_numpy(dtype=object, copy=True)
    values[pd.isna(values)] = None
    return _as_list(values)


def _as_list(values: Any) -> list[Any]:
    """A Series' or an array's `tolist()`: plain Python values, typed (pandas is read untyped, as Any)."""
    return cast(list[Any], values.tolist())


def _date_value(s: pd.Series, sqlite: bool, date: bool) -> pd.Series:
    """Dates or timestamps as the driver takes them: ISO text for SQLite, date / datetime objects else."""
    stamps = pd.to_datetime(s)
    if sqlite:
        return stamps.dt.strftime("%Y-%m-%d" if date else "%Y-%m-%d %H:%M:%S.%f")
    if date:
        return stamps.dt.date
    return pd.Series(np.array(stamps.array.to_pydatetime()), index=s.index)


CHUNK_ROWS = 50_000  # rows converted and sent at a time: bounds the memory of a large insert
# Filling an EMPTY table with at least this many rows, the loader drops the table's secondary
# indexes (both databases) and, on PostgreSQL, its foreign keys, and rebuilds them after the load
# in the same transaction: an index built once from all rows is sorted once, not updated row by
# row, and PostgreSQL checks a re-added foreign key with one join, not one trigger query per row.
# A violation still fails the load. Only an empty table qualifies: dropping an index or a key
# locks its table until the run commits, which matters to nobody while it holds nothing yet
# (the first load of a registry, a backfill).
BULK_REBUILD_ROWS = 100_000


def bulk_insert(conn: Connection, table: Table, df: pd.DataFrame) -> int:
    """Insert a DataFrame's rows: COPY on PostgreSQL, executemany on SQLite; returns the count.

    Rows are converted and sent CHUNK_ROWS at a time, so that a million-row table
    never exists as one list of Python tuples.
    """
    if df.empty:
        return 0
    columns = list(df.columns)
    cols = ", ".join(f'"{c}"' for c in columns)
    raw = conn.connection.driver_connection
    assert raw is not None  # None only for a connection that was closed or invalidated, never one in use here
    postgres = conn.dialect.name == "postgresql"
    indexes, keys = _rebuilt_after_load(conn, table, len(df))
    for index in indexes:
        conn.execute(DropIndex(index))
    for fk in keys:
        conn.execute(DropConstraint(fk))
    if postgres:
        with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({cols}) FROM STDIN') as copy:
            for start in range(0, len(df), CHUNK_ROWS):
                for row in python_values(df.iloc[start : start + CHUNK_ROWS], table, conn.dialect.name):
                    copy.write_row(row)
    else:
        marks = ", ".join("?" for _ in columns)
        cur = raw.cursor()
        for start in range(0, len(df), CHUNK_ROWS):
            rows = python_values(df.iloc[start : start + CHUNK_ROWS], table, conn.dialect.name)
            cur.executemany(f'INSERT INTO "{table.name}" ({cols}) VALUES ({marks})', rows)
        cur.close()
    for fk in keys:
        conn.execute(AddConstraint(fk))  # validates every row; a violation fails the run as before
    for index in indexes:
        conn.execute(CreateIndex(index))
    return len(df)


def _rebuilt_after_load(conn: Connection, table: Table, rows: int) -> tuple[list[Index], list[ForeignKeyConstraint]]:
    """The table's secondary indexes, and on PostgreSQL its foreign keys, when a load of `rows`
    rows into it is cheaper with them rebuilt after it (see BULK_REBUILD_ROWS); else none."""
    if rows < BULK_REBUILD_ROWS or conn.execute(select(literal(1)).select_from(table).limit(1)).first() is not None:
        return [], []
    indexes = sorted(table.indexes, key=lambda i: str(i.name))
    if conn.dialect.name != "postgresql":  # SQLite checks a key by an index lookup per row, cheaply
        return indexes, []
    return indexes, sorted(table.foreign_key_constraints, key=lambda fk: str(fk.name))


def bulk_update(conn: Connection, table: Table, df: pd.DataFrame, key: Sequence[str]) -> int:
    """Set the columns of `df` on the rows of `table` that its `key` columns name: the rows are
    bulk-inserted into a temporary table and applied by ONE `UPDATE ... FROM` (SQLite 3.33+,
    PostgreSQL); returns the count.

    One statement, not one per row: inside the run's SAVEPOINT, SQLite opens and closes a
    statement journal for every statement, at a cost that grows with the pages the transaction
    has touched, so a row-by-row UPDATE of a night's lab results took minutes where this takes
    seconds."""
    if df.empty:
        return 0
    columns = list(df.columns)
    values = [c for c in columns if c not in key]
    staging = Table(
        f"hsct_update_{table.name}",
        MetaData(),
        *(Column(c, table.c[c].type) for c in columns),
        prefixes=["TEMPORARY"],
    )
    staging.create(conn)
    try:
        bulk_insert(conn, staging, df)
        assignments = ", ".join(f'"{c}" = s."{c}"' for c in values)
        on = " AND ".join(f'"{table.name}"."{c}" = s."{c}"' for c in key)
        conn.execute(text(f'UPDATE "{table.name}" SET {assignments} FROM "{staging.name}" AS s WHERE {on}'))
    finally:
        staging.drop(conn)
    return len(df)
