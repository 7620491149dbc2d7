"""The normalized registry schema (SQLAlchemy 2 typed declarative models), one module per layer.

Four layers, each a group of tables:

* vocabulary — `concept` (and `concept_coding`), loaded from `mappings/`;
* bookkeeping and raw — `etl_run`, `source_file`, `run_file`, `run_change`, `run_quarantine`,
  `source_column`, `raw_row`, `quarantine`, `merge_conflict`, `value_source`, `patient_record_digest`;
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

from schemas.tables.base import (
    ADMIN_PURPOSES,
    CHANGE_TABLES,
    FEEDS,
    FORMATS,
    NAMING_CONVENTION,
    RUN_STATUSES,
    Base,
    BigIntKey,
    _in,
    changed_run_fk,
    concept_fk,
    domain_check,
    lineage_fk,
)
from schemas.tables.bookkeeping import (
    DeletedPatient,
    EtlRun,
    FieldOrigin,
    MergeConflict,
    PatientRecordDigest,
    Quarantine,
    RawRow,
    RunChange,
    RunFile,
    RunQuarantine,
    SourceColumn,
    SourceFile,
    ValueSource,
)
from schemas.tables.clinical import (
    BridgingTherapy,
    Complication,
    Diagnosis,
    DiseaseAssessment,
    Dli,
    DrugAdministration,
    FollowUp,
    Patient,
    PretransplantToxicity,
    Recovery,
    Relapse,
    Transplant,
)
from schemas.tables.labs import LabResult
from schemas.tables.person import Person
from schemas.tables.vocabulary import Concept, ConceptCoding

metadata = Base.metadata
import schemas.export  # noqa: E402  (registers its tables on Base.metadata)
import schemas.quality  # noqa: E402, F401  (registers its tables on Base.metadata)

__all__ = [
    "ADMIN_PURPOSES",
    "CHANGE_TABLES",
    "FEEDS",
    "FORMATS",
    "NAMING_CONVENTION",
    "RUN_STATUSES",
    "Base",
    "BigIntKey",
    "BridgingTherapy",
    "Complication",
    "Concept",
    "ConceptCoding",
    "DeletedPatient",
    "Diagnosis",
    "DiseaseAssessment",
    "Dli",
    "DrugAdministration",
    "EtlRun",
    "FieldOrigin",
    "FollowUp",
    "LabResult",
    "MergeConflict",
    "Patient",
    "PatientRecordDigest",
    "Person",
    "PretransplantToxicity",
    "Quarantine",
    "RawRow",
    "Recovery",
    "Relapse",
    "RunChange",
    "RunFile",
    "RunQuarantine",
    "SourceColumn",
    "SourceFile",
    "Transplant",
    "ValueSource",
    "_in",
    "changed_run_fk",
    "concept_fk",
    "domain_check",
    "lineage_fk",
    "metadata",
]
