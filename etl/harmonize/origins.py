"""Which source cell each record field comes from (the field catalogue, mappings/field_catalogue.yaml)."""

from __future__ import annotations

from functools import cache

from etl.harmonize.catalogue import load_catalogue


@cache
def record_to_source() -> dict[str, str]:
    """PatientRecord field → the source field (a registry field of the catalogue) it is parsed from."""
    return load_catalogue().record_to_source("registry")


@cache
def cell_groups() -> dict[str, tuple[str, ...]]:
    """Source field → the record fields parsed from that one cell, in record order.

    A cell is one fact: `Д+14` in the SOS column gives sos=True and sos_day=14
    together, so merging takes both from the same row or neither.
    """
    to_source = record_to_source()
    groups: dict[str, list[str]] = {}
    for name in load_catalogue().record_fields("registry"):
        groups.setdefault(to_source.get(name, name), []).append(name)
    return {source: tuple(fields) for source, fields in groups.items()}
