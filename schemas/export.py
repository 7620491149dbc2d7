"""FHIR export bookkeeping: what each partner was sent, and what it acknowledged.

* `export_batch` — one export (files written, or a push), with the run range it covers;
* `export_ledger` — per partner and patient, the resources (by local key) the partner
  was given as of a run, with the content hash of each as sent: the baseline from which a
  later `--since` export or push computes what changed and what to delete (patient 0: the
  resources of no patient, the ResearchStudy);
* `export_push` — per partner and bundle, the content a partner's server acknowledged,
  so that a push interrupted half-way never re-sends what already arrived;
* `export_partner` — per partner, the newest run whose data it acknowledged completely:
  where the next push (`--since`) starts.

None of these tables holds personal data: patients appear by internal id only.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from schemas.tables import Base

EXPORT_FORMATS = ("bundle", "ndjson", "push")
EXPORT_STATUSES = ("written", "pushed", "partial")


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


class ExportBatch(Base):
    """One FHIR export to a partner: its format, the runs it covers and what it held."""

    __tablename__ = "export_batch"
    __table_args__ = (
        CheckConstraint(_in("format", EXPORT_FORMATS), name="format"),
        CheckConstraint(_in("status", EXPORT_STATUSES), name="status"),
    )

    export_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    partner: Mapped[str] = mapped_column(String(64), index=True)
    format: Mapped[str] = mapped_column(String(8))
    since_run_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("etl_run.run_id"), comment="changes after this run only; NULL = everything"
    )
    up_to_run_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("etl_run.run_id"), comment="the newest completed run whose data it holds"
    )
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    out_dir: Mapped[str | None] = mapped_column(Text)
    patients: Mapped[int] = mapped_column(Integer, default=0)
    resources: Mapped[int] = mapped_column(Integer, default=0)
    deleted: Mapped[int] = mapped_column(Integer, default=0, comment="resources listed for deletion")
    status: Mapped[str] = mapped_column(String(16))


class ExportLedger(Base):
    """The resources (local keys) a partner was given for a patient, as of a run, and their content hashes."""

    __tablename__ = "export_ledger"

    partner: Mapped[str] = mapped_column(String(64), primary_key=True)
    patient_id: Mapped[int] = mapped_column(Integer, primary_key=True, comment="patient_id (no FK: outlives it)")
    as_of_run_id: Mapped[int] = mapped_column(Integer, ForeignKey("etl_run.run_id"), primary_key=True)
    resource_keys: Mapped[str] = mapped_column(Text, comment="local keys, one a line, sorted; '' = deleted")
    content_sha256: Mapped[str | None] = mapped_column(
        Text, comment="sha-256 (hex) of each resource as sent, one a line as resource_keys; NULL = not kept"
    )
    acknowledged: Mapped[bool] = mapped_column(
        Boolean, server_default=false(), comment="true: a push's server acknowledged it; false: files written"
    )


class ExportPush(Base):
    """A bundle a partner's server acknowledged (its content hash), per partner and bundle."""

    __tablename__ = "export_push"

    partner: Mapped[str] = mapped_column(String(64), primary_key=True)
    bundle: Mapped[str] = mapped_column(String(128), primary_key=True, comment="bundle file name")
    content_sha256: Mapped[str] = mapped_column(String(64))
    up_to_run_id: Mapped[int] = mapped_column(Integer, ForeignKey("etl_run.run_id"))
    acknowledged_at: Mapped[dt.datetime] = mapped_column(DateTime)


class ExportPartner(Base):
    """Per partner, the newest run whose data its server acknowledged completely."""

    __tablename__ = "export_partner"

    partner: Mapped[str] = mapped_column(String(64), primary_key=True)
    acked_run_id: Mapped[int] = mapped_column(Integer, ForeignKey("etl_run.run_id"))
    acked_at: Mapped[dt.datetime] = mapped_column(DateTime)
