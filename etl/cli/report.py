"""`hsct report`: reproduce the study's published statistics from the analysis views and write the report."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import click

from etl.analysis import DEFAULT_DECISIONS
from etl.cli.options import db_option
from etl.db import make_engine, resolve_url
from etl.report import STATISTICS_JSON, write_report


@click.command("report")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write statistics.json, report.html, figure1-3.png and audit.txt into.",
)
@click.option(
    "--decisions",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_DECISIONS,
    show_default=True,
    help="The synthetic cohort's decisions file (ids it exempts, and why); ignored when absent.",
)
@db_option
def report(out_dir: Path, decisions: Path, db_url: str | None) -> None:
    """Reproduce every published statistic from the analysis views and write the report.

    Reads only the views of migration 0003 (analysis_patient, analysis_table1-4)
    and computes each figure of study/published_statistics.yaml as
    study/reproduction.yaml says (scipy, lifelines). Writes statistics.json (one
    object per id: published, computed unrounded, status reproduced | differs |
    not computable, note, and for a `differs` the reason: cohort choice,
    published inconsistency or defect), the bilingual report.html with Tables
    1-4 and Figures 1-3, and the consistency audit of the paper (audit.txt).
    A `differs` is a finding, not a failure: the exit code is 0.

    \b
    Example:
        hsct report --out report/ --db sqlite:///hsct.db
        jq '.[] | select(.status == "differs")' report/statistics.json
    """
    engine = make_engine(resolve_url(db_url))
    try:
        result = write_report(engine, out_dir, decisions=decisions)
    finally:
        engine.dispose()
    counts = Counter(r.status for r in result.results)
    reasons = Counter(r.reason for r in result.results if r.reason)
    click.echo(
        f"{len(result.results)} published statistics: "
        + ", ".join(f"{counts.get(s, 0)} {s}" for s in ("reproduced", "differs", "not computable"))
        + (" (differs: " + ", ".join(f"{n} {k}" for k, n in sorted(reasons.items())) + ")" if reasons else "")
    )
    click.echo(f"{out_dir / STATISTICS_JSON}")
    click.echo(f"{result.html}")
