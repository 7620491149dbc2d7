"""The run log: a run is recorded as started before its data transaction and finished after it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, Engine, insert, select, update

from schemas.tables import EtlRun


def now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def start_run(engine: Engine, source_dir: str) -> int:
    """Record a new run as running (committed at once, so that a crash leaves a trace)."""
    with engine.begin() as conn:
        abandon_stale_runs(conn)
        result = conn.execute(
            insert(EtlRun.__table__)
            .values(started_at=now(), status="running", source_dir=source_dir)
            .returning(EtlRun.run_id)
        )
        return int(result.scalar_one())


def abandon_stale_runs(conn: Connection) -> None:
    """Runs still 'running' when the lock is free died (killed, machine lost): mark them failed."""
    conn.execute(
        update(EtlRun.__table__)
        .where(EtlRun.status == "running")
        .values(status="failed", finished_at=now(), message="abandoned: the process ended before finishing the run")
    )


def finish_run(
    conn: Connection,
    run_id: int,
    counts: dict[str, int],
    status: str,
    message: str | None,
    judged: tuple[str, dt.date] | None = None,
) -> None:
    """Record the run as finished with its row counts; `judged`: what it judged rows with and the day
    it judged them against (etl.run.inputs), which a later night compares (etl.load.unchanged)."""
    started = conn.execute(select(EtlRun.started_at).where(EtlRun.run_id == run_id)).scalar_one()
    inputs, as_of = judged if judged is not None else (None, None)
    conn.execute(
        update(EtlRun.__table__)
        .where(EtlRun.run_id == run_id)
        .values(
            status=status, finished_at=max(now(), started), message=message, inputs_sha256=inputs, as_of=as_of, **counts
        )
    )
