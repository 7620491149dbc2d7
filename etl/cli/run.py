"""`hsct run`: the nightly job."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import click
import psycopg
from sqlalchemy.exc import SQLAlchemyError

from etl.cli.options import current_lang, db_option
from etl.console.summary import print_quality, print_summary
from etl.db import make_engine, resolve_url
from etl.display import printable
from etl.errors import DatabaseError, InputError, QualityGateError
from etl.extract import scan
from etl.messages import Lang, text
from etl.quality.docs import default_docs_dir
from etl.run.nightly import RunSummary, run_night


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
    try:
        progress = _Progress(len(found.files) * 2 + 2, lang)
        try:
            summary = run_night(engine, source, wait=wait, progress=progress, docs_dir=docs)
        finally:
            progress.close()
    except (SQLAlchemyError, sqlite3.Error, psycopg.Error) as exc:  # the bulk paths use the drivers directly
        raise DatabaseError(f"the run failed and changed nothing: {exc.__class__.__name__}: {exc}") from exc
    finally:
        engine.dispose()
    print_summary(summary, lang, click.echo)
    report_quality(summary, lang)


def report_quality(summary: RunSummary, lang: Lang) -> None:
    """The checks' outcome; exit 1 (the gate) when a blocking check failed."""
    report = summary.quality
    if report is None:
        return
    print_quality(report, lang, click.echo)
    if not report.success:
        raise QualityGateError(text("run.held_error", lang, run=summary.run_id))
