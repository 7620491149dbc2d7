"""StructureDefinitions: one profile per mapping profile (a constraint on the base R4 resource),
one for the ResearchStudy, and one per local extension URL the mapping uses.

A profile's differential (etl/fhir/conformance/elements.py says what each element gets):
every element the mapping fills is `mustSupport`; `min` 1 where the mapping always fills it;
a choice element is restricted to the types the mapping gives it; a coded element is bound to
its ValueSet (etl/fhir/conformance/valuesets.py: `required` for local codes, `extensible` for
standard ones); a value the mapping fixes is `fixedCode` (a status) or
`patternCodeableConcept` (its system and code). The extensions of a profile are slices of
`extension` by `url`. The package holds differentials only, as the FHIR package format
allows: tools that load it (the IG publisher, HAPI, tools/fhir-node/validate_profiles.mjs)
build the snapshot from hl7.fhir.r4.core, the package's dependency.
"""

from __future__ import annotations

from typing import Any

from etl.fhir.conformance.elements import Codes, ElementInfo, concept_codes, profile_elements
from etl.fhir.conformance.inputs import Inputs
from etl.fhir.conformance.names import FHIR_VERSION, STUDY_PROFILE, pascal, profile_id, profile_url
from etl.fhir.conformance.valuesets import strength, value_set_url
from etl.fhir.mapping import FILE_ORDER, Profile

CORE = "http://hl7.org/fhir/StructureDefinition/"
PUBLISHER = "Pediatric HSCT registry"


def _header(sd_id: str, url: str, version: str, title: str, description: str) -> dict[str, Any]:
    return {
        "resourceType": "StructureDefinition",
        "id": sd_id,
        "url": url,
        "version": version,
        "name": pascal(sd_id),
        "title": title,
        "status": "active",
        "experimental": False,
        "publisher": PUBLISHER,
        "description": description,
        "fhirVersion": FHIR_VERSION,
    }


def _binding(info: ElementInfo) -> dict[str, Any]:
    assert info.codes is not None
    return {"strength": strength(info), "valueSet": value_set_url(info.codes)}


def _slice_name(url: str) -> str:
    name = pascal(url.rsplit("/", 1)[1])
    return name[:1].lower() + name[1:]


def _extension_slices(rtype: str, infos: list[ElementInfo]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        {
            "id": f"{rtype}.extension",
            "path": f"{rtype}.extension",
            "slicing": {"discriminator": [{"type": "value", "path": "url"}], "rules": "open"},
            "mustSupport": True,
        }
    ]
    for info in infos:
        assert info.extension_url is not None
        sid = f"{rtype}.extension:{_slice_name(info.extension_url)}"
        out.append({
            "id": sid, "path": f"{rtype}.extension", "sliceName": _slice_name(info.extension_url),
            "min": 1 if info.always else 0, "max": "1",
            "type": [{"code": "Extension", "profile": [info.extension_url]}], "mustSupport": True,
        })  # fmt: skip
        out.append({"id": f"{sid}.url", "path": f"{rtype}.extension.url", "fixedUri": info.extension_url})
    return out


def differential(profile: Profile, infos: list[ElementInfo]) -> list[dict[str, Any]]:
    """The differential elements of a mapping profile's StructureDefinition (module docstring)."""
    rtype = profile.resource_type
    elements: dict[str, dict[str, Any]] = {rtype: {"id": rtype, "path": rtype}}
    by_id: dict[str, list[ElementInfo]] = {}
    for info in infos:
        if info.extension_url is None:
            by_id.setdefault(info.element_id, []).append(info)
    for eid, group in by_id.items():
        parts = eid.split(".")
        for depth in range(2, len(parts)):  # the parents of a nested element (`Condition.stage`)
            parent = ".".join(parts[:depth])
            entry = elements.setdefault(parent, {"id": parent, "path": parent, "mustSupport": True})
            if all(i.always for i in group):
                entry["min"] = 1
        entry = {"id": eid, "path": eid}
        if len(group) == 1 and group[0].always:
            entry["min"] = 1
        types = list(dict.fromkeys(t for i in group for t in i.types))
        if types:
            entry["type"] = [{"code": t} for t in types]
        entry["mustSupport"] = True
        coded = [i for i in group if i.codes is not None]
        if coded:
            entry["binding"] = _binding(coded[0])
        if len(group) == 1 and group[0].fixed:
            entry.update(group[0].fixed)
        elements[eid] = entry
    out = list(elements.values())
    extensions = [i for i in infos if i.extension_url is not None]
    if extensions:
        out[1:1] = _extension_slices(rtype, extensions)
    return out


