"""Entry point: cohort -> truth files -> feed files (-> injected errors)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np

from etl.synth.cohort import build
from etl.synth.inject import plan, write_file_errors, write_manifest
from etl.synth.labs import cohort_labs
from etl.synth.night import write_night
from etl.synth.records import to_records, validate
from etl.synth.study_spec import STUDY
from etl.synth.truth import write_truth

NIGHT = "20240101"
STUDY_SIZE = 55


def generate(
    out: Path, seed: int = 20240101, patients: int | None = None, inject_errors: bool = False
) -> dict[str, Any]:
    """Write one night's folder; the same arguments give byte-identical files."""
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    censor = dt.date.fromisoformat(STUDY.censor_date)
    if patients is None or patients == STUDY_SIZE:
        cohort = build(STUDY, rng)
        records = to_records(cohort.table, rng, censor)
        report: dict[str, Any] = dict(cohort.report)
    else:
        from etl.synth.bulk import bulk_records

        records = bulk_records(patients, rng, censor)
        report = {}
    validate(records) if len(records) <= 5000 else None
    labs = cohort_labs(records, rng)
    write_truth(out, records, labs)
    bads = plan(records, rng) if inject_errors else None
    manifest = write_night(out, NIGHT, records, labs, rng, bads)
    if inject_errors:
        manifest += write_file_errors(out, NIGHT, records, rng)
        write_manifest(out, manifest)
        report["injected"] = len(manifest)
    report["patients"] = len(records)
    return report
