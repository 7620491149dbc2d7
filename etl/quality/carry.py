"""Results a night takes from the run that checked the same data: the suites of unchanged input.

An unchanged night (etl.load.unchanged) does not read its files again, so their
raw-layer suites cannot run; and when no file changed, the harmonized tables are
byte for byte those the live batch's run checked. Such results are carried: the
stored results of that run, for those suites, become tonight's (stored again
under tonight's quality run, so each night's report is whole). Only the data's
own suites are carried: the frames of the night itself (etl.quality.rules
NIGHT_FRAMES: its accounting, files and deletions) are checked every night.
The checks are those of tonight's catalog: the same as that run's, since
expectations/ is part of what an unchanged night must share with it.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Connection, select

from etl.quality.catalog import Check
from etl.quality.runner import CheckResult
from schemas.quality import QualityResult, QualityRun


def carried_results(conn: Connection, run_id: int, suites: Collection[str], checks: list[Check]) -> list[CheckResult]:
    """The results of `suites` from run `run_id`'s latest quality run that holds each suite (its
    nightly run, or the publication of its held batch), in their stored order; checks no longer in
    `checks` are left out."""
    if not suites:
        return []
    by_id = {c.check_id: c for c in checks}
    stored = conn.execute(
        select(QualityResult.__table__, QualityRun.quality_run_id.label("qr"))
        .join(QualityRun, QualityRun.quality_run_id == QualityResult.quality_run_id)
        .where(QualityRun.run_id == run_id, QualityRun.trigger.in_(("run", "publish")), QualityResult.suite.in_(suites))
        .order_by(QualityRun.quality_run_id, QualityResult.result_id)
    ).all()
    latest = {row.suite: row.qr for row in stored}  # the last quality run that checked each suite
    return [
        CheckResult(
            by_id[row.check_id],
            row.expectation_type,
            bool(row.success),
            row.observed_value,
            row.element_count,
            row.unexpected_count,
            row.unexpected_percent,
            list(row.unexpected_sample or []),
        )
        for row in stored
        if row.qr == latest[row.suite] and row.check_id in by_id
    ]
