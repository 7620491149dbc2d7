"""Canonical, typed records: the contract between the feeds and the database.

A `PatientRecord` is one patient's transplant, flat, with every coded value
given as a concept *key* of `mappings/concepts.csv` (for example
``donor_type="haplo"``). The synthetic generator writes its truth file as
these records; the ETL harmonizes every feed row into one before loading it.
A `LabRecord` is one laboratory result.

The record validators hold the domain rules that a single row can break
(dates in order, plausible ranges, a relapse site only with a relapse). They
raise `RecordRuleError`, which names the field, so that the ETL can quarantine
the row with a reason code a data manager can act on.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# Today is the upper bound of every recorded date; kept a function for tests.
TODAY = dt.date.today


class RecordRuleError(ValueError):
    """A record breaks a domain rule; carries the field and a reason code."""

    def __init__(self, field: str, reason: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.reason = reason
        self.message = message


Percent = float  # 0..100, enforced by the validators below


class PatientRecord(BaseModel):
    """One patient's transplant, harmonized (canonical keys, typed values)."""

    model_config = ConfigDict(extra="forbid", frozen=False)

    # identity: the digits shared by ТГСК-2019-014 and HSCT-2019-014
    patient_key: str = Field(pattern=r"^\d{4}-\d{3,6}$")
    # personal data (kept in its own table, never exported)
    registry_code_ru: str | None = None
    registry_code_en: str | None = None
    full_name_ru: str | None = None
    full_name_en: str | None = None
    birth_date: dt.date
    sex: Literal["male", "female"]
    # diagnosis and status before therapy
    diagnosis: str = "b_all"
    diagnosis_note: str | None = None
    disease_status: str
    cd22_percent: Percent | None = None
    # bridging therapy
    bridging_therapy: str
    therapy_start_date: dt.date
    ino_dose_d1: float | None = None
    ino_dose_d8: float | None = None
    ino_dose_d15: float | None = None
    intrathecal: bool | None = None
    # response before HSCT
    response: str
    mrd_status: Literal["positive", "negative"] | None = None
    mrd_value_percent: Percent | None = None
    mrd_value_comparator: Literal["<"] | None = None
    # the transplant
    hsct_date: dt.date
    donor_type: str
    graft_source: str
    cd34_dose: float | None = Field(default=None, ge=0, description="x10^6/kg")
    cd3_dose: float | None = Field(default=None, ge=0, description="x10^7/kg")
    conditioning: str
    gvhd_prophylaxis: str
    immunosuppression: str
    # toxicity before HSCT
    tox_neutropenia: bool | None = None
    tox_thrombocytopenia: bool | None = None
    tox_febrile_neutropenia: bool | None = None
    tox_sepsis: bool | None = None
    tox_polyneuropathy: bool | None = None
    tox_mucositis_grade: int | None = Field(default=None, ge=0, le=4)
    tox_sos: bool | None = None
    # after HSCT
    engrafted: bool | None = None
    engraftment_day: int | None = None
    platelet_recovered: bool | None = None
    platelet_recovery_day: int | None = None
    lymphocytes_d30_gt_0_3: bool | None = None
    agvhd_grade: int | None = Field(default=None, ge=0, le=4)
    sos: bool | None = None
    sos_day: int | None = None
    tma: bool | None = None
    tma_day: int | None = None
    infection_d100: bool | None = None
    relapse: bool | None = None
    relapse_date: dt.date | None = None
    relapse_site: str | None = None
    hla_loss: Literal["loss", "no_loss", "not_tested"] | None = None
    dli: bool | None = None
    # follow-up
    vital_status: Literal["alive", "dead"]
    last_contact_date: dt.date
    cause_of_death: str | None = None
    updated_at: dt.datetime | None = None

    @property
    def age_years_at_hsct(self) -> int:
        return age_in_years(self.birth_date, self.hsct_date)

    @property
    def relapse_day(self) -> int | None:
        return None if self.relapse_date is None else (self.relapse_date - self.hsct_date).days

    @model_validator(mode="after")
    def _rules(self) -> PatientRecord:
        check_patient_rules(self)
        return self


class LabRecord(BaseModel):
    """One laboratory result, harmonized: value in the canonical UCUM unit."""

    model_config = ConfigDict(extra="forbid")

    patient_key: str = Field(pattern=r"^\d{4}-\d{3,6}$")
    result_date: dt.date
    test: str
    value_num: float | None = None
    value_comparator: Literal["<", "<=", ">", ">="] | None = None
    value_code: str | None = None
    unit: str | None = None

    @model_validator(mode="after")
    def _rules(self) -> LabRecord:
        if self.value_num is None and self.value_code is None:
            raise RecordRuleError("value", "missing_value", "the result has neither a number nor a coded value")
        if self.unit == "%" and self.value_num is not None and not 0 <= self.value_num <= 100:
            raise RecordRuleError("value", "percent_out_of_range", f"percentage {self.value_num} is outside 0-100")
        if self.value_num is not None and self.value_num < 0:
            raise RecordRuleError("value", "negative_value", f"result {self.value_num} is negative")
        return self


