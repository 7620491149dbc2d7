"""What an export covers: the run range, the patients changed or deleted since a run,
what the partner was given before (the ledger, with a content hash per resource), and
from these the precise change set: the resources new or changed, and those to delete.

Content hash (`content_hash`): sha-256 of the resource's canonical JSON (keys sorted at
every depth, no whitespace, UTF-8, as orjson writes it), leaving out what says when or by
which run a resource was made rather than what it says (`HASH_IGNORED`):
- every resource: `meta.lastUpdated`, `meta.versionId` (a server's, never ours to compare);
- Provenance: `recorded` (the instant of the run that last touched the patient's rows) and
  `entity` (that run's number and the source files' names). A run that rewrites a patient's
  rows without changing what the partner receives changes them, and nothing is to be sent.
`meta.profile`, `meta.security`, Provenance `target`, `activity` and `policy` are content.

The Provenance lists every resource of its patient (`target`): it is sent whenever any other
resource of the patient is sent or deleted (then with the new run and files), or when its own
hash changed (a mapping change); never alone because a run touched the rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import CompoundSelect, Connection, Select, and_, func, or_, select, union

from etl.errors import EXIT_NOT_FOUND, HsctError, InputError
from schemas.export import ExportLedger
from schemas.tables import DeletedPatient, EtlRun, LabResult, Patient

IN_CHUNK = 2000  # ids per IN list
NO_PATIENT = 0  # the ledger's patient of the resources of no patient (the ResearchStudy)
IGNORED_META = ("lastUpdated", "versionId")
HASH_IGNORED: dict[str, tuple[str, ...]] = {"Provenance": ("recorded", "entity")}  # per type, top-level elements
PROVENANCE = "Provenance"

Hashes = dict[str, str | None]  # local key -> content hash as sent (None: sent before hashes were kept)


def content_hash(resource: dict[str, Any]) -> str:
    """The sha-256 (64 hex digits) of a resource's content: its canonical JSON without the elements
    of `HASH_IGNORED` and `IGNORED_META` (module docstring)."""
    dropped = HASH_IGNORED.get(resource.get("resourceType", ""), ())
    meta = resource.get("meta")
    if dropped or (isinstance(meta, dict) and any(k in meta for k in IGNORED_META)):
        resource = {k: v for k, v in resource.items() if k not in dropped}
        if isinstance(meta, dict):
            resource["meta"] = {k: v for k, v in meta.items() if k not in IGNORED_META}
    return hashlib.sha256(orjson.dumps(resource, option=orjson.OPT_SORT_KEYS)).hexdigest()


@dataclass
class Delta:
    """A patient's change set against what the partner was given: the resources to send (new or
    changed content, and the Provenance when anything else goes), the local keys to delete, and
    the ledger's state once the partner has them all (local key -> hash, every current resource)."""

    send: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    delete: list[str] = field(default_factory=list)
    state: dict[str, str] = field(default_factory=dict)


def delta(items: list[tuple[str, dict[str, Any]]], before: Hashes | None, types: Iterable[str]) -> Delta:
    """The change set of one patient's resources `items` ([(local key, resource)], in writing order)
    against `before` (None: nothing given before, everything is sent). Keys of `before` whose type
    (the key's first segment) is not in `types` were never sent and are not deleted."""
    out = Delta()
    out.state = {key: content_hash(r) for key, r in items}
    if before is None:
        out.send = list(items)
        return out
    allowed = set(types)
    out.delete = sorted(k for k in before.keys() - out.state.keys() if k.split("/", 1)[0] in allowed)
    changed = [(k, r) for k, r in items if r["resourceType"] != PROVENANCE and before.get(k) != out.state[k]]
    touched = bool(changed or out.delete)
    out.send = [
        (k, r)
        for k, r in items
        if (r["resourceType"] == PROVENANCE and (touched or before.get(k) != out.state[k]))
        or (r["resourceType"] != PROVENANCE and before.get(k) != out.state[k])
    ]
    return out


def ledger_text(state: dict[str, str | None]) -> tuple[str, str]:
    """A ledger row's (resource_keys, content_sha256): keys sorted, one a line, hashes aligned."""
    keys = sorted(state)
    return "\n".join(keys), "\n".join(state[k] or "" for k in keys)


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
    stmt: Select[Any] | CompoundSelect[Any]
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


def baseline(
    conn: Connection, partner: str, since_run: int, patient_ids: list[int], acknowledged: bool = False
) -> dict[int, Hashes]:
    """What the partner was given for each patient as of `since_run` (the ledger): local key -> content
    hash (None for rows kept before hashes). With `acknowledged` (a push) the rows its server
    acknowledged after `since_run` count too: bundles of an interrupted push that did arrive."""
    led = ExportLedger.__table__
    out: dict[int, Hashes] = {}
    as_of = led.c.as_of_run_id <= since_run
    if acknowledged:
        as_of = or_(as_of, led.c.acknowledged.is_(True))
    for i in range(0, len(patient_ids), IN_CHUNK):
        chunk = patient_ids[i : i + IN_CHUNK]
        newest = (
            select(led.c.patient_id, func.max(led.c.as_of_run_id).label("run"))
            .where(led.c.partner == partner, as_of, led.c.patient_id.in_(chunk))
            .group_by(led.c.patient_id)
            .subquery()
        )
        stmt = select(led.c.patient_id, led.c.resource_keys, led.c.content_sha256).select_from(
            led.join(
                newest,
                and_(
                    led.c.patient_id == newest.c.patient_id,
                    led.c.as_of_run_id == newest.c.run,
                    led.c.partner == partner,
                ),
            )
        )
        for pid, keys, hashes in conn.execute(stmt):
            names = keys.split("\n") if keys else []
            sums: list[str | None] = list(hashes.split("\n")) if hashes and names else [None] * len(names)
            out[int(pid)] = {k: h or None for k, h in zip(names, sums, strict=True)}
    return out
