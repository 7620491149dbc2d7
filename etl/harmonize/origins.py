"""Which source cell each record field comes from (mappings/field_origin.csv)."""

from __future__ import annotations

from functools import cache

from etl.harmonize.field_origin import read_field_origins
from schemas.records import PatientRecord


@cache
def record_to_source() -> dict[str, str]:
    """Record field → the source field (headers.yaml) it is parsed from."""
    origins = read_field_origins()
    out = dict(zip(origins["record_field"], origins["source_field"], strict=True))
    out.update({"patient_key": "registry_code", "diagnosis_note": "diagnosis", "ino_dose_d8": "ino_doses"})
    out.update({"ino_dose_d15": "ino_doses", "mrd_value_comparator": "mrd"})
    return out


@cache
def cell_groups() -> dict[str, tuple[str, ...]]:
    """Source field → the record fields parsed from that one cell, in record order.

    A cell is one fact: `Д+14` in the SOS column gives sos=True and sos_day=14
    together, so merging takes both from the same row or neither.
    """
    to_source = record_to_source()
    groups: dict[str, list[str]] = {}
    for name in PatientRecord.model_fields:
        groups.setdefault(to_source.get(name, name), []).append(name)
    return {source: tuple(fields) for source, fields in groups.items()}
