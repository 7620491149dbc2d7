"""What the element mapping says of each element it fills, read from the mapping alone.

Per mapping element: its FHIR element id (`Observation.value[x]`, `Condition.stage.summary`),
the types it gives a choice element, whether every resource of the profile has it (min 1),
the codes it can emit (a coded element), and a value it fixes. Rules:

- **Paths**: `[]` and `[n]` are dropped (`category[]` -> `category`); a choice element named
  with its type (`valueQuantity`) is `value[x]` of that type; a `date` element is its choice
  element with the types the `date` transform writes (`dateTime` and `Period`,
  mappings/fhir/README.md "Timing").
- **Always filled**: a transform that never gives an empty value (`fixed`, the references,
  `pseudonym_identifier`, `by_dates`, `source_files`, a fixed `concept` or `fhir_concept`, a
  `map` with both `default` and `missing`, a `required` date), or one that reads a column the
  profile `require`s (with a `map`, only when it has a `default`). A `date` that is not
  `required` is never min 1: a partner given day offsets receives `_effectiveDateTime` with no
  value (ele-1 allows it; a min 1 would not).
- **Codes**: a `concept` element emits the primary coding and the further codings
  (concept_codings.csv) of: its fixed `concept`; its `map`'s concepts (and `default`); every
  concept of its `template`'s domain; else every concept of the column's domain (the schema's
  `domain_check`). A `fhir_concept` emits its `system` with its `code` or its `map`'s codes; a
  `code` element the bare codes of the column's domain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from etl.fhir.conformance.inputs import Inputs, column_domains
from etl.fhir.conformance.names import is_local
from etl.fhir.mapping import Element, Profile
from etl.fhir.transforms import VALUE_TYPES

# R4 choice elements the mapping may fill, by name without `[x]`
CHOICES = ("value", "effective", "onset", "performed", "medication", "deceased", "abatement", "occurrence")
DATE_TYPES = ("dateTime", "Period")
PRIMITIVES = {"Boolean": "boolean", "DateTime": "dateTime", "String": "string", "Integer": "integer", "Code": "code"}
NEVER_EMPTY = {"fixed", "patient_reference", "study_reference", "pseudonym_identifier", "by_dates", "source_files"}


@dataclass(frozen=True)
class Codes:
    """The codes an element can emit: (system, code, display), in order, no repeats."""

    value_set: str  # the ValueSet id (content-named: the domain, or the domain and its keys)
    codes: tuple[tuple[str, str, str], ...]

    @property
    def local(self) -> bool:
        return any(is_local(s) for s, _, _ in self.codes)


@dataclass(frozen=True)
class ElementInfo:
    profile: Profile
    element: Element
    element_id: str  # `Observation.value[x]`
    types: tuple[str, ...]  # the types of a choice element it uses (empty: not a choice)
    always: bool
    codes: Codes | None
    fixed: dict[str, Any] | None  # {"fixedCode": "final"} or {"patternCodeableConcept": {...}}
    extension_url: str | None = None  # an `extension` element: the extension's URL


def _kebab(text: str) -> str:
    return text.replace("_", "-").replace(".", "-").replace("/", "-").lower()


def element_id(resource_type: str, path: str, transform: str) -> tuple[str, tuple[str, ...]]:
    """The element id of a mapping path and the choice types it uses."""
    segments = [seg.split("[", 1)[0] for seg in path.split(".")]
    first = segments[0]
    types: tuple[str, ...] = ()
    if transform == "date":
        first, types = f"{first}[x]", DATE_TYPES
    else:
        for choice in CHOICES:
            rest = first[len(choice) :]
            if first.startswith(choice) and rest[:1].isupper():
                first, types = f"{choice}[x]", (PRIMITIVES.get(rest, rest),)
                break
    return ".".join([resource_type, first, *segments[1:]]), types


def _column_domain(inputs: Inputs, profile: Profile, column: str) -> str:
    domains = column_domains()
    for table in (profile.source, *(t for t, _ in profile.join)):
        if (table, column) in domains:
            return domains[(table, column)]
    raise ValueError(f"{profile.local_prefix()}: column {column!r} holds no concept domain (schemas/tables/)")


def _concept_ids(inputs: Inputs, profile: Profile | None, args: dict[str, Any]) -> tuple[list[str], str]:
    """The concept ids a `concept` element can emit and the ValueSet id they are named by."""
    if "concept" in args:
        ids = [args["concept"]]
    elif "map" in args:
        ids = list(dict.fromkeys([*args["map"].values(), *([args["default"]] if args.get("default") else [])]))
    else:
        template = args.get("template")
        if template:
            domain = template.split("/", 1)[0]
        elif profile is not None:
            domain = _column_domain(inputs, profile, args["column"])
        else:
            raise ValueError(f"a concept read from column {args.get('column')!r} needs its profile")
        return [c.concept_id for c in inputs.domain(domain)], _kebab(domain)
    domains = {i.split("/", 1)[0] for i in ids}
    keys = sorted(i.split("/", 1)[1] for i in ids)
    name = f"{domains.pop()}-{'-'.join(keys)}" if len(domains) == 1 else "-".join(sorted(ids))
    return ids, _kebab(name)


def concept_codes(inputs: Inputs, profile: Profile | None, args: dict[str, Any]) -> Codes:
    ids, name = _concept_ids(inputs, profile, args)
    out: list[tuple[str, str, str]] = []
    for cid in ids:
        c = inputs.concept(cid)
        out.append((c.system, c.code, c.display_en))
        out += [(x.system, x.code, x.display) for x in inputs.codings.get(cid, ())]
    return Codes(name, tuple(dict.fromkeys(out)))


def _codes(inputs: Inputs, profile: Profile, transform: str, args: dict[str, Any]) -> Codes | None:
    if transform == "concept":
        return concept_codes(inputs, profile, args)
    if transform == "fhir_concept":
        system = args["system"]
        if "code" in args:
            codes = [args["code"]]
        else:
            codes = [*args["map"].values(), *([args["default"]] if args.get("default") else [])]
        codes = list(dict.fromkeys(codes))
        name = _kebab(f"{system.rsplit('/', 1)[1]}-{'-'.join(sorted(codes))}")
        return Codes(name, tuple((system, c, "") for c in codes))
    if transform == "by_dates":  # a fixed CodeableConcept per date handling (Provenance.activity)
        found = [c for v in (args.get("shift"), args.get("offset")) if isinstance(v, dict) for c in v.get("coding", [])]
        if not found:
            return None
        out = tuple(dict.fromkeys((c["system"], c["code"], c.get("display", "")) for c in found))
        return Codes(_kebab(f"{out[0][0].rsplit('/', 1)[1]}-{'-'.join(sorted(c for _, c, _ in out))}"), out)
    if transform == "code":
        domain = _column_domain(inputs, profile, args["column"])
        rows = inputs.domain(domain)
        return Codes(_kebab(domain), tuple((c.system, c.code, c.display_en) for c in rows))
    return None


def _always(profile: Profile, transform: str, args: dict[str, Any]) -> bool:
    if transform in NEVER_EMPTY:
        return True
    if (transform == "concept" and "concept" in args) or (transform == "fhir_concept" and "code" in args):
        return True
    if transform == "map":
        return "default" in args and "missing" in args
    if transform == "date":
        return bool(args.get("required"))
    if transform == "extension":
        inner = dict(args["value"])
        return _always(profile, inner.pop("transform"), inner)
    column = args.get("column")
    if column is None or column not in profile.require:
        return False
    return "map" not in args or args.get("default") is not None


def _fixed(info_id: str, path: str, transform: str, args: dict[str, Any], codes: Codes | None) -> dict[str, Any] | None:
    """A value the mapping fixes on a single (not list) element: a code, or a CodeableConcept's coding."""
    if "[" in path:
        return None
    if transform == "fixed" and isinstance(args.get("value"), str) and info_id.endswith(".status"):
        return {"fixedCode": args["value"]}
    fixed_concept = (transform == "concept" and "concept" in args) or (transform == "fhir_concept" and "code" in args)
    if fixed_concept and codes is not None:
        system, code, _ = codes.codes[0]
        return {"patternCodeableConcept": {"coding": [{"system": system, "code": code}]}}
    return None


def element_info(inputs: Inputs, profile: Profile, element: Element) -> ElementInfo:
    """What one mapping element fills (module docstring)."""
    eid, types = element_id(profile.resource_type, element.path, element.transform)
    args = element.args
    if element.transform == "extension":
        inner = dict(args["value"])
        name = inner.pop("transform")
        codes = _codes(inputs, profile, name, inner)
        types = (VALUE_TYPES[name],)
        return ElementInfo(profile, element, eid, types, _always(profile, "extension", args), codes, None, args["url"])
    codes = _codes(inputs, profile, element.transform, args)
    fixed = _fixed(eid, element.path, element.transform, args, codes)
    return ElementInfo(profile, element, eid, types, _always(profile, element.transform, args), codes, fixed)


def profile_elements(inputs: Inputs, profile: Profile) -> list[ElementInfo]:
    return [element_info(inputs, profile, e) for e in profile.elements]
