"""`hsct run`: the nightly job."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from etl.cli.options import current_lang, db_option
from etl.display import printable
from etl.errors import DatabaseError, InputError, QualityGateError
from etl.messages import Lang, text

if TYPE_CHECKING:  # the pipeline's libraries load when the command runs, not for its help
    from sqlalchemy import Engine

    from etl.run.nightly import RunSummary


class _Progress:
    """A progress bar on a terminal, plain log lines otherwise; messages by key, in the language asked."""

    def __init__(self, steps: int, lang: Lang) -> None:
        self.lang = lang
        self.tty = sys.stderr.isatty()
        self.bar = click.progressbar(length=steps, label="hsct run", file=sys.stderr) if self.tty else None
        if self.bar:
            self.bar.__enter__()

    def __call__(self, key: str, /, **params: object) -> None:
        message = printable(text(key, self.lang, **params))
        if self.bar:
            self.bar.label = message[:60]
            self.bar.update(1)
        else:
            click.echo(f"hsct run: {message}", err=True)

    def close(self) -> None:
        if self.bar:
            self.bar.__exit__(None, None, None)


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
@click.option(
    "--pages",
    "pages_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder for the night page (default: night-pages beside the SQLite file, else ./night-pages).",
)
def run(
    source: Path, db_url: str | None, wait: bool, docs_dir: Path | None, no_docs: bool, pages_dir: Path | None
) -> None:
    """Run the nightly ETL: read the folder's feeds, harmonize, load; print a summary per file.

    The database is migrated to the current schema first. Quarantined rows are
    not a failure (exit 0); a run that cannot complete changes nothing and exits
    non-zero with the reason. The data-quality checks (expectations/checks.csv)
    run on the raw files and on the loaded data; a blocking failure holds the
    batch (the live tables keep the last published one), lists what failed and
    exits 1; `hsct quality --publish RUN` publishes it after review. Every run
    that starts, failed ones too, writes its night page (one static HTML file,
    both languages, no network): its path is the last line printed.

    \b
    Example:
        hsct run --source /data/nightly/20240101 --db sqlite:///hsct.db
    """
    import psycopg
    from sqlalchemy.exc import SQLAlchemyError

    from etl.console import default_pages_dir
    from etl.console.summary import print_summary
    from etl.db import make_engine, resolve_url
    from etl.extract import scan
    from etl.quality.docs import default_docs_dir
    from etl.run.nightly import run_night

    lang = current_lang()
    if not source.is_dir():
        raise InputError(text("error.no_such_folder", lang, folder=printable(source)))
    found = scan(source)
    for entry in found.refused:
        click.echo(text("run.refused", lang, name=printable(entry.path.name), reason=entry.reason), err=True)
    if not found.files:
        raise InputError(text("error.no_feed_files", lang, folder=printable(source)))
    url = resolve_url(db_url)
    engine = make_engine(url)
    docs = None if no_docs else docs_dir or default_docs_dir(url)
    pages = pages_dir or default_pages_dir(url)
    before = latest_run_id(engine)
    try:
        progress = _Progress(len(found.files) * 2 + 2, lang)
        try:
            summary = run_night(engine, source, wait=wait, progress=progress, docs_dir=docs)
        finally:
            progress.close()
    except (SQLAlchemyError, sqlite3.Error, psycopg.Error) as exc:  # the bulk paths use the drivers directly
        _page_of_failed_run(engine, before, pages, lang)
        engine.dispose()
        raise DatabaseError(text("error.run_failed", lang, error=f"{exc.__class__.__name__}: {exc}")) from exc
    except Exception:
        _page_of_failed_run(engine, before, pages, lang)
        engine.dispose()
        raise
    try:
        print_summary(summary, lang, click.echo)
        page = write_page(engine, summary.run_id, pages, lang)
    finally:
        engine.dispose()
    report_quality(summary, lang, page)


def write_page(engine: Engine, run_id: int, pages: Path, lang: Lang) -> Path:
    """Write the run's night page (etl.console) and return its path."""
    from etl.console import write_night_page

    with engine.connect() as conn:
        return write_night_page(conn, run_id, pages, lang)


def _page_of_failed_run(engine: Engine, before: int | None, pages: Path, lang: Lang) -> None:
    """The page of a run that failed after it was recorded (the failure itself is re-raised by the caller);
    nothing when the run never started or the database cannot be read."""
    try:
        run_id = latest_run_id(engine)
        if run_id is not None and run_id != before:
            page = write_page(engine, run_id, pages, lang)
            click.echo(text("run.page", lang, path=printable(page)), err=True)
    except Exception:  # the run's own error is the one to report
        return


def latest_run_id(engine: Engine) -> int | None:
    """The newest run's id, None when there is none (or no run table yet)."""
    from sqlalchemy import func, select
    from sqlalchemy.exc import SQLAlchemyError

    from schemas.tables import EtlRun

    try:
        with engine.connect() as conn:
            return conn.execute(select(func.max(EtlRun.run_id))).scalar()
    except SQLAlchemyError:
        return None


def report_quality(summary: RunSummary, lang: Lang, page: Path) -> None:
    """The checks' outcome and the night page's path; exit 1 (the gate) when a blocking check failed."""
    from etl.console.summary import print_quality

    report = summary.quality
    if report is not None:
        print_quality(report, lang, click.echo)
    click.echo(text("run.page", lang, path=printable(page)))
    if report is not None and not report.success:
        raise QualityGateError(text("run.held_error", lang, run=summary.run_id))
