"""The element mapping (mappings/fhir/*.yaml): which column becomes which element.

A profile is one kind of resource made from one source table: its natural key
(→ the resource id), the columns that must be present, and an ordered list of
elements, each a path, a transform named in the data (etl/fhir/transforms.py
implements each once) and that transform's arguments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from etl.paths import MAPPINGS_DIR

FHIR_MAPPINGS_DIR = MAPPINGS_DIR / "fhir"
# resource types in the order a patient's resources are written
FILE_ORDER = ("patient", "research", "condition", "observation", "medication", "procedure", "provenance")
# the source tables and how each reaches its patient
SOURCES = {
    "patient": "patient_id",
    "diagnosis": "patient_id",
    "bridging_therapy": "patient_id",
    "drug_administration": "patient_id",
    "lab_result": "patient_id",
    "transplant": "patient_id",
    "disease_assessment": "transplant_id",
    "pretransplant_toxicity": "transplant_id",
    "recovery": "transplant_id",
    "complication": "transplant_id",
    "relapse": "transplant_id",
    "dli": "transplant_id",
    "follow_up": "transplant_id",
}
# columns every source row has besides its own (added by etl/fhir/source.py)
ADDED_COLUMNS = {"patient_id", "hsct_date", "hsct_day", "hsct_transplant_id"}
COLUMN_ARGS = ("column", "day", "unit_column", "comparator", "dose", "purpose", "drug")  # args naming a column
# tables whose columns a profile may `join` (one row per key): by the row's transplant, or by its patient
JOINABLE = {
    "transplant": "transplant_id",
    "disease_assessment": "transplant_id",
    "recovery": "transplant_id",
    "relapse": "transplant_id",
    "dli": "transplant_id",
    "follow_up": "transplant_id",
    "patient": "patient_id",
    "diagnosis": "patient_id",
}


class MappingError(ValueError):
    pass


@dataclass(frozen=True)
class Element:
    path: str
    transform: str
    args: dict[str, Any]

    def columns(self) -> set[str]:
        cols = {self.args[a] for a in COLUMN_ARGS if a in self.args}
        if self.transform == "reference":  # the referring row's values of the target's key, and its filter
            cols |= set(self.args.get("key") or ()) | set(self.args.get("only") or {})
        for nested in ("value", "when_unknown"):  # an extension's value; a date's fallback chosen by a column
            inner = self.args.get(nested)
            if isinstance(inner, dict):
                cols |= {inner[a] for a in COLUMN_ARGS if a in inner}
        return cols


@dataclass(frozen=True)
class Profile:
    resource_type: str
    name: str
    source: str
    key: tuple[str, ...]
    require: tuple[str, ...]
    elements: tuple[Element, ...]
    join: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (table, columns) added to each row (JOINABLE)
    anchor: bool = False  # the resource every relative date points at (the transplant)
    where: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (column, values): only the rows holding one

    def columns(self) -> set[str]:
        """The columns read from the profile's own source table (joined ones are read from theirs)."""
        cols = set(self.key) | set(self.require) | {c for c, _ in self.where}
        for e in self.elements:
            cols |= e.columns()
        return cols - {c for _, joined in self.join for c in joined}

    @property
    def patient_keyed(self) -> bool:
        """One resource per patient, so its id follows from the patient id alone."""
        return self.key == ("patient_id",)

    def local_prefix(self) -> str:
        """Local keys: "<Type>/<key...>" for the type's own profile, "<Type>/<profile>/<key...>" otherwise."""
        if self.name == self.resource_type.lower():
            return self.resource_type
        return f"{self.resource_type}/{self.name}"


@dataclass(frozen=True)
class Mapping:
    profiles: tuple[Profile, ...]
    study: dict[str, Any] = field(default_factory=dict)

    def by_source(self, resource_types: tuple[str, ...]) -> dict[str, list[Profile]]:
        out: dict[str, list[Profile]] = {}
        for p in self.profiles:
            if p.resource_type in resource_types:
                out.setdefault(p.source, []).append(p)
        return out

    def joins(self, resource_types: tuple[str, ...]) -> dict[str, set[str]]:
        """The joined tables of these resource types' profiles, each with the columns to read."""
        out: dict[str, set[str]] = {}
        for p in self.profiles:
            if p.resource_type in resource_types:
                for table, cols in p.join:
                    out.setdefault(table, {JOINABLE[table]}).update(cols)
        return out

    @property
    def anchor(self) -> Profile:
        """The transplant: relative dates (partners given day offsets) point at its resource."""
        return next(p for p in self.profiles if p.anchor)


