"""`hsct db ...`: create, migrate and inspect the schema."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from etl.cli.options import current_lang, db_option
from etl.errors import DatabaseError
from etl.messages import text

if TYPE_CHECKING:  # SQLAlchemy, Alembic and the loaders load when a command runs, not for its help
    from sqlalchemy import Engine


@click.group()
def db() -> None:
    """Create, migrate and inspect the registry schema (Alembic migrations).

    \b
    Example:
        hsct db upgrade && hsct db current
    """


def _run(action: str, url: str | None, fn: Callable[[Engine], object]) -> None:
    from sqlalchemy.exc import SQLAlchemyError

    from etl.db import make_engine, resolve_url

    engine = make_engine(resolve_url(url))
    try:
        fn(engine)
    except SQLAlchemyError as exc:
        cause = getattr(exc, "orig", None) or exc
        where = engine.url.render_as_string()
        error = f"{cause.__class__.__name__}: {cause}"
        raise DatabaseError.of("error.db_failed", action=action, where=where, error=error) from exc
    finally:
        engine.dispose()


@db.command("upgrade")
@click.argument("revision", default="heads")
@db_option
def db_upgrade(revision: str, db_url: str | None) -> None:
    """Migrate the database up to REVISION (default: heads, every branch), then load the vocabulary.

    The vocabulary (mappings/concepts.csv) is upserted after a migration to head,
    so that a new code is a one-line change in the CSV. A new SQLite file is
    created readable and writable by its owner only (0600). --db takes a URL or
    the path of an SQLite file.

    \b
    Example:
        hsct db upgrade --db postgresql://postgres@127.0.0.1:5432/test
    """
    from etl.db import resolve_url
    from etl.db.engine import safe_url
    from etl.db.lock import upgrade_locked
    from etl.load.concepts import sync_concepts

    def _upgrade(engine: Engine) -> None:
        upgrade_locked(engine, revision)
        if revision in ("head", "heads"):
            click.echo(text("db.concepts_loaded", current_lang(), n=sync_concepts(engine)))

    _run("upgrade", db_url, _upgrade)
    click.echo(text("db.at_revision", current_lang(), revision=revision, url=safe_url(resolve_url(db_url))))


@db.command("downgrade")
@click.argument("revision")
@db_option
def db_downgrade(revision: str, db_url: str | None) -> None:
    """Migrate the database down to REVISION ('base' removes every table).

    \b
    Example:
        hsct db downgrade base
    """
    from etl.db import downgrade, resolve_url
    from etl.db.engine import safe_url
    from etl.db.require import require_file

    def _downgrade(engine: Engine) -> None:
        require_file(engine)  # never create a database only to migrate it down
        downgrade(engine, revision)

    _run("downgrade", db_url, _downgrade)
    click.echo(text("db.at_revision", current_lang(), revision=revision, url=safe_url(resolve_url(db_url))))


@db.command("current")
@db_option
def db_current(db_url: str | None) -> None:
    """Print the database's current migration revision ('none' before the first upgrade).

    A missing SQLite file is 'none' too, and is not created.

    \b
    Example:
        hsct db current --db hsct.db
    """
    from etl.db import current_revision
    from etl.db.engine import sqlite_file

    def _current(engine: Engine) -> None:
        path = sqlite_file(engine.url)
        if path is not None and not path.exists():
            click.echo("none")
            click.echo(text("db.no_file", current_lang(), path=path.resolve()), err=True)
            return
        click.echo(current_revision(engine) or "none")

    _run("current", db_url, _current)


@db.command("schema")
@click.option("--readme", type=click.Path(exists=True, dir_okay=False), help="Rewrite this file's schema section.")
def db_schema(readme: str | None) -> None:
    """Print the schema as a Markdown entity list, generated from the models (no database needed).

    With --readme, replace the text between <!-- schema --> markers in that file.

    \b
    Example:
        hsct db schema --readme README.md
    """
    from etl.db.describe import describe_schema, replace_section

    if readme:
        replace_section(readme, "schema", describe_schema())
        click.echo(f"schema section of {readme} rewritten")
    else:
        click.echo(describe_schema())
