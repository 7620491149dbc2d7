"""Set-based writes that behave alike on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def _dialect_insert(conn: Connection, table: Table) -> Any:
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    if conn.dialect.name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"no upsert for the {conn.dialect.name} dialect")


def upsert(conn: Connection, table: Table, rows: Sequence[dict[str, Any]], keys: Iterable[str]) -> None:
    """Insert rows; where a row with the same key exists, update its other columns.

    One executemany per call (psycopg 3 pipelines it, SQLite runs it in C).
    """
    if not rows:
        return
    keys = list(keys)
    stmt = _dialect_insert(conn, table)
    updated = {c: stmt.excluded[c] for c in rows[0] if c not in keys}
    stmt = (
        stmt.on_conflict_do_update(index_elements=keys, set_=updated)
        if updated
        else stmt.on_conflict_do_nothing(index_elements=keys)
    )
    conn.execute(stmt, list(rows))
