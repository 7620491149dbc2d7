"""The demo: the whole pipeline on the embedded database, from synthetic feeds to the report.

Each step is a function of the work folder; `hsct demo` runs them in order and
prints where everything is. Each step tells it by message key (`demo.*` of mappings/messages.csv)
through a `Say`, which the command renders in its language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from etl.db import make_engine
from etl.db.lock import upgrade_locked
from etl.messages import Lang, Message, Say
from etl.run.nightly import run_night
from etl.synth.generate import generate

DEMO_PARTNER = "demo"


@dataclass
class DemoPaths:
    workdir: Path
    lang: Lang = "ru"  # of the night page (the printed lines are rendered by the caller's Say)

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
    def night_pages(self) -> Path:
        return self.workdir / "night-pages"

    @property
    def ndjson(self) -> Path:
        return self.workdir / "fhir-ndjson"

    @property
    def bundles(self) -> Path:
        return self.workdir / f"fhir-bundles-{DEMO_PARTNER}"

    @property
    def report(self) -> Path:
        return self.workdir / "report"


def step_generate(paths: DemoPaths, say: Say) -> None:
    say("demo.step.generate")
    report = generate(paths.feeds, inject_errors=True)
    injected = report.get("injected", 0)
    say("demo.feeds", patients=report["patients"], injected=injected, path=paths.feeds)
    say("demo.truth", path=paths.feeds / "truth")


def step_run(paths: DemoPaths, say: Say) -> None:
    from etl.console import write_night_page

    say("demo.step.run")
    if paths.database.exists():
        paths.database.unlink()
    engine = make_engine(paths.url)
    try:
        upgrade_locked(engine)
        summary = run_night(engine, paths.feeds, progress=say, docs_dir=paths.quality_docs)
        with engine.connect() as conn:
            page = write_night_page(conn, summary.run_id, paths.night_pages, paths.lang)
    finally:
        engine.dispose()
    t = summary.totals
    say("demo.run", run=summary.run_id, rows_in=t["rows_in"], loaded=t["rows_loaded"], merged=t["rows_merged"],
        quarantined=t["rows_quarantined"], path=paths.database)  # fmt: skip
    state = Message("run.state.published" if summary.published else "run.state.held")
    say("demo.quality", state=state, path=paths.quality_docs / "index.html")
    say("demo.page", path=page)


def step_export(paths: DemoPaths, say: Say) -> None:
    from etl.fhir.export import export_fhir
    from etl.fhir.partners import PARTNERS_FILE, get_partner

    say("demo.step.export")
    engine = make_engine(paths.url)
    try:
        partner = get_partner(DEMO_PARTNER, PARTNERS_FILE)  # the project's demo partner, whatever the site's file
        ndjson = export_fhir(engine, partner, paths.ndjson, "ndjson", notice=say)
        bundles = export_fhir(engine, partner, paths.bundles, "bundle", notice=say)
    finally:
        engine.dispose()
    say("demo.ndjson", resources=ndjson.resources, path=paths.ndjson)
    say("demo.bundles", partner=DEMO_PARTNER, resources=bundles.resources, path=paths.bundles)


def step_report(paths: DemoPaths, say: Say) -> None:
    from etl.analysis import DEFAULT_DECISIONS
    from etl.report import write_report

    say("demo.step.report")
    engine = make_engine(paths.url)
    try:  # the demo's data is the synthetic study cohort: its decisions file applies, and the report says so
        report = write_report(engine, paths.report, decisions=DEFAULT_DECISIONS)
    finally:
        engine.dispose()
    say("demo.report", decisions=report.decisions, path=report.html)
    say("demo.statistics", path=paths.report / "statistics.json")


STEPS: list[Callable[[DemoPaths, Say], None]] = [step_generate, step_run, step_export, step_report]


def run_demo(workdir: Path, say: Say, lang: Lang = "ru") -> DemoPaths:
    """Run every step in `workdir` (created if needed); `say` tells each step before it starts and
    where its output is after; `lang` is the night page's first language."""
    paths = DemoPaths(workdir.resolve(), lang)
    paths.workdir.mkdir(parents=True, exist_ok=True)
    for step in STEPS:
        step(paths, say)
    return paths
