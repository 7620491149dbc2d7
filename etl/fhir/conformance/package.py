"""The package's resources and its package.json, assembled from the inputs (no file written)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from etl.fhir.conformance.capability import capability_statement
from etl.fhir.conformance.codesystems import code_systems
from etl.fhir.conformance.elements import ElementInfo, profile_elements
from etl.fhir.conformance.inputs import load_inputs, version_of, view_files
from etl.fhir.conformance.names import CANONICAL, CORE_PACKAGE, FHIR_VERSION, PACKAGE_NAME
from etl.fhir.conformance.profiles import structure_definitions, study_arm_codes
from etl.fhir.conformance.valuesets import uses, value_sets
from etl.paths import MAPPINGS_DIR


@dataclass(frozen=True)
class Package:
    """name, version, package.json and the resources (CodeSystems, ValueSets, StructureDefinitions,
    the CapabilityStatement), each a JSON-ready dict; and the ViewDefinitions a partner runs to
    flatten the export into the study's analysis table (`hsct report --from-fhir` runs the same)."""

    name: str
    version: str
    manifest: dict[str, Any]
    resources: tuple[dict[str, Any], ...]
    views: tuple[dict[str, Any], ...] = ()  # SQL-on-FHIR ViewDefinitions (a logical model, not R4 resources)

    def by_url(self) -> dict[str, dict[str, Any]]:
        return {r["url"]: r for r in self.resources}


def package_json(version: str) -> dict[str, Any]:
    return {
        "name": PACKAGE_NAME,
        "version": version,
        "title": "HSCT registry: partner conformance package",
        "description": "Profiles, extensions, code systems and value sets of the pediatric HSCT registry's "
        "pseudonymized FHIR R4 export to partner centers; generated from the registry's mappings.",
        "fhirVersions": [FHIR_VERSION],
        "dependencies": {CORE_PACKAGE: FHIR_VERSION},
        "canonical": CANONICAL,
        "url": CANONICAL,
        "type": "fhir.ig",
        "author": "Pediatric HSCT registry",
        "license": "CC0-1.0",
        "jurisdiction": "urn:iso:std:iso:3166#RU",
    }


def build_package(folder: Path = MAPPINGS_DIR) -> Package:
    """Every resource of the package for the mappings in `folder`; ValueError when the mapping and
    the concepts disagree (a code given twice in a system, two code sets under one ValueSet name)."""
    inputs = load_inputs(folder)
    version = version_of(folder)
    infos: list[ElementInfo] = [i for p in inputs.mapping.profiles for i in profile_elements(inputs, p)]
    resources = [
        *code_systems(inputs, version),
        *value_sets([*uses(infos), (study_arm_codes(inputs), "ResearchStudy ResearchStudy.arm.type")], version),
        *structure_definitions(inputs, version),
        capability_statement(inputs, version),
    ]
    views = tuple(json.loads(path.read_text(encoding="utf-8")) for path in view_files(folder))
    return Package(PACKAGE_NAME, version, package_json(version), tuple(resources), views)
