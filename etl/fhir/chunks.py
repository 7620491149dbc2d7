"""One chunk of patients, start to finish: read, build, validate, compare, write. Run in a
worker process (the export spreads chunks over the machine's cores) or in-process; the
output does not depend on which.

Each patient's resources are compared with what the partner was given (`job.before`, the
ledger's content hashes; etl/fhir/changes.py `delta`): only the new or changed ones are
written, with DELETEs for those gone and the Provenance when anything went; a patient with
nothing to send writes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine
from sqlalchemy.pool import NullPool

from etl.db import make_engine
from etl.fhir.build import Built, build_profile
from etl.fhir.changes import Delta, Hashes, delta, ledger_text
from etl.fhir.concepts import ConceptIndex
from etl.fhir.context import BuildContext
from etl.fhir.mapping import JOINABLE, Mapping, Profile, load_mapping
from etl.fhir.partners import Partner
from etl.fhir.pseudonym import Pseudonymizer, patient_key
from etl.fhir.source import read_source, read_source_files
from etl.fhir.validate import Validator
from etl.fhir.writers import BundleWriter, make_writer

_ENGINES: dict[str, Engine] = {}  # one per worker process and database
_VALIDATED_PROFILES: set[str] = set()  # profiles of which this process validated a resource already


@dataclass(frozen=True)
class ChunkJob:
    url: str
    partner: Partner
    fmt: str
    out_dir: Path  # ndjson: this chunk's part folder; bundle: the export folder
    patients: list[int]
    before: dict[int, Hashes] | None  # what the partner was given per patient; None: everything is sent
    validate: str
    every: int
    run_instants: dict[int, str]
    writer_options: dict[str, Any]
    gone: list[int] = field(default_factory=list)  # deleted patients (DELETEs only)
    per_bundle: bool = False  # a push: the ledger's state once each bundle arrives (`checkpoints`), not once written


LedgerRow = tuple[int, str, str]  # (patient_id, resource_keys, content_sha256): etl/fhir/changes.py ledger_text


@dataclass
class ChunkResult:
    counts: dict[str, int]
    deleted: int
    validated: int
    errors: list[str]
    ledger: list[LedgerRow]  # the patients of whom something was sent or deleted: their state once given
    files: list[tuple[str, str, int]]  # ndjson: (type, file name, lines)
    checkpoints: dict[str, LedgerRow] = field(default_factory=dict)  # bundle: stem -> state once acknowledged
    sent_patients: int = 0  # current patients (not deleted ones) of whom something was sent or deleted
    unchanged_patients: int = 0  # patients examined with nothing to send


def checkpoints(
    writer: BundleWriter, patient_id: int, before: Hashes, d: Delta, urls: dict[str, str], start: int
) -> dict[str, LedgerRow]:
    """The ledger's state of a patient once each of its bundles (written from `start` in
    `writer.bundles`) is acknowledged in order: `before`, with each bundle's PUTs (their new hash)
    and DELETEs applied. `urls`: request url -> local key. The last one is `d.state`."""
    state: dict[str, str | None] = dict(before)
    out: dict[str, LedgerRow] = {}
    for stem, entries in writer.bundles[start:]:
        for url in entries:
            key = urls[url]
            if key in d.state and key not in d.delete:
                state[key] = d.state[key]
            else:
                state.pop(key, None)
        out[stem] = (patient_id, *ledger_text(state))
    return out


def context(job: ChunkJob, conn: Connection, mapping: Mapping) -> BuildContext:
    pseudo = Pseudonymizer(job.partner.secret())
    return BuildContext(
        partner=job.partner,
        pseudo=pseudo,
        concepts=ConceptIndex.load(conn),
        study_id=pseudo.id(mapping.study["key"]),
        run_instants=job.run_instants,
        anchor=mapping.anchor.local_prefix(),
        anchor_type=mapping.anchor.resource_type,
    )


def joined(profile: Profile, frame: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The profile's rows with the columns it joins (`join:`), by the row's transplant or patient."""
    for table, cols in profile.join:
        key = JOINABLE[table]
        clash = sorted(set(cols) & set(frame.columns))
        if clash:
            raise ValueError(f"{profile.local_prefix()}: joined columns {clash} of {table} are its own already")
        right = tables[table][list(cols)].assign(_join_key=pd.to_numeric(tables[table][key]).astype(float))
        left_on = "hsct_transplant_id" if key == "transplant_id" else "patient_id"
        keys = frame.assign(_join_key=pd.to_numeric(frame[left_on]).astype(float))
        frame = keys.merge(right, how="left", on="_join_key").drop(columns="_join_key")
    return frame


