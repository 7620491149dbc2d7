"""The exported feeds, read back by a small independent reader, give the truth files again."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

from tests.synth.reader import read_labs, read_registry


def fmt(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    if isinstance(v, float):
        return repr(v)
    return str(v)


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _manifest(night: Path) -> tuple[set[tuple[str, int]], set[str]]:
    rows = _csv(night / "truth" / "injected_errors.csv")
    whole = {r["file"] for r in rows if r["expected_reason"] in ("unreadable_file", "missing_patient_code")}
    return {(r["file"], int(r["row"])) for r in rows if r["row"]}, whole


def test_registry_feeds_read_back_to_the_truth(study_night: Path) -> None:
    skip, skip_files = _manifest(study_night)
    got = read_registry(study_night, skip, skip_files)
    truth = _csv(study_night / "truth" / "patients.csv")
    assert sorted(got) == sorted(r["patient_key"] for r in truth)
    for want in truth:
        have = got[want["patient_key"]]
        for field, value in want.items():
            if field.startswith("full_name"):
                value = value.title()
            assert fmt(have.get(field)) == value, f"{want['patient_key']}.{field}: {have.get(field)!r} != {value!r}"


def test_labs_feed_reads_back_to_the_truth(study_night: Path) -> None:
    got = sorted(tuple(fmt(r[k]) for k in r) for r in read_labs(study_night))
    want = sorted(tuple(r.values()) for r in _csv(study_night / "truth" / "labs.csv"))
    assert got == want
