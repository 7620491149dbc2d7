"""A ValueSet for every coded element of the export: the codes its mapping element can emit
(etl/fhir/conformance/elements.py), standard and local systems alike, one `include` per system.

ValueSets are named by content (the domain, or the domain and the keys of a fixed or mapped
choice), so that the elements of several profiles that emit the same codes share one; two
elements naming one ValueSet with different codes are an error. The binding strength
(`strength`): `required` where a code is local (the registry defines the whole set) or where R4
binds the element `required` already (a profile cannot loosen it: the `code` elements, and
Condition.clinicalStatus / verificationStatus); `extensible` for standard codes otherwise.
"""

from __future__ import annotations

from typing import Any

from etl.fhir.conformance.elements import Codes, ElementInfo
from etl.fhir.conformance.names import VALUE_SET, pascal

REQUIRED_IN_R4 = {"Condition.clinicalStatus", "Condition.verificationStatus"}  # R4 Condition: binding required


def strength(info: ElementInfo) -> str:
    if info.codes is None:
        raise ValueError(f"{info.element_id} is not coded")
    code_typed = info.element.transform == "code"
    return "required" if info.codes.local or code_typed or info.element_id in REQUIRED_IN_R4 else "extensible"


def value_set_url(codes: Codes) -> str:
    return VALUE_SET + codes.value_set


def value_set(codes: Codes, used_by: list[str], version: str) -> dict[str, Any]:
    """The ValueSet resource of one code set; `used_by`: the element ids bound to it (its description)."""
    include: dict[str, list[dict[str, str]]] = {}
    for system, code, display in codes.codes:
        include.setdefault(system, []).append({"code": code, **({"display": display} if display else {})})
    return {
        "resourceType": "ValueSet",
        "id": codes.value_set,
        "url": value_set_url(codes),
        "version": version,
        "name": pascal(codes.value_set),
        "status": "active",
        "experimental": False,
        "publisher": "Pediatric HSCT registry",
        "description": "The codes the registry's FHIR export emits in: " + ", ".join(sorted(set(used_by))),
        "immutable": False,
        "compose": {"include": [{"system": s, "concept": concepts} for s, concepts in include.items()]},
    }


def uses(infos: list[ElementInfo]) -> list[tuple[Codes, str]]:
    """The code set of every coded element, with the element it is used by (`<profile> <element id>`)."""
    out = []
    for info in infos:
        if info.codes is not None:
            where = f"{info.profile.local_prefix()} {info.element_id}"
            out.append((info.codes, where + (f" ({info.extension_url})" if info.extension_url else "")))
    return out


def value_sets(used: list[tuple[Codes, str]], version: str) -> list[dict[str, Any]]:
    """One ValueSet per distinct code set (first-use order); ValueError on two code sets under one name."""
    sets: dict[str, Codes] = {}
    users: dict[str, list[str]] = {}
    for codes, where in used:
        name = codes.value_set
        if name in sets and sets[name] != codes:
            raise ValueError(f"ValueSet {name!r}: two elements emit different codes under one name")
        sets[name] = codes
        users.setdefault(name, []).append(where)
    return [value_set(codes, users[name], version) for name, codes in sets.items()]
