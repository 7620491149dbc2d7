"""The truth files: the clean, typed cohort that tests read and the pipeline never does."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from schemas.records import LabRecord, PatientRecord, record_fields

_FORMAT: dict[type, Callable[[Any], str]] = {
    type(None): lambda v: "",
    str: lambda v: v,
    bool: lambda v: "true" if v else "false",
    int: str,
    float: lambda v: "" if v != v else repr(v),
    dt.date: dt.date.isoformat,
    dt.datetime: dt.datetime.isoformat,
}


def cell(value: Any) -> str:
    """Canonical text: ISO dates/datetimes, true/false, repr-stable floats, empty for None."""
    fmt = _FORMAT.get(type(value))
    if fmt is not None:
        return fmt(value)
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def write_csv(path: Path, columns: list[str], rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([cell(row.get(c)) for c in columns])


def write_truth(out: Path, patients: list[dict[str, Any]], labs: list[dict[str, Any]]) -> None:
    write_csv(out / "truth" / "patients.csv", record_fields(PatientRecord), patients)
    write_csv(out / "truth" / "labs.csv", record_fields(LabRecord), labs)
