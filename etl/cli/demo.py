"""`hsct demo`: the whole pipeline on synthetic data, in one folder."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("demo")
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo"),
    show_default=True,
    help="Folder for the feeds, the SQLite database, the Data Docs, the FHIR export and the report.",
)
def demo(workdir: Path) -> None:
    """Run the pipeline end to end on the embedded database and print where everything is.

    Generates the synthetic study cohort's feeds (with one bad input of each
    kind), runs the nightly ETL with its quality checks into SQLite and writes its
    night page, exports FHIR (Bulk NDJSON and a partner's transaction Bundles) and
    writes the reproduction report. Each step says what it does as it starts.

    \b
    Example:
        hsct demo --workdir /tmp/hsct-demo
    """
    from etl.cli.options import current_lang
    from etl.demo import run_demo
    from etl.messages import speaker

    lang = current_lang()
    run_demo(workdir, speaker(lang, click.echo), lang)
