"""Load the night's laboratory files: each row to its patient, then the results (etl.load.labs says
when stored results are kept although tonight's files lack them)."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, func, select, update

from etl.load.changes import BatchLoad, TableChange
from etl.load.labs import attach_patients, load_labs, stack_labs
from etl.load.night_file import NightFile
from etl.load.sync import SyncResult
from etl.performance import release_memory
from schemas.tables import LabResult, Patient, Person

UNKNOWN_PATIENT = "unknown_patient"
PATIENT_CHUNK = 5000  # patient ids per UPDATE statement


def load_lab_results(conn: Connection, run_id: int, files: list[NightFile], load: BatchLoad) -> None:
    """Load the laboratory files among `files` (none: the results stay as they are) after the
    registry (`load`, which gains the `lab_result` change and the notes); every lab row's outcome
    is set, its records dropped once loaded."""
    feeds = [f for f in files if f.is_labs]
    labs = [f for f in feeds if f.table is not None]
    if labs:
        _load(conn, run_id, labs, feeds, load)
        for item in labs:
            item.records = None
        release_memory()
    elif load.cascaded:  # no lab file tonight, but the deleted patients took their results along
        held = int(conn.execute(select(func.count()).select_from(LabResult.__table__)).scalar() or 0)
        load.changes["lab_result"] = _lab_change(load, SyncResult(0, 0, 0, stored=held), [])


def _load(conn: Connection, run_id: int, labs: list[NightFile], feeds: list[NightFile], load: BatchLoad) -> None:
    frames = []
    complete = len(labs) == len(feeds) and all(f.whole() for f in labs)
    for item in labs:
        records = attach_patients(conn, item.records) if item.records is not None else None
        if records is None or records.empty:
            complete = False
            continue
        known = _reject_unknown_patients(item, records)
        if known.empty:
            complete = False
        item.outcome.update({int(r): "loaded" for r in known["row_number"] if int(r) not in item.outcome})
        frames.append(known)
    if not complete:
        load.notes.append(("run.note.no_lab_result_deleted", {}))
    names = [f.rejected_names for f in labs if f.rejected_names is not None and not f.rejected_names.empty]
    kept = pd.concat(names, ignore_index=True) if names else None
    stacked = stack_labs(frames) if frames else pd.DataFrame()
    result = load_labs(conn, stacked, run_id, complete=complete, kept_names=kept)
    _mark_patients(conn, sorted(result.deleted_scope), run_id)
    if result.kept:
        load.notes.append(("run.note.lab_results_kept", {"n": result.kept}))
    load.changes["lab_result"] = _lab_change(load, result, _deleted_results(conn, result.deleted_rows))


def _reject_unknown_patients(item: NightFile, records: pd.DataFrame) -> pd.DataFrame:
    """Quarantine the rows whose patient is not in the registry; returns the others."""
    unknown = records[records["patient_id"].isna()]
    codes = item.code_cells.reindex(unknown["row_number"]).to_numpy() if item.code_cells is not None else None
    item.reject(
        pd.DataFrame(
            {
                "row_number": unknown["row_number"],
                "column_name": item.code_header(),
                "raw_value": codes,
                "reason_code": UNKNOWN_PATIENT,
                "message": "no patient with registry digits "
                + unknown["patient_key"].astype(str)
                + " is in the registry; load the registry row first or correct the code",
            }
        )
    )
    if not unknown.empty:  # a code naming nobody may be any patient's, mistyped: see etl.load.labs
        earlier = None if item.rejected_names is None or item.rejected_names.empty else item.rejected_names
        item.rejected_names = pd.concat(
            [earlier, unknown[["patient_key", "test", "result_date"]].astype(object)], ignore_index=True
        )
    return records[records["patient_id"].notna()]


def _lab_change(load: BatchLoad, result: SyncResult, detail: list[str]) -> TableChange:
    """What the batch changed in lab_result: the results held before it (the deleted patients'
    included, whose results went before the labs were loaded) and every result deleted, theirs too,
    whichever path loads the batch (the nightly run or the publication of a held one)."""
    cascaded = load.cascaded
    return TableChange(
        "lab_result",
        stored_before=result.stored + cascaded,
        inserted=result.inserted,
        updated=result.updated,
        deleted=result.deleted + cascaded,
        deleted_detail=detail,
        cascaded=cascaded,
    )


def _mark_patients(conn: Connection, patient_ids: list[int], run_id: int) -> None:
    """Mark patients whose lab results were withdrawn as changed by this run, so that an export
    `--since` an earlier run visits them and tells the partner to delete what they no longer have."""
    for start in range(0, len(patient_ids), PATIENT_CHUNK):
        chunk = patient_ids[start : start + PATIENT_CHUNK]
        conn.execute(update(Patient.__table__).where(Patient.patient_id.in_(chunk)).values(changed_run_id=run_id))


def _deleted_results(conn: Connection, rows: pd.DataFrame | None) -> list[str]:
    """One line per patient whose lab results were deleted: the patient key, the count, the tests and dates."""
    if rows is None or rows.empty:
        return []
    keys = dict(conn.execute(select(Person.patient_id, Person.patient_key)).all())
    lines = []
    for patient_id, group in rows.groupby("patient_id", sort=True):
        what = ", ".join(
            f"{str(t).removeprefix('lab_test/')} {pd.Timestamp(d).date().isoformat()}"
            for t, d in zip(group["test_id"], group["result_date"], strict=True)
        )
        lines.append(f"{keys.get(int(patient_id), patient_id)}: {len(group)} ({what})")
    return lines
