"""The nightly job: one folder of feeds → the harmonized schema, completely or not at all.

The runner owns only the lock, the transaction, the savepoint and the bookkeeping;
the stages are etl.run.stages.load_night (extract, harmonize, load, raw checks),
the harmonized checks and the gate's decision. Order: take the run lock; record
the run as started (committed, so that a crash leaves a trace); in ONE
transaction load the night (the registry and laboratory loads inside a
SAVEPOINT), store the rejections, conflicts and per-file accounting, and run the
harmonized checks on what the savepoint holds. Every blocking check passed: the
savepoint is kept and the batch is published. A blocking check failed: the
savepoint is rolled back — the live tables, and so the views and exports, keep
the last published batch — while the raw layer (the lab files are read again and
their raw rows stored again), the quarantine, the accounting and the check
results are kept and the batch is recorded as held (`hsct quality --publish RUN`
publishes it after review, through the same stages: etl.run.publish). A run
killed at any point leaves the data as it was before it began.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

from sqlalchemy import Connection, Engine

from etl.db.lock import run_lock
from etl.db.migrate import at_head, upgrade
from etl.extract import FeedFile, discover
from etl.harmonize.vocab import Vocabulary, load_vocabulary
from etl.load import account, record_changes, store_raw_again, sync_concepts
from etl.messages import Say, silent
from etl.quality import GATE, QualityCheck, record_publication, store_report
from etl.quality.catalog import read_checks
from etl.run.bookkeeping import finish_run, start_run
from etl.run.clock import StageClock
from etl.run.prepare import prepare_pool
from etl.run.runlog import StageMarks, log
from etl.run.stages import load_night
from etl.run.summary import RunSummary

Progress = Say  # the run tells its progress by message key and parameters (mappings/messages.csv)
PAUSE_VAR = "HSCT_PAUSE_BEFORE_COMMIT"  # seconds: hold the finished, uncommitted run (kill and lock tests)


def run_night(
    engine: Engine,
    source: Path,
    *,
    wait: bool = False,
    progress: Progress | None = None,
    today: dt.date | None = None,
    docs_dir: Path | None = None,
) -> RunSummary:
    """Run the nightly ETL over one folder; raises HsctError subclasses that the CLI reports.

    The quality gate decides whether the batch is published (`summary.published`);
    `docs_dir`: where to render the GX Data Docs (none when None); `today`: the day the run
    treats as today (None: the real one); `wait`: wait for another run's lock rather than refuse.
    """
    say = progress or silent
    with run_lock(engine, wait, notice=say):
        if not at_head(engine):  # under the lock: two runs on a new database do not both create it
            upgrade(engine)
        sync_concepts(engine)
        vocab = load_vocabulary()
        files = discover(source)
        run_id = start_run(engine, str(source.resolve()))
        log.info("run.recorded", extra={"run_id": run_id, "stage": "start", "files": len(files)})  # the run log
        try:
            with engine.begin() as conn:
                return _run(conn, run_id, files, vocab, say, today, docs_dir)
        except BaseException as exc:
            with engine.begin() as conn:
                finish_run(conn, run_id, {}, "failed", f"{exc.__class__.__name__}: {exc}"[:2000])
            raise


def _run(
    conn: Connection,
    run_id: int,
    files: list[FeedFile],
    vocab: Vocabulary,
    say: Progress,
    today: dt.date | None,
    docs_dir: Path | None,
) -> RunSummary:
    clock = StageClock()
    checks = read_checks()
    quality = QualityCheck(checks)
    mark = StageMarks(run_id)  # the run log's stage boundaries (etl.run.runlog)
    pool = prepare_pool(files, vocab, today, checks)
    feeds = [f.feed for f in files]
    night = load_night(conn, run_id, feeds, pool, say, clock, raw_checks=quality, savepoint=True, mark=mark)
    summary = RunSummary(run_id, [f.summary for f in night.files], night.load, clock=clock)
    with clock.stage("load"):
        account(conn, run_id, night.files)
        record_changes(conn, run_id, night.load)
    with clock.stage("quality"):
        quality.harmonized(conn, run_id)
    report = summary.quality = quality.report
    mark("check", checks=len(report.results), blocking_failures=len(report.blocking_failures))
    assert night.savepoint is not None  # asked for above
    if report.success:
        night.savepoint.commit()
        record_publication(conn, run_id, "published", GATE, "every blocking check passed")
    else:
        night.savepoint.rollback()  # the live tables keep the last published batch
        for item in night.files:  # the raw layer is kept: store again what the savepoint held
            if item.is_labs and item.table is not None:
                store_raw_again(conn, item, vocab)
        account(conn, run_id, night.files)  # the night's rejections and accounting are kept all the same
        record_changes(conn, run_id, night.load)  # what the held batch would have changed
        record_publication(conn, run_id, "held", GATE, "a blocking check failed", report.held_reason())
        say("run.progress.held", failures=len(report.blocking_failures))
    with clock.stage("quality"):
        if docs_dir is not None:
            quality.docs(docs_dir, run_id)
        store_report(conn, report, run_id, "run")
    mark("publish", status="published" if report.success else "held")
    _pause_for_tests(say)
    finish_run(conn, run_id, summary.totals, "completed", None)
    return summary


def _pause_for_tests(say: Progress) -> None:
    """$HSCT_PAUSE_BEFORE_COMMIT=<seconds>: hold the finished, uncommitted run (kill and lock tests)."""
    seconds = float(os.environ.get(PAUSE_VAR) or 0)
    if seconds > 0:
        say("run.progress.pausing", seconds=f"{seconds:g}")
        time.sleep(seconds)
