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

    from etl.run.hook import Operations
    from etl.run.summary import RunSummary


class _Progress:
    """A progress bar on a terminal, plain log lines otherwise; messages by key, in the language asked."""

    def __init__(self, steps: int, lang: Lang) -> None:
        self.lang = lang
        self.tty = sys.stderr.isatty()
        self.bar = click.progressbar(length=steps, label="hsct run", file=sys.stderr) if self.tty else None
        if self.bar:
            self.bar.__enter__()

    def __call__(self, key: str, /, **params: object) -> None:
        from etl.run.runlog import said

        said(key, **params)  # the run log keeps the key, its numbers and file names
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
@click.option(
    "--source",
    type=click.Path(path_type=Path),
    default=None,
    help="The night's folder of feed files (default: [paths] source of hsct.toml).",
)
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
@click.option(
    "--logs",
    "logs_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder for the run's JSON-lines log (default: [paths] logs, else logs beside the SQLite file, else ./logs).",
)
@click.option(
    "--full",
    is_flag=True,
    help="Read every file, even those the live batch holds byte for byte (by default they are not read again).",
)
def run(
    source: Path | None,
    db_url: str | None,
    wait: bool,
    docs_dir: Path | None,
    no_docs: bool,
    pages_dir: Path | None,
    logs_dir: Path | None,
    full: bool,
) -> None:
    """Run the nightly ETL: read the folder's feeds, harmonize, load; print a summary per file.

    The database is migrated to the current schema first. Quarantined rows are
    not a failure (exit 0); a run that cannot complete changes nothing and exits
    non-zero with the reason. The data-quality checks (expectations/checks.csv)
    run on the raw files and on the loaded data; a blocking failure holds the
    batch (the live tables keep the last published one), lists what failed and
    exits 1; `hsct quality --publish RUN` publishes it after review. A file
    the live batch holds byte for byte, judged by the same hsct, mappings and
    checks, is not read again (its rows are counted as the run that read them
    counted them, `unchanged`); `--full` reads every file all the same. Every run
    that starts, failed ones too, writes its night page (one static HTML file,
    both languages, no network): its path is the last line printed. Every
    run also writes a JSON-lines log (no personal data), and a run that fails
    or is held runs the hook hsct.toml names (README, "Operations"); the
    options override hsct.toml's [paths].

    \b
    Example:
        hsct run --source /data/nightly/20240101 --db sqlite:///hsct.db
    """
    import psycopg
    from sqlalchemy.exc import SQLAlchemyError

    from etl.config import load_config
    from etl.console import default_pages_dir
    from etl.console.summary import print_summary
    from etl.db import make_engine, resolve_url
    from etl.db.engine import require_folder
    from etl.extract import scan
    from etl.quality.docs import default_docs_dir
    from etl.run.nightly import run_night
    from etl.run.runlog import default_logs_dir

    lang = current_lang()
    paths = load_config().paths
    source = source or paths.night_folder()
    if source is None:
        raise click.UsageError(text("error.no_source", lang))
    url = resolve_url(db_url)
    require_folder(url)  # before the log, page or docs folders beside the database are made
    ops = _operations(url, source, logs_dir or paths.logs or default_logs_dir(url), lang)
    if not source.is_dir():
        raise ops.refused(InputError(text("error.no_such_folder", lang, folder=printable(source))))
    found = scan(source)
    for entry in found.refused:
        click.echo(text("run.refused", lang, name=printable(entry.path.name), reason=entry.reason), err=True)
    ops.found([(f.name, f.feed) for f in found.files], len(found.refused))
    if not found.files:
        raise ops.refused(InputError(text("error.no_feed_files", lang, folder=printable(source))))
    engine = make_engine(url)
    docs = None if no_docs else docs_dir or paths.docs or default_docs_dir(url)
    pages = pages_dir or paths.pages or default_pages_dir(url)
    before = latest_run_id(engine)
    try:
        progress = _Progress(len(found.files) * 2 + 2, lang)
        try:
            summary = run_night(engine, source, wait=wait, progress=progress, docs_dir=docs, full=full)
        finally:
            progress.close()
    except (SQLAlchemyError, sqlite3.Error, psycopg.Error) as exc:  # the bulk paths use the drivers directly
        run_id, page = _page_of_failed_run(engine, before, pages, lang, db_url)
        engine.dispose()
        error = DatabaseError(text("error.run_failed", lang, error=f"{exc.__class__.__name__}: {exc}"))
        error.__cause__ = exc  # the run log keeps the classes only: a driver's text may quote a row
        ops.failed(error, run_id=run_id, page=page)  # the on_failed hook
        raise error from exc
    except Exception as exc:
        run_id, page = _page_of_failed_run(engine, before, pages, lang, db_url)
        engine.dispose()
        ops.failed(exc, run_id=run_id, page=page)
        raise
    try:
        print_summary(summary, lang, click.echo)
        page = write_page(engine, summary.run_id, pages, lang, db_url)
    finally:
        engine.dispose()
    report_quality(summary, lang, page, ops, db_url)


def _operations(url: str, source: Path, logs: Path, lang: Lang) -> Operations:
    """The run's log and hook (etl.run.hook), for as long as the command runs."""
    from etl.config import load_config
    from etl.run.hook import Operations

    def tell(key: str, /, **params: object) -> None:
        click.echo(text(key, lang, **{k: printable(v) for k, v in params.items()}), err=True)

    ops = Operations(load_config().hook, url, source, logs, tell)
    click.get_current_context().call_on_close(ops.close)
    return ops


def write_page(engine: Engine, run_id: int, pages: Path, lang: Lang, db: str | None = None) -> Path:
    """Write the run's night page (etl.console) and return its path; `db`: the --db the command was given,
    repeated in the page's commands so that they work when copied."""
    from etl.console import write_night_page

    with engine.connect() as conn:
        return write_night_page(conn, run_id, pages, lang, db=db)


def _page_of_failed_run(
    engine: Engine, before: int | None, pages: Path, lang: Lang, db: str | None
) -> tuple[int | None, Path | None]:
    """The id and page of a run that failed after it was recorded (the failure itself is re-raised by the
    caller); (None, None) when the run never started or the database cannot be read."""
    try:
        run_id = latest_run_id(engine)
        if run_id is not None and run_id != before:
            page = write_page(engine, run_id, pages, lang, db)
            click.echo(text("run.page", lang, path=printable(page)), err=True)
            return run_id, page
    except Exception:  # the run's own error is the one to report
        pass
    return None, None


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


def report_quality(
    summary: RunSummary, lang: Lang, page: Path, ops: Operations | None = None, db: str | None = None
) -> None:
    """The checks' outcome and the night page's path; exit 1 (the gate) when a blocking check failed.
    `ops`: the run's log and hook, told the run's end before the page's path (the last line) is printed."""
    from etl.console.night_page import db_argument
    from etl.console.summary import print_quality

    report = summary.quality
    if report is not None:
        print_quality(report, lang, click.echo)
    if ops is not None:
        ops.completed(summary, page)  # the on_held hook of a held batch
    click.echo(text("run.page", lang, path=printable(page)))
    if report is not None and not report.success:
        raise QualityGateError(text("run.held_error", lang, run=summary.run_id, db=db_argument(db)))
