"""The FHIR export: the partner's resources, chunk by chunk of patients, streamed to disk.

Patients are processed in the order of their pseudonyms (so that no two partners'
files line up), a chunk at a time: one query per source table, the profiles built
as dicts, a sample (or all) validated by the R4 models, each patient's resources
handed to the writer. The ledger then records what the partner was given, and
`export_batch` what the export held.

The live tables are the last published batch (the quality gate keeps them so),
so exporting them exports only published data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert

from etl.db.bulk import upsert
from etl.errors import InvalidFhirError
from etl.fhir.build import Built, build_profile
from etl.fhir.changes import (
    baseline,
    current_patients,
    deleted_patients,
    latest_run,
    resolve_since,
    run_instants,
)
from etl.fhir.concepts import ConceptIndex
from etl.fhir.context import BuildContext
from etl.fhir.mapping import Mapping, Profile, load_mapping
from etl.fhir.partners import Partner
from etl.fhir.pseudonym import Pseudonymizer, patient_key
from etl.fhir.source import read_source, read_source_files
from etl.fhir.validate import Validator
from etl.fhir.writers import Writer, make_writer
from schemas.export import ExportBatch, ExportLedger

CHUNK = 2000  # patients per chunk


@dataclass
class ExportResult:
    partner: str
    format: str
    out_dir: Path
    since_run_id: int | None
    up_to_run_id: int | None
    patients: int = 0
    deleted_patients: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    deleted_resources: int = 0
    validated: int = 0
    export_id: int | None = None

    @property
    def resources(self) -> int:
        return sum(self.counts.values())


def study_resource(mapping: Mapping, ctx: BuildContext) -> dict[str, Any]:
    spec = mapping.study
    return {
        "resourceType": "ResearchStudy",
        "id": ctx.study_id,
        "title": spec["title"],
        "status": spec["status"],
        "arm": [{"name": a["name"], "type": ctx.concepts[a["concept"]]} for a in spec["arms"]],
    }


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _build_chunk(
    conn: Connection, mapping: Mapping, ctx: BuildContext, chunk: list[int], validator: Validator
) -> dict[int, list[tuple[str, dict[str, Any]]]]:
    """Every resource of these patients: patient_id → [(local key, resource)], in writing order."""
    types = ctx.partner.resource_types
    ctx.patient_ids = {p: ctx.pseudo.id(patient_key(p)) for p in chunk}
    if ctx.shift_dates:
        ctx.shifts = {p: ctx.pseudo.shift_days(p) for p in chunk}
    frames = {}
    for source, profiles in mapping.by_source(types).items():
        cols = set().union(*(p.columns() for p in profiles))
        frames[source] = read_source(conn, source, cols, chunk)
    per_patient: dict[int, list[tuple[str, dict[str, Any]]]] = {p: [] for p in chunk}
    provenance: list[Profile] = []
    for profile in mapping.profiles:
        if profile.resource_type not in types:
            continue
        if profile.resource_type == "Provenance":
            provenance.append(profile)
            continue
        _collect(build_profile(profile, frames[profile.source], ctx), per_patient, validator)
    if provenance:
        ctx.targets = {p: [f"{r['resourceType']}/{r['id']}" for _, r in items] for p, items in per_patient.items()}
        ctx.source_files = read_source_files(conn, chunk)
        for profile in provenance:
            _collect(build_profile(profile, frames[profile.source], ctx), per_patient, validator)
    return per_patient


def _collect(built: Built, per_patient: dict[int, list[tuple[str, dict[str, Any]]]], validator: Validator) -> None:
    validator.check(built.resources, built.profile.local_prefix())
    order = sorted(range(len(built.ids)), key=lambda i: built.ids[i])
    for i in order:
        per_patient[built.patient_ids[i]].append((built.local_keys[i], built.resources[i]))


def _deletes(pseudo: Pseudonymizer, keys: set[str], types: tuple[str, ...]) -> list[tuple[str, str]]:
    out = [(k.split("/", 1)[0], pseudo.id(k)) for k in keys]
    return sorted((t, i) for t, i in out if t in types)


def export_fhir(
    engine: Engine,
    partner: Partner,
    out_dir: Path,
    fmt: str,
    since: str | None = None,
    validate: str = "sample",
    record_as: str | None = None,
    chunk_size: int = CHUNK,
) -> ExportResult:
    """Write the partner's export into `out_dir`; record it (ledger, export_batch)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    mapping = load_mapping()
    pseudo = Pseudonymizer(partner.secret())
    validator = Validator(validate)
    with engine.connect() as conn:
        up_to = latest_run(conn)
        since_run = resolve_since(conn, since)
        instants = run_instants(conn)
        ctx = BuildContext(
            partner=partner,
            pseudo=pseudo,
            concepts=ConceptIndex.load(conn),
            study_id=pseudo.id(mapping.study["key"]),
            run_instants=instants,
        )
        patients = current_patients(conn, since_run)
        gone = deleted_patients(conn, since_run)
        order = sorted(patients, key=lambda p: pseudo.id(patient_key(p)))
        before = baseline(conn, partner.name, since_run, patients + gone) if since_run is not None else {}
        transaction_time = instants.get(up_to, "1970-01-01T00:00:00+00:00") if up_to else "1970-01-01T00:00:00+00:00"
        query = f"?_since={since_run}" if since_run is not None else ""
        writer: Writer = make_writer(
            fmt,
            out_dir,
            base_url=partner.base_url,
            transaction_time=transaction_time,
            request=f"{partner.base_url}/$export{query}",
            files_url=partner.files_url,
        )
        result = ExportResult(partner.name, fmt, out_dir, since_run, up_to, patients=len(patients))
        if "ResearchStudy" in partner.resource_types and (patients or since_run is None):
            study = study_resource(mapping, ctx)
            validator.check([study], "ResearchStudy")
            writer.study(study)
        ledger: list[dict[str, Any]] = []
        for chunk in _chunks(order, chunk_size):
            built = _build_chunk(conn, mapping, ctx, chunk, validator)
            for p in chunk:
                items = built[p]
                keys = {k for k, _ in items}
                removed = _deletes(pseudo, before.get(p, set()) - keys, partner.resource_types)
                writer.patient(ctx.patient_ids[p], [r for _, r in items], removed)
                ledger.append({"patient_id": p, "resource_keys": "\n".join(sorted(keys))})
        patient_keyed = {p.local_prefix() for p in mapping.profiles if p.patient_keyed}
        for p in sorted(gone, key=lambda p: pseudo.id(patient_key(p))):
            keys = before.get(p, set()) | {f"{prefix}/{p}" for prefix in patient_keyed}
            writer.patient(pseudo.id(patient_key(p)), [], _deletes(pseudo, keys, partner.resource_types))
            ledger.append({"patient_id": p, "resource_keys": ""})
        result.counts = writer.close()
    result.deleted_patients = len(gone)
    result.deleted_resources = getattr(writer, "deleted", 0)
    result.validated = validator.validated
    if validator.errors:
        shown = "\n  ".join(validator.errors[:20])
        raise InvalidFhirError(
            f"{len(validator.errors)} exported resources are not valid FHIR R4 (nothing was recorded):\n  {shown}"
        )
    _record(engine, partner, result, ledger, record_as or fmt)
    return result


def _record(engine: Engine, partner: Partner, result: ExportResult, ledger: list[dict[str, Any]], fmt: str) -> None:
    with engine.begin() as conn:
        if result.up_to_run_id is not None and ledger:
            rows = [{"partner": partner.name, "as_of_run_id": result.up_to_run_id, **row} for row in ledger]
            upsert(conn, ExportLedger.__table__, rows, ["partner", "patient_id", "as_of_run_id"])
        result.export_id = conn.execute(
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
        ).inserted_primary_key[0]