def _element(spec: dict[str, Any], where: str) -> Element:
    if not isinstance(spec, dict) or "path" not in spec or "transform" not in spec:
        raise MappingError(f"{where}: each element needs a path and a transform, got {spec!r}")
    args = {k: v for k, v in spec.items() if k not in ("path", "transform")}
    return Element(str(spec["path"]), str(spec["transform"]), args)


def _profile(resource_type: str, name: str, spec: dict[str, Any], where: str) -> Profile:
    from etl.fhir.transforms import TRANSFORMS  # the registry of named transforms

    source = spec.get("source")
    if source not in SOURCES:
        raise MappingError(f"{where}: source {source!r} is not one of {sorted(SOURCES)}")
    elements = tuple(_element(e, f"{where} element {i + 1}") for i, e in enumerate(spec.get("elements") or []))
    for e in elements:
        if e.transform not in TRANSFORMS:
            raise MappingError(f"{where}: unknown transform {e.transform!r}; known: {', '.join(sorted(TRANSFORMS))}")
    join = spec.get("join") or {}
    unknown = sorted(set(join) - set(JOINABLE))
    if unknown:
        raise MappingError(f"{where}: join names {unknown}; a profile may join only {sorted(JOINABLE)}")
    key = tuple(spec.get("key") or ())
    row_filter = tuple((str(c), tuple(_text(v) for v in (vs if isinstance(vs, list) else [vs])))
                       for c, vs in (spec.get("where") or {}).items())  # fmt: skip
    anchor = bool(spec.get("anchor"))
    if anchor and (source != "transplant" or key != ("transplant_id",)):
        raise MappingError(f"{where}: the anchor (what relative dates point at) is one resource per transplant")
    return Profile(
        resource_type=resource_type,
        name=name,
        source=source,
        key=key,
        require=tuple(spec.get("require") or ()),
        elements=elements,
        join=tuple((table, tuple(cols)) for table, cols in join.items()),
        anchor=anchor,
        where=row_filter,
    )


def _text(value: Any) -> str:
    """A `where` value as the transforms compare it: booleans `true`/`false`, others as written."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _check_references(profiles: list[Profile], folder: Path) -> None:
    """Every `reference` element names a profile of the mapping, by as many key columns as its key has,
    and one whose resources always exist (no `require`, no `where`): the reference must resolve."""
    by_prefix = {p.local_prefix(): p for p in profiles}
    for p in profiles:
        for e in p.elements:
            if e.transform != "reference":
                continue
            target = by_prefix.get(str(e.args.get("profile")))
            where = f"{folder}: {p.local_prefix()} {e.path}"
            if target is None:
                raise MappingError(f"{where}: reference to {e.args.get('profile')!r}, not a profile of the mapping")
            if len(e.args.get("key") or ()) != len(target.key):
                raise MappingError(f"{where}: {target.local_prefix()} is keyed by {list(target.key)}")
            if target.require or target.where:
                raise MappingError(f"{where}: {target.local_prefix()} does not exist for every row (require/where)")


@cache
def load_mapping(folder: Path = FHIR_MAPPINGS_DIR) -> Mapping:
    profiles: list[Profile] = []
    study: dict[str, Any] = {}
    for stem in FILE_ORDER:
        path = folder / f"{stem}.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        rtype = data["resourceType"]
        for name, spec in (data.get("profiles") or {}).items():
            profiles.append(_profile(rtype, name, spec, f"{path.name}: {name}"))
        study = data.get("study") or study
    names = [p.local_prefix() for p in profiles]
    if len(set(names)) != len(names):
        raise MappingError(f"{folder}: two profiles share a name within a resource type")
    _check_references(profiles, folder)
    if sum(p.anchor for p in profiles) != 1:
        raise MappingError(f"{folder}: exactly one profile is the `anchor: true` of relative dates (the transplant)")
    return Mapping(tuple(profiles), study)
