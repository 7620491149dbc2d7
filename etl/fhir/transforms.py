"""The named transforms of the element mapping, each implemented once and vectorized.

A transform takes the source rows of one profile (a DataFrame), the element's
arguments from the YAML and the build context, and returns one value per row
(None: the element is left out for that row). `date` returns, per row, the
elements to merge into the resource (`<path>DateTime`, `_<path>DateTime` or
`<path>Period`, as the partner's date handling and what is known ask).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from etl.fhir.context import BuildContext
from etl.paths import MAPPINGS_DIR

UCUM = "http://unitsofmeasure.org"
RELATIVE_DATE = "http://hl7.org/fhir/StructureDefinition/relative-date"  # R4 core: a date relative to an event
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
    out: list[Any] = s.astype(object).where(s.notna(), None).tolist()
    return out


def as_key(v: Any) -> str:
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


WINDOWS = {"before_transplant": "end", "after_transplant": "start"}  # the Period bound the transplant's day is
MASKED = {"url": DATA_ABSENT, "valueCode": "masked"}
UNKNOWN = {"url": DATA_ABSENT, "valueCode": "unknown"}


def relative_date(ref: dict[str, str], day: int) -> dict[str, Any]:
    """The R4 `relative-date` extension: `day` days after (before) the start of the referenced transplant."""
    if day > 0:
        relationship, n = "after-start", day
    elif day < 0:
        relationship, n = "before-start", -day
    else:
        relationship, n = "concurrent-with-start", 0
    return {
        "url": RELATIVE_DATE,
        "extension": [
            {"url": "event", "valueReference": ref},
            {"url": "relationship", "valueCode": relationship},
            {"url": "offset", "valueDuration": {"value": n, "unit": "d", "system": UCUM, "code": "d"}},
        ],
    }


def _windows(frame: pd.DataFrame, spec: Any, required: bool) -> list[str | None]:
    """Per row, what stands for an unknown date: `before_transplant`, `after_transplant`, `absent` or None."""
    if isinstance(spec, dict):
        mapping, default = spec.get("map") or {}, spec.get("default")
        return [None if v is None else mapping.get(as_key(v), default) for v in values(frame, spec["column"])]
    return [spec or ("absent" if required else None)] * len(frame)


@transform("date")
def date(frame: pd.DataFrame, args: dict[str, Any], ctx: BuildContext) -> list[Any]:
    """When it happened, as the partner's date handling asks. The day (from the transplant of the row)
    is the date's, else the `day` column's, else the fixed `at_day`. A partner given dates gets
    `<path>DateTime`, moved by the patient's shift; a partner given day offsets gets, on the same
    primitive (`_<path>DateTime`), a data-absent-reason `masked` and the R4 `relative-date` extension
    pointing at the transplant. A row with neither date nor day gets what `when_unknown` names: a
    Period ending (`before_transplant`) or starting (`after_transplant`) on the transplant's day, or
    a Period with a data-absent-reason `unknown` (`absent`, the default of a `required` element). A
    `required` element (1..1 in R4) with a relative day is a Period whose two bounds carry it (the
    fhir.resources models want a value or a Period there)."""
    path, required = args["path"], bool(args.get("required"))
    n = len(frame)
    hsct = pd.to_datetime(frame["hsct_date"])
    if "column" in args:
        dates = pd.to_datetime(frame[args["column"]])
    else:
        dates = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    days = (dates - hsct).dt.days.astype(float)
    if "day" in args:
        days = days.fillna(pd.to_numeric(frame[args["day"]], errors="coerce").astype(float))
    if "at_day" in args:
        days = days.fillna(float(args["at_day"]))
    windows = _windows(frame, args.get("when_unknown"), required)
    absent = {f"{path}Period": {"extension": [UNKNOWN]}}
    out: list[Any] = []
    if ctx.shift_dates:
        shift = pd.to_timedelta(frame["patient_id"].map(ctx.shifts), unit="D")
        # (to_timedelta of a NaN reads what is left in memory: the unknown days are masked afterwards)
        by_day = (hsct + pd.to_timedelta(days.fillna(0), unit="D")).where(days.notna())
        point = dates.where(dates.notna(), by_day)
        points = (point + shift).dt.strftime("%Y-%m-%d").tolist()
        transplant_days = (hsct + shift).dt.strftime("%Y-%m-%d").tolist()
        key = f"{path}DateTime"
        for t, d0, window in zip(points, transplant_days, windows, strict=True):
            if isinstance(t, str):
                out.append({key: t})
            elif window in WINDOWS and isinstance(d0, str):
                out.append({f"{path}Period": {WINDOWS[window]: d0}})
            else:
                out.append(absent if window == "absent" or required else None)
        return out
    anchors = values(frame, "hsct_transplant_id")
    known = dates.notna().tolist()
    stamps: dict[tuple[int, int], dict[str, Any]] = {}

    def stamp(transplant: int, day: int) -> dict[str, Any]:
        s = stamps.get((transplant, day))
        if s is None:
            s = stamps[(transplant, day)] = {"extension": [MASKED, relative_date(ctx.anchor_ref(transplant), day)]}
        return s

    masked = {"extension": [MASKED]}
    for i, (day, tid, window) in enumerate(zip(days.tolist(), anchors, windows, strict=True)):
        if tid is not None and day == day:  # a day (not NaN) from a transplant in the export
            s = stamp(int(tid), int(day))
            out.append({f"{path}Period": {"_start": s, "_end": s}} if required else {f"_{path}DateTime": s})
        elif known[i]:  # a date, but no transplant to relate it to
            out.append({f"{path}Period": masked} if required else {f"_{path}DateTime": masked})
        elif window in WINDOWS and tid is not None:
            out.append({f"{path}Period": {f"_{WINDOWS[window]}": stamp(int(tid), 0)}})
        else:
            out.append(absent if window == "absent" or required else None)
    assert len(out) == n
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
