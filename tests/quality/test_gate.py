"""The publication gate end to end, through the CLI, on both databases.

Night A is published. Night B brings a blocking failure (the InO- patient
2020-001 suddenly has inotuzumab doses): the run exits 1 naming the check, the
live tables — what the views and exports serve — stay exactly night A's, and
nothing is deleted: B's raw rows, rejections, accounting and check results are
kept. `hsct quality --publish B` then makes the tables B's and records who
decided.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import select

from etl.db import make_engine
from schemas.quality import BatchPublication, QualityRun
from schemas.tables import DrugAdministration, LabResult, Person, RawRow, RunFile, SourceFile, Transplant
from tests.quality.helpers import NIGHT, hsct, load_night
from tests.run.snapshot import snapshot

NEW_LAB_ROW = "ТГСК-2019-014;20.06.2019;Нейтрофилы;700;кл/мкл\n"
RAW_AND_LOG = {"raw_row", "source_file", "source_column", "quarantine"}  # kept for every night, published or not


def _published_tables(db_url: str) -> dict[str, list[dict[str, object]]]:
    return {k: v for k, v in snapshot(db_url).items() if k not in RAW_AND_LOG}


def _night_b(tmp_path: Path) -> Path:
    night = tmp_path / "night_b"
    shutil.copytree(NIGHT, night)
    en = night / "registry_en_20240101.csv"
    text = en.read_text(encoding="utf-8")
    changed = text.replace("2020-02-01,,no,", "2020-02-01,0.8/0.5/0.5,no,").replace(",0.6,1.25,", ",0.7,1.25,")
    assert changed.count("0.8/0.5/0.5") == 2
    en.write_text(changed, encoding="utf-8")
    labs = night / "labs_20240101.csv"  # and one new result: the lab file's raw rows are new too
    labs.write_text(labs.read_text(encoding="utf-8") + NEW_LAB_ROW, encoding="utf-8")
    return night


def _ino_doses_of(db_url: str, key: str) -> tuple[int, float | None]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            patient = conn.execute(select(Person.patient_id).where(Person.patient_key == key)).scalar_one()
            doses = conn.execute(
                select(DrugAdministration.administration_id).where(
                    DrugAdministration.patient_id == patient, DrugAdministration.drug_id == "drug/inotuzumab"
                )
            ).all()
            cd34 = conn.execute(select(Transplant.cd34_dose).where(Transplant.patient_id == patient)).scalar_one()
    finally:
        engine.dispose()
    return len(doses), cd34


def test_a_blocking_failure_holds_the_batch_until_a_data_manager_publishes_it(db_url: str, tmp_path: Path) -> None:
    out = load_night(db_url, tmp_path)
    assert "batch published" in out
    night_a = _published_tables(db_url)

    result = hsct(
        "run", "--source", str(_night_b(tmp_path)), "--db", db_url, "--docs", str(tmp_path / "docs"), "--wait", code=1
    )
    assert "held by the quality gate" in result
    assert "blocking rule_group_vs_ino (harmonized.group_vs_ino.holds)" in result
    assert "hsct quality --publish 2" in result
    assert (tmp_path / "docs" / "index.html").is_file()
    assert _published_tables(db_url) == night_a  # the views and exports keep serving night A
    assert _ino_doses_of(db_url, "2020-001") == (0, 0.6)

    engine = make_engine(db_url)
    with engine.connect() as conn:
        held = conn.execute(select(BatchPublication.__table__).where(BatchPublication.run_id == 2)).one()
        assert (held.status, held.decided_by) == ("held", "quality gate")
        assert "rule_group_vs_ino" in held.held_reason
        files = conn.execute(select(RunFile.file_name, RunFile.rows_in).where(RunFile.run_id == 2)).all()
        assert len(files) == 3  # night B's accounting is kept ...
        assert conn.execute(select(RawRow.raw_row_id)).all()  # ... and its raw rows, the lab file's too
        labs_b = (
            conn.execute(
                select(SourceFile.file_id)
                .where(SourceFile.file_name == "labs_20240101.csv")
                .order_by(SourceFile.file_id)
            )
            .scalars()
            .all()[-1]
        )
        assert len(conn.execute(select(RawRow.raw_row_id).where(RawRow.file_id == labs_b)).all()) == 6
        results_a = len(conn.execute(select(LabResult.lab_result_id)).all())
    engine.dispose()

    shown = hsct("quality", "--db", db_url, "--run", "2")
    assert "run 2: held by quality gate" in shown and "rule_group_vs_ino" in shown
    shown_ru = hsct("--lang", "ru", "quality", "--db", db_url, "--run", "2")
    assert "запуск 2: партия задержана (held); решение: проверка качества" in shown_ru
    assert "(не пройдена блокирующая проверка)" in shown_ru and "блокир.  rule_group_vs_ino (" in shown_ru

    published = hsct(
        "quality", "--db", db_url, "--publish", "2", "--by", "A. Petrova", "--note", "doses confirmed",
        "--out", str(tmp_path / "docs_b"),
    )  # fmt: skip
    assert "run 2: batch published by A. Petrova" in published
    assert _ino_doses_of(db_url, "2020-001") == (3, 0.7)  # the tables now hold night B
    engine = make_engine(db_url)
    with engine.connect() as conn:
        assert len(conn.execute(select(LabResult.lab_result_id)).all()) == results_a + 1
        decision = conn.execute(select(BatchPublication.__table__).where(BatchPublication.run_id == 2)).one()
        assert (decision.status, decision.decided_by, decision.note) == ("published", "A. Petrova", "doses confirmed")
        assert "rule_group_vs_ino" in decision.held_reason  # why it was held is kept
        triggers = conn.execute(select(QualityRun.trigger).order_by(QualityRun.quality_run_id)).scalars().all()
        assert triggers == ["run", "run", "publish"]
    engine.dispose()

    again = hsct("quality", "--db", db_url, "--publish", "2", code=2)
    assert "published already" in again
    again_ru = hsct("--lang", "ru", "quality", "--db", db_url, "--publish", "2", code=2)
    assert "запуск 2 уже опубликован (published); делать ничего не нужно" in again_ru


def test_publishing_an_older_held_batch_after_a_newer_one_is_refused(db_url: str, tmp_path: Path) -> None:
    load_night(db_url, tmp_path)
    hsct("run", "--source", str(_night_b(tmp_path)), "--db", db_url, "--wait", code=1)
    load_night(db_url, tmp_path)  # night C (A's files again) is published
    refused = hsct("quality", "--db", db_url, "--publish", "2", code=2)
    assert "run 3 was published after run 2" in refused
    assert _ino_doses_of(db_url, "2020-001") == (0, 0.6)


def test_quality_alone_checks_the_published_data(db_url: str, tmp_path: Path) -> None:
    load_night(db_url, tmp_path)
    out = hsct("quality", "--db", db_url, "--out", str(tmp_path / "alone"))
    assert "quality: 61 checks, 0 blocking and 0 warning failures" in out
    assert f"Data Docs: {tmp_path / 'alone' / 'index.html'}" in out
    assert (tmp_path / "alone" / "index.html").is_file()
    out_ru = hsct("--lang", "ru", "quality", "--db", db_url, "--out", str(tmp_path / "alone"))
    assert "проверены опубликованные данные (учёт строк запуска 1)" in out_ru
    assert "проверки качества: 61, не пройдено блокирующих: 0, предупреждений: 0" in out_ru
