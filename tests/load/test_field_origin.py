"""The lineage map (the field catalogue's columns) names a real column for every harmonized value, and misses none."""

from __future__ import annotations

from etl.harmonize.field_origin import read_field_origins
from etl.load.concepts import read_concepts
from schemas.records import LabRecord, PatientRecord
from schemas.tables import metadata

CLINICAL = [
    "patient", "person", "diagnosis", "transplant", "bridging_therapy", "drug_administration", "disease_assessment",
    "pretransplant_toxicity", "recovery", "complication", "relapse", "dli", "follow_up", "lab_result",
]  # fmt: skip
NOT_VALUES = {"patient_id", "transplant_id", "therapy_id", "administration_id", "lab_result_id", "raw_row_id",
              "changed_run_id", "seq", "toxicity_id", "complication_id", "purpose", "therapy_day", "admin_day",
              "dose_unit"}  # fmt: skip


def test_every_origin_names_a_real_column_field_and_concept() -> None:
    origins = read_field_origins()
    concepts = set(read_concepts()["concept_id"])
    record_fields = set(PatientRecord.model_fields) | set(LabRecord.model_fields)
    for row in origins.itertuples():
        assert row.column_name in metadata.tables[row.table_name].c, row
        assert row.record_field in record_fields, row
        assert row.concept_id == "" or row.concept_id in concepts, row


def test_every_value_column_has_an_origin() -> None:
    covered = {(r.table_name, r.column_name) for r in read_field_origins().itertuples()}
    for name in CLINICAL:
        for column in metadata.tables[name].c:
            if column.name not in NOT_VALUES and not (name == "dli" and column.name in {"dli_date", "dli_day"}):
                assert (name, column.name) in covered, f"{name}.{column.name} has no row in the lineage map"