def build_chunk(
    conn: Connection, mapping: Mapping, ctx: BuildContext, chunk: list[int], validator: Validator
) -> dict[int, list[tuple[str, dict[str, Any]]]]:
    """Every resource of these patients: patient_id → [(local key, resource)], in writing order."""
    types = ctx.partner.resource_types
    ctx.patient_ids = {p: ctx.pseudo.id(patient_key(p)) for p in chunk}
    ctx.patient_refs = {p: {"reference": f"Patient/{i}"} for p, i in ctx.patient_ids.items()}
    if ctx.shift_dates:
        ctx.shifts = {p: ctx.pseudo.shift_days(p) for p in chunk}
    frames = {}
    for source, profiles in mapping.by_source(types).items():
        cols = set().union(*(p.columns() for p in profiles))
        frames[source] = read_source(conn, source, cols, chunk)
    tables = {table: read_source(conn, table, cols, chunk) for table, cols in mapping.joins(types).items()}
    per_patient: dict[int, list[tuple[str, dict[str, Any]]]] = {p: [] for p in chunk}
    provenance: list[Profile] = []
    for profile in mapping.profiles:
        if profile.resource_type not in types:
            continue
        if profile.resource_type == "Provenance":
            provenance.append(profile)
            continue
        frame = joined(profile, frames[profile.source], tables) if profile.join else frames[profile.source]
        _collect(build_profile(profile, frame, ctx), per_patient, validator)
    if provenance:
        ctx.targets = {p: [f"{r['resourceType']}/{r['id']}" for _, r in items] for p, items in per_patient.items()}
        ctx.source_files = read_source_files(conn, chunk)
        for profile in provenance:
            _collect(build_profile(profile, frames[profile.source], ctx), per_patient, validator)
    return per_patient


def _collect(built: Built, per_patient: dict[int, list[tuple[str, dict[str, Any]]]], validator: Validator) -> None:
    validator.check(built.resources, built.profile.local_prefix())
    ids, pids, keys, resources = built.ids, built.patient_ids, built.local_keys, built.resources
    for i in sorted(range(len(ids)), key=ids.__getitem__):
        per_patient[pids[i]].append((keys[i], resources[i]))


def deletes(pseudo: Pseudonymizer, keys: set[str], types: tuple[str, ...]) -> list[tuple[str, str]]:
    out = [(k.split("/", 1)[0], pseudo.id(k)) for k in keys]
    return sorted((t, i) for t, i in out if t in types)


def run_chunk(job: ChunkJob) -> ChunkResult:
    """Build and write one chunk; what it wrote, its validation verdicts and its ledger rows."""
    engine = _ENGINES.get(job.url)
    if engine is None:
        engine = _ENGINES[job.url] = make_engine(job.url, poolclass=NullPool)
    mapping = load_mapping()
    job.out_dir.mkdir(parents=True, exist_ok=True)
    writer = make_writer(job.fmt, job.out_dir, **job.writer_options)
    validator = Validator(job.validate, job.every, _VALIDATED_PROFILES)
    result = ChunkResult({}, 0, 0, [], [], [])
    types = job.partner.resource_types
    with engine.connect() as conn:
        ctx = context(job, conn, mapping)
        built = build_chunk(conn, mapping, ctx, job.patients, validator) if job.patients else {}
    patient_keyed = {p.local_prefix() for p in mapping.profiles if p.patient_keyed}
    todo = [(p, ctx.patient_ids[p], built[p]) for p in job.patients]
    todo += [(p, ctx.pseudo.id(patient_key(p)), []) for p in job.gone]
    gone = set(job.gone)
    for p, pid, items in todo:
        before = None if job.before is None else job.before.get(p, {})
        if p in gone:  # a deleted patient: everything given, and its patient-keyed resources
            before = {**(before or {}), **{f"{prefix}/{p}": None for prefix in patient_keyed}}
        d = delta(items, before, types)
        if not d.send and not d.delete:
            result.unchanged_patients += 1
            continue
        removed = deletes(ctx.pseudo, set(d.delete), types)
        start = len(writer.bundles) if isinstance(writer, BundleWriter) else 0
        writer.patient(pid, [r for _, r in d.send], removed)
        result.sent_patients += p not in gone
        if not job.per_bundle:
            result.ledger.append((p, *ledger_text(dict(d.state))))
        elif isinstance(writer, BundleWriter):
            urls = {f"{r['resourceType']}/{r['id']}": k for k, r in d.send}
            urls |= {f"{k.split('/', 1)[0]}/{ctx.pseudo.id(k)}": k for k in d.delete}
            given = {k: h for k, h in (before or {}).items() if k.split("/", 1)[0] in types}
            result.checkpoints |= checkpoints(writer, p, given, d, urls, start)
    result.counts = writer.close()
    result.files = writer.written() if hasattr(writer, "written") else []
    result.deleted, result.validated, result.errors = writer.deleted, validator.validated, validator.errors
    return result
