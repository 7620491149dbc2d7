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
from etl.messages import Message
from schemas.quality import BatchPublication
from schemas.tables import EtlRun, Patient

UPGRADE = "hsct db upgrade"
SQLITE_HEADER = b"SQLite format 3\x00"


def describe(engine: Engine) -> str:
    """The database as a data manager names it: the SQLite file's full path, else the URL without password."""
    path = sqlite_file(engine.url)
    return str(path.resolve()) if path is not None else engine.url.render_as_string(hide_password=True)


def _upgrade_hint(engine: Engine) -> Message:
    path = sqlite_file(engine.url)
    if path is None:
        return Message("error.db.hint_server")
    return Message("error.db.hint_file", {"path": path.resolve()})


def require_file(engine: Engine) -> None:
    """An SQLite database must be an existing file (no-op for a server database); nothing is created."""
    path = sqlite_file(engine.url)
    if path is None:
        return
    if not path.exists():
        raise NoDatabaseError.of("error.db.missing_file", path=path.resolve(), var=ENV_VAR, hint=_upgrade_hint(engine))
    if not path.is_file():
        raise NoDatabaseError.of("error.db.not_a_file", path=path.resolve())
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise DatabaseError.of("error.db.cannot_read_file", path=path.resolve(), error=exc.strerror) from exc
    if not header:  # refused before anything connects: a connection would write an SQLite header into it
        raise NoDatabaseError.of("error.db.empty_file", path=path.resolve(), hint=_upgrade_hint(engine))
    if header != SQLITE_HEADER:
        raise NoDatabaseError.of("error.db.not_sqlite", path=path.resolve())


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
        error = f"{exc.__class__.__name__}: {exc.orig}"
        raise DatabaseError.of("error.db.cannot_read", where=describe(engine), error=error) from exc
    except SQLAlchemyError as exc:
        error = f"{exc.__class__.__name__}: {exc}"
        raise DatabaseError.of("error.db.cannot_read", where=describe(engine), error=error) from exc


def _connection_error(engine: Engine, exc: OperationalError) -> Exception:
    text = str(exc.orig)
    if engine.dialect.name == "postgresql" and "does not exist" in text:
        return NoDatabaseError.of("error.db.no_server_database", where=describe(engine), hint=_upgrade_hint(engine))
    if engine.dialect.name == "sqlite" and "not a database" in text:
        return NoDatabaseError.of("error.db.not_sqlite", path=describe(engine))
    first = text.strip().splitlines()[0] if text.strip() else exc.__class__.__name__
    return DatabaseError.of("error.db.unreachable", where=describe(engine), error=first)


def _require_schema(conn: Connection, engine: Engine) -> None:
    script = ScriptDirectory.from_config(alembic_config(engine))
    heads = set(script.get_heads())
    current = set(MigrationContext.configure(conn).get_current_heads())
    where = describe(engine)
    hint = _upgrade_hint(engine)
    if not current:
        if inspect(conn).has_table("alembic_version"):
            raise NoDatabaseError.of("error.db.migrated_to_base", where=where, hint=hint)
        raise NoDatabaseError.of("error.db.no_schema", where=where, hint=hint)
    known = {rev.revision for rev in script.walk_revisions()}
    unknown = sorted(current - known)
    if unknown:
        raise NoDatabaseError.of("error.db.newer", where=where, revisions=", ".join(unknown))
    if current != heads:
        raise NoDatabaseError.of(
            "error.db.old_schema", where=where, current=", ".join(sorted(current)), heads=", ".join(sorted(heads)),
            hint=hint,
        )  # fmt: skip


def _require_published(conn: Connection, patients: bool) -> None:
    published = conn.execute(
        select(func.max(BatchPublication.run_id)).where(BatchPublication.status == "published")
    ).scalar()
    if published is None:
        raise NothingPublishedError(_nothing_published(conn))
    if patients and conn.execute(select(Patient.patient_id).limit(1)).first() is None:
        raise NothingPublishedError.of("error.db.no_patient", run=published)


def _nothing_published(conn: Connection) -> Message:
    """Why nothing is published, and what to do."""
    held = conn.execute(select(func.max(BatchPublication.run_id)).where(BatchPublication.status == "held")).scalar()
    if held is not None:
        return Message("error.db.held", {"run": held})
    runs = conn.execute(select(func.count()).select_from(EtlRun)).scalar() or 0
    return Message("error.db.no_night_completed" if runs else "error.db.no_night")
