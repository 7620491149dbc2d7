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
    anchor: str = "Procedure/transplant"  # local key prefix of the resource relative dates point at
    anchor_type: str = "Procedure"
    anchor_refs: dict[int, dict[str, str]] = field(default_factory=dict)  # transplant_id -> its reference
    # per chunk of patients
    patient_ids: dict[int, str] = field(default_factory=dict)  # patient_id -> Patient id (pseudonym)
    patient_refs: dict[int, dict[str, str]] = field(default_factory=dict)  # patient_id -> {"reference": ...}
    shifts: dict[int, int] = field(default_factory=dict)  # patient_id -> days (date shift mode)
    source_files: dict[int, list[str]] = field(default_factory=dict)  # patient_id -> file names
    targets: dict[int, list[str]] = field(default_factory=dict)  # patient_id -> "Type/id" of its resources

    @property
    def shift_dates(self) -> bool:
        return self.partner.dates == "shift"

    def anchor_ref(self, transplant_id: int) -> dict[str, str]:
        """The reference to a transplant's resource (the anchor of the mapping), made once per transplant."""
        ref = self.anchor_refs.get(transplant_id)
        if ref is None:
            ref = {"reference": f"{self.anchor_type}/{self.pseudo.id(f'{self.anchor}/{transplant_id}')}"}
            self.anchor_refs[transplant_id] = ref
        return ref
