"""What an export covers: the run range, the patients changed or deleted since a run,
and what the partner was given before (the ledger), from which deletions follow."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, and_, func, select, union

from etl.errors import EXIT_NOT_FOUND, HsctError, InputError
from schemas.export import ExportLedger
from schemas.tables import DeletedPatient, EtlRun, LabResult, Patient

IN_CHUNK = 2000  # ids per IN list


def latest_run(conn: Connection) -> int | None:
    """The newest completed run: the data the live tables hold (the published batch)."""
    return conn.execute(select(func.max(EtlRun.run_id)).where(EtlRun.status == "completed")).scalar()


def resolve_since(conn: Connection, since: str | None) -> int | None:
    """`--since RUN` (a run number) or `--since TIMESTAMP` (the newest run finished at or before it)."""
    if since is None:
        return None
    if since.isdigit():
        run = conn.execute(select(EtlRun.run_id).where(EtlRun.run_id == int(since))).scalar()
        if run is None:
            raise HsctError.of("error.since.no_run", EXIT_NOT_FOUND, since=since)
        return int(run)
    try:
        moment = dt.datetime.fromisoformat(since)
    except ValueError:
        raise InputError.of("error.since.format", since=repr(since)) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone().replace(tzinfo=None)
    run = conn.execute(
        select(func.max(EtlRun.run_id)).where(EtlRun.status == "completed", EtlRun.finished_at <= moment)
    ).scalar()
    return int(run or 0)


def run_instants(conn: Connection) -> dict[int, str]:
    """Each run's finish (or start) as a FHIR instant with the machine's UTC offset."""
    out = {}
    for run_id, started, finished in conn.execute(select(EtlRun.run_id, EtlRun.started_at, EtlRun.finished_at)):
        moment = (finished or started).replace(microsecond=0).astimezone()
        out[int(run_id)] = moment.isoformat()
    return out


def current_patients(conn: Connection, since_run: int | None) -> list[int]:
    """Every patient, or those whose rows (or lab results) a run after `since_run` changed."""
    if since_run is None:
        stmt = select(Patient.patient_id)
    else:
        stmt = union(
            select(Patient.patient_id).where(Patient.changed_run_id > since_run),
            select(LabResult.patient_id).where(LabResult.changed_run_id > since_run),
        )
    return sorted(int(p) for (p,) in conn.execute(stmt))


def deleted_patients(conn: Connection, since_run: int | None) -> list[int]:
    """Patients deleted by a run after `since_run` (none for a full export)."""
    if since_run is None:
        return []
    stmt = select(DeletedPatient.patient_id).where(DeletedPatient.deleted_run_id > since_run)
    return sorted(int(p) for (p,) in conn.execute(stmt))


def baseline(conn: Connection, partner: str, since_run: int, patient_ids: list[int]) -> dict[int, set[str]]:
    """The local keys the partner was given for each patient as of `since_run` (the ledger)."""
    led = ExportLedger.__table__
    out: dict[int, set[str]] = {}
    for i in range(0, len(patient_ids), IN_CHUNK):
        chunk = patient_ids[i : i + IN_CHUNK]
        newest = (
            select(led.c.patient_id, func.max(led.c.as_of_run_id).label("run"))
            .where(led.c.partner == partner, led.c.as_of_run_id <= since_run, led.c.patient_id.in_(chunk))
            .group_by(led.c.patient_id)
            .subquery()
        )
        stmt = select(led.c.patient_id, led.c.resource_keys).select_from(
            led.join(
                newest,
                and_(
                    led.c.patient_id == newest.c.patient_id,
                    led.c.as_of_run_id == newest.c.run,
                    led.c.partner == partner,
                ),
            )
        )
        for pid, keys in conn.execute(stmt):
            out[int(pid)] = set(keys.split("\n")) if keys else set()
    return out
