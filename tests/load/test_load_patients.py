"""Loading harmonized patients: every table filled, re-loads change nothing, changes update in place."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, select

from etl.extract import ROW_NUMBER, RawTable
from etl.load.patients import load_patients
from etl.load.raw import store_raw
from etl.run.bookkeeping import start_run
from schemas.tables import DeletedPatient, metadata
from tests.load.records import ALIVE_NO_RELAPSE, frame, make

CLINICAL = [
    "patient", "person", "diagnosis", "transplant", "bridging_therapy", "drug_administration", "disease_assessment",
    "pretransplant_toxicity", "recovery", "complication", "relapse", "dli", "follow_up", "value_source",
]  # fmt: skip


def _raw_table(n: int, sha: str) -> RawTable:
    rows = pd.DataFrame({ROW_NUMBER: range(2, 2 + n), "Код пациента": [f"ТГСК-2019-{i:03d}" for i in range(n)]})
    return RawTable(
        path=Path("registry_ru_20240101.csv"), feed="registry_ru", format="csv", sha256=sha, size=100,
        encoding="utf-8", delimiter=";", sheet=None, header_row=1, headers=["Код пациента"],
        columns=["Код пациента"], rows=rows, cell_origin="text",
    )  # fmt: skip


def _snapshot(engine: Engine) -> dict[str, list[dict]]:
    with engine.connect() as conn:
        return {
            name: [
                dict(r._mapping)
                for r in conn.execute(
                    select(metadata.tables[name]).order_by(*metadata.tables[name].primary_key.columns)
                )
            ]
            for name in CLINICAL
        }


def _load(engine: Engine, records, sha: str = "b" * 64):  # type: ignore[no-untyped-def]
    run_id = start_run(engine, "/night")
    with engine.begin() as conn:
        _, ids = store_raw(conn, _raw_table(len(records), sha), {"Код пациента": "registry_code"})
        df = frame(records, list(ids.to_numpy()[: len(records)]))
        vs = pd.DataFrame({"patient_key": [], "field": [], "raw_row_id": []})
        result, _ = load_patients(conn, df, vs, run_id, {r.patient_key for r in records})
    return run_id, result


def test_load_fills_every_clinical_table_and_reload_changes_nothing(engine: Engine) -> None:
    records = [make("2019-014"), make("2019-015", **ALIVE_NO_RELAPSE)]
    _, first = _load(engine, records)
    assert first.inserted_patients == 2
    snap = _snapshot(engine)
    for name in CLINICAL:
        if name != "value_source":
            assert snap[name], f"{name} is empty"
    inos = [r for r in snap["drug_administration"] if r["drug_id"] == "drug/inotuzumab"]
    assert [(r["therapy_day"], r["dose"], r["admin_day"]) for r in inos] == [
        (1, 0.8, -30),
        (8, 0.5, -23),
        (15, 0.5, -16),
    ]
    assert snap["transplant"][0]["age_years_at_hsct"] == 10
    assert snap["relapse"][0]["relapse_day"] == 164

    _, second = _load(engine, records)
    assert second.changed_patients == frozenset()
    assert _snapshot(engine) == snap


def test_a_changed_record_updates_in_place_and_marks_only_that_patient(engine: Engine) -> None:
    records = [make("2019-014"), make("2019-015", **ALIVE_NO_RELAPSE)]
    run1, _ = _load(engine, records)
    before = _snapshot(engine)
    changed = [make("2019-014", agvhd_grade=1), records[1]]
    run2, result = _load(engine, changed, sha="c" * 64)
    after = _snapshot(engine)
    assert result.changed_patients == frozenset({1})
    marks = {r["patient_id"]: r["changed_run_id"] for r in after["patient"]}
    assert marks == {1: run2, 2: run1}
    agvhd = [r for r in after["complication"] if r["complication_id"] == "complication/agvhd"]
    assert [(r["transplant_id"], r["grade"]) for r in agvhd] == [(1, 1), (2, 0)]
    assert [r["transplant_id"] for r in after["transplant"]] == [r["transplant_id"] for r in before["transplant"]]


def test_a_patient_who_leaves_the_feeds_is_deleted_with_a_tombstone(engine: Engine) -> None:
    _load(engine, [make("2019-014"), make("2019-015", **ALIVE_NO_RELAPSE)])
    run2, result = _load(engine, [make("2019-015", **ALIVE_NO_RELAPSE)], sha="d" * 64)
    assert result.deleted_patients == 1
    snap = _snapshot(engine)
    assert [r["patient_id"] for r in snap["patient"]] == [2]
    assert all(r["transplant_id"] == 2 for r in snap["complication"])
    with engine.connect() as conn:
        assert conn.execute(select(DeletedPatient.patient_id, DeletedPatient.deleted_run_id)).all() == [(1, run2)]
