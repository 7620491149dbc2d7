"""Shared helpers of the quality tests: run the CLI, break the database on purpose."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import Connection, Engine, text

from etl.cli import main
from etl.quality import QualityCheck, QualityReport

NIGHT = Path(__file__).parents[1] / "data" / "night_small"


def hsct(*args: str, code: int | None = 0) -> str:
    """Run the CLI; `code` is the exit code expected (None: 0 or 1, published or held, either is fine)."""
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == code if code is not None else result.exit_code in (0, 1), result.output
    return result.output


def load_night(db_url: str, tmp_path: Path, night: Path = NIGHT) -> str:
    # --wait: the run lock is per database, and other suites may share the PostgreSQL server
    return hsct("run", "--source", str(night), "--db", db_url, "--docs", str(tmp_path / "docs"), "--wait")


def harmonized_report(engine: Engine, run_id: int | None = 1) -> QualityReport:
    quality = QualityCheck()
    with engine.connect() as conn:
        quality.harmonized(conn, run_id)
    return quality.report


def failed_ids(report: QualityReport) -> set[str]:
    return {r.check.check_id for r in report.results if not r.success}


def drop_check_constraints(conn: Connection, table: str) -> None:
    """Let a test store what the schema's CHECKs forbid, to show the quality check catches it too."""
    if conn.dialect.name == "sqlite":
        conn.execute(text("PRAGMA ignore_check_constraints = ON"))
        return
    names = conn.execute(
        text(
            "SELECT conname FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
            "WHERE c.contype = 'c' AND t.relname = :table AND t.relnamespace = to_regnamespace(current_schema())"
        ),
        {"table": table},
    ).scalars()
    for name in list(names):
        conn.execute(text(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"'))