def age_in_years(birth: dt.date, on: dt.date) -> int:
    """Completed years of age on a date."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _fail(field: str, reason: str, message: str) -> None:
    raise RecordRuleError(field, reason, message)


def check_patient_rules(r: PatientRecord) -> None:  # noqa: C901 - a flat list of rules reads best
    """Raise `RecordRuleError` for the first domain rule the record breaks."""
    today = TODAY()
    if not r.birth_date < r.therapy_start_date:
        _fail(
            "therapy_start_date",
            "date_order",
            f"therapy start {r.therapy_start_date} is not after birth {r.birth_date}",
        )
    if not r.therapy_start_date <= r.hsct_date:
        _fail("hsct_date", "date_order", f"transplant {r.hsct_date} is before therapy start {r.therapy_start_date}")
    age = r.age_years_at_hsct
    if not 0 <= age <= 18:
        _fail("birth_date", "age_out_of_range", f"age at transplant is {age} years, outside 0-18")
    for name in ("cd22_percent", "mrd_value_percent"):
        value = getattr(r, name)
        if value is not None and not 0 <= value <= 100:
            _fail(name, "percent_out_of_range", f"{name} = {value} is outside 0-100")
    if r.engraftment_day is not None and not 1 <= r.engraftment_day <= 100:
        _fail(
            "engraftment_day",
            "engraftment_day_out_of_range",
            f"engraftment on D+{r.engraftment_day}, outside D+1..D+100",
        )
    if r.engrafted is False and r.engraftment_day is not None:
        _fail("engraftment_day", "inconsistent", "an engraftment day is given for a patient recorded as not engrafted")
    if r.platelet_recovered is False and r.platelet_recovery_day is not None:
        _fail(
            "platelet_recovery_day",
            "inconsistent",
            "a platelet recovery day is given for a patient recorded as not recovered",
        )
    for name in ("platelet_recovery_day", "sos_day", "tma_day"):
        value = getattr(r, name)
        if value is not None and value < 0:
            _fail(name, "day_before_transplant", f"{name} = D{value} is before the transplant")
    if r.relapse_date is not None:
        if r.relapse is False:
            _fail("relapse_date", "inconsistent", "a relapse date is given for a patient recorded without relapse")
        if r.relapse_date < r.hsct_date:
            _fail("relapse_date", "date_order", f"relapse {r.relapse_date} is before the transplant {r.hsct_date}")
    if r.relapse is not True and r.relapse_site is not None:
        _fail("relapse_site", "site_without_relapse", "a relapse site is given for a patient without relapse")
    if r.relapse is not True and r.hla_loss is not None:
        _fail("hla_loss", "hla_loss_without_relapse", "an HLA-loss result is given for a patient without relapse")
    if r.last_contact_date < r.hsct_date:
        what = "death" if r.vital_status == "dead" else "last contact"
        _fail("last_contact_date", "date_order", f"{what} {r.last_contact_date} is before the transplant {r.hsct_date}")
    if r.relapse_date is not None and r.relapse_date > r.last_contact_date:
        _fail(
            "relapse_date",
            "date_order",
            f"relapse {r.relapse_date} is after death or last contact {r.last_contact_date}",
        )
    if r.last_contact_date > today:
        _fail("last_contact_date", "date_in_future", f"last contact {r.last_contact_date} is in the future")
    if r.vital_status == "alive" and r.cause_of_death is not None:
        _fail("cause_of_death", "cause_without_death", "a cause of death is given for a patient recorded alive")
    if r.bridging_therapy == "ino" and r.ino_dose_d1 is None:
        _fail("ino_dose_d1", "required_missing", "InO bridging therapy is recorded without its doses")


def record_fields(model: type[BaseModel]) -> list[str]:
    """The field names of a record model, in declaration order."""
    return list(model.model_fields)


# The concept domain of every coded field (values are concept keys of that domain).
CODED_FIELDS: dict[str, str] = {
    "sex": "sex",
    "diagnosis": "diagnosis",
    "disease_status": "disease_status",
    "bridging_therapy": "bridging_therapy",
    "response": "response",
    "mrd_status": "mrd_status",
    "donor_type": "donor_type",
    "graft_source": "graft_source",
    "conditioning": "conditioning",
    "gvhd_prophylaxis": "gvhd_prophylaxis",
    "immunosuppression": "immunosuppression",
    "relapse_site": "relapse_site",
    "hla_loss": "hla_loss",
    "vital_status": "vital_status",
    "cause_of_death": "cause_of_death",
}
CODED_LAB_FIELDS: dict[str, str] = {"test": "lab_test", "value_code": "hla_loss"}
