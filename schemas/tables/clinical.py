"""The clinical layer: a patient, the diagnosis, the transplant and everything dated from it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from schemas.tables.base import (
    ADMIN_PURPOSES,
    Base,
    BigIntKey,
    _in,
    changed_run_fk,
    concept_fk,
    domain_check,
    lineage_fk,
)


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
