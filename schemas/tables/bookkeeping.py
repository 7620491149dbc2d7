"""The bookkeeping and raw layer: runs, files, raw rows, quarantine, conflicts, lineage map, tombstones."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from schemas.tables.base import (
    CHANGE_TABLES,
    FEEDS,
    FORMATS,
    RUN_STATUSES,
    Base,
    BigIntKey,
    _in,
)


class EtlRun(Base):
    """One run of the nightly job, with its row accounting."""

    __tablename__ = "etl_run"
    __table_args__ = (
        CheckConstraint(_in("status", RUN_STATUSES), name="status"),
        CheckConstraint("finished_at IS NULL OR finished_at >= started_at", name="finished_after_start"),
        CheckConstraint(
            "status <> 'completed' OR rows_in = rows_loaded + rows_merged + rows_quarantined", name="accounting"
        ),
    )

    run_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16))
    source_dir: Mapped[str] = mapped_column(Text)
    rows_in: Mapped[int] = mapped_column(Integer, default=0)
    rows_loaded: Mapped[int] = mapped_column(Integer, default=0)
    rows_merged: Mapped[int] = mapped_column(Integer, default=0)
    rows_quarantined: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(Text)
    inputs_sha256: Mapped[str | None] = mapped_column(
        String(64), comment="sha-256 of the code, mappings, checks and migrations the run judged rows with"
    )
    as_of: Mapped[dt.date | None] = mapped_column(Date, comment="the day the run judged dates against (today)")


class SourceFile(Base):
    """A file as received, identified by its content (sha-256): stored once."""

    __tablename__ = "source_file"
    __table_args__ = (
        CheckConstraint(_in("feed", FEEDS), name="feed"),
        CheckConstraint(_in("format", FORMATS), name="format"),
        CheckConstraint("length(checksum_sha256) = 64", name="checksum_length"),
        CheckConstraint("date_system IS NULL OR date_system IN (1900, 1904)", name="date_system"),
    )

    file_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    checksum_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    file_name: Mapped[str] = mapped_column(Text)
    feed: Mapped[str] = mapped_column(String(16))
    format: Mapped[str] = mapped_column(String(8))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    encoding: Mapped[str | None] = mapped_column(String(32))
    delimiter: Mapped[str | None] = mapped_column(String(4))
    sheet: Mapped[str | None] = mapped_column(Text)
    header_row: Mapped[int | None] = mapped_column(Integer, comment="physical line/row of the header (NULL: 1)")
    preamble: Mapped[str | None] = mapped_column(Text, comment="non-blank lines above the header, one a line")
    date_system: Mapped[int | None] = mapped_column(
        Integer, comment="an .xlsx workbook's date system (1900 or 1904) for serial day numbers; NULL for CSV"
    )


class RunFile(Base):
    """What one run did with one file (or that it could not read it)."""

    __tablename__ = "run_file"
    __table_args__ = (
        CheckConstraint(_in("status", ("read", "unreadable")), name="status"),
        CheckConstraint(
            "status <> 'read' OR rows_in = rows_loaded + rows_merged + rows_quarantined", name="accounting"
        ),
        CheckConstraint("status <> 'unreadable' OR error IS NOT NULL", name="unreadable_has_error"),
    )

    run_id: Mapped[int] = mapped_column(Integer, ForeignKey("etl_run.run_id"), primary_key=True)
    file_name: Mapped[str] = mapped_column(Text, primary_key=True)
    file_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("source_file.file_id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    rows_in: Mapped[int] = mapped_column(Integer, default=0)
    rows_loaded: Mapped[int] = mapped_column(Integer, default=0)
    rows_merged: Mapped[int] = mapped_column(Integer, default=0)
    rows_quarantined: Mapped[int] = mapped_column(Integer, default=0)
    rows_unchanged: Mapped[int] = mapped_column(
        Integer,
        default=0,
        server_default="0",
        comment="of rows_in, rows of a file the live batch held already: counted as the run that read it did",
    )


class RunChange(Base):
    """What one run changed in a guarded table (`patient`, `lab_result`): the counts the deletion guard
    and the run summary read, and for patients the keys deleted and inserted (to tell a mistyped
    code from a patient who left)."""

    __tablename__ = "run_change"
    __table_args__ = (CheckConstraint(_in("table_name", CHANGE_TABLES), name="table_name"),)

    run_id: Mapped[int] = mapped_column(Integer, ForeignKey("etl_run.run_id"), primary_key=True)
    table_name: Mapped[str] = mapped_column(String(32), primary_key=True)
    stored_before: Mapped[int] = mapped_column(Integer, comment="rows the table held before the run")
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    deleted: Mapped[int] = mapped_column(Integer, default=0)
    cascaded: Mapped[int] = mapped_column(
        Integer,
        default=0,
        server_default="0",
        comment="lab_result: of `deleted`, those deleted with their patient (guarded as patients)",
    )
    deleted_keys: Mapped[str | None] = mapped_column(Text, comment="patient: keys deleted, one a line")
    inserted_keys: Mapped[str | None] = mapped_column(Text, comment="patient: keys inserted, one a line")


class SourceColumn(Base):
    """A column of a source file: its header as written and the field it maps to (NULL: unknown)."""

    __tablename__ = "source_column"

    file_id: Mapped[int] = mapped_column(Integer, ForeignKey("source_file.file_id"), primary_key=True)
    column_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    header: Mapped[str] = mapped_column(Text)
    field: Mapped[str | None] = mapped_column(String(64))


class RawRow(Base):
    """A row exactly as received: every original header with its cell text."""

    __tablename__ = "raw_row"
    __table_args__ = (
        UniqueConstraint("file_id", "row_number"),
        CheckConstraint("row_number >= 2", name="data_row_number"),
    )

    raw_row_id: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
    file_id: Mapped[int] = mapped_column(Integer, ForeignKey("source_file.file_id"), index=True)
    row_number: Mapped[int] = mapped_column(Integer, comment="1-based physical row, header = 1")
    cells: Mapped[dict[str, Any]] = mapped_column(JSON, comment="original header -> cell text (null = empty)")


class Quarantine(Base):
    """A rejected row (or file), with the cell and a reason a data manager can act on."""

    __tablename__ = "quarantine"
    __table_args__ = (UniqueConstraint("file_id", "row_number", "column_name", "reason_code"),)

    quarantine_id: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(Integer, ForeignKey("etl_run.run_id"), index=True, comment="first run")
    file_id: Mapped[int] = mapped_column(Integer, ForeignKey("source_file.file_id"), index=True)
    row_number: Mapped[int] = mapped_column(Integer, comment="0 = the whole file")
    column_name: Mapped[str] = mapped_column(Text, default="", comment="original header; '' = the whole row")
    raw_value: Mapped[str | None] = mapped_column(Text)
    reason_code: Mapped[str] = mapped_column(String(48))
    message: Mapped[str] = mapped_column(Text)
    raw_row_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("raw_row.raw_row_id"), index=True)


class RunQuarantine(Base):
    """Which quarantine rows a run produced: a file rejected again by a later run (the same rows, the
    same reasons) is recorded once in `quarantine`, under its first run, and linked here to every run
    that rejected it, so that each run's rejections can be listed."""

    __tablename__ = "run_quarantine"

    run_id: Mapped[int] = mapped_column(Integer, ForeignKey("etl_run.run_id"), primary_key=True)
    quarantine_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("quarantine.quarantine_id"), primary_key=True, index=True
    )


