"""The schema's declarative base, naming convention, enumerations and column helpers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
)
from sqlalchemy.orm import DeclarativeBase, mapped_column

# A 64-bit surrogate key that autoincrements on both databases (SQLite only
# autoincrements an INTEGER PRIMARY KEY, the rowid alias).
BigIntKey = BigInteger().with_variant(Integer, "sqlite")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

RUN_STATUSES = ("running", "completed", "failed")
FEEDS = ("registry_ru", "registry_en", "labs")
FORMATS = ("csv", "xlsx")
CHANGE_TABLES = ("patient", "lab_result")
ADMIN_PURPOSES = ("bridging", "conditioning", "gvhd_prophylaxis", "immunosuppression")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    if TYPE_CHECKING:
        # every mapped class of the schema is mapped to a plain Table (none to a join or a select), so its
        # __table__ has .name, .c and takes insert()/update() as a Table does
        __table__: ClassVar[Table]


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


def concept_fk(domain: str, *, nullable: bool = True, index: bool = True) -> Any:
    """A foreign key to `concept`; pair it with `domain_check` in __table_args__."""
    return mapped_column(
        String(80),
        ForeignKey("concept.concept_id"),
        nullable=nullable,
        index=index,
        comment=f"concept of domain {domain}",
    )


def domain_check(column: str, domain: str) -> CheckConstraint:
    return CheckConstraint(f"{column} LIKE '{domain}/%'", name=f"{column}_domain")


def lineage_fk() -> Any:
    return mapped_column(
        BigInteger, ForeignKey("raw_row.raw_row_id"), nullable=False, index=True, comment="source row (lineage)"
    )


def changed_run_fk(index: bool = True) -> Any:
    return mapped_column(
        Integer, ForeignKey("etl_run.run_id"), nullable=False, index=index, comment="run that last changed this row"
    )
