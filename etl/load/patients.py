"""Load the night's harmonized patients: ids, every table, tombstones, change marks.

The registry feeds are full exports: the patients of a night that brought any
registry file are the registry. A patient no longer in them is deleted from
every table and leaves a tombstone (`deleted_patient`), so that FHIR exports can
tell partners; a night without registry files changes no patient.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection, delete, func, insert, select, update

from etl.load.builders import build_table
from etl.load.record_digest import RecordSources, record_digests, unchanged_records
from etl.load.sync import SyncResult, stored_all_max, sync_table
from schemas.tables import (
    DeletedPatient,
    LabResult,
    Patient,
    PatientRecordDigest,
    Person,
    Transplant,
    ValueSource,
    metadata,
)

# (table, natural key, scope column, surrogate id assigned by the loader), parents first.
TABLE_ORDER: list[tuple[str, list[str], str, str | None]] = [
    ("patient", ["patient_id"], "patient_id", None),
    ("person", ["patient_id"], "patient_id", None),
    ("diagnosis", ["patient_id"], "patient_id", None),
    ("transplant", ["transplant_id"], "patient_id", None),
    ("bridging_therapy", ["transplant_id"], "patient_id", "therapy_id"),
    ("drug_administration", ["transplant_id", "purpose", "drug_id", "therapy_day"], "patient_id", "administration_id"),
    ("disease_assessment", ["transplant_id"], "transplant_id", None),
    ("pretransplant_toxicity", ["transplant_id", "toxicity_id"], "transplant_id", None),
    ("recovery", ["transplant_id"], "transplant_id", None),
    ("complication", ["transplant_id", "complication_id"], "transplant_id", None),
    ("relapse", ["transplant_id"], "transplant_id", None),
    ("dli", ["transplant_id"], "transplant_id", None),
    ("follow_up", ["transplant_id"], "transplant_id", None),
]
RecordDigest = PatientRecordDigest.__table__
# children first, for deleting whole patients
PATIENT_CHILDREN = [
    "patient_record_digest", "value_source", "merge_conflict", "lab_result", "follow_up", "dli", "relapse",
    "complication", "recovery", "pretransplant_toxicity", "disease_assessment", "drug_administration",
    "bridging_therapy", "transplant", "diagnosis", "person",
]  # fmt: skip


@dataclass(frozen=True)
class PatientLoad:
    inserted_patients: int
    deleted_patients: int
    changed_patients: frozenset[int]
    tables: dict[str, SyncResult]
    stored_before: int = 0  # patients held before the night
    deleted_keys: tuple[str, ...] = ()  # patient keys deleted
    inserted_keys: tuple[str, ...] = ()  # patient keys new tonight
    deleted_lab_results: int = 0  # the deleted patients' lab results, deleted with them


def assign_ids(conn: Connection, patients: pd.DataFrame) -> pd.DataFrame:
    """patient_id and transplant_id: the stored ones by patient_key, new ones after the largest."""
    known = pd.read_sql(
        select(Person.patient_key, Person.patient_id, Transplant.transplant_id).join(
            Transplant, Transplant.patient_id == Person.patient_id, isouter=True
        ),
        conn,
    )
    out = patients.sort_values("patient_key", kind="stable").reset_index(drop=True)
    out = out.merge(known, on="patient_key", how="left")
    new = out["patient_id"].isna()
    next_patient = stored_all_max(conn, Patient.__table__, "patient_id")
    next_patient = max(next_patient, stored_all_max(conn, DeletedPatient.__table__, "patient_id"))
    out.loc[new, "patient_id"] = range(next_patient + 1, next_patient + 1 + int(new.sum()))
    no_tx = out["transplant_id"].isna()
    next_tx = stored_all_max(conn, Transplant.__table__, "transplant_id")
    out.loc[no_tx, "transplant_id"] = range(next_tx + 1, next_tx + 1 + int(no_tx.sum()))
    out["patient_id"] = out["patient_id"].astype(int)
    out["transplant_id"] = out["transplant_id"].astype(int)
    return out


def delete_patients(conn: Connection, patient_ids: list[int], run_id: int) -> None:
    """Remove patients from every table (children first) and leave tombstones."""
    if not patient_ids:
        return
    tx_ids = select(Transplant.transplant_id).where(Transplant.patient_id.in_(patient_ids))
    for name in PATIENT_CHILDREN:
        table = metadata.tables[name]
        if "patient_id" in table.c:
            conn.execute(delete(table).where(table.c.patient_id.in_(patient_ids)))
        else:
            conn.execute(delete(table).where(table.c.transplant_id.in_(tx_ids)))
    conn.execute(delete(Patient.__table__).where(Patient.patient_id.in_(patient_ids)))
    conn.execute(insert(DeletedPatient.__table__), [{"patient_id": p, "deleted_run_id": run_id} for p in patient_ids])


def load_patients(
    conn: Connection,
    patients: pd.DataFrame,
    value_sources: pd.DataFrame,
    run_id: int,
    seen_keys: set[str] | None = None,
    digests: RecordSources | None = None,
) -> tuple[PatientLoad, pd.DataFrame]:
    """Make the clinical and personal tables hold exactly these patients; returns the ids assigned too.

    `patients`: PatientRecord fields + `raw_row_id`; `value_sources`: patient_key, field, raw_row_id
    for fields taken from another row than the patient's own while merging. `seen_keys`: every
    patient code the night's registry rows name, valid or not; a stored patient not among them
    has left the registry and is deleted. A patient whose rows were all rejected tonight is
    named there but not in `patients`: it keeps what was loaded before, untouched.
    `digests`: the night's source rows and judging inputs, with which a patient whose merged record
    has its stored digest is left untouched (etl.load.record_digest); None: every patient is
    synchronized, and no digest kept.
    """
    patients = assign_ids(conn, patients)
    stored = pd.read_sql(select(Person.patient_id, Person.patient_key), conn)
    leaving = stored[~stored["patient_key"].isin(seen_keys)] if seen_keys is not None else stored.iloc[:0]
    gone = sorted(leaving["patient_id"].astype(int))
    their_results = _count_results(conn, gone)
    delete_patients(conn, gone, run_id)
    digest = _digests(patients, value_sources, digests)
    same = unchanged_records(conn, patients["patient_id"], digest) if digests and digests.reuse else None
    synced = patients if same is None else patients[~same]
    scope = {"patient_id": set(synced["patient_id"]), "transplant_id": set(synced["transplant_id"])}

    tx_to_patient = dict(zip(synced["transplant_id"], synced["patient_id"], strict=True))
    results: dict[str, SyncResult] = {}
    changed: set[int] = set()
    for name, key, scope_col, surrogate in TABLE_ORDER if len(synced) else []:
        rows = build_table(name, synced)  # one table at a time: a large registry's need not coexist
        result = sync_table(conn, metadata.tables[name], rows, key, scope_col, scope[scope_col], surrogate, run_id)
        del rows
        results[name] = result
        ids = result.changed_scope
        changed |= {tx_to_patient[i] for i in ids} if scope_col == "transplant_id" else set(ids)
    vs = value_sources.merge(synced[["patient_key", "patient_id"]], on="patient_key")[
        ["patient_id", "field", "raw_row_id"]
    ]
    results["value_source"] = sync_table(
        conn, ValueSource.__table__, vs, ["patient_id", "field"], "patient_id", scope["patient_id"], None, run_id
    )
    kept = pd.DataFrame({"patient_id": synced["patient_id"], "record_sha256": digest.reindex(synced.index)})
    sync_table(conn, RecordDigest, kept.dropna(), ["patient_id"], "patient_id", scope["patient_id"], None, run_id)
    changed -= set(gone)
    new_patients = results["patient"].inserted if "patient" in results else 0
    new_ids = set(patients["patient_id"]) - set(stored["patient_id"])  # inserted with this run's mark already
    marks = sorted(changed - new_ids)
    for start in range(0, len(marks), 5000):  # bounded IN lists: drivers cap the parameters of one statement
        chunk = marks[start : start + 5000]
        conn.execute(update(Patient.__table__).where(Patient.patient_id.in_(chunk)).values(changed_run_id=run_id))
    new_keys = tuple(sorted(patients.loc[patients["patient_id"].isin(new_ids), "patient_key"].astype(str)))
    load = PatientLoad(
        new_patients,
        len(gone),
        frozenset(changed),
        results,
        stored_before=len(stored),
        deleted_keys=tuple(sorted(leaving["patient_key"].astype(str))),
        inserted_keys=new_keys,
        deleted_lab_results=their_results,
    )
    return load, patients


def _digests(patients: pd.DataFrame, value_sources: pd.DataFrame, digests: RecordSources | None) -> pd.Series:
    """Each patient's record digest (etl.load.record_digest), None where it cannot be made."""
    if digests is None:
        return pd.Series(None, index=patients.index, dtype=object)
    return record_digests(patients, value_sources, digests.sources, digests.salt)


def _count_results(conn: Connection, patient_ids: list[int]) -> int:
    total = 0
    for start in range(0, len(patient_ids), 5000):
        chunk = patient_ids[start : start + 5000]
        query = select(func.count()).select_from(LabResult.__table__).where(LabResult.patient_id.in_(chunk))
        total += int(conn.execute(query).scalar() or 0)
    return total
