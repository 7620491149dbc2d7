"""Database access: which database, its engine, and the Alembic migrations.

    resolve_url(db) -> str          --db, else $HSCT_DATABASE_URL, else hsct.toml, else ./hsct.db (SQLite)
    make_engine(url) -> Engine      SQLite (pragmas set) or PostgreSQL (psycopg 3)
    upgrade(engine) / downgrade(engine, revision) / current_revision(engine)   Alembic, as `hsct db`

Errors: DatabaseError (exit 3) for an unusable URL or server, NoDatabaseError (exit 10) when a read
command's database is missing or not migrated (etl.db.require).
"""

from etl.db.engine import DEFAULT_URL, make_engine, resolve_url
from etl.db.migrate import current_revision, downgrade, upgrade

__all__ = ["DEFAULT_URL", "current_revision", "downgrade", "make_engine", "resolve_url", "upgrade"]
