"""`hsct quality`: the data-quality checks alone, a run's results, or publishing a held batch."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from etl.choices import DOCS_FOLDER
from etl.cli.options import current_lang, db_option
from etl.cli.run import write_page
from etl.display import printable
from etl.errors import EXIT_FINDINGS, DatabaseError, HsctError, InputError
from etl.messages import Lang, text

if TYPE_CHECKING:  # the help of `hsct` imports no database library
    from sqlalchemy import Engine


def _check_now(engine: Engine, out: Path, lang: Lang) -> None:
    from etl.console.summary import print_quality
    from etl.quality import QualityCheck, store_report
    from etl.quality.show import latest_completed_run

    with engine.begin() as conn:
        run_id = latest_completed_run(conn)
        quality = QualityCheck()
        click.echo(text("quality.step.checking", lang), err=True)  # GX takes seconds: say what is going on
        quality.harmonized(conn, run_id)
        click.echo(text("quality.step.docs", lang, path=out), err=True)
        quality.docs(out, run_id, "quality")
        store_report(conn, quality.report, run_id, "quality")
    click.echo(text("quality.checked_published", lang, run=run_id if run_id is not None else "-"))
    print_quality(quality.report, lang, click.echo)
    if not quality.report.success:
        raise HsctError(text("error.quality_blocking", lang), exit_code=EXIT_FINDINGS)


def _show(engine: Engine, run_id: int, lang: Lang) -> None:
    from etl.quality import GATE, publication
    from etl.quality.show import failed_results, latest_quality_run

    with engine.connect() as conn:
        pub = publication(conn, run_id)
        checked = latest_quality_run(conn, run_id)
        if pub is None and checked is None:
            raise InputError(text("error.no_quality_results", lang, run=run_id))
        if pub is not None:
            gate = pub.decided_by == GATE  # no person decided: the gate's own words, in the language asked
            who = text("quality.gate", lang) if gate else pub.decided_by
            note = text(f"quality.gate.{pub.status}", lang) if gate else pub.note or ""
            state = text(f"quality.publication.{pub.status}", lang)
            line = text("quality.publication", lang, run=run_id, state=state, who=who, at=pub.decided_at, note=note)
            click.echo(line)
            if pub.held_reason:
                click.echo("  " + text("console.runs.held_reason", lang, reason=pub.held_reason))
        if checked is not None:
            click.echo(
                text("quality.checked", lang, at=checked.checked_at, trigger=checked.trigger, checks=checked.checks,
                     blocking=checked.blocking_failures, warning=checked.warning_failures)
            )  # fmt: skip
            for r in failed_results(conn, checked.quality_run_id):
                severity = text(f"quality.severity.{r.severity}", lang)
                click.echo(f"  {severity:8} {r.check_id} ({r.frame}.{r.field or ''}): {r.observed_value}")
                for row in (r.unexpected_sample or [])[:3]:
                    click.echo(f"           {row}")
                click.echo(f"           {text(f'check.{r.check_id}', lang)}")
            if checked.docs_path:
                click.echo(text("run.docs", lang, path=checked.docs_path))


@click.command("quality")
@db_option
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help=f"Folder for the GX Data Docs (default as hsct run: [paths] docs of hsct.toml, else {DOCS_FOLDER} beside "
    f"the SQLite file, else ./{DOCS_FOLDER}).",
)
@click.option("--run", "show_run", type=int, metavar="RUN", help="Show a run's stored results and publication.")
@click.option("--publish", "publish", type=int, metavar="RUN", help="Publish a held batch after review.")
@click.option("--by", "decided_by", metavar="NAME", help="Who decides to publish (default: the OS user).")
@click.option("--note", metavar="TEXT", help="Why the batch is published despite its failures.")
@click.option("--wait", is_flag=True, help="With --publish: wait for a running job instead of refusing.")
@click.option(
    "--pages",
    "pages_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="With --publish: folder of the night pages, rewritten to show the publication (default as hsct run).",
)
def quality(
    db_url: str | None,
    out: Path | None,
    show_run: int | None,
    publish: int | None,
    decided_by: str | None,
    note: str | None,
    wait: bool,
    pages_dir: Path | None,
) -> None:
    """Run the data-quality checks on the published data, show a run's results, or publish a held batch.

    Without options: the harmonized checks of expectations/checks.csv run on
    the current (published) tables; the results are stored and rendered as
    GX Data Docs in --out; exit 11 when a blocking check fails there. --run RUN shows
    what the checks found for a nightly run and whether its batch is published
    or held. --publish RUN loads a held batch from the raw layer after review
    and records who decided (--by, default the OS user) and why (--note), and
    rewrites the run's night page to show it published.

    The database must exist and be migrated (else exit 10: `hsct db upgrade`);
    checking the published data needs a published batch with patients (else
    exit 13). The Data Docs are readable by their owner only.

    \b
    Example:
        hsct quality --db sqlite:///hsct.db --out quality-docs
        hsct quality --run 12
        hsct quality --publish 12 --by "A. Petrova" --note "MRD values confirmed with the lab"
    """
    from sqlalchemy.exc import SQLAlchemyError

    from etl.config import load_config
    from etl.console import default_pages_dir
    from etl.console.summary import print_quality
    from etl.db import make_engine, resolve_url
    from etl.db.require import require_database
    from etl.quality.docs import default_docs_dir
    from etl.run.publish import publish_run

    lang = current_lang()
    url = resolve_url(db_url)
    paths = load_config().paths
    out = out or paths.docs or default_docs_dir(url)  # where hsct run puts them: one place per database
    engine = make_engine(url)
    try:
        # reads (and --publish loads) an existing, migrated database; checking the published data needs some
        require_database(engine, published=show_run is None and publish is None, patients=True)
        if show_run is not None:
            _show(engine, show_run, lang)
        elif publish is not None:
            who = decided_by or getpass.getuser()
            result = publish_run(engine, publish, decided_by=who, note=note, wait=wait, docs_dir=out)
            click.echo(text("quality.published", lang, run=publish, who=who))
            print_quality(result.quality, lang, click.echo)
            page = write_page(engine, publish, pages_dir or paths.pages or default_pages_dir(url), lang, db_url)
            click.echo(text("run.page", lang, path=printable(page)))
        else:
            _check_now(engine, out, lang)
    except SQLAlchemyError as exc:
        raise DatabaseError(text("error.quality_failed", lang, error=f"{exc.__class__.__name__}: {exc}")) from exc
    finally:
        engine.dispose()
