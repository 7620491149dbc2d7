"""Resolve the database URL and build an engine that behaves alike on both databases."""

from __future__ import annotations

import os

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

DEFAULT_URL = "sqlite:///hsct.db"
ENV_VAR = "HSCT_DATABASE_URL"


def resolve_url(url: str | None = None) -> str:
    """`--db URL`, else $HSCT_DATABASE_URL, else an SQLite file hsct.db here.

    A bare ``postgresql://`` URL is given the psycopg 3 driver, the one we ship.
    """
    chosen = url or os.environ.get(ENV_VAR) or DEFAULT_URL
    parsed = make_url(chosen)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable with WAL; FULL syncs on every commit
    cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB page cache: counted in the run's memory
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


def make_engine(url: str | None = None, **kwargs: object) -> Engine:
    """An engine for the resolved URL; SQLite enforces foreign keys like PostgreSQL."""
    resolved = resolve_url(url)
    engine = create_engine(resolved, **kwargs)  # type: ignore[arg-type]
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine
