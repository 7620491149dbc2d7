"""Personal data: `person` alone holds name, date of birth and registry code."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from schemas.tables.base import (
    Base,
)


class Person(Base):
    """Personal data, apart from everything clinical: grant it to no view and no export."""

    __tablename__ = "person"

    patient_id: Mapped[int] = mapped_column(Integer, ForeignKey("patient.patient_id"), primary_key=True)
    patient_key: Mapped[str] = mapped_column(String(16), unique=True, comment="registry-code digits, e.g. 2019-014")
    registry_code_ru: Mapped[str | None] = mapped_column(String(32))
    registry_code_en: Mapped[str | None] = mapped_column(String(32))
    full_name_ru: Mapped[str | None] = mapped_column(Text)
    full_name_en: Mapped[str | None] = mapped_column(Text)
    birth_date: Mapped[dt.date] = mapped_column(Date)
