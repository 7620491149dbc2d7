"""Read a query into a frame fast: through the connection's own DBAPI cursor (same transaction).

SQLAlchemy's row processing (a Python date parse per SQLite cell, result
objects per row) costs more than the checks on a 100,000-patient night, so the
frames are read as the driver returns them: SQLite gives dates as ISO text and
booleans as 0/1, PostgreSQL gives `datetime.date` and `bool`.
`typed_dates` turns ISO text into dates where a check needs the Python type,
leaving anything that is not a date as it is, for the type check to report.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection
from sqlalchemy.sql import ClauseElement


def read_frame(conn: Connection, statement: ClauseElement) -> pd.DataFrame:
    sql = str(statement.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    raw = conn.connection.driver_connection
    assert raw is not None  # None only for a connection that was closed or invalidated, never one in use here
    cursor = raw.cursor()
    try:
        cursor.execute(sql)
        columns = [d[0] for d in cursor.description]
        return pd.DataFrame.from_records(cursor.fetchall(), columns=columns, coerce_float=False)
    finally:
        cursor.close()


def typed_dates(values: pd.Series) -> pd.Series:
    """ISO `yyyy-mm-dd` text → `datetime.date`; dates stay dates; anything else is kept as it is."""
    text = values.map(lambda v: v if isinstance(v, str) else None)
    parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    out = values.astype(object).copy()
    ok = parsed.notna()
    out[ok] = parsed[ok].dt.date
    return out
