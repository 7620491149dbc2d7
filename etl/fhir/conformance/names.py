"""The package's names: its npm name, the canonical base, and the canonical URL of every profile.

Light on purpose (no pandas, no YAML): etl/fhir/build.py stamps `meta.profile` with
`profile_url` on every resource it builds. A profile's id is its mapping profile's local
prefix in lower case (`Observation/lab` -> `observation-lab`; a profile named like its type
keeps the type alone: `patient`, `provenance`); the one ResearchStudy (research.yaml's
`study`, no mapping profile) is `researchstudy`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from etl.fhir.mapping import Profile

PACKAGE_NAME = "org.example.hsct-registry.partner"
BASE_VERSION = "0.1.0"  # raised by hand on a change partners must act on; the content hash follows it
FHIR_VERSION = "4.0.1"
CORE_PACKAGE = "hl7.fhir.r4.core"
CANONICAL = "https://hsct-registry.example.org/fhir"
LOCAL_SYSTEM_PREFIX = f"{CANONICAL}/CodeSystem/"
STRUCTURE_DEFINITION = f"{CANONICAL}/StructureDefinition/"
VALUE_SET = f"{CANONICAL}/ValueSet/"
PACKAGE_TAG_SYSTEM = f"{CANONICAL}/conformance-package"  # Bundle.meta.tag: `<name>#<version>`
STUDY_PROFILE = "researchstudy"
# The date of the package's contents as a release: CapabilityStatement.date is 1..1, and a clock
# would make two builds of the same mappings differ. Changed with BASE_VERSION.
RELEASE_DATE = "2026-11-30"


def profile_id(profile: Profile | None) -> str:
    """`observation-lab`, `patient`; None: the ResearchStudy's profile."""
    if profile is None:
        return STUDY_PROFILE
    return profile.local_prefix().lower().replace("/", "-").replace("_", "-")


def profile_url(profile: Profile | None) -> str:
    """The canonical URL of a mapping profile's StructureDefinition (meta.profile of its resources)."""
    return STRUCTURE_DEFINITION + profile_id(profile)


def pascal(text: str) -> str:
    """`observation-lab` -> `ObservationLab` (StructureDefinition.name and friends: computer-friendly)."""
    return "".join(part[:1].upper() + part[1:] for part in text.replace("_", "-").replace(".", "-").split("-") if part)


def is_local(system: str) -> bool:
    return system.startswith(LOCAL_SYSTEM_PREFIX)