def profile_definition(inputs: Inputs, profile: Profile, version: str) -> dict[str, Any]:
    rtype = profile.resource_type
    stem = next((s for s in FILE_ORDER if rtype.lower().startswith(s)), rtype.lower())
    sd = _header(
        profile_id(profile),
        profile_url(profile),
        version,
        f"HSCT registry {rtype}: {profile.name}",
        f"The {rtype} resources of profile `{profile.name}` of the registry's FHIR export, made from table "
        f"`{profile.source}` (mappings/fhir/{stem}.yaml). Generated from the mapping: what it fills is "
        f"mustSupport, what it always fills is required.",
    )
    sd.update({
        "kind": "resource", "abstract": False, "type": rtype, "baseDefinition": CORE + rtype,
        "derivation": "constraint",
        "differential": {"element": differential(profile, profile_elements(inputs, profile))},
    })  # fmt: skip
    return sd


def study_arm_codes(inputs: Inputs) -> Codes:
    """The codes of ResearchStudy.arm.type: the concepts of research.yaml's `study` arms."""
    return concept_codes(inputs, None, {"map": {a["name"]: a["concept"] for a in inputs.mapping.study["arms"]}})


def study_definition(inputs: Inputs, version: str) -> dict[str, Any]:
    """The profile of the one ResearchStudy (research.yaml's `study`): title, status, the arms."""
    study = inputs.mapping.study
    arms = study_arm_codes(inputs)
    sd = _header(
        STUDY_PROFILE,
        profile_url(None),
        version,
        "HSCT registry ResearchStudy",
        "The study every ResearchSubject of the export points at (mappings/fhir/research.yaml `study`).",
    )
    elements = [
        {"id": "ResearchStudy", "path": "ResearchStudy"},
        {"id": "ResearchStudy.title", "path": "ResearchStudy.title", "min": 1, "mustSupport": True},
        {"id": "ResearchStudy.status", "path": "ResearchStudy.status", "mustSupport": True,
         "fixedCode": study["status"]},
        {"id": "ResearchStudy.arm", "path": "ResearchStudy.arm", "min": 1, "mustSupport": True},
        {"id": "ResearchStudy.arm.name", "path": "ResearchStudy.arm.name", "mustSupport": True},
        {"id": "ResearchStudy.arm.type", "path": "ResearchStudy.arm.type", "min": 1, "mustSupport": True,
         "binding": {"strength": "required" if arms.local else "extensible", "valueSet": value_set_url(arms)}},
    ]  # fmt: skip
    sd.update({
        "kind": "resource", "abstract": False, "type": "ResearchStudy", "baseDefinition": CORE + "ResearchStudy",
        "derivation": "constraint", "differential": {"element": elements},
    })  # fmt: skip
    return sd


def extension_definition(url: str, users: list[ElementInfo], version: str) -> dict[str, Any]:
    """The StructureDefinition of a local extension: its context, its value[x] type and binding."""
    info = users[0]
    ext_id = url.rsplit("/", 1)[1]
    contexts = sorted({i.profile.resource_type for i in users})
    value: dict[str, Any] = {"id": "Extension.value[x]", "path": "Extension.value[x]", "min": 1,
                             "type": [{"code": t} for t in info.types]}  # fmt: skip
    if info.codes is not None:
        value["binding"] = _binding(info)
    sd = _header(
        ext_id,
        url,
        version,
        f"HSCT registry extension: {ext_id.replace('-', ' ')}",
        f"The {ext_id.replace('-', ' ')} of a {', '.join(contexts)} of the registry's FHIR export "
        f"(mappings/fhir: an `extension` element).",
    )
    sd.update({
        "kind": "complex-type", "abstract": False,
        "context": [{"type": "element", "expression": c} for c in contexts],
        "type": "Extension", "baseDefinition": CORE + "Extension", "derivation": "constraint",
        "differential": {"element": [
            {"id": "Extension", "path": "Extension", "short": ext_id.replace("-", " "), "max": "1"},
            {"id": "Extension.extension", "path": "Extension.extension", "max": "0"},
            {"id": "Extension.url", "path": "Extension.url", "fixedUri": url},
            value,
        ]},
    })  # fmt: skip
    return sd


def structure_definitions(inputs: Inputs, version: str) -> list[dict[str, Any]]:
    """The profiles (mapping order, the ResearchStudy's after the research profiles) and the extensions."""
    out: list[dict[str, Any]] = []
    extensions: dict[str, list[ElementInfo]] = {}
    for profile in inputs.mapping.profiles:
        out.append(profile_definition(inputs, profile, version))
        if profile.resource_type == "ResearchSubject" and not any(o["id"] == STUDY_PROFILE for o in out):
            out.append(study_definition(inputs, version))
        for info in profile_elements(inputs, profile):
            if info.extension_url:
                extensions.setdefault(info.extension_url, []).append(info)
    if not any(o["id"] == STUDY_PROFILE for o in out):
        out.append(study_definition(inputs, version))
    return out + [extension_definition(url, users, version) for url, users in extensions.items()]
