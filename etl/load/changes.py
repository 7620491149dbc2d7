"""What loading a batch changed: per guarded table (stored in `run_change`), and for the run summary."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection

from etl.db.bulk import upsert
from etl.load.night_file import Note
from schemas.tables import RunChange


@dataclass
class TableChange:
    """What the night changed in a guarded table (stored in `run_change`)."""

    table_name: str
    stored_before: int = 0
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    deleted_keys: tuple[str, ...] = ()
    inserted_keys: tuple[str, ...] = ()
    deleted_detail: list[str] = field(default_factory=list)  # lab results deleted, per patient key
    cascaded: int = 0  # lab results deleted with their patients (patient: counted; lab_result: part of `deleted`)


@dataclass
class BatchLoad:
    """The load stage's result: the registry after the batch, what it changed, and why it kept
    what it kept (`notes`: message keys of mappings/messages.csv with their parameters)."""

    patients: int = 0  # patients in the registry after the batch
    changed_patients: int = 0  # inserted or changed by the batch
    deleted_patients: int = 0
    conflicts: int = 0  # cells two rows of one patient disagree on (`merge_conflict`)
    changes: dict[str, TableChange] = field(default_factory=dict)  # by table name: patient, lab_result
    notes: list[Note] = field(default_factory=list)

    @property
    def cascaded(self) -> int:
        """The lab results the batch's deleted patients took with them (deleted before the labs load)."""
        patients = self.changes.get("patient")
        return patients.cascaded if patients is not None else 0


def record_changes(conn: Connection, run_id: int, load: BatchLoad) -> None:
    """Store what the batch changed in the guarded tables (`run_change`), replacing an earlier record."""
    rows = [
        {
            "run_id": run_id,
            "table_name": c.table_name,
            "stored_before": c.stored_before,
            "inserted": c.inserted,
            "updated": c.updated,
            "deleted": c.deleted,
            "cascaded": c.cascaded if c.table_name == "lab_result" else 0,
            "deleted_keys": "\n".join(c.deleted_keys) or None,
            "inserted_keys": "\n".join(c.inserted_keys) or None,
        }
        for c in load.changes.values()
    ]
    if rows:
        upsert(conn, RunChange.__table__, rows, ["run_id", "table_name"])
