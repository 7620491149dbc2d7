"""--patients N: a cohort of any size with the same shapes, valid, readable back, reproducible."""

from __future__ import annotations

import csv
import filecmp
from pathlib import Path

import pytest

from schemas.records import PatientRecord
from tests.synth.conftest import run_generate
from tests.synth.reader import read_labs, read_registry
from tests.synth.test_roundtrip import fmt


@pytest.fixture(scope="module")
def bulk_night(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bulk") / "night"
    run_generate(out, "--patients", "400", "--seed", "7", "--inject-errors")
    return out


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_bulk_cohort_is_valid_and_reads_back(bulk_night: Path) -> None:
    truth = _csv(bulk_night / "truth" / "patients.csv")
    assert len(truth) == 400
    for p in truth:
        PatientRecord(**{k: {"true": True, "false": False, "": None}.get(v, v) for k, v in p.items()})
    manifest = _csv(bulk_night / "truth" / "injected_errors.csv")
    skip = {(r["file"], int(r["row"])) for r in manifest if r["row"]}
    whole = {r["file"] for r in manifest if r["expected_reason"] in ("unreadable_file", "missing_patient_code")}
    got = read_registry(bulk_night, skip, whole)
    for want in truth:
        have = got[want["patient_key"]]
        for field, value in want.items():
            value = value.title() if field.startswith("full_name") else value
            assert fmt(have.get(field)) == value, (want["patient_key"], field)
    labs = sorted(tuple(fmt(r[k]) for k in r) for r in read_labs(bulk_night))
    assert labs == sorted(tuple(r.values()) for r in _csv(bulk_night / "truth" / "labs.csv"))


def test_bulk_is_byte_identical_for_the_same_arguments(bulk_night: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    run_generate(again, "--patients", "400", "--seed", "7", "--inject-errors")
    for path in sorted(p for p in bulk_night.rglob("*") if p.is_file()):
        assert filecmp.cmp(path, again / path.relative_to(bulk_night), shallow=False), path.name


def test_another_seed_gives_another_cohort(bulk_night: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    run_generate(other, "--patients", "400", "--seed", "8")
    assert (other / "truth" / "patients.csv").read_bytes() != (bulk_night / "truth" / "patients.csv").read_bytes()
