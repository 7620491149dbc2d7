"""Database access: which database, its engine, and the Alembic migrations."""

from etl.db.engine import DEFAULT_URL, make_engine, resolve_url
from etl.db.migrate import current_revision, downgrade, upgrade

__all__ = ["DEFAULT_URL", "current_revision", "downgrade", "make_engine", "resolve_url", "upgrade"]
