"""The demo: the whole pipeline on the embedded database, from synthetic feeds to the report.

Each step is a function of the work folder; `hsct demo` runs them in order and
prints where everything is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from etl.db import make_engine
from etl.db.lock import upgrade_locked
from etl.run.nightly import run_night
from etl.synth.generate import generate

DEMO_PARTNER = "demo"


@dataclass
class DemoPaths:
    workdir: Path

    @property
    def feeds(self) -> Path:
        return self.workdir / "feeds"

    @property
    def database(self) -> Path:
        return self.workdir / "hsct.db"

    @property
    def url(self) -> str:
        return f"sqlite:///{self.database}"

    @property
    def quality_docs(self) -> Path:
        return self.workdir / "quality-docs"

    @property
    def ndjson(self) -> Path:
        return self.workdir / "fhir-ndjson"

    @property
    def bundles(self) -> Path:
        return self.workdir / f"fhir-bundles-{DEMO_PARTNER}"

    @property
    def report(self) -> Path:
        return self.workdir / "report"


Say = Callable[[str], None]


def step_generate(paths: DemoPaths, say: Say) -> None:
    report = generate(paths.feeds, inject_errors=True)
    injected = report.get("injected", 0)
    say(f"synthetic feeds ({report['patients']} patients, {injected} injected bad inputs): {paths.feeds}")
    say(f"  truth file and error manifest: {paths.feeds / 'truth'}")


def step_run(paths: DemoPaths, say: Say) -> None:
    if paths.database.exists():
        paths.database.unlink()
    engine = make_engine(paths.url)
    try:
        upgrade_locked(engine)
        summary = run_night(engine, paths.feeds, docs_dir=paths.quality_docs)
    finally:
        engine.dispose()
    t = summary.totals
    say(
        f"ETL run {summary.run_id}: {t['rows_in']} rows in, {t['rows_loaded']} loaded, {t['rows_merged']} merged, "
        f"{t['rows_quarantined']} quarantined; database: {paths.database}"
    )
    say(f"  data quality: {'published' if summary.published else 'HELD by a blocking check'}; "
        f"Data Docs: {paths.quality_docs / 'index.html'}")  # fmt: skip


def step_export(paths: DemoPaths, say: Say) -> None:
    from etl.fhir.export import export_fhir
    from etl.fhir.partners import get_partner

    engine = make_engine(paths.url)
    try:
        partner = get_partner(DEMO_PARTNER)
        ndjson = export_fhir(engine, partner, paths.ndjson, "ndjson")
        bundles = export_fhir(engine, partner, paths.bundles, "bundle")
    finally:
        engine.dispose()
    say(f"FHIR Bulk NDJSON ({ndjson.resources} resources): {paths.ndjson}")
    say(f"FHIR transaction Bundles for partner '{DEMO_PARTNER}' ({bundles.resources} resources): {paths.bundles}")


def step_report(paths: DemoPaths, say: Say) -> None:
    from etl.analysis import DEFAULT_DECISIONS
    from etl.report import write_report

    engine = make_engine(paths.url)
    try:  # the demo's data is the synthetic study cohort: its decisions file applies, and the report says so
        report = write_report(engine, paths.report, decisions=DEFAULT_DECISIONS)
    finally:
        engine.dispose()
    say(f"reproduction report (decisions applied: {report.decisions}): {report.html}")
    say(f"  statistics: {paths.report / 'statistics.json'}")


STEPS: list[Callable[[DemoPaths, Say], None]] = [step_generate, step_run, step_export, step_report]


def run_demo(workdir: Path, say: Say) -> DemoPaths:
    paths = DemoPaths(workdir.resolve())
    paths.workdir.mkdir(parents=True, exist_ok=True)
    for step in STEPS:
        step(paths, say)
    return paths
