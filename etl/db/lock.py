"""One run at a time per database: a second run refuses (or waits) instead of interleaving.

PostgreSQL: a session-level advisory lock on a connection held for the run.
SQLite: an exclusive `flock` on `<database file>.lock`. Both are released by
the operating system or the server when the process dies, even by SIGKILL,
so a killed run never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

from etl.errors import EXIT_LOCKED, HsctError

ADVISORY_KEY = 0x4853  # "HS"; the second key is the schema's hash


class RunLockedError(HsctError):
    exit_code = EXIT_LOCKED


@contextmanager
def run_lock(engine: Engine, wait: bool = False) -> Iterator[None]:
    if engine.dialect.name == "postgresql":
        with _pg_lock(engine, wait):
            yield
    else:
        with _file_lock(engine, wait):
            yield


@contextmanager
def _pg_lock(engine: Engine, wait: bool) -> Iterator[None]:
    with engine.connect() as conn:
        # keyed by the schema too: registries in two schemas of one database do not block each other
        if wait:
            conn.execute(text("SELECT pg_advisory_lock(:k, hashtext(current_schema()))"), {"k": ADVISORY_KEY})
        elif not conn.execute(
            text("SELECT pg_try_advisory_lock(:k, hashtext(current_schema()))"), {"k": ADVISORY_KEY}
        ).scalar():
            raise RunLockedError(
                f"another hsct run holds the lock on {engine.url.render_as_string()}; "
                "wait for it to finish, or pass --wait to queue behind it"
            )
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k, hashtext(current_schema()))"), {"k": ADVISORY_KEY})
            conn.commit()


@contextmanager
def _file_lock(engine: Engine, wait: bool) -> Iterator[None]:
    database = engine.url.database
    if not database or database == ":memory:":
        yield
        return
    path = Path(database).with_name(Path(database).name + ".lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            raise RunLockedError(
                f"another hsct run (pid {holder}) holds {path}; wait for it to finish, "
                "or pass --wait to queue behind it"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)
