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
from functools import partial
from pathlib import Path

from sqlalchemy import Connection, Engine, func, select

from etl.db.lock import run_lock
from etl.db.migrate import at_head, upgrade
from etl.extract import FeedFile, discover
from etl.harmonize.vocab import Vocabulary, load_vocabulary
from etl.load import (
    BatchLoad,
    Unchanged,
    account,
    carried_conflicts,
    carry_files,
    find_unchanged,
    record_changes,
    store_raw_again,
    sync_concepts,
)
from etl.messages import Say, silent
from etl.quality import GATE, QualityCheck, record_publication, store_report
from etl.quality.catalog import Check, read_checks
from etl.quality.rules import NIGHT_FRAMES
from etl.run.bookkeeping import finish_run, start_run
from etl.run.clock import StageClock
from etl.run.inputs import inputs_sha256
from etl.run.prepare import Stored, prepare_pool
from etl.run.replay import stored_table
from etl.run.runlog import StageMarks, log
from etl.run.stages import LoadedNight, load_night
from etl.run.summary import RunSummary
from schemas.tables import Person

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
    full: bool = False,
) -> RunSummary:
    """Run the nightly ETL over one folder; raises HsctError subclasses that the CLI reports.

    The quality gate decides whether the batch is published (`summary.published`);
    `docs_dir`: where to render the GX Data Docs (none when None); `today`: the day the run
    treats as today (None: the real one); `wait`: wait for another run's lock rather than refuse;
    `full`: read every file, even those the live batch holds already (etl.load.unchanged).
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
                return _run(conn, run_id, files, vocab, say, today, docs_dir, full)
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
    full: bool,
) -> RunSummary:
    clock = StageClock()
    checks = read_checks()
    quality = QualityCheck(checks)
    mark = StageMarks(run_id)  # the run log's stage boundaries (etl.run.runlog)
    judged = (inputs_sha256(), today or dt.date.today())
    with clock.stage("read"):
        unchanged = Unchanged() if full else find_unchanged(conn, files, *judged)
    with clock.stage("load"):
        carried = carry_files(conn, run_id, unchanged, files)
    if carried:
        say("run.progress.unchanged", files=len(carried), run=unchanged.reference_run)
    tonight = [i for i in range(len(files)) if i not in carried]
    night = _load(
        conn,
        run_id,
        [files[i] for i in tonight],
        {n: partial(stored_table, conn, unchanged.stored[i]) for n, i in enumerate(tonight) if i in unchanged.stored},
        vocab,
        today,
        checks,
        quality,
        say,
        clock,
        mark,
        judged[0],
        reuse=not full,
    )
    if unchanged.registry:  # the registry the live batch holds is tonight's
        night.load.patients = int(conn.execute(select(func.count()).select_from(Person.__table__)).scalar() or 0)
        night.load.conflicts = carried_conflicts(conn, run_id)
    read = iter(night.files)
    summaries = [carried[i] if i in carried else next(read).summary for i in range(len(files))]
    summary = RunSummary(run_id, summaries, night.load, clock=clock)
    with clock.stage("load"):
        account(conn, run_id, night.files)
        record_changes(conn, run_id, night.load)
    with clock.stage("quality"):
        _check(conn, run_id, quality, unchanged)
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
    finish_run(conn, run_id, summary.totals, "completed", None, judged)
    return summary


def _load(
    conn: Connection,
    run_id: int,
    files: list[FeedFile],
    stored: dict[int, Stored],
    vocab: Vocabulary,
    today: dt.date | None,
    checks: list[Check],
    quality: QualityCheck,
    say: Progress,
    clock: StageClock,
    mark: StageMarks,
    judged_by: str,
    *,
    reuse: bool,
) -> LoadedNight:
    """The files to read tonight through the stages (none: an empty load, in its savepoint all the same);
    `stored`: those whose table the raw layer holds (etl.run.prepare.prepare_pool); `judged_by`,
    `reuse`: the patients' record digests (etl.run.stages.load_night)."""
    if not files:
        return LoadedNight([], BatchLoad(), conn.begin_nested())
    pool = prepare_pool(files, vocab, today, checks, stored)
    feeds = [f.feed for f in files]
    return load_night(
        conn,
        run_id,
        feeds,
        pool,
        say,
        clock,
        raw_checks=quality,
        savepoint=True,
        mark=mark,
        judged_by=judged_by,
        reuse=reuse,
    )


def _check(conn: Connection, run_id: int, quality: QualityCheck, unchanged: Unchanged) -> None:
    """The harmonized checks, and the results carried for what the night did not read: the raw
    suites of an unchanged group; on a night where nothing changed, every suite but the night's own
    (etl.quality.carry says why that is sound)."""
    ref = unchanged.reference_run
    if ref is not None:
        raw = [f"raw.{frame}" for frame, same in (("registry", unchanged.registry), ("labs", unchanged.labs)) if same]
        quality.carry(conn, ref, raw)
    if ref is not None and unchanged.everything:
        tables = {c.frame for c in quality.checks if c.layer == "harmonized"} - NIGHT_FRAMES
        quality.carry(conn, ref, [f"harmonized.{frame}" for frame in sorted(tables)])
        quality.harmonized(conn, run_id, only=NIGHT_FRAMES)
    else:
        quality.harmonized(conn, run_id)


def _pause_for_tests(say: Progress) -> None:
    """$HSCT_PAUSE_BEFORE_COMMIT=<seconds>: hold the finished, uncommitted run (kill and lock tests)."""
    seconds = float(os.environ.get(PAUSE_VAR) or 0)
    if seconds > 0:
        say("run.progress.pausing", seconds=f"{seconds:g}")
        time.sleep(seconds)
