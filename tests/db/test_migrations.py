"""The migrations and the models agree, and go up and down, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import inspect

from etl.cli import main
from etl.db import current_revision, downgrade, make_engine, upgrade
from schemas.tables import metadata


def _diff(engine) -> list:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(ctx, metadata)


def test_models_and_migrations_agree(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        assert _diff(engine) == []
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    try:
        upgrade(engine)
        assert current_revision(engine) is not None
        tables = set(inspect(engine).get_table_names())
        assert set(metadata.tables) <= tables
        downgrade(engine, "base")
        assert current_revision(engine) is None
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade(engine)
        assert set(metadata.tables) <= set(inspect(engine).get_table_names())
        assert _diff(engine) == []
    finally:
        engine.dispose()


def test_cli_upgrade_current_downgrade(empty_db_url: str) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["db", "current", "--db", empty_db_url])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "none"
    if empty_db_url.startswith("sqlite"):
        assert "hsct db upgrade" in result.stderr  # the missing file is named, not created

    result = runner.invoke(main, ["db", "upgrade", "--db", empty_db_url])
    assert result.exit_code == 0, result.output
    assert "concepts loaded" in result.output

    result = runner.invoke(main, ["db", "current", "--db", empty_db_url])
    assert result.output.strip() == current_revision(make_engine(empty_db_url))
    assert result.output.strip() != "none"

    result = runner.invoke(main, ["db", "downgrade", "base", "--db", empty_db_url])
    assert result.exit_code == 0, result.output
    engine = make_engine(empty_db_url)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()


def test_cli_reports_unreachable_database() -> None:
    result = CliRunner().invoke(main, ["db", "current", "--db", "postgresql://nobody@127.0.0.1:1/nothing"])
    assert result.exit_code == 3
    assert "current failed on" in result.output
