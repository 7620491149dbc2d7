"""The named transforms of the element mapping, each implemented once and vectorized.

A transform takes the source rows of one profile (a DataFrame), the element's
arguments from the YAML and the build context, and returns one value per row
(None: the element is left out for that row). `date` returns, per row, the
elements to merge into the resource (`<path>DateTime`, `_<path>DateTime` or
`<path>Period`, as the partner's date handling and what is known ask).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

# the registry and what the transforms share (etl.fhir.transform_registry); `date` is in etl.fhir.timing,
# imported here so that loading the transforms registers every one of them
from etl.fhir import timing
from etl.fhir.context import BuildContext
from etl.fhir.transform_registry import (
    MERGING,
    RUN_SYSTEM,
    TRANSFORMS,
    UCUM,
    UNKNOWN,
    VALUE_TYPES,
    as_key,
    transform,
    values,
)
from etl.paths import MAPPINGS_DIR

__all__ = ["MERGING", "TRANSFORMS", "VALUE_TYPES", "as_key", "timing", "values"]


@transform("fixed")
def fixed(frame: pd.DataFrame, args: dict[str, Any], ctx: BuildContext) -> list[Any]:
    return [args["value"]] * len(frame)


@transform("concept")
def concept(frame: pd.DataFrame, args: dict[str, Any], ctx: BuildContext) -> list[Any]:
    """A CodeableConcept: a fixed `concept`, or the concept id in `column` (through `template`/`map`)."""
    if "concept" in args:
        return [ctx.concepts[args["concept"]]] * len(frame)
    template, mapping, default = args.get("template"), args.get("map"), args.get("default")
    out: list[Any] = []
    for v in values(frame, args["column"]):
        if v is None:
            out.append(None)
            continue
        cid = template.format(as_key(v)) if template else as_key(v)
        if mapping is not None:
            cid = mapping.get(cid, default)
        out.append(ctx.concepts.get(cid))
    return out


@transform("code")
def code(frame: pd.DataFrame, args: dict[str, Any], ctx: BuildContext) -> list[Any]:
    """The bare code of the concept in `column` (for elements of type code, e.g. Patient.gender)."""
    return [None if v is None else ctx.concepts.code(v) for v in values(frame, args["column"])]


@transform("map")
def map_text(frame: pd.DataFrame, args: dict[str, Any], ctx: BuildContext) -> list[Any]:
    """A fixed string chosen by the column's value (`map`, else `default`; `missing` for an empty cell)."""
    mapping, default, missing = args["map"], args.get("default"), args.get("missing")
    return [missing if v is None else mapping.get(as_key(v), default) for v in values(frame, args["column"])]


@transform("fhir_concept")
def fhir_concept(frame: pd.DataFrame, args: dict[str, Any], ctx: BuildContext) -> list[Any]:
    """A CodeableConcept of a code system FHIR defines (statuses, categories; no translation needed):
    `system` and a fixed `code`, or the code chosen by `column` through `map` (else `default`)."""
    system = args["system"]
    made: dict[str, dict[str, Any]] = {}

    def of(code: str | None) -> dict[str, Any] | None:
        if code is None:
            return None
        if code not in made:
            made[code] = {"coding": [{"system": system, "code": code}]}
        return made[code]

    if "code" in args:
        return [of(args["code"])] * len(frame)
    mapping, default = args["map"], args.get("default")
    return [None if v is None else of(mapping.get(as_key(v), default)) for v in values(frame, args["column"])]


@transform("by_dates")
def by_dates(frame: pd.DataFrame, args: dict[str, Any], ctx: BuildContext) -> list[Any]:
    """A fixed value chosen by the partner's date handling: `shift` or `offset` (mappings/partners.yaml)."""
    return [args[ctx.partner.dates]] * len(frame)


@transform("year")
def year(frame: pd.DataFrame, args: dict[str, Any], ctx: BuildContext) -> list[Any]:
    return [None if v is None else f"{int(v):04d}" for v in values(frame, args["column"])]


