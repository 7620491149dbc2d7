"""`hsct runs` and `hsct runs show N`: the run log, each run's state and files, one run in detail."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from etl.cli.options import current_lang, db_option, reading
from etl.errors import EXIT_NOT_FOUND, HsctError
from etl.messages import Lang, text

if TYPE_CHECKING:  # the console's modules import the database layers: only when a command runs
    from etl.console.runs import Change, FailedCheck, FileLine, RunLine


@click.group("runs", invoke_without_command=True)
@db_option
@click.option("--last", type=int, default=20, show_default=True, help="How many runs to list, newest first.")
@click.pass_context
def runs(ctx: click.Context, db_url: str | None, last: int) -> None:
    """List past runs, newest first: state (published / held / failed / running), rows in, loaded,
    merged, quarantined, and each run's files with their counts.

    \b
    Example:
        hsct runs --last 5
        hsct runs show 12
    """
    ctx.ensure_object(dict)["db_url"] = db_url
    if ctx.invoked_subcommand is not None:
        return
    from etl.console.runs import runs as read_runs

    lang = current_lang()
    with reading(db_url) as conn:
        found = read_runs(conn, last)
    click.echo(text("console.runs.header", lang))
    for run in found:
        _run_line(run, lang)
        for f in run.files:
            _file_line(f, lang)


@runs.command("show")
@click.argument("run_id", type=int)
@db_option
@click.pass_context
def show(ctx: click.Context, run_id: int, db_url: str | None) -> None:
    """One run in detail: its files and counts, the headers no mapping knew, what it deleted, the checks
    that failed, its publication and where its Data Docs and night page are.

    \b
    Example:
        hsct runs show 12
    """
    from etl.console.night_page import db_argument
    from etl.console.runs import run_details
    from etl.db import resolve_url

    lang = current_lang()
    db = db_url or (ctx.obj or {}).get("db_url")
    url = resolve_url(db)
    with reading(url) as conn:
        details = run_details(conn, run_id)
    if details is None:
        raise HsctError(text("error.no_such_run", lang, run=run_id), exit_code=EXIT_NOT_FOUND)
    run = details.run
    _run_line(run, lang)
    click.echo(text("console.runs.source", lang, folder=run.source_dir))
    for f in run.files:
        _file_line(f, lang)
        if f.unknown_headers:
            click.echo("    " + text("console.runs.unknown_headers", lang, headers=", ".join(f.unknown_headers)))
    for change in details.changes:
        if change.deleted:
            click.echo(_deleted(change, run.state == "held", lang))
    if details.failed_checks:
        click.echo(text("console.runs.failed_checks", lang, n=len(details.failed_checks)))
        for check in details.failed_checks:
            _failed_check(check, lang)
    if run.state == "held":
        click.echo(text("console.runs.held_next", lang, run=run.run_id, folder=run.source_dir, db=db_argument(db)))
        if details.held_reason and not details.failed_checks:  # else the checks above are the reason, in `lang`
            click.echo(text("console.runs.held_reason", lang, reason=details.held_reason))
    elif details.decided_by and details.decided_by != "quality gate":
        click.echo(text("console.runs.published_by", lang, who=details.decided_by, note=details.note or ""))
    if details.docs_path:
        click.echo(text("console.runs.docs", lang, path=details.docs_path))
    _night_page(url, run.run_id, lang)


def _deleted(change: Change, held: bool, lang: Lang) -> str:
    """What the run deleted; for a held batch, nothing was: what publishing it would delete."""
    keys = ", ".join(change.deleted_keys[:20])
    if not held:
        return text(f"console.runs.deleted_{change.table_name}", lang, n=change.deleted, held=change.stored_before,
                    keys=keys)  # fmt: skip
    if change.table_name == "patient":
        what = text("run.deleted_patients", lang, n=change.deleted, held=change.stored_before, keys=keys, results="")
    else:
        what = text("run.deleted_results", lang, n=change.deleted, held=change.stored_before).rstrip(":")
    return f"{text('run.would_delete', lang)} {what}"


def _failed_check(check: FailedCheck, lang: Lang) -> None:
    """A failed check: its severity and description, then what it found, in `lang` when it counted rows."""
    from etl.console.night_page import percent

    severity = text(f"quality.severity.{check.severity}", lang)
    click.echo(f"  {severity:8} {check.check_id}: {text(f'check.{check.check_id}', lang)}")
    if check.failing is not None and check.rows is not None:
        found = text("night.checks.failing", lang, failed=check.failing, total=check.rows,
                     percent=percent(check.percent or 0.0, lang), allowed=percent(check.allowed, lang))  # fmt: skip
        click.echo(f"           {found}")
    elif check.observed:
        click.echo(f"           {check.observed}")


def _night_page(url: str, run_id: int, lang: Lang) -> None:
    """The run's night page, when it is where `hsct run` writes it without --pages."""
    from etl.config import load_config
    from etl.console import default_pages_dir, page_path
    from etl.display import printable

    configured = getattr(getattr(load_config(), "paths", None), "pages", None)  # hsct.toml's [paths] pages, if any
    page = page_path(configured or default_pages_dir(url), run_id)
    if page.is_file():
        click.echo(text("run.page", lang, path=printable(page)))


def _run_line(run: RunLine, lang: Lang) -> None:
    finished = run.finished_at.isoformat(sep=" ") if run.finished_at else "-"
    state = text(f"state.{run.state}", lang)
    counts = f"{run.rows_in:>8} {run.loaded:>8} {run.merged:>8} {run.quarantined:>8}"
    click.echo(f"{run.run_id:>4} {state:18} {run.started_at.isoformat(sep=' '):19} {finished:19} {counts}")
    if run.message:
        click.echo(f"     {run.message}")


def _file_line(f: FileLine, lang: Lang) -> None:
    from etl.display import printable

    name = printable(f.name)
    if f.status == "unreadable":
        click.echo(f"     {name}: {text('console.runs.unreadable', lang, error=printable(f.error or ''))}")
        return
    click.echo(f"     {name:44} {f.rows_in:>8} {f.loaded:>8} {f.merged:>8} {f.quarantined:>8}")
