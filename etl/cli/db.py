"""`hsct db ...`: create, migrate and inspect the schema."""

from __future__ import annotations

import click
from sqlalchemy.exc import SQLAlchemyError

from etl.cli.options import db_option
from etl.db import current_revision, downgrade, make_engine, resolve_url
from etl.errors import DatabaseError


@click.group()
def db() -> None:
    """Create, migrate and inspect the registry schema (Alembic migrations).

    \b
    Example:
        hsct db upgrade && hsct db current
    """


def _run(action: str, url: str | None, fn) -> None:  # type: ignore[no-untyped-def]
    resolved = resolve_url(url)
    engine = make_engine(resolved)
    try:
        fn(engine)
    except SQLAlchemyError as exc:
        raise DatabaseError(f"{action} failed on {engine.url.render_as_string()}: {exc.__class__.__name__}: {exc.orig if hasattr(exc, 'orig') else exc}") from exc
    finally:
        engine.dispose()


@db.command("upgrade")
@click.argument("revision", default="head")
@db_option
def db_upgrade(revision: str, db_url: str | None) -> None:
    """Migrate the database up to REVISION (default: head).

    \b
    Example:
        hsct db upgrade --db postgresql://postgres@127.0.0.1:5432/test
    """
    from etl.db import upgrade

    _run("upgrade", db_url, lambda engine: upgrade(engine, revision))
    click.echo(f"database at {revision}: {resolve_url(db_url)}")


@db.command("downgrade")
@click.argument("revision")
@db_option
def db_downgrade(revision: str, db_url: str | None) -> None:
    """Migrate the database down to REVISION ('base' removes every table).

    \b
    Example:
        hsct db downgrade base
    """
    _run("downgrade", db_url, lambda engine: downgrade(engine, revision))
    click.echo(f"database at {revision}: {resolve_url(db_url)}")


@db.command("current")
@db_option
def db_current(db_url: str | None) -> None:
    """Print the database's current migration revision ('none' before the first upgrade).

    \b
    Example:
        hsct db current --db sqlite:///hsct.db
    """
    _run("current", db_url, lambda engine: click.echo(current_revision(engine) or "none"))
