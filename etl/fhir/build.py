"""Build resources as plain dicts from a profile's source rows, element by element.

The transforms run once per element over the whole frame (vectorized); the rows
are then assembled in one pass, leaving out every element whose value is None.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from etl.fhir.conformance.names import profile_url
from etl.fhir.context import BuildContext
from etl.fhir.mapping import Profile
from etl.fhir.transforms import MERGING, TRANSFORMS, as_key, values

Setter = Callable[[dict[str, Any], Any], None]
_SEGMENT = re.compile(r"^(\w+)(\[(\d*)\])?$")
SECURITY_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"
PSEUDED = {"system": SECURITY_SYSTEM, "code": "PSEUDED", "display": "pseudonymized"}
ABSTRED = {"system": SECURITY_SYSTEM, "code": "ABSTRED", "display": "abstracted"}


def security_meta(profile: Profile | None, ctx: BuildContext | None) -> dict[str, Any]:
    """`meta` of a resource: the security labels of what was done to it. PSEUDED on every resource
    (keyed pseudonyms; the registry keeps the key); ABSTRED where a date is sent in a coarser form:
    the birth year (a `year` element), and every date of a partner given day offsets. `profile`: the
    canonical of the profile's StructureDefinition in the conformance package (None: the ResearchStudy's)."""
    labels = [PSEUDED]
    if profile is not None and ctx is not None:
        transforms = {e.transform for e in profile.elements}
        if "year" in transforms or ("date" in transforms and not ctx.shift_dates):
            labels.append(ABSTRED)
    return {"profile": [profile_url(profile)], "security": labels}


@dataclass
class Built:
    """The resources of one profile: per resource its patient, local key, id and content."""

    profile: Profile
    patient_ids: list[int]
    local_keys: list[str]
    ids: list[str]
    resources: list[dict[str, Any]]


def _step(node: dict[str, Any], name: str, index: str | None) -> dict[str, Any]:
    """The object at `name` of `node` (created empty), or at item `index` of the list at `name`
    ("": a new item appended)."""
    if index is None:
        child: dict[str, Any] = node.setdefault(name, {})
        return child
    items: list[dict[str, Any]] = node.setdefault(name, [])
    if index == "":
        items.append({})
        return items[-1]
    while len(items) <= int(index):
        items.append({})
    return items[int(index)]


def compile_path(path: str) -> Setter:
    """A setter for an element path: `a.b`, `a[]` (append an item), `a[0].b` (that item)."""
    segments = []
    for seg in path.split("."):
        m = _SEGMENT.match(seg)
        if not m:
            raise ValueError(f"bad element path {path!r}")
        segments.append((m.group(1), m.group(3) if m.group(2) else None))
    *parents, (last, last_index) = segments
    if not parents and last_index is None:

        def set_plain(resource: dict[str, Any], value: Any) -> None:
            resource[last] = value

        return set_plain

    def setter(resource: dict[str, Any], value: Any) -> None:
        node = resource
        for name, index in parents:
            node = _step(node, name, index)
        if last_index is None:
            node[last] = value
        elif last_index == "":
            node.setdefault(last, []).append(value)
        else:
            items = node.setdefault(last, [])
            while len(items) <= int(last_index):
                items.append(None)
            items[int(last_index)] = value

    return setter


def merge(resource: dict[str, Any], parts: dict[str, Any]) -> None:
    for key, value in parts.items():
        if key == "extension":
            resource.setdefault("extension", []).extend(value)
        else:
            resource[key] = value


def _local_keys(profile: Profile, frame: pd.DataFrame) -> list[str]:
    """ "<prefix>/<key 1>/<key 2>..." per row (integers without a decimal point, dates ISO)."""
    keys = pd.Series(profile.local_prefix(), index=frame.index, dtype=object)
    for k in profile.key:
        s = frame[k]
        text = s.astype("Int64").astype(str) if pd.api.types.is_float_dtype(s) else s.astype(str)
        keys = keys + "/" + text
    local_keys: list[str] = keys.tolist()
    return local_keys


def _plain(element: Any) -> bool:
    """A top-level element set as is (no list, no nesting, not merged)."""
    return element.transform not in MERGING and element.path.isidentifier()


def build_profile(profile: Profile, frame: pd.DataFrame, ctx: BuildContext) -> Built:
    rows = frame.dropna(subset=list(profile.require)) if profile.require else frame
    for column, wanted in profile.where:  # `where`: only the rows holding one of the values
        rows = rows[pd.Series([as_key(v) in wanted for v in values(rows, column)], index=rows.index, dtype=bool)]
    rows = rows.reset_index(drop=True)
    local_keys = _local_keys(profile, rows)
    ids = ctx.pseudo.ids(local_keys)
    columns: list[tuple[Setter, list[Any]]] = []
    for element in profile.elements:
        args = element.args
        if element.transform in MERGING:
            args = {**args, "path": element.path}
            columns.append((merge, TRANSFORMS[element.transform](rows, args, ctx)))
        else:
            columns.append((compile_path(element.path), TRANSFORMS[element.transform](rows, args, ctx)))
    rtype = profile.resource_type
    # leading plain elements (`status`, `code`, ...) in one dict display; the rest through setters
    lead = 0
    while lead < len(profile.elements) and _plain(profile.elements[lead]):
        lead += 1
    names = [e.path for e in profile.elements[:lead]]
    plain = [vals for _, vals in columns[:lead]]
    rest = columns[lead:]
    resources = []
    meta = security_meta(profile, ctx)  # one object, shared by the profile's resources
    for i, row in enumerate(zip(ids, *plain, strict=True)):
        resource: dict[str, Any] = {"resourceType": rtype, "id": row[0], "meta": meta}
        resource.update({k: v for k, v in zip(names, row[1:], strict=True) if v is not None})
        for setter, vals in rest:
            v = vals[i]
            if v is not None:
                setter(resource, v)
        resources.append(resource)
    return Built(profile, [int(p) for p in rows["patient_id"].tolist()], local_keys, ids, resources)
