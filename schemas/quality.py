"""Data-quality results and the publication of each night's batch (issue 6).

* `quality_run` — one execution of the checks: after a nightly run (`hsct run`),
  alone (`hsct quality`), or when a held batch is published after review;
* `quality_result` — what one check found: success, observed value, counts and
  a sample of the failing rows named by their lineage (file, row);
* `batch_publication` — whether a night's batch is published (the live
  harmonized tables hold it) or held by a blocking failure, and who decided.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, DateTime, Double, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from schemas.tables import Base, BigIntKey, _in

QUALITY_TRIGGERS = ("run", "quality", "publish")
SEVERITIES = ("blocking", "warning")
PUBLICATION_STATUSES = ("published", "held")


class QualityRun(Base):
    """One execution of the data-quality checks, and where its Data Docs were written."""

    __tablename__ = "quality_run"
    __table_args__ = (CheckConstraint(_in("trigger", QUALITY_TRIGGERS), name="trigger"),)

    quality_run_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("etl_run.run_id"), index=True, comment="the nightly run whose batch was checked"
    )
    trigger: Mapped[str] = mapped_column(String(16), comment="run | quality | publish")
    checked_at: Mapped[dt.datetime] = mapped_column(DateTime)
    success: Mapped[bool] = mapped_column(Boolean, comment="no blocking check failed")
    checks: Mapped[int] = mapped_column(Integer)
    blocking_failures: Mapped[int] = mapped_column(Integer)
    warning_failures: Mapped[int] = mapped_column(Integer)
    docs_path: Mapped[str | None] = mapped_column(Text, comment="index.html of the Data Docs")


class QualityResult(Base):
    """What one check found in one quality run."""

    __tablename__ = "quality_result"
    __table_args__ = (CheckConstraint(_in("severity", SEVERITIES), name="severity"),)

    result_id: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
    quality_run_id: Mapped[int] = mapped_column(Integer, ForeignKey("quality_run.quality_run_id"), index=True)
    check_id: Mapped[str] = mapped_column(String(80), comment="row of expectations/checks.csv")
    suite: Mapped[str] = mapped_column(String(80), comment="GX expectation suite, <layer>.<frame>")
    expectation_type: Mapped[str] = mapped_column(String(80))
    category: Mapped[str] = mapped_column(String(24), comment="conformance, completeness, plausibility, ...")
    frame: Mapped[str] = mapped_column(String(64), comment="table or derived frame checked")
    field: Mapped[str | None] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    threshold: Mapped[float] = mapped_column(Double, comment="% of rows allowed to fail")
    success: Mapped[bool] = mapped_column(Boolean)
    observed_value: Mapped[str | None] = mapped_column(Text)
    element_count: Mapped[int | None] = mapped_column(Integer)
    unexpected_count: Mapped[int | None] = mapped_column(Integer)
    unexpected_percent: Mapped[float | None] = mapped_column(Double)
    unexpected_sample: Mapped[list[Any] | None] = mapped_column(
        JSON, comment="failing rows: value and lineage (file, row)"
    )


class BatchPublication(Base):
    """A night's batch: published (the live tables hold it) or held by a blocking failure."""

    __tablename__ = "batch_publication"
    __table_args__ = (CheckConstraint(_in("status", PUBLICATION_STATUSES), name="status"),)

    run_id: Mapped[int] = mapped_column(Integer, ForeignKey("etl_run.run_id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[str] = mapped_column(Text, comment="'quality gate' or the data manager")
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(Text)
    held_reason: Mapped[str | None] = mapped_column(Text, comment="the blocking failures, kept after publishing")
