"""Publish a held batch after review: load it again from the raw layer, without the gate.

The run's files are rebuilt from the raw layer (`etl.run.replay`), harmonized
and loaded by the same functions as the nightly run, under the run lock and in
one transaction; the harmonized checks run again and are stored (trigger
`publish`) but do not gate, and the decision — who, when, why — is recorded in
`batch_publication`, which keeps why the batch was held.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select

from etl.db.lock import run_lock
from etl.errors import EXIT_NOT_FOUND, EXIT_USAGE, HsctError
from etl.harmonize.vocab import load_vocabulary
from etl.load.concepts import sync_concepts
from etl.messages import silent
from etl.quality import QualityCheck, QualityReport, publication, record_publication, store_report
from etl.run.nightly import (
    Progress,
    RunSummary,
    account,
    file_work,
    harmonize_and_store,
    load_batch,
    record_changes,
)
from etl.run.replay import run_files
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
    progress: Progress | None = None,
    docs_dir: Path | None = None,
) -> PublishResult:
    """Make the live tables hold run `run_id`'s batch; refuses unless it is the newest held batch."""
    say = progress or silent
    with run_lock(engine, wait):
        sync_concepts(engine)
        vocab = load_vocabulary()
        with engine.begin() as conn:
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
            work = [file_work(*f) for f in run_files(conn, run_id)]
            summary = RunSummary(run_id, [w.summary for w in work])
            harmonize_and_store(conn, work, vocab, say, None)
            load_batch(conn, run_id, work, summary, say)
            record_changes(conn, run_id, summary)
            account(conn, run_id, [w for w in work if w.table is not None], record_files=False)
            quality = QualityCheck()
            quality.harmonized(conn, run_id)
            if docs_dir is not None:
                quality.docs(docs_dir, run_id, "publish")
            store_report(conn, quality.report, run_id, "publish")
            record_publication(conn, run_id, "published", decided_by, note)
            summary.quality = quality.report
    return PublishResult(summary, quality.report)
