"""Resolve the database URL and build an engine that behaves alike on both databases.

`--db` and `$HSCT_DATABASE_URL` take a URL (anything holding ``://``) or a plain path, which
names an SQLite file (`night.db`, `/data/hsct.db`, `./x.sqlite`). An SQLite file the engine
creates is created readable and writable by its owner only (0600; SQLite gives its `-wal` and
`-shm` files the same mode): it holds personal data.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import ConnectionPoolEntry

from etl.errors import DatabaseError

DEFAULT_URL = "sqlite:///hsct.db"
SUPPORTED_DRIVERS = frozenset({"sqlite", "sqlite+pysqlite", "postgresql+psycopg"})  # the drivers hsct ships
ENV_VAR = "HSCT_DATABASE_URL"
PRIVATE_FILE = 0o600  # the database file: owner only, whatever the umask


def resolve_url(url: str | None = None) -> str:
    """`--db URL|PATH`, else $HSCT_DATABASE_URL, else hsct.toml's `[paths] database`, else an SQLite
    file hsct.db here.

    A value without ``://`` is a path to an SQLite file (``~`` expanded, relative to the working
    folder; in hsct.toml, to the file's folder). A bare ``postgresql://`` URL is given the psycopg 3
    driver, the one we ship.
    """
    chosen = url or os.environ.get(ENV_VAR) or _configured() or DEFAULT_URL
    if "://" not in chosen:
        chosen = URL.create("sqlite", database=os.path.expanduser(chosen)).render_as_string(hide_password=False)
    try:
        parsed = make_url(chosen)
    except ArgumentError as exc:
        raise DatabaseError.of("error.db.bad_url", url=safe_url(chosen)) from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername not in SUPPORTED_DRIVERS:  # hsct ships no other driver: say so, not "No module named …"
        raise DatabaseError.of("error.db.unsupported", url=safe_url(chosen), backend=parsed.drivername)
    return parsed.render_as_string(hide_password=False)


def _configured() -> str | None:
    """The database hsct.toml names (`[paths] database`), if any."""
    from etl.config import load_config  # here: the configuration is read only when no URL was given

    return load_config().paths.database


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable with WAL; FULL syncs on every commit
    cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB page cache: counted in the run's memory
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


def sqlite_file(url: str | URL) -> Path | None:
    """The file of an SQLite database URL; None for a server database, an in-memory one or a ``file:`` URI."""
    parsed = make_url(url) if isinstance(url, str) else url
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _create_private(path: Path) -> None:
    """Create the (empty) SQLite file with mode 0600 before SQLite would create it with the umask's mode;
    nothing when it exists. An empty file is an empty SQLite database."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except (FileExistsError, FileNotFoundError, NotADirectoryError):  # exists; or SQLite says what is wrong
        return
    os.close(fd)


def require_folder(url: str) -> None:
    """Raise DatabaseError (exit 3) when `url` names an SQLite file in a folder that does not exist: a
    typo in --db, for which nothing (database, lock, logs, pages) may be created."""
    path = sqlite_file(url)
    if path is not None and not path.absolute().parent.is_dir():
        raise DatabaseError.of("error.db.no_folder", path=path, folder=path.absolute().parent)


def make_engine(url: str | None = None, **kwargs: object) -> Engine:
    """An engine for the resolved URL; SQLite enforces foreign keys like PostgreSQL.

    Nothing is created here: an SQLite file is created (mode 0600) by the first connection, so that
    etl.db.require can refuse a missing file before anything connects. Raises DatabaseError (exit 3)
    for an URL hsct has no driver for and for an SQLite file in a folder that does not exist."""
    resolved = resolve_url(url)
    engine = create_engine(resolved, **kwargs)
    if engine.dialect.name == "sqlite":
        require_folder(resolved)
        path = sqlite_file(engine.url)
        if path is not None:

            def _private_file(*_args: Any) -> None:
                if not path.exists():
                    _create_private(path)

            event.listen(engine, "do_connect", _private_file)
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def safe_url(url: str) -> str:
    """The database URL as hsct prints or logs it: without its password (`***` in its place)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL: say nothing of it rather than risk a secret
        return "(unparsable URL)"
