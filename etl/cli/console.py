"""`hsct quarantine` and `hsct conflicts`: what a night rejected and where the feeds disagreed, without SQL."""

from __future__ import annotations

import re
from pathlib import Path

import click

from etl.cli.options import current_lang, db_option, reading
from etl.errors import EXIT_NOT_FOUND, HsctError
from etl.messages import Lang, text


@click.command("quarantine")
@click.option("--run", "run_id", type=int, default=None, help="The run (default: the last one).")
@click.option("--last", is_flag=True, help="The last run (the default).")
@click.option("--file", "file_name", default=None, help="Only files whose name contains this.")
@click.option("--reason", default=None, help="Only this reason code (e.g. invalid_date).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "xlsx"]), default="table", show_default=True)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=None, help="Write to this file.")
@db_option
def quarantine(
    run_id: int | None, last: bool, file_name: str | None, reason: str | None, fmt: str, out: Path | None,
    db_url: str | None,
) -> None:  # fmt: skip
    """The rows a run rejected: file, sheet, row, column, the cell as written, the reason and what to do.

    A re-run of the same file lists its rejected rows again. --format xlsx writes the workbook to send
    back to the clinic: one sheet per source file, the original row's cells beside the reason, the
    faulty cells in red (--out is required).

    \b
    Example:
        hsct quarantine --last --reason invalid_date
        hsct --lang ru quarantine --run 12 --format xlsx --out quarantine-12.xlsx
    """
    from etl.console.quarantine import as_csv, as_table, last_run, rejections, run_exists, write_workbook

    lang = current_lang()
    if fmt == "xlsx" and out is None:
        raise click.UsageError(text("error.xlsx_needs_out", lang))
    with reading(db_url) as conn:
        run = run_id if run_id is not None and not last else last_run(conn)
        if run is None:
            raise HsctError(text("error.no_runs", lang), exit_code=EXIT_NOT_FOUND)
        if not run_exists(conn, run):
            raise HsctError(text("error.no_such_run", lang, run=run), exit_code=EXIT_NOT_FOUND)
        found = rejections(conn, run, lang, file=file_name, reason=reason)
        if fmt == "xlsx":
            assert out is not None
            write_workbook(conn, found, out, lang)
            click.echo(text("console.quarantine.written", lang, path=out, rows=len(found), run=run))
            return
    body = as_csv(found, lang) if fmt == "csv" else as_table(found, lang) + "\n"
    if out is not None:
        out.write_text(body, encoding="utf-8-sig" if fmt == "csv" else "utf-8")
        click.echo(text("console.quarantine.written", lang, path=out, rows=len(found), run=run))
    else:
        if fmt == "table" and not found:
            none = "console.quarantine.none_filtered" if file_name or reason else "console.quarantine.none"
            click.echo(text(none, lang, run=run))
            return
        if fmt == "table":
            rows = len({(r.file_id, r.sheet, r.row) for r in found})  # a row failing twice is one row, as runs count
            title = "console.quarantine.title" if rows == len(found) else "console.quarantine.title_reasons"
            click.echo(text(title, lang, run=run, rows=rows, reasons=len(found)))
        click.echo(body, nl=False)


@click.command("conflicts")
@click.option("--run", "run_id", type=int, default=None, help="The run (default: the newest published one).")
@click.option("--patient", default=None, metavar="CODE", help="Only this patient (a registry code, any spelling).")
@db_option
def conflicts(run_id: int | None, patient: str | None, db_url: str | None) -> None:
    """The merge conflicts of a run: a field on which the two registry feeds disagreed, both cells as
    written (the merged value in brackets where it reads otherwise) with their file and row, the value
    kept and why. Each conflict is listed once.

    A run's conflicts are those its merge found between the rows of the files it read, as its summary
    counts them, whichever run stored them first. Without --run: the newest published run, whose merge
    the registry holds. A held run's merge was rolled back: its conflicts are recorded when it is
    published, and until then only those an earlier run recorded for the same rows are listed.

    \b
    Example:
        hsct conflicts --patient ТГСК-2019-014
        hsct conflicts --run 12
    """
    from etl.console.conflicts import conflicts as find
    from etl.console.conflicts import conflicts_run
    from etl.console.runs import runs_by_id

    lang = current_lang()
    with reading(db_url) as conn:
        run = run_id if run_id is not None else conflicts_run(conn)
        if run is None:
            raise HsctError(text("error.no_runs", lang), exit_code=EXIT_NOT_FOUND)
        line = runs_by_id(conn, [run])
        if not line:
            raise HsctError(text("error.no_such_run", lang, run=run), exit_code=EXIT_NOT_FOUND)
        found = find(conn, run, patient)
    click.echo(text("console.conflicts.title", lang, run=run, count=len(found)))
    if line[0].state == "held":
        click.echo(text("console.conflicts.held", lang, run=run))
    for c in found:
        click.echo(
            text(
                "console.conflicts.line",
                lang,
                patient=c.patient,
                field=c.field,
                kept=_as_written(c.kept_value, c.kept_merged),
                kept_at=c.kept_at,
                discarded=_as_written(c.discarded_value, c.discarded_merged),
                discarded_at=c.discarded_at,
                reason=_reason(c.reason, lang),
            )
        )


def _as_written(cell: str | None, merged: str | None) -> str:
    """The cell as written, the merged value (a concept key, an ISO date) after it in brackets."""
    return f"{cell} [{merged}]" if merged is not None else str(cell)


NEWER_EDIT = re.compile(r"^newer edit wins \((?P<kept>.*) over (?P<discarded>.*)\)$")


def _reason(reason: str, lang: Lang) -> str:
    """The merge's recorded reason (etl.harmonize.merge) in the language asked."""
    found = NEWER_EDIT.match(reason)
    if found is None:
        return reason
    times = {
        k: text("console.conflicts.no_edit_time", lang) if v == "no edit time" else v
        for k, v in found.groupdict().items()
    }
    return text("console.conflicts.newer_edit", lang, **times)
