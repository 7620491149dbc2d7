"""The vocabulary layer: `concept` and `concept_coding`, loaded from mappings/."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from schemas.tables.base import (
    Base,
)


class Concept(Base):
    """A coded value: one canonical concept with its code and bilingual displays."""

    __tablename__ = "concept"
    __table_args__ = (
        UniqueConstraint("domain", "key"),
        CheckConstraint("concept_id = domain || '/' || key", name="id_is_domain_key"),
    )

    concept_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    domain: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(40))
    system: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(64))
    display_en: Mapped[str] = mapped_column(Text)
    display_ru: Mapped[str] = mapped_column(Text)
    parent_id: Mapped[str | None] = mapped_column(String(80), ForeignKey("concept.concept_id"))


class ConceptCoding(Base):
    """Further codings of a concept in other systems (e.g. SNOMED CT beside ICD-10)."""

    __tablename__ = "concept_coding"

    concept_id: Mapped[str] = mapped_column(String(80), ForeignKey("concept.concept_id"), primary_key=True)
    system: Mapped[str] = mapped_column(String(200), primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    display: Mapped[str] = mapped_column(Text)
