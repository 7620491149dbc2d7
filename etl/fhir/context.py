"""What the transforms need besides the row: the partner, its pseudonyms, the concepts, the runs."""

from __future__ import annotations

from dataclasses import dataclass, field

from etl.fhir.concepts import ConceptIndex
from etl.fhir.partners import Partner
from etl.fhir.pseudonym import Pseudonymizer


@dataclass
class BuildContext:
    partner: Partner
    pseudo: Pseudonymizer
    concepts: ConceptIndex
    study_id: str
    run_instants: dict[int, str]
    # per chunk of patients
    patient_ids: dict[int, str] = field(default_factory=dict)  # patient_id -> Patient id (pseudonym)
    patient_refs: dict[int, dict[str, str]] = field(default_factory=dict)  # patient_id -> {"reference": ...}
    shifts: dict[int, int] = field(default_factory=dict)  # patient_id -> days (date shift mode)
    source_files: dict[int, list[str]] = field(default_factory=dict)  # patient_id -> file names
    targets: dict[int, list[str]] = field(default_factory=dict)  # patient_id -> "Type/id" of its resources

    @property
    def shift_dates(self) -> bool:
        return self.partner.dates == "shift"
