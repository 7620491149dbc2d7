"""A CodeSystem for every local code system: every system URL of concepts.csv under
`https://hsct-registry.example.org/fhir/CodeSystem/`, with every concept of that system.

Each concept has its English display and a Russian `designation` (language `ru`), as
R4 CodeSystem.concept.designation carries translations; `content` is `complete` (the
registry defines these codes and concepts.csv lists them all), `status` `active`.
"""

from __future__ import annotations

from typing import Any

from etl.fhir.conformance.inputs import Inputs
from etl.fhir.conformance.names import CANONICAL, is_local, pascal


def local_systems(inputs: Inputs) -> list[str]:
    """The local system URLs, in the order concepts.csv first names them."""
    return list(dict.fromkeys(c.system for c in inputs.concepts if is_local(c.system)))


def code_system(inputs: Inputs, system: str, version: str) -> dict[str, Any]:
    """The CodeSystem resource of one local system; ValueError on a code given twice."""
    rows = [c for c in inputs.concepts if c.system == system]
    codes = [c.code for c in rows]
    twice = sorted({c for c in codes if codes.count(c) > 1})
    if twice:
        raise ValueError(f"{system}: codes {twice} are given twice in concepts.csv")
    cs_id = system.rsplit("/", 1)[1]
    return {
        "resourceType": "CodeSystem",
        "id": cs_id,
        "url": system,
        "version": version,
        "name": pascal(cs_id),
        "title": f"HSCT registry: {cs_id.replace('-', ' ')}",
        "status": "active",
        "experimental": False,
        "publisher": "Pediatric HSCT registry",
        "description": f"The registry's local codes of domain(s) {', '.join(sorted({c.domain for c in rows}))} "
        f"(mappings/concepts.csv), with English displays and Russian designations.",
        "caseSensitive": True,
        "valueSet": f"{CANONICAL}/ValueSet/{cs_id}-all",
        "content": "complete",
        "count": len(rows),
        "concept": [
            {"code": c.code, "display": c.display_en, "designation": [{"language": "ru", "value": c.display_ru}]}
            for c in rows
        ],
    }


def all_codes_value_set(system: str, version: str) -> dict[str, Any]:
    """The implicit 'all codes' ValueSet a CodeSystem.valueSet names."""
    cs_id = system.rsplit("/", 1)[1]
    return {
        "resourceType": "ValueSet",
        "id": f"{cs_id}-all",
        "url": f"{CANONICAL}/ValueSet/{cs_id}-all",
        "version": version,
        "name": pascal(f"{cs_id}-all"),
        "status": "active",
        "compose": {"include": [{"system": system}]},
    }


def code_systems(inputs: Inputs, version: str) -> list[dict[str, Any]]:
    """Every local CodeSystem and its all-codes ValueSet."""
    out: list[dict[str, Any]] = []
    for system in local_systems(inputs):
        out += [code_system(inputs, system, version), all_codes_value_set(system, version)]
    return out
