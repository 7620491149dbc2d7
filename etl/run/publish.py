"""Publish a held batch after review: load it again from the raw layer, without the gate.

The run's files are rebuilt from the raw layer (`etl.run.replay`) and go through
the same stages as the nightly run (`etl.run.stages.load_night`), under the run
lock and in one transaction; the harmonized checks run again and are stored
(trigger `publish`) but do not gate, and the decision — who, when, why — is
recorded in `batch_publication`, which keeps why the batch was held.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, select

from etl.db.lock import run_lock
from etl.errors import EXIT_NOT_FOUND, EXIT_USAGE, HsctError
from etl.harmonize.vocab import load_vocabulary
from etl.load import account, record_changes, sync_concepts
from etl.messages import Say, silent
from etl.quality import QualityCheck, QualityReport, publication, record_publication, store_report
from etl.run.clock import StageClock
from etl.run.prepare import replay_pool
from etl.run.replay import run_files
from etl.run.stages import load_night
from etl.run.summary import RunSummary
from schemas.quality import BatchPublication


@dataclass
class PublishResult:
    summary: RunSummary
    quality: QualityReport


def publish_run(
    engine: Engine,
    run_id: int,
    *,
    decided_by: str,
    note: str | None,
    wait: bool = False,
    progress: Say | None = None,
    docs_dir: Path | None = None,
) -> PublishResult:
    """Make the live tables hold run `run_id`'s batch; refuses unless it is the newest held batch
    (HsctError: exit 12 when the run has no batch, exit 2 when it is published or a later one is)."""
    say = progress or silent
    with run_lock(engine, wait):
        sync_concepts(engine)
        vocab = load_vocabulary()
        with engine.begin() as conn:
            _refuse_unless_newest_held(conn, run_id)
            files = run_files(conn, run_id)
            pool = replay_pool(files, vocab)
            night = load_night(conn, run_id, [f.feed for f, _, _ in files], pool, say, StageClock())
            summary = RunSummary(run_id, [f.summary for f in night.files], night.load)
            record_changes(conn, run_id, night.load)
            account(conn, run_id, [f for f in night.files if f.table is not None], record_files=False)
            quality = QualityCheck()
            quality.harmonized(conn, run_id)
            if docs_dir is not None:
                quality.docs(docs_dir, run_id, "publish")
            store_report(conn, quality.report, run_id, "publish")
            record_publication(conn, run_id, "published", decided_by, note)
            summary.quality = quality.report
    return PublishResult(summary, quality.report)


def _refuse_unless_newest_held(conn: Connection, run_id: int) -> None:
    current = publication(conn, run_id)
    if current is None:
        raise HsctError.of("error.publish.no_batch", EXIT_NOT_FOUND, run=run_id)
    if current.status == "published":
        raise HsctError.of("error.publish.already", EXIT_USAGE, run=run_id)
    later = conn.execute(
        select(BatchPublication.run_id)
        .where(BatchPublication.run_id > run_id, BatchPublication.status == "published")
        .limit(1)
    ).scalar()
    if later is not None:
        raise HsctError.of("error.publish.newer", EXIT_USAGE, later=later, run=run_id)
