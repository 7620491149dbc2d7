"""`hsct report`: reproduce the study's published statistics from the analysis views and write the report."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import click

from etl.cli.options import current_lang, db_option


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
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    metavar="FILE",
    help="A synthetic cohort's decisions file (the ids it exempts, and why), e.g. study/decisions.yaml for the "
    "demo's study cohort. Default: none; real data never gets a cohort's exemptions.",
)
@click.option(
    "--from-fhir",
    "from_fhir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    metavar="DIR",
    help="Read no database: rebuild analysis_patient from an NDJSON export folder (`hsct export fhir --format "
    "ndjson`) with the SQL-on-FHIR views of mappings/fhir/views/, then compute the same report.",
)
@db_option
def report(out_dir: Path, decisions: Path | None, from_fhir: Path | None, db_url: str | None) -> None:
    """Reproduce every published statistic from the analysis views and write the report.

    Reads only the views of migration 0003 (analysis_patient, analysis_table1-4)
    and computes each figure of study/published_statistics.yaml as
    study/reproduction.yaml says (scipy, lifelines). Writes statistics.json (one
    object per id: published, computed unrounded, status reproduced | differs |
    not computable, note, and for a `differs` the reason: cohort choice,
    published inconsistency or defect), the bilingual report.html with Tables
    1-4 and Figures 1-3, and the consistency audit of the paper (audit.txt).
    A `differs` is a finding, not a failure: the exit code is 0.

    With --from-fhir DIR no database is read: the ViewDefinitions of
    mappings/fhir/views/ flatten a partner's NDJSON export (sqlonfhir, a
    SQL-on-FHIR v2 engine), etl.analysis.from_fhir turns their rows into
    analysis_patient, and the same statistics code computes the report: the
    proof that the export carries the study. What no export carries (the age,
    the bridging regimen of InO-) is NULL there (README).

    No decisions file applies unless --decisions names one (the synthetic study
    cohort's is study/decisions.yaml; `hsct demo` passes it): on real data every
    `differs` is a published inconsistency or a defect. The report and
    statistics.json name the decisions file applied, if any. A database that does
    not exist or is not migrated is refused (exit 10), one with nothing published
    yet too (exit 13).

    \b
    Example:
        hsct report --out report/ --db hsct.db
        hsct report --out demo-report/ --db demo/hsct.db --decisions study/decisions.yaml
        jq '.[] | select(.status == "differs")' report/statistics.json
        hsct report --out partner-report/ --from-fhir export/ --decisions study/decisions.yaml
    """
    from etl.report import STATISTICS_JSON, write_report

    if from_fhir is not None:
        from etl.analysis.flat_engine import analysis_engine
        from etl.analysis.from_fhir import VIEWS_DIR, patients_from_fhir
        from etl.messages import text

        patients = patients_from_fhir(from_fhir)
        views = len(list(VIEWS_DIR.glob("*.json")))
        click.echo(text("report.from_fhir.done", current_lang(), patients=len(patients), path=from_fhir, views=views))
        engine = analysis_engine(patients)
    else:
        from etl.db import make_engine, resolve_url
        from etl.db.require import require_database

        engine = make_engine(resolve_url(db_url))
    try:
        if from_fhir is None:
            require_database(engine, published=True, patients=True)
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
    click.echo(f"decisions applied: {result.decisions or 'none'}")
    click.echo(f"{out_dir / STATISTICS_JSON}")
    click.echo(f"{result.html}")
