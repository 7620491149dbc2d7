"""The CapabilityStatement (kind `requirements`) that sums up what the export sends a partner.

For each resource type: the profiles its resources claim (`supportedProfile`; the first is
`profile` when the type has one), and the interactions the push uses (`update`: a PUT with the
resource's stable id; `delete`). At the system level: `transaction` (the push's Bundles) and
the Bulk Data system-level `$export` whose answer the NDJSON export is (manifest.json, the
Bulk Data Access IG's OperationDefinition).
"""

from __future__ import annotations

from typing import Any

from etl.fhir.conformance.inputs import Inputs
from etl.fhir.conformance.names import CANONICAL, FHIR_VERSION, RELEASE_DATE, profile_url
from etl.fhir.mapping import Profile

BULK_EXPORT = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"
CAPABILITY_ID = "hsct-partner-export"


def capability_statement(inputs: Inputs, version: str) -> dict[str, Any]:
    types: dict[str, list[str]] = {}
    profiles: list[Profile | None] = list(inputs.mapping.profiles)
    profiles.insert(next((i for i, p in enumerate(profiles) if p and p.resource_type == "ResearchSubject"), 0), None)
    for p in profiles:
        types.setdefault("ResearchStudy" if p is None else p.resource_type, []).append(profile_url(p))
    resources = []
    for rtype, urls in types.items():
        entry: dict[str, Any] = {"type": rtype}
        if len(urls) == 1:
            entry["profile"] = urls[0]
        entry["supportedProfile"] = urls
        entry["interaction"] = [{"code": "update"}, {"code": "delete"}]
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement",
        "id": CAPABILITY_ID,
        "url": f"{CANONICAL}/CapabilityStatement/{CAPABILITY_ID}",
        "version": version,
        "name": "HsctPartnerExport",
        "title": "What the HSCT registry's FHIR export sends a partner center",
        "status": "active",
        "experimental": False,
        "date": RELEASE_DATE,
        "publisher": "Pediatric HSCT registry",
        "description": "The resource types and profiles of the registry's pseudonymized FHIR R4 export, sent as "
        "NDJSON files with a Bulk Data manifest (the answer to a system-level $export) or pushed as transaction "
        "Bundles of PUTs and DELETEs.",
        "kind": "requirements",
        "fhirVersion": FHIR_VERSION,
        "format": ["json", "application/fhir+ndjson"],
        "rest": [
            {
                "mode": "server",
                "documentation": "What a partner's FHIR server receives from the push, and what the export files hold.",
                "resource": resources,
                "interaction": [{"code": "transaction"}],
                "operation": [{"name": "export", "definition": BULK_EXPORT}],
            }
        ],
    }
