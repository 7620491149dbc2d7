"""`hsct run` and `hsct runs`: the nightly job and its log."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import click
import psycopg
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from etl.cli.options import db_option
from etl.db import make_engine, resolve_url
from etl.display import printable
from etl.errors import DatabaseError, InputError, QualityGateError
from etl.extract import scan
from etl.quality.docs import default_docs_dir
from etl.run.nightly import RunSummary, run_night
from schemas.tables import EtlRun


class _Progress:
    """A progress bar on a terminal, plain log lines otherwise."""

    def __init__(self, steps: int) -> None:
        self.tty = sys.stderr.isatty()
        self.bar = click.progressbar(length=steps, label="hsct run", file=sys.stderr) if self.tty else None
        if self.bar:
            self.bar.__enter__()

    def __call__(self, message: str) -> None:
        message = printable(message)
        if self.bar:
            self.bar.label = message[:60]
            self.bar.update(1)
        else:
            click.echo(f"hsct run: {message}", err=True)

    def close(self) -> None:
        if self.bar:
            self.bar.__exit__(None, None, None)


def print_summary(summary: RunSummary) -> None:
    state = "published" if summary.published else "held by the quality gate (not published)"
    click.echo(f"run {summary.run_id} completed; batch {state}")
    click.echo(f"{'file':44} {'rows in':>8} {'loaded':>8} {'merged':>8} {'quarantined':>12}")
    for f in summary.files:
        name = printable(f.name)
        if f.status == "unreadable":
            click.echo(f"{name:44} {'unreadable: ' + printable(f.error or '')}")
            continue
        click.echo(f"{name:44} {f.rows_in:>8} {f.loaded:>8} {f.merged:>8} {f.quarantined:>12}")
        for note in f.notes:
            click.echo(f"  read: {printable(note)}")
        if f.unknown_headers:
            unknown = ", ".join(printable(h) for h in f.unknown_headers)
            click.echo(f"  columns no mapping knows (kept in the raw layer): {unknown}")
        for repeated in f.repeated_headers:
            click.echo(
                f"  one field in several columns: {printable(repeated)}; each row takes the non-empty one, "
                "rows where they disagree are quarantined"
            )
        for line in f.rejections:
            click.echo(f"  quarantined {printable(line)}")
        if f.rejected_rows > len(f.rejections):
            click.echo(f"  ... and {f.rejected_rows - len(f.rejections)} more quarantined rows")
    t = summary.totals
    click.echo(
        f"{'total':44} {t['rows_in']:>8} {t['rows_loaded']:>8} {t['rows_merged']:>8} {t['rows_quarantined']:>12}"
    )
    click.echo(
        f"patients: {summary.patients} ({summary.changed_patients} new or changed, {summary.deleted_patients} deleted);"
        f" merge conflicts recorded: {summary.conflicts}"
    )
    _print_deletions(summary)
    for note in summary.notes:
        click.echo(f"note: {note}")
    if t["rows_quarantined"]:
        click.echo("see the reasons with: SELECT * FROM quarantine WHERE run_id = " + str(summary.run_id))


def _print_deletions(summary: RunSummary) -> None:
    """Every deletion the night made (or, held, would have made)."""
    verb = "deleted" if summary.published else "would delete (held: nothing was deleted)"
    patients = summary.changes.get("patient")
    if patients is not None and patients.deleted:
        shown = ", ".join(patients.deleted_keys[:50])
        more = f" and {patients.deleted - 50} more" if patients.deleted > 50 else ""
        results = f" (with their {patients.cascaded} lab results)" if patients.cascaded else ""
        click.echo(f"{verb}: {patients.deleted} of {patients.stored_before} patients: {shown}{more}{results}")
    labs = summary.changes.get("lab_result")
    if labs is not None and labs.deleted:
        click.echo(f"{verb}: {labs.deleted} of {labs.stored_before} lab results:")
        for line in labs.deleted_detail[:20]:
            click.echo(f"  {line}")
        if len(labs.deleted_detail) > 20:
            click.echo(f"  ... and {len(labs.deleted_detail) - 20} more patients")


@click.command("run")
@click.option("--source", type=click.Path(path_type=Path), required=True, help="The night's folder of feed files.")
@db_option
@click.option("--wait", is_flag=True, help="If another run holds the database, wait for it instead of refusing.")
@click.option(
    "--docs",
    "docs_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder for the GX Data Docs (default: quality-docs beside the SQLite file, else ./quality-docs).",
)
@click.option(
    "--no-docs", is_flag=True, help="Do not render the Data Docs (the checks run and their results are stored)."
)
def run(source: Path, db_url: str | None, wait: bool, docs_dir: Path | None, no_docs: bool) -> None:
    """Run the nightly ETL: read the folder's feeds, harmonize, load; print a summary per file.

    The database is migrated to the current schema first. Quarantined rows are
    not a failure (exit 0); a run that cannot complete changes nothing and exits
    non-zero with the reason. The data-quality checks (expectations/checks.csv)
    run on the raw files and on the loaded data; a blocking failure holds the
    batch (the live tables keep the last published one), lists what failed and
    exits 1; `hsct quality --publish RUN` publishes it after review.

    \b
    Example:
        hsct run --source /data/nightly/20240101 --db sqlite:///hsct.db
    """
    if not source.is_dir():
        raise InputError(f"--source {source}: no such folder")
    found = scan(source)
    for entry in found.refused:
        click.echo(f"refused: {printable(entry.path.name)}: {entry.reason}", err=True)
    if not found.files:
        raise InputError(
            f"--source {printable(source)}: the folder holds no feed file (registry_ru*, registry_en*, labs* .csv or "
            ".xlsx); nothing was loaded and nothing was deleted: check that the night's export arrived"
        )
    url = resolve_url(db_url)
    engine = make_engine(url)
    docs = None if no_docs else docs_dir or default_docs_dir(url)
    try:
        progress = _Progress(len(found.files) * 2 + 2)
        try:
            summary = run_night(engine, source, wait=wait, progress=progress, docs_dir=docs)
        finally:
            progress.close()
    except (SQLAlchemyError, sqlite3.Error, psycopg.Error) as exc:  # the bulk paths use the drivers directly
        raise DatabaseError(f"the run failed and changed nothing: {exc.__class__.__name__}: {exc}") from exc
    finally:
        engine.dispose()
    print_summary(summary)
    report_quality(summary)


def report_quality(summary: RunSummary) -> None:
    """The checks' outcome; exit 1 (the gate) when a blocking check failed."""
    report = summary.quality
    if report is None:
        return
    click.echo(
        f"quality: {len(report.results)} checks, {len(report.blocking_failures)} blocking and "
        f"{len(report.warning_failures)} warning failures"
    )
    for line in report.summary_lines():
        click.echo(f"  {line}")
    if report.docs_path:
        click.echo(f"Data Docs: {report.docs_path}")
    if not report.success:
        raise QualityGateError(
            f"run {summary.run_id}: a blocking check failed, so the batch is held and the views and exports keep "
            f"the last published batch; review the failures above, fix the feeds and run again, or publish it "
            f"with: hsct quality --publish {summary.run_id}"
        )


@click.command("runs")
@db_option
@click.option("--last", type=int, default=20, show_default=True, help="How many runs to list, newest first.")
def runs(db_url: str | None, last: int) -> None:
    """List past runs with their status and row accounting, newest first.

    \b
    Example:
        hsct runs --last 5
    """
    engine = make_engine(resolve_url(db_url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(EtlRun.__table__).order_by(EtlRun.run_id.desc()).limit(last)).all()
    except SQLAlchemyError as exc:
        raise DatabaseError(f"cannot read the run log: {exc.__class__.__name__}: {exc}") from exc
    finally:
        engine.dispose()
    click.echo(
        f"{'run':>4} {'status':10} {'started':19} {'finished':19} {'in':>8} {'loaded':>8} {'merged':>8} {'quar.':>7}"
    )
    for r in rows:
        finished = r.finished_at.isoformat(sep=" ") if r.finished_at else "-"
        click.echo(
            f"{r.run_id:>4} {r.status:10} {r.started_at.isoformat(sep=' '):19} {finished:19} {r.rows_in:>8} "
            f"{r.rows_loaded:>8} {r.rows_merged:>8} {r.rows_quarantined:>7}"
        )
        if r.message:
            click.echo(f"     {r.message}")
