"""The `date` transform: when a resource's event happened, as the partner's date handling allows.

A date-shifting partner gets `<path>DateTime` (shifted); an offset partner gets `_<path>DateTime`
holding the R4 core `relative-date` extension (days relative to the transplant Procedure) with the
date itself masked; an event known only to lie before or after the transplant gets a `<path>Period`
bounded by the transplant's day (mappings/fhir/README.md, "Timing").
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from etl.fhir.context import BuildContext
from etl.fhir.transform_registry import MASKED, RELATIVE_DATE, UCUM, UNKNOWN, as_key, transform, values

WINDOWS = {"before_transplant": "end", "after_transplant": "start"}  # the Period bound the transplant's day is


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
