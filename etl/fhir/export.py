"""The FHIR export: the partner's resources, chunk by chunk of patients, streamed to disk.

Patients are taken in the order of their pseudonyms (so that no two partners' files
line up), in chunks: one query per source table, the profiles built as dicts, a
sample (or all) validated by the R4 models, each patient's resources written out
(etl/fhir/chunks.py). Chunks run in parallel worker processes, one per core; NDJSON
parts are joined in chunk order, so the output is the same for any number of
workers. The ledger then records what the partner was given, and `export_batch`
what the export held.

With `--since` (and in a push) only the precise change set is written: per changed patient
the resources whose content hash differs from the ledger's, DELETEs for those gone, and the
Provenance when anything of the patient went (etl/fhir/changes.py); the ResearchStudy when
its own hash changed. A push records the ledger bundle by bundle as its server acknowledges
them (etl/fhir/push.py), not here.

The live tables are the last published batch (the quality gate keeps them so),
so exporting them exports only published data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from sqlalchemy import Engine, insert

from etl.db.bulk import upsert
from etl.db.lock import Notice, run_lock
from etl.errors import InvalidFhirError
from etl.fhir.build import security_meta
from etl.fhir.changes import (
    NO_PATIENT,
    Hashes,
    baseline,
    current_patients,
    deleted_patients,
    delta,
    latest_run,
    ledger_text,
    resolve_since,
    run_instants,
)
from etl.fhir.chunks import ChunkJob, LedgerRow, context, run_chunk
from etl.fhir.mapping import Mapping, load_mapping
from etl.fhir.partners import Partner, check_dates, checked_secret
from etl.fhir.pseudonym import Pseudonymizer, patient_key
from etl.fhir.validate import Validator
from etl.fhir.writers import DELETED, FIRST_PART, BundleWriter, NdjsonWriter, make_writer, part_name, write_manifest
from etl.messages import silent
from etl.performance import ordered_map, worker_count
from schemas.export import ExportBatch, ExportLedger

CHUNK = 2000  # patients per chunk
SAMPLE_EVERY = 1000  # the fast path validates the first resource of each kind and 1 in 1000
NO_RUN = "1970-01-01T00:00:00+00:00"


@dataclass
class ExportResult:
    """One export to a partner: the runs it covers, how many patients and resources of each type it
    sent, what it listed for deletion, how many resources were validated, its `export_batch` id."""

    partner: str
    format: str
    out_dir: Path
    since_run_id: int | None
    up_to_run_id: int | None
    patients: int = 0  # of whom something was sent (a full export: all)
    deleted_patients: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    deleted_resources: int = 0
    validated: int = 0
    export_id: int | None = None
    unchanged_patients: int = 0  # changed in the registry, but not in what the partner receives: nothing sent
    checkpoints: dict[str, LedgerRow] = field(default_factory=dict)  # bundle stem -> ledger row once acknowledged

    @property
    def resources(self) -> int:
        return sum(self.counts.values())


def study_resource(mapping: Mapping, concepts: Any, study_id: str) -> dict[str, Any]:
    spec = mapping.study
    return {
        "resourceType": "ResearchStudy",
        "id": study_id,
        "meta": security_meta(None, None),
        "title": spec["title"],
        "status": spec["status"],
        "arm": [{"name": a["name"], "type": concepts[a["concept"]]} for a in spec["arms"]],
    }


def export_request(partner: Partner, since: str | None) -> str:
    """The Bulk Data kick-off request this export answers: a system-level `$export` at the partner's
    base URL of the resource types it receives, changed after the instant the `--since` run finished."""
    params = {"_type": ",".join(partner.resource_types)}
    if since is not None:
        params["_since"] = since
    return f"{partner.base_url}/$export?{urlencode(params, safe=',:', quote_via=quote)}"


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


EXPORT_WORKERS = 2  # at most: each worker holds a chunk's rows and resources


def default_workers(chunks: int) -> int:
    """$HSCT_WORKERS or the cores this process may use (etl.performance.worker_count), at most
    EXPORT_WORKERS and never more than there are chunks."""
    return min(EXPORT_WORKERS, worker_count(chunks))


def export_fhir(
    engine: Engine,
    partner: Partner,
    out_dir: Path,
    fmt: str,
    since: str | None = None,
    validate: str = "sample",
    record_as: str | None = None,
    chunk_size: int = CHUNK,
    workers: int | None = None,
    notice: Notice | None = None,
) -> ExportResult:
    """Write the partner's export into `out_dir`; record it (ledger, export_batch).

    The export reads one consistent state: it holds the run lock in shared mode (waiting for a run
    that is going, `notice` told so), so that no run commits between its reads and its ledger record."""
    with run_lock(engine, wait=True, shared=True, notice=notice):
        return _export(engine, partner, out_dir, fmt, since, validate, record_as, chunk_size, workers, notice)


def _export(
    engine: Engine,
    partner: Partner,
    out_dir: Path,
    fmt: str,
    since: str | None,
    validate: str,
    record_as: str | None,
    chunk_size: int,
    workers: int | None,
    notice: Notice | None = None,
) -> ExportResult:
    make_writer(fmt, out_dir, base_url=partner.base_url)  # an unknown format fails before any work
    mapping = load_mapping()
    pseudo = Pseudonymizer(checked_secret(partner))
    check_dates(partner, mapping.anchor.resource_type)
    url = engine.url.render_as_string(hide_password=False)
    with engine.connect() as conn:
        up_to = latest_run(conn)
        since_run = resolve_since(conn, since)
        instants = run_instants(conn)
        patients = current_patients(conn, since_run)
        gone = deleted_patients(conn, since_run)
        before: dict[int, Hashes] | None = None
        if since_run is not None:
            wanted = [NO_PATIENT, *patients, *gone]
            before = baseline(conn, partner.name, since_run, wanted, acknowledged=record_as == "push")
        base_job = ChunkJob(url, partner, fmt, out_dir, [], {}, validate, SAMPLE_EVERY, instants,
                            {"base_url": partner.base_url})  # fmt: skip
        ctx = context(base_job, conn, mapping)
    out_dir.mkdir(parents=True, exist_ok=True)  # once --since is known good: a refused export leaves no folder
    order = sorted(patients, key=lambda p: pseudo.id(patient_key(p)))
    gone = sorted(gone, key=lambda p: pseudo.id(patient_key(p)))
    per_bundle = record_as == "push"  # the ledger follows the server's acknowledgments (etl/fhir/push.py)

    def job(n: int, chunk: list[int], removed: list[int]) -> ChunkJob:
        wanted = set(chunk) | set(removed)
        subset = None if before is None else {p: keys for p, keys in before.items() if p in wanted}
        return ChunkJob(url, partner, fmt, out_dir, chunk, subset, validate, SAMPLE_EVERY, instants,
                        {**base_job.writer_options, "part": part_name(n)}, removed, per_bundle)  # fmt: skip

    jobs = [job(n + 1, chunk, []) for n, chunk in enumerate(_chunks(order, chunk_size))]
    if gone:
        jobs.append(job(len(jobs) + 1, [], gone))
    result = ExportResult(partner.name, fmt, out_dir, since_run, up_to)
    result.deleted_patients = len(gone)
    validator = Validator(validate)
    counts: dict[str, int] = {}
    files: list[tuple[str, str, int]] = []
    ledger: list[LedgerRow] = []
    if "ResearchStudy" in partner.resource_types:
        study = study_resource(mapping, ctx.concepts, ctx.study_id)
        validator.check([study], "ResearchStudy")
        given = None if before is None else before.get(NO_PATIENT, {})
        sent = delta([(mapping.study["key"], study)], given, ("ResearchStudy",))
        if sent.send:
            writer = make_writer(fmt, out_dir, base_url=partner.base_url, part=FIRST_PART)
            writer.study(study)
            counts = writer.close()
            files += writer.written() if isinstance(writer, NdjsonWriter) else []
            state = (NO_PATIENT, *ledger_text(dict(sent.state)))
            if not per_bundle:
                ledger.append(state)
            elif isinstance(writer, BundleWriter):
                result.checkpoints[writer.bundles[0][0]] = state
    say = notice or silent
    say("export.start", patients=len(patients), chunks=len(jobs), partner=partner.name)
    for i, done in enumerate(ordered_map(run_chunk, jobs, workers or default_workers(len(jobs))), 1):
        say("export.chunk", i=i, n=len(jobs), resources=sum(done.counts.values()))
        for name, n in done.counts.items():
            counts[name] = counts.get(name, 0) + n
        result.deleted_resources += done.deleted
        result.patients += done.sent_patients
        result.unchanged_patients += done.unchanged_patients
        result.checkpoints |= done.checkpoints
        validator.validated += done.validated
        validator.errors += done.errors
        ledger += done.ledger
        files += done.files
    if result.unchanged_patients:
        say("export.unchanged", n=result.unchanged_patients, partner=partner.name)
    if fmt == "ndjson":
        time = instants.get(up_to, NO_RUN) if up_to else NO_RUN
        write_manifest(out_dir, files, time, export_request(partner, instants.get(since_run or 0)), partner.files_url)
    result.counts = dict(sorted((k, v) for k, v in counts.items() if k != DELETED))
    result.validated = validator.validated
    if validator.errors:
        shown = "\n  ".join(validator.errors[:20])
        raise InvalidFhirError.of("error.invalid_fhir", n=len(validator.errors), errors=f"\n  {shown}")
    _record(engine, partner, result, ledger, record_as or fmt)
    return result


def ledger_rows(partner: str, as_of: int, rows: list[LedgerRow], acknowledged: bool) -> list[dict[str, Any]]:
    """export_ledger rows of (patient_id, resource_keys, content_sha256) states as of run `as_of`."""
    return [
        {"partner": partner, "patient_id": p, "as_of_run_id": as_of, "resource_keys": keys,
         "content_sha256": hashes, "acknowledged": acknowledged}
        for p, keys, hashes in rows
    ]  # fmt: skip


def _record(engine: Engine, partner: Partner, result: ExportResult, ledger: list[LedgerRow], fmt: str) -> None:
    """The export's ledger rows (the files' state per patient written: given) and its export_batch row."""
    with engine.begin() as conn:
        if result.up_to_run_id is not None and ledger:
            rows = ledger_rows(partner.name, result.up_to_run_id, ledger, acknowledged=False)
            upsert(conn, ExportLedger.__table__, rows, ["partner", "patient_id", "as_of_run_id"])
        inserted = conn.execute(
            insert(ExportBatch.__table__).values(
                partner=partner.name,
                format=fmt,
                since_run_id=result.since_run_id or None,
                up_to_run_id=result.up_to_run_id,
                created_at=dt.datetime.now().replace(microsecond=0),
                out_dir=str(result.out_dir),
                patients=result.patients,
                resources=result.resources,
                deleted=result.deleted_resources,
                status="written",
            )
        ).inserted_primary_key
        if inserted is None:
            raise RuntimeError("export_batch: the database returned no key for the row it inserted")
        result.export_id = int(inserted[0])
