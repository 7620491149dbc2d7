"""The normalized registry schema (SQLAlchemy 2 typed declarative models).

Four layers, each a group of tables:

* vocabulary — `concept` (and `concept_coding`), loaded from `mappings/`;
* bookkeeping and raw — `etl_run`, `source_file`, `run_file`, `run_change`, `run_quarantine`,
  `source_column`, `raw_row`, `quarantine`, `merge_conflict`, `value_source`;
* personal data — `person` alone holds name, date of birth and registry
  code, so that views and exports can be granted without it;
* clinical — `patient`, `diagnosis`, `bridging_therapy`,
  `drug_administration`, `transplant`, `disease_assessment`,
  `pretransplant_toxicity`, `recovery`, `complication`, `relapse`, `dli`,
  `follow_up`, `lab_result`.

Coded values are foreign keys to `concept.concept_id`, a readable natural key
``"<domain>/<key>"`` (for example ``"donor_type/haplo"``), and every coded
column has a CHECK that the concept is of the right domain. Events after the
transplant carry both their date and their day offset from it (``*_day``,
D+N), so that no query has to recompute it. Every clinical row names the
`raw_row` it was harmonized from (lineage); fields that came from another row
while merging are listed in `value_source`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

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


# --------------------------------------------------------------------------- vocabulary


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


# --------------------------------------------------------------------------- bookkeeping and raw


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


# --------------------------------------------------------------------------- personal data


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


# --------------------------------------------------------------------------- clinical


class Patient(Base):
    """A patient, without personal data: sex and birth year only."""

    __tablename__ = "patient"
    __table_args__ = (
        domain_check("sex_id", "sex"),
        CheckConstraint("birth_year BETWEEN 1900 AND 2100", name="birth_year"),
    )

    patient_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sex_id: Mapped[str] = concept_fk("sex", nullable=False)
    birth_year: Mapped[int] = mapped_column(Integer)
    source_updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime, comment="newest edit in the feeds")
    raw_row_id: Mapped[int] = lineage_fk()
    changed_run_id: Mapped[int] = changed_run_fk()


class Diagnosis(Base):
    """The diagnosis, the disease status before therapy and CD22 on blasts."""

    __tablename__ = "diagnosis"
    __table_args__ = (
        domain_check("diagnosis_id", "diagnosis"),
        domain_check("disease_status_id", "disease_status"),
        CheckConstraint("cd22_percent BETWEEN 0 AND 100", name="cd22_percent"),
    )

    patient_id: Mapped[int] = mapped_column(Integer, ForeignKey("patient.patient_id"), primary_key=True)
    diagnosis_id: Mapped[str] = concept_fk("diagnosis", nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    disease_status_id: Mapped[str] = concept_fk("disease_status", nullable=False)
    cd22_percent: Mapped[float | None] = mapped_column(Double, comment="CD22 on blasts, %")
    raw_row_id: Mapped[int] = lineage_fk()


class Transplant(Base):
    """The allogeneic transplant: date, donor, graft and its doses, conditioning, prophylaxis, immunosuppression."""

    __tablename__ = "transplant"
    __table_args__ = (
        UniqueConstraint("patient_id", "hsct_date"),
        domain_check("donor_type_id", "donor_type"),
        domain_check("graft_source_id", "graft_source"),
        domain_check("conditioning_id", "conditioning"),
        domain_check("gvhd_prophylaxis_id", "gvhd_prophylaxis"),
        domain_check("immunosuppression_id", "immunosuppression"),
        CheckConstraint("age_years_at_hsct BETWEEN 0 AND 18", name="age"),
        CheckConstraint("cd34_dose >= 0", name="cd34_dose"),
        CheckConstraint("cd3_dose >= 0", name="cd3_dose"),
    )

    transplant_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[int] = mapped_column(Integer, ForeignKey("patient.patient_id"), index=True)
    hsct_date: Mapped[dt.date] = mapped_column(Date)
    age_years_at_hsct: Mapped[int] = mapped_column(Integer)
    donor_type_id: Mapped[str] = concept_fk("donor_type", nullable=False)
    graft_source_id: Mapped[str] = concept_fk("graft_source", nullable=False)
    cd34_dose: Mapped[float | None] = mapped_column(Double, comment="CD34+ cells, 10*6/kg")
    cd3_dose: Mapped[float | None] = mapped_column(Double, comment="CD3+ cells, 10*7/kg")
    conditioning_id: Mapped[str] = concept_fk("conditioning", nullable=False)
    gvhd_prophylaxis_id: Mapped[str] = concept_fk("gvhd_prophylaxis", nullable=False)
    immunosuppression_id: Mapped[str] = concept_fk("immunosuppression", nullable=False)
    raw_row_id: Mapped[int] = lineage_fk()


class BridgingTherapy(Base):
    """The bridging (relapse) therapy before the transplant."""

    __tablename__ = "bridging_therapy"
    __table_args__ = (
        domain_check("regimen_id", "bridging_therapy"),
        CheckConstraint("start_day <= 0", name="start_before_transplant"),
    )

    therapy_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[int] = mapped_column(Integer, ForeignKey("patient.patient_id"), index=True)
    transplant_id: Mapped[int] = mapped_column(Integer, ForeignKey("transplant.transplant_id"), index=True)
    regimen_id: Mapped[str] = concept_fk("bridging_therapy", nullable=False)
    start_date: Mapped[dt.date] = mapped_column(Date)
    start_day: Mapped[int] = mapped_column(Integer, comment="start_date - hsct_date (<= 0)")
    intrathecal: Mapped[bool | None] = mapped_column(Boolean)
    raw_row_id: Mapped[int] = lineage_fk()


class DrugAdministration(Base):
    """Each administration of a drug: InO doses, conditioning agents, prophylaxis, immunosuppression."""

    __tablename__ = "drug_administration"
    __table_args__ = (
        UniqueConstraint("transplant_id", "purpose", "drug_id", "therapy_day"),
        domain_check("drug_id", "drug"),
        CheckConstraint(_in("purpose", ADMIN_PURPOSES), name="purpose"),
        CheckConstraint("dose IS NULL OR dose > 0", name="dose_positive"),
        CheckConstraint("dose IS NULL OR dose_unit IS NOT NULL", name="dose_has_unit"),
    )

    administration_id: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
    patient_id: Mapped[int] = mapped_column(Integer, ForeignKey("patient.patient_id"), index=True)
    # transplant_id needs no index of its own: the unique key starts with it
    transplant_id: Mapped[int] = mapped_column(Integer, ForeignKey("transplant.transplant_id"))
    therapy_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("bridging_therapy.therapy_id"), index=True)
    drug_id: Mapped[str] = concept_fk("drug", nullable=False)
    purpose: Mapped[str] = mapped_column(String(24))
    therapy_day: Mapped[int] = mapped_column(Integer, default=0, comment="day of the regimen (1, 8, 15); 0 = n/a")
    admin_date: Mapped[dt.date | None] = mapped_column(Date)
    admin_day: Mapped[int | None] = mapped_column(Integer, comment="admin_date - hsct_date")
    dose: Mapped[float | None] = mapped_column(Double)
    dose_unit: Mapped[str | None] = mapped_column(String(16), comment="UCUM")
    raw_row_id: Mapped[int] = lineage_fk()


class DiseaseAssessment(Base):
    """Response and MRD before the transplant."""

    __tablename__ = "disease_assessment"
    __table_args__ = (
        domain_check("response_id", "response"),
        domain_check("mrd_status_id", "mrd_status"),
        CheckConstraint("mrd_value_percent BETWEEN 0 AND 100", name="mrd_value_percent"),
        CheckConstraint("mrd_comparator IS NULL OR mrd_comparator = '<'", name="mrd_comparator"),
        CheckConstraint("mrd_comparator IS NULL OR mrd_value_percent IS NOT NULL", name="comparator_has_value"),
    )

    transplant_id: Mapped[int] = mapped_column(Integer, ForeignKey("transplant.transplant_id"), primary_key=True)
    response_id: Mapped[str] = concept_fk("response", nullable=False)
    mrd_status_id: Mapped[str | None] = concept_fk("mrd_status")
    mrd_value_percent: Mapped[float | None] = mapped_column(Double)
    mrd_comparator: Mapped[str | None] = mapped_column(String(2))
    raw_row_id: Mapped[int] = lineage_fk()


class PretransplantToxicity(Base):
    """A toxicity of the bridging therapy before the transplant (present or not, with grade)."""

    __tablename__ = "pretransplant_toxicity"
    __table_args__ = (
        domain_check("toxicity_id", "toxicity"),
        CheckConstraint("grade BETWEEN 0 AND 4", name="grade"),
    )

    transplant_id: Mapped[int] = mapped_column(Integer, ForeignKey("transplant.transplant_id"), primary_key=True)
    toxicity_id: Mapped[str] = mapped_column(String(80), ForeignKey("concept.concept_id"), primary_key=True)
    present: Mapped[bool] = mapped_column(Boolean)
    grade: Mapped[int | None] = mapped_column(Integer)
    raw_row_id: Mapped[int] = lineage_fk()


class Recovery(Base):
    """Neutrophil engraftment, platelet recovery and lymphocytes on D+30."""

    __tablename__ = "recovery"
    __table_args__ = (
        CheckConstraint("neutrophil_day BETWEEN 1 AND 100", name="neutrophil_day"),
        CheckConstraint("platelet_day >= 0", name="platelet_day"),
        CheckConstraint("neutrophil_engrafted OR neutrophil_day IS NULL", name="day_only_if_engrafted"),
        CheckConstraint("platelet_recovered OR platelet_day IS NULL", name="day_only_if_recovered"),
        CheckConstraint("(neutrophil_day IS NULL) = (neutrophil_date IS NULL)", name="neutrophil_day_date"),
        CheckConstraint("(platelet_day IS NULL) = (platelet_date IS NULL)", name="platelet_day_date"),
    )

    transplant_id: Mapped[int] = mapped_column(Integer, ForeignKey("transplant.transplant_id"), primary_key=True)
    neutrophil_engrafted: Mapped[bool | None] = mapped_column(Boolean)
    neutrophil_date: Mapped[dt.date | None] = mapped_column(Date)
    neutrophil_day: Mapped[int | None] = mapped_column(Integer, comment="D+N of ANC > 0.5 x10^9/L")
    platelet_recovered: Mapped[bool | None] = mapped_column(Boolean)
    platelet_date: Mapped[dt.date | None] = mapped_column(Date)
    platelet_day: Mapped[int | None] = mapped_column(Integer, comment="D+N of platelets > 50 x10^9/L")
    lymphocytes_d30_gt_0_3: Mapped[bool | None] = mapped_column(Boolean)
    raw_row_id: Mapped[int] = lineage_fk()


class Complication(Base):
    """A complication after the transplant: acute GVHD (graded), SOS, TMA, infection before D+100."""

    __tablename__ = "complication"
    __table_args__ = (
        domain_check("complication_id", "complication"),
        CheckConstraint("grade BETWEEN 0 AND 4", name="grade"),
        CheckConstraint("onset_day >= 0", name="onset_after_transplant"),
        CheckConstraint("present OR onset_day IS NULL", name="onset_only_if_present"),
        CheckConstraint("(onset_day IS NULL) = (onset_date IS NULL)", name="onset_day_date"),
    )

    transplant_id: Mapped[int] = mapped_column(Integer, ForeignKey("transplant.transplant_id"), primary_key=True)
    complication_id: Mapped[str] = mapped_column(String(80), ForeignKey("concept.concept_id"), primary_key=True)
    present: Mapped[bool] = mapped_column(Boolean)
    grade: Mapped[int | None] = mapped_column(Integer)
    onset_date: Mapped[dt.date | None] = mapped_column(Date)
    onset_day: Mapped[int | None] = mapped_column(Integer)
    raw_row_id: Mapped[int] = lineage_fk()


class Relapse(Base):
    """A relapse after the transplant: date and day, site, HLA-haplotype loss."""

    __tablename__ = "relapse"
    __table_args__ = (
        domain_check("site_id", "relapse_site"),
        domain_check("hla_loss_id", "hla_loss"),
        CheckConstraint("relapse_day >= 0", name="after_transplant"),
        CheckConstraint("(relapse_day IS NULL) = (relapse_date IS NULL)", name="day_date"),
    )

    transplant_id: Mapped[int] = mapped_column(Integer, ForeignKey("transplant.transplant_id"), primary_key=True)
    relapse_date: Mapped[dt.date | None] = mapped_column(Date)
    relapse_day: Mapped[int | None] = mapped_column(Integer)
    site_id: Mapped[str | None] = concept_fk("relapse_site")
    hla_loss_id: Mapped[str | None] = concept_fk("hla_loss")
    raw_row_id: Mapped[int] = lineage_fk()


class Dli(Base):
    """A donor lymphocyte infusion (the feeds give only that one was given)."""

    __tablename__ = "dli"
    __table_args__ = (CheckConstraint("(dli_day IS NULL) = (dli_date IS NULL)", name="day_date"),)

    transplant_id: Mapped[int] = mapped_column(Integer, ForeignKey("transplant.transplant_id"), primary_key=True)
    dli_date: Mapped[dt.date | None] = mapped_column(Date)
    dli_day: Mapped[int | None] = mapped_column(Integer)
    raw_row_id: Mapped[int] = lineage_fk()


class FollowUp(Base):
    """Status at last contact: relapse and DLI recorded yes/no, vital status, cause of death."""

    __tablename__ = "follow_up"
    __table_args__ = (
        domain_check("vital_status_id", "vital_status"),
        domain_check("cause_of_death_id", "cause_of_death"),
        CheckConstraint("last_contact_day >= 0", name="after_transplant"),
        CheckConstraint(
            "vital_status_id = 'vital_status/dead' OR cause_of_death_id IS NULL", name="cause_only_if_dead"
        ),
    )

    transplant_id: Mapped[int] = mapped_column(Integer, ForeignKey("transplant.transplant_id"), primary_key=True)
    relapsed: Mapped[bool | None] = mapped_column(Boolean)
    dli_given: Mapped[bool | None] = mapped_column(Boolean)
    vital_status_id: Mapped[str] = concept_fk("vital_status", nullable=False)
    last_contact_date: Mapped[dt.date] = mapped_column(Date, comment="date of death or of last contact")
    last_contact_day: Mapped[int] = mapped_column(Integer)
    cause_of_death_id: Mapped[str | None] = concept_fk("cause_of_death")
    raw_row_id: Mapped[int] = lineage_fk()


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


metadata = Base.metadata
import schemas.export  # noqa: E402  (registers its tables on Base.metadata)
import schemas.quality  # noqa: E402, F401  (registers its tables on Base.metadata)
