"""The named transforms of the element mapping, each implemented once and vectorized.

A transform takes the source rows of one profile (a DataFrame), the element's
arguments from the YAML and the build context, and returns one value per row
(None: the element is left out for that row). `date` returns, per row, the
elements to merge into the resource (the date itself, or its day offset as an
extension, as the partner's date handling asks).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from etl.fhir.context import BuildContext

UCUM = "http://unitsofmeasure.org"
DAY_EXTENSION = "https://hsct-registry.example.org/fhir/StructureDefinition/day-from-transplant"
DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
RUN_SYSTEM = "https://hsct-registry.example.org/fhir/NamingSystem/etl-run"

Transform = Callable[[pd.DataFrame, dict[str, Any], BuildContext], list[Any]]
TRANSFORMS: dict[str, Transform] = {}
MERGING = {"date"}  # transforms whose values are merged into the resource
VALUE_TYPES = {"concept": "CodeableConcept", "quantity": "Quantity", "boolean": "Boolean", "code": "Code"}


def transform(name: str) -> Callable[[Transform], Transform]:
    def register(fn: Transform) -> Transform:
        TRANSFORMS[name] = fn
        return fn

    return register


def values(frame: pd.DataFrame, column: str) -> list[Any]:
    """A column as plain Python values, None where missing."""
    s = frame[column]
    return s.astype(object).where(s.notna(), None).tolist()


def _key(v: Any) -> str:
    if v is True or v is False:
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


@transform("fixed")
def fixed(frame: pd.DataFrame, args: dict[str, Any], ctx: BuildContext) -> list[Any]:
    return [args["value"]] * len(frame)


@transform("concept")
def concept(frame: pd.DataFrame, args: dict[str, Any], ctx: BuildContext) -> list[Any]:
    """A CodeableConcept: a fixed `concept`, or the concept id in `column` (through `template`/`map`)."""
    if "concept" in args:
        return [ctx.concepts[args["concept"]]] * len(frame)
    template, mapping, default = args.get("template"), args.get("map"), args.get("default")
    out = []
    for v in values(frame, args["column"]):
        if v is None:
            out.append(None)
            continue
        cid = template.format(_key(v)) if template else _key(v)
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
    """A fixed string chosen by the column's value (`map`, else `default`)."""
    mapping, default = args["map"], args.get("default")
    return [None if v is None else mapping.get(_key(v), default) for v in values(frame, args["column"])]


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


def _day_extension(day: int) -> dict[str, Any]:
    return {"url": DAY_EXTENSION, "valueInteger": int(day)}


@transform("date")
def date(frame: pd.DataFrame, args: dict[str, Any], ctx: BuildContext) -> list[Any]:
    """`<path>DateTime`: the date, moved by the patient's shift; or, for a partner given day offsets,
    a `day-from-transplant` extension on the resource. A `required` element with no date (or a
    hidden one) becomes a `<path>Period` carrying a data-absent-reason."""
    path, required = args["path"], bool(args.get("required"))
    absent_unknown = {f"{path}Period": {"extension": [{"url": DATA_ABSENT, "valueCode": "unknown"}]}}
    absent_masked = {f"{path}Period": {"extension": [{"url": DATA_ABSENT, "valueCode": "masked"}]}}
    if ctx.shift_dates:
        dates = pd.to_datetime(frame[args["column"]])
        shift = pd.to_timedelta(frame["patient_id"].map(ctx.shifts), unit="D")
        text = (dates + shift).dt.strftime("%Y-%m-%d")
        key = f"{path}DateTime"
        return [
            {key: t} if ok else (absent_unknown if required else None)
            for t, ok in zip(text.tolist(), dates.notna().tolist(), strict=True)
        ]
    out: list[Any] = []
    for day in values(frame, args["day"]):
        if day is None:
            out.append(absent_unknown if required else None)
        elif required:
            out.append({"extension": [_day_extension(day)], **absent_masked})
        else:
            out.append({"extension": [_day_extension(day)]})
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
