"""One run at a time per database: a second run refuses (or waits) instead of interleaving.

PostgreSQL: a session-level advisory lock on a connection held for the run.
SQLite: an exclusive `flock` on `<database file>.lock`. Both are released by
the operating system or the server when the process dies, even by SIGKILL,
so a killed run never leaves a stale lock behind.

Readers that must see one consistent state (an export, a push) take the same
lock in shared mode: any number of them at once, never during a run, so that
an export never mixes rows from before and after a run's commit. Migrations
run under the exclusive lock (`upgrade_locked`): two processes starting on a
new, empty database do not both create its tables.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

from etl.db.migrate import at_head, upgrade
from etl.errors import EXIT_LOCKED, HsctError
from etl.messages import Message, Say, silent

ADVISORY_KEY = 0x4853  # "HS"; the second key is the schema's hash


class RunLockedError(HsctError):
    exit_code = EXIT_LOCKED


Notice = Say  # told, by message key, that the caller waits for the lock


@contextmanager
def run_lock(
    engine: Engine, wait: bool = False, *, shared: bool = False, notice: Notice | None = None
) -> Iterator[None]:
    """Hold the database's run lock (exclusive; `shared` for a consistent read). Without `wait`, a lock
    held by another process is refused with RunLockedError (exit 5); with it, `notice` is told that
    the caller waits before it blocks."""
    say = notice or silent
    if engine.dialect.name == "postgresql":
        with _pg_lock(engine, wait, shared, say):
            yield
    else:
        with _file_lock(engine, wait, shared, say):
            yield


def upgrade_locked(engine: Engine, revision: str = "heads") -> None:
    """Migrate to `revision` under the exclusive run lock, waiting for a run that holds it; nothing
    to do (no lock taken) when the database is at the head already."""
    if revision in ("head", "heads") and at_head(engine):
        return
    with run_lock(engine, wait=True):
        upgrade(engine, revision)


def _refused(what: Message) -> RunLockedError:
    return RunLockedError.of("error.locked", what=what)


@contextmanager
def _pg_lock(engine: Engine, wait: bool, shared: bool, say: Notice) -> Iterator[None]:
    kind = "_shared" if shared else ""
    with engine.connect() as conn:
        # keyed by the schema too: registries in two schemas of one database do not block each other
        if not conn.execute(
            text(f"SELECT pg_try_advisory_lock{kind}(:k, hashtext(current_schema()))"), {"k": ADVISORY_KEY}
        ).scalar():
            if not wait:
                raise _refused(Message("error.locked.server", {"url": engine.url.render_as_string()}))
            say("lock.waiting", holder="")
            conn.execute(text(f"SELECT pg_advisory_lock{kind}(:k, hashtext(current_schema()))"), {"k": ADVISORY_KEY})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text(f"SELECT pg_advisory_unlock{kind}(:k, hashtext(current_schema()))"), {"k": ADVISORY_KEY})
            conn.commit()


@contextmanager
def _file_lock(engine: Engine, wait: bool, shared: bool, say: Notice) -> Iterator[None]:
    database = engine.url.database
    if not database or database == ":memory:":
        yield
        return
    path = Path(database).with_name(Path(database).name + ".lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            if not wait:
                raise _refused(Message("error.locked.file", {"path": path, "pid": holder})) from None
            say("lock.waiting", holder=f"(pid {holder})")
            fcntl.flock(fd, mode)
        if not shared:  # the holder's pid, for the message of a refused run
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)
