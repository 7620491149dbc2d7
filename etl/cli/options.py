"""Options shared by several commands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from etl.messages import Lang, language

if TYPE_CHECKING:
    from sqlalchemy import Connection

db_option = click.option(
    "--db",
    "db_url",
    metavar="URL|PATH",
    default=None,
    help="Database URL (postgresql://..., sqlite:///...) or the path of an SQLite file (default: "
    "$HSCT_DATABASE_URL, else [paths] database of hsct.toml, else hsct.db in the working directory).",
)


def current_lang() -> Lang:
    """The language of this command's output: `hsct --lang`, else $HSCT_LANG, else hsct.toml's
    `language`, else the locale, else Russian (etl.messages.language)."""
    from etl.config import load_config

    ctx = click.get_current_context(silent=True)
    explicit = (ctx.find_root().obj or {}).get("lang") if ctx is not None else None
    return language(explicit, load_config().language)


@contextmanager
def reading(db_url: str | None) -> Iterator[Connection]:
    """A connection to the database named by --db, for a command that only reads it: a database that is
    missing or not migrated is refused (etl.db.require, exit 10) instead of being created empty. The
    engine is disposed after."""
    from etl.db import make_engine, resolve_url
    from etl.db.require import require_database

    engine = make_engine(resolve_url(db_url))
    try:
        require_database(engine)
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()
