"""Merge and load the night's registry rows: the patients, their conflicts, and who was deleted.

The registry files of a night are the registry, so a patient they no longer name
is deleted; but never on a night where a registry file could not be read, has no
patient-code column or no data row, may have been cut short, or holds a row whose
patient code cannot be read (whom that row names is unknown), nor on a night
whose registry yields no usable row at all (that is never "the registry is now empty").
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, func, select

from etl.db.bulk import upsert
from etl.harmonize.dedupe import split_duplicates
from etl.harmonize.identity import patient_keys
from etl.harmonize.merge import Merged, invalid_merged, merge_patients
from etl.harmonize.origins import record_to_source
from etl.load.changes import BatchLoad, TableChange
from etl.load.night_file import NightFile
from etl.load.patients import load_patients
from etl.load.record_digest import RecordSources, source_texts
from etl.messages import Say
from etl.performance import release_memory
from schemas.tables import MergeConflict, Person


def load_registry(
    conn: Connection, run_id: int, files: list[NightFile], say: Say, judged_by: str | None = None, *, reuse: bool = True
) -> BatchLoad:
    """Merge and load the registry files among `files` (none: the patients stay as they are, and
    the result is empty); every registry row's outcome is set, its records dropped once loaded.
    `judged_by` (etl.run.inputs), `reuse`: the patients' record digests (etl.load.record_digest;
    None, or a file without its cells' sha-256s: every patient is synchronized)."""
    feeds = [f for f in files if not f.is_labs]
    registry = [f for f in feeds if f.table is not None]
    load = BatchLoad()
    if not registry:
        return load
    complete = all(f.whole(unnamed_rows_count=True) for f in feeds)
    if not complete:
        load.notes.append(("run.note.no_patient_deleted", {}))
        say("run.note.no_patient_deleted")
    digests = _record_sources(registry, judged_by, reuse)
    _load(conn, run_id, registry, load, complete, say, digests)
    for item in registry:
        item.records = None  # loaded: the laboratory night needs the memory
    release_memory()
    say("run.progress.patients", patients=load.patients, changed=load.changed_patients)
    return load


def _record_sources(registry: list[NightFile], judged_by: str | None, reuse: bool) -> RecordSources | None:
    """What the night's record digests are made with, when every registry file brought its cells'
    sha-256s (None: no digests tonight)."""
    if judged_by is None:
        return None
    texts = []
    for f in registry:  # never empty: load_registry returned before
        if f.raw_ids is None or f.cell_digests is None:
            return None
        texts.append(source_texts(f.source.feed, f.table.date_system if f.table else None, f.raw_ids, f.cell_digests))
    return RecordSources(pd.concat(texts), judged_by, reuse)


def _load(
    conn: Connection,
    run_id: int,
    registry: list[NightFile],
    load: BatchLoad,
    complete: bool,
    say: Say,
    digests: RecordSources | None,
) -> None:
    frames = []
    for item in registry:
        if item.records is None or item.records.empty:
            continue
        dups = split_duplicates(item.records, item.code_header())
        item.reject(dups.conflicting)
        item.outcome.update({row: "merged" for row in dups.identical_rows})
        if not dups.unique.empty:
            frames.append(dups.unique)
    if not frames:
        load.notes.append(("run.note.no_usable_registry_row", {}))
        say("run.note.no_usable_registry_row")
        load.patients = int(conn.execute(select(func.count()).select_from(Person.__table__)).scalar() or 0)
        return
    rows = pd.concat(frames, ignore_index=True)
    seen = _seen_keys(registry) if complete else None
    merged = _reject_invalid_merges(registry, merge_patients(rows), rows)
    merged_rows = set(merged.merged_rows.astype(int))
    for item in registry:
        if item.records is None:
            continue
        for row, raw_id in zip(item.records["row_number"], item.records["raw_row_id"], strict=True):
            item.outcome.setdefault(int(row), "merged" if int(raw_id) in merged_rows else "loaded")
    result, patients = load_patients(conn, merged.patients, merged.value_sources, run_id, seen, digests)
    _store_conflicts(conn, run_id, merged.conflicts, patients)
    load.conflicts = len(merged.conflicts)
    load.patients = len(patients)
    load.changed_patients = len(result.changed_patients)
    load.deleted_patients = result.deleted_patients
    load.changes["patient"] = TableChange(
        "patient",
        stored_before=result.stored_before,
        inserted=len(result.inserted_keys),
        updated=len(result.changed_patients) - len(result.inserted_keys),
        deleted=result.deleted_patients,
        deleted_keys=result.deleted_keys,
        inserted_keys=result.inserted_keys,
        cascaded=result.deleted_lab_results,
    )


def _seen_keys(registry: list[NightFile]) -> set[str]:
    """Every patient code named by a registry row tonight, whether the row was valid or not."""
    seen: set[str] = set()
    for item in registry:
        if item.code_cells is not None:
            seen |= set(patient_keys(item.code_cells).dropna())
    return seen


def _reject_invalid_merges(registry: list[NightFile], merged: Merged, rows: pd.DataFrame) -> Merged:
    """Quarantine every row of a patient whose merged record breaks a rule; that patient keeps
    what was loaded before (its code was seen tonight, so it is not deleted either)."""
    several = set(rows.loc[rows["patient_key"].duplicated(keep=False), "patient_key"])
    bad = invalid_merged(merged.patients, several)
    if bad.empty:
        return merged
    to_source = record_to_source()
    for item in registry:
        if item.records is None or item.records.empty or item.columns is None or item.table is None:
            continue
        hit = item.records.merge(bad, on="patient_key")
        if hit.empty:
            continue
        headers = [item.columns.header(item.table, to_source.get(f, f)) for f in hit["field"]]
        item.reject(
            pd.DataFrame(
                {
                    "row_number": hit["row_number"],
                    "column_name": headers,
                    "raw_value": None,
                    "reason_code": hit["reason"],
                    "message": hit["message"],
                }
            )
        )
    keys = set(bad["patient_key"])
    return Merged(
        merged.patients[~merged.patients["patient_key"].isin(keys)].reset_index(drop=True),
        merged.value_sources[~merged.value_sources["patient_key"].isin(keys)],
        merged.conflicts[~merged.conflicts["patient_key"].isin(keys)],
        merged.merged_rows,
    )


def _store_conflicts(conn: Connection, run_id: int, conflicts: pd.DataFrame, patients: pd.DataFrame) -> None:
    if conflicts.empty:
        return
    rows = conflicts.merge(patients[["patient_key", "patient_id"]], on="patient_key").drop(columns="patient_key")
    rows = rows.assign(run_id=run_id).astype(object)
    keys = ["patient_id", "field", "kept_raw_row_id", "discarded_raw_row_id"]
    upsert(conn, MergeConflict.__table__, rows.to_dict("records"), keys, update=False)
