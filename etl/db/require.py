"""What a read command requires of its database, checked before it reads anything.

Only `hsct run` (a new database is the first night), `hsct db upgrade` and `hsct demo` create or
migrate a database. Every other command reads one that exists: `require_database` refuses, with
NoDatabaseError (exit 10) and a message naming `hsct db upgrade`,

- an SQLite file that does not exist (checked before anything connects, so that no empty
  `hsct.db` is left behind), a folder, or a file that is not an SQLite database;
- a PostgreSQL database that does not exist;
- a database without the hsct schema (no `alembic_version`, or migrated down to base), or not
  at the head of the migrations this hsct carries (older: `hsct db upgrade` migrates it; newer:
  a newer hsct migrated it);

and, when asked, with NothingPublishedError (exit 13), a database whose quality gate has
published no batch yet (the export and the report serve only published data), or whose
published data holds no patient. A server that cannot be reached stays a DatabaseError (exit 3).
"""

from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, func, inspect, select
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError

from etl.db.engine import ENV_VAR, sqlite_file
from etl.db.lock import Notice, run_lock
from etl.db.migrate import alembic_config
from etl.errors import DatabaseError, NoDatabaseError, NothingPublishedError
from schemas.quality import BatchPublication
from schemas.tables import EtlRun, Patient

UPGRADE = "hsct db upgrade"
SQLITE_HEADER = b"SQLite format 3\x00"


def describe(engine: Engine) -> str:
    """The database as a data manager names it: the SQLite file's full path, else the URL without password."""
    path = sqlite_file(engine.url)
    return str(path.resolve()) if path is not None else engine.url.render_as_string(hide_password=True)


def _upgrade_hint(engine: Engine) -> str:
    path = sqlite_file(engine.url)
    return f"`{UPGRADE} --db {path.resolve()}`" if path is not None else f"`{UPGRADE}` with the same --db"


def require_file(engine: Engine) -> None:
    """An SQLite database must be an existing file (no-op for a server database); nothing is created."""
    path = sqlite_file(engine.url)
    if path is None:
        return
    if not path.exists():
        raise NoDatabaseError(
            f"no database at {path.resolve()}: the file does not exist (nothing was created). Check --db or "
            f"${ENV_VAR}; to start a new registry there, run {_upgrade_hint(engine)} or the first night "
            "with `hsct run --source FOLDER`"
        )
    if not path.is_file():
        raise NoDatabaseError(f"--db {path.resolve()} is not a database file (a folder?): name the SQLite file")
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise DatabaseError(f"cannot read the database file {path.resolve()}: {exc.strerror}") from exc
    if not header:  # refused before anything connects: a connection would write an SQLite header into it
        raise NoDatabaseError(
            f"{path.resolve()} is an empty file, no hsct database: run {_upgrade_hint(engine)} to create it there"
        )
    if header != SQLITE_HEADER:
        raise NoDatabaseError(f"{path.resolve()} is not an SQLite database (check --db)")


def require_database(
    engine: Engine,
    *,
    published: bool = False,
    patients: bool = False,
    wait: bool = False,
    notice: Notice | None = None,
) -> None:
    """Refuse a database a read command cannot read (module docstring): missing or not at head
    (NoDatabaseError, exit 10); with `published`, one without a published batch, and with
    `patients` too, one whose published data holds no patient (NothingPublishedError, exit 13).
    With `wait`, the published check waits for a running night (the shared run lock), so that
    a command started during the first night reads what that night publishes."""
    require_file(engine)
    try:
        with engine.connect() as conn:
            _require_schema(conn, engine)
        if published:
            if wait:
                with run_lock(engine, wait=True, shared=True, notice=notice), engine.connect() as conn:
                    _require_published(conn, patients)
            else:
                with engine.connect() as conn:
                    _require_published(conn, patients)
    except OperationalError as exc:
        raise _connection_error(engine, exc) from exc
    except DBAPIError as exc:
        raise DatabaseError(f"cannot read {describe(engine)}: {exc.__class__.__name__}: {exc.orig}") from exc
    except SQLAlchemyError as exc:
        raise DatabaseError(f"cannot read {describe(engine)}: {exc.__class__.__name__}: {exc}") from exc


def _connection_error(engine: Engine, exc: OperationalError) -> Exception:
    text = str(exc.orig)
    if engine.dialect.name == "postgresql" and "does not exist" in text:
        return NoDatabaseError(
            f"no database at {describe(engine)}: the server has no such database. Create it (createdb), then "
            f"run {_upgrade_hint(engine)}"
        )
    if engine.dialect.name == "sqlite" and "not a database" in text:
        return NoDatabaseError(f"{describe(engine)} is not an SQLite database (check --db)")
    first = text.strip().splitlines()[0] if text.strip() else exc.__class__.__name__
    return DatabaseError(f"cannot reach the database {describe(engine)}: {first}")


def _require_schema(conn: Connection, engine: Engine) -> None:
    script = ScriptDirectory.from_config(alembic_config(engine))
    heads = set(script.get_heads())
    current = set(MigrationContext.configure(conn).get_current_heads())
    where = describe(engine)
    hint = _upgrade_hint(engine)
    if not current:
        if inspect(conn).has_table("alembic_version"):
            raise NoDatabaseError(f"{where} holds no hsct schema (it was migrated down to base): run {hint}")
        raise NoDatabaseError(
            f"{where} holds no hsct schema (no alembic_version table: a new, empty database, or not an hsct "
            f"database): run {hint} to create it"
        )
    known = {rev.revision for rev in script.walk_revisions()}
    unknown = sorted(current - known)
    if unknown:
        raise NoDatabaseError(
            f"{where} was migrated by a newer hsct (revision {', '.join(unknown)} unknown to this one): "
            "upgrade hsct, or use the hsct that migrated it"
        )
    if current != heads:
        raise NoDatabaseError(
            f"{where} is at schema revision {', '.join(sorted(current))}, this hsct needs "
            f"{', '.join(sorted(heads))}: run {hint} to migrate it (the nightly `hsct run` migrates too)"
        )


def _require_published(conn: Connection, patients: bool) -> None:
    published = conn.execute(
        select(func.max(BatchPublication.run_id)).where(BatchPublication.status == "published")
    ).scalar()
    if published is None:
        raise NothingPublishedError(_nothing_published(conn))
    if patients and conn.execute(select(Patient.patient_id).limit(1)).first() is None:
        raise NothingPublishedError(
            f"the published data (run {published}) holds no patient: nothing to export, report or check. "
            "See `hsct runs` for what the nights loaded and `hsct quarantine` for what they rejected"
        )


def _nothing_published(conn: Connection) -> str:
    """Why nothing is published, and what to do."""
    held = conn.execute(
        select(func.max(BatchPublication.run_id)).where(BatchPublication.status == "held")
    ).scalar()
    if held is not None:
        return (
            f"nothing is published yet: the quality gate held run {held}. Review it with `hsct quality --run {held}`, "
            f"then publish it with `hsct quality --publish {held}`, or fix the feeds and run the night again"
        )
    runs = conn.execute(select(func.count()).select_from(EtlRun)).scalar() or 0
    if runs:
        return (
            "nothing is published yet: no night completed (see `hsct runs`); fix what stopped it and run "
            "`hsct run --source FOLDER` again"
        )
    return "nothing is published yet: no night was run on this database; run `hsct run --source FOLDER` first"