class MergeConflict(Base):
    """A field that differed between two rows of one patient, and which value won."""

    __tablename__ = "merge_conflict"
    __table_args__ = (UniqueConstraint("patient_id", "field", "kept_raw_row_id", "discarded_raw_row_id"),)

    conflict_id: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
    patient_id: Mapped[int] = mapped_column(Integer, ForeignKey("patient.patient_id"), index=True)
    field: Mapped[str] = mapped_column(String(64))
    kept_value: Mapped[str | None] = mapped_column(Text)
    discarded_value: Mapped[str | None] = mapped_column(Text)
    kept_raw_row_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("raw_row.raw_row_id"), index=True)
    discarded_raw_row_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("raw_row.raw_row_id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    run_id: Mapped[int] = mapped_column(Integer, ForeignKey("etl_run.run_id"), index=True, comment="first run")


class ValueSource(Base):
    """Lineage exceptions: a patient's field taken from another row than the patient's raw_row_id (merging)."""

    __tablename__ = "value_source"

    patient_id: Mapped[int] = mapped_column(Integer, ForeignKey("patient.patient_id"), primary_key=True)
    field: Mapped[str] = mapped_column(String(64), primary_key=True, comment="PatientRecord field")
    raw_row_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("raw_row.raw_row_id"), index=True)


class PatientRecordDigest(Base):
    """What each patient's harmonized rows were made from, as one sha-256: the merged record, the
    cells of the source rows its values came from, and what judged them (etl.load.record_digest).
    A night whose merged record of a patient has the same digest leaves that patient's rows as
    they are."""

    __tablename__ = "patient_record_digest"

    patient_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("patient.patient_id"), primary_key=True, autoincrement=False
    )
    record_sha256: Mapped[str] = mapped_column(String(64))


class FieldOrigin(Base):
    """Which record field, and which source field of the feeds, each harmonized column comes from.

    Loaded from the field catalogue (mappings/field_catalogue.yaml, its `to:` columns;
    `source_field` is a field name of it). `concept_id` selects the row of a long
    table (e.g. complication/sos) and is '' for wide tables.
    """

    __tablename__ = "field_origin"

    table_name: Mapped[str] = mapped_column(String(48), primary_key=True)
    column_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    concept_id: Mapped[str] = mapped_column(String(80), primary_key=True, default="")
    record_field: Mapped[str] = mapped_column(String(64))
    source_field: Mapped[str] = mapped_column(String(64), comment="field name of mappings/headers.yaml")


class DeletedPatient(Base):
    """A tombstone: a patient who left the registry's feeds, so exports can tell partners to delete."""

    __tablename__ = "deleted_patient"

    patient_id: Mapped[int] = mapped_column(Integer, primary_key=True, comment="the former patient.patient_id")
    deleted_run_id: Mapped[int] = mapped_column(Integer, ForeignKey("etl_run.run_id"), index=True)