@transform("boolean")
def boolean(frame: pd.DataFrame, args: dict[str, Any], ctx: BuildContext) -> list[Any]:
    return [None if v is None else bool(v) for v in values(frame, args["column"])]


@transform("quantity")
def quantity(frame: pd.DataFrame, args: dict[str, Any], ctx: BuildContext) -> list[Any]:
    """A Quantity in UCUM: the value of `column`, a fixed `unit` or the unit in `unit_column`, a `comparator`."""
    n = len(frame)
    units = values(frame, args["unit_column"]) if "unit_column" in args else [args.get("unit")] * n
    comparators = values(frame, args["comparator"]) if "comparator" in args else [None] * n
    out: list[Any] = []
    for v, unit, comp in zip(values(frame, args["column"]), units, comparators, strict=True):
        if v is None:
            out.append(None)
            continue
        q: dict[str, Any] = {"value": float(v)}
        if comp is not None:
            q["comparator"] = comp
        if unit is not None:
            q.update(unit=unit, system=UCUM, code=unit)
        out.append(q)
    return out


@transform("pseudonym_identifier")
def pseudonym_identifier(frame: pd.DataFrame, args: dict[str, Any], ctx: BuildContext) -> list[Any]:
    system = ctx.partner.identifier_system
    ids = ctx.patient_ids
    return [{"system": system, "value": ids[p]} for p in frame["patient_id"].tolist()]


@transform("patient_reference")
def patient_reference(frame: pd.DataFrame, args: dict[str, Any], ctx: BuildContext) -> list[Any]:
    refs = ctx.patient_refs
    return [refs[p] for p in frame["patient_id"].tolist()]


@transform("study_reference")
def study_reference(frame: pd.DataFrame, args: dict[str, Any], ctx: BuildContext) -> list[Any]:
    return [{"reference": f"ResearchStudy/{ctx.study_id}"}] * len(frame)


@transform("extension")
def extension(frame: pd.DataFrame, args: dict[str, Any], ctx: BuildContext) -> list[Any]:
    """An extension `url` whose value is another transform's (`value`: {transform, ...})."""
    inner = dict(args["value"])
    name = inner.pop("transform")
    key = "value" + VALUE_TYPES[name]
    url = args["url"]
    return [None if v is None else {"url": url, key: v} for v in TRANSFORMS[name](frame, inner, ctx)]


@transform("patient_targets")
def patient_targets(frame: pd.DataFrame, args: dict[str, Any], ctx: BuildContext) -> list[Any]:
    """References to every other resource of the patient in this export (for Provenance.target)."""
    return [[{"reference": r} for r in ctx.targets.get(p, [])] for p in frame["patient_id"].tolist()]


@transform("run_instant")
def run_instant(frame: pd.DataFrame, args: dict[str, Any], ctx: BuildContext) -> list[Any]:
    return [None if r is None else ctx.run_instants[int(r)] for r in values(frame, args["column"])]


@transform("source_files")
def source_files(frame: pd.DataFrame, args: dict[str, Any], ctx: BuildContext) -> list[Any]:
    """Provenance.entity: the ETL run (by number) and the source files (by name) of the patient's rows."""
    out = []
    for p, run in zip(frame["patient_id"].tolist(), values(frame, args["column"]), strict=True):
        entities = [{"role": "source", "what": {"identifier": {"system": RUN_SYSTEM, "value": str(int(run))}}}]
        entities += [{"role": "source", "what": {"display": name}} for name in ctx.source_files.get(p, [])]
        out.append(entities)
    return out


