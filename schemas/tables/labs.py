"""The laboratory results: one row per patient, test, day and repeat, dated from the transplant."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    Double,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from schemas.tables.base import (
    Base,
    BigIntKey,
    changed_run_fk,
    concept_fk,
    domain_check,
)


class LabResult(Base):
    """A laboratory result, its value in the canonical UCUM unit."""

    __tablename__ = "lab_result"
    __table_args__ = (
        domain_check("test_id", "lab_test"),
        domain_check("value_concept_id", "hla_loss"),
        CheckConstraint("value_num IS NOT NULL OR value_concept_id IS NOT NULL", name="has_value"),
        CheckConstraint("value_comparator IS NULL OR value_comparator IN ('<', '<=', '>', '>=')", name="comparator"),
        CheckConstraint("unit <> '%' OR value_num BETWEEN 0 AND 100", name="percent"),
        UniqueConstraint("patient_id", "test_id", "result_date", "seq"),
    )

    lab_result_id: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
    # indexes kept few on this largest table: patient_id leads the unique key; the value
    # concept and change mark are filtered rarely and scanned cheaply
    patient_id: Mapped[int] = mapped_column(Integer, ForeignKey("patient.patient_id"))
    transplant_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("transplant.transplant_id"), index=True)
    test_id: Mapped[str] = concept_fk("lab_test", nullable=False)
    result_date: Mapped[dt.date] = mapped_column(Date)
    result_day: Mapped[int | None] = mapped_column(Integer, comment="result_date - hsct_date")
    seq: Mapped[int] = mapped_column(Integer, default=0, comment="0, 1, ...: repeats of a test on one day")
    value_num: Mapped[float | None] = mapped_column(Double)
    value_comparator: Mapped[str | None] = mapped_column(String(2))
    value_concept_id: Mapped[str | None] = concept_fk("hla_loss", index=False)
    unit: Mapped[str | None] = mapped_column(String(16), comment="UCUM")
    raw_row_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("raw_row.raw_row_id"), unique=True, comment="source row (lineage)"
    )
    changed_run_id: Mapped[int] = changed_run_fk(index=False)