@transform("reference")
def reference(frame: pd.DataFrame, args: dict[str, Any], ctx: BuildContext) -> list[Any]:
    """A reference to another resource of the same export: the resource of mapping profile `profile`
    (its local prefix, e.g. `Condition/diagnosis`) whose key is this row's values of `key` (its
    columns, in the order of the target's key), made the way every id is (the keyed hash of the local
    key). `only` ({column: [values]}) keeps the reference to the rows holding one of the values (the
    transplant of conditioning and prophylaxis, not of the bridging therapy). Empty where a key value
    is. The mapping checks that the target exists for every row (etl/fhir/mapping.py)."""
    prefix, columns = str(args["profile"]), list(args["key"])
    rtype = prefix.split("/", 1)[0]
    n = len(frame)
    keep = [True] * n
    for column, wanted in (args.get("only") or {}).items():
        allowed = {as_key(v) for v in wanted}
        keep = [k and v is not None and as_key(v) in allowed for k, v in zip(keep, values(frame, column), strict=True)]
    parts = [values(frame, c) for c in columns]
    local: list[str | None] = []
    for i in range(n):
        row = [p[i] for p in parts]
        local.append(None if not keep[i] or any(v is None for v in row) else "/".join([prefix, *map(as_key, row)]))
    made: dict[str, dict[str, str]] = {}
    wanted_keys = sorted({k for k in local if k is not None and k not in made})
    for k, rid in zip(wanted_keys, ctx.pseudo.ids(wanted_keys), strict=True):
        made[k] = {"reference": f"{rtype}/{rid}"}
    return [None if k is None else made[k] for k in local]


REGIMENS = MAPPINGS_DIR / "regimens.yaml"


@cache
def regimen_drugs(path: Path = REGIMENS) -> dict[tuple[str, str], dict[str, Any]]:
    """(purpose, drug concept id) -> the drug's entry in mappings/regimens.yaml (its dose, unit,
    `dose_is`, `route`, `note`). A drug in several regimens of one purpose has one entry (the same
    drug is given the same way: the immunosuppressions share sirolimus)."""
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for regimen, drugs in spec.items():
        purpose = regimen.split("/", 1)[0]
        for drug in drugs:
            out.setdefault((purpose, f"drug/{drug['drug']}"), drug)
    return out


COURSE_TOTAL = "course_total"


@transform("dosage")
def dosage(frame: pd.DataFrame, args: dict[str, Any], ctx: BuildContext) -> list[Any]:
    """MedicationAdministration.dosage: `dose` (the column of the amount, `unit_column` its UCUM unit),
    `route` and the dose's meaning from mappings/regimens.yaml (by `purpose` and `drug` columns).
    A regimen dose marked `dose_is: course_total` is the total of the course (busulfan 12 mg/kg over
    the conditioning days), sent as `dose` of the administration that stands for the whole course (its
    effective[x] spans the course) with `text` saying so; a per-administration dose (PTCy 50 mg/kg on
    D+3 and D+4) is the dose of that day. The `route` is a concept (`fhir_route/<route>`) where the
    regimen names one. A drug whose dose the registry does not record gets no dose: its route and text
    (when known) with `dose` data-absent `unknown` (R4 mad-1 asks a dose or a rate of every dosage);
    nothing at all when nothing is known."""
    doses = quantity(frame, {"column": args["dose"], "unit_column": args["unit_column"]}, ctx)
    regimens = regimen_drugs()
    out: list[Any] = []
    for dose, purpose, drug in zip(doses, values(frame, args["purpose"]), values(frame, args["drug"]), strict=True):
        entry = regimens.get((purpose, drug), {})
        d: dict[str, Any] = {}
        text = [entry["note"]] if entry.get("note") else []
        if dose is not None and entry.get("dose_is") == COURSE_TOTAL:
            text.insert(0, f"course total {as_key(dose['value'])} {dose.get('unit', '')}".rstrip())
        elif dose is None and entry:
            text.insert(0, "dose not recorded by the registry")
        if text:
            d["text"] = "; ".join(text)
        if entry.get("route"):
            d["route"] = ctx.concepts[f"fhir_route/{entry['route']}"]
        if dose is not None:
            d["dose"] = dose
        elif d:
            d["dose"] = {"extension": [UNKNOWN]}
        out.append(d or None)
    return out
