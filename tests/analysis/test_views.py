"""The analysis views: every variable per patient, the tables' counts, no personal data, same rows on both databases."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
from sqlalchemy import Engine, delete, inspect, text

from etl.analysis import read_patients, read_table
from etl.analysis.views import VIEWS
from schemas.tables import DrugAdministration, Person
from tests.analysis.cohort import load_records, small_cohort, sqlite_and_postgresql

PERSONAL = {c.name for c in Person.__table__.columns} - {"patient_id"}


def test_patient_view_has_every_analysis_variable_per_patient(engine: Engine) -> None:
    load_records(engine, small_cohort())
    df = read_patients(engine).set_index("patient_id")
    assert list(df.index) == [1, 2, 3, 4]
    p = df.loc[1]
    assert (p.ino_group, p.ino_doses, p.ino_dose_d1, p.ino_dose_d8) == ("InO+", 3, 0.8, 0.5)
    assert (p.response, p.mrd_status, p.donor_type, p.graft_source) == ("cri", "negative", "haplo", "bm")
    assert (p.conditioning, p.conditioning_class, p.immunosuppression_class) == ("ric_mel", "ric", "cni_mtor")
    assert (p.cd34_dose, p.cd3_dose, p.days_to_hsct, p.age_years) == (4.8, 7.1, 30, 10)
    assert (p.tox_neutropenia, p.tox_febrile_neutropenia, p.tox_mucositis_grade) == (1, 0, 2)
    assert (p.engrafted, p.engraftment_day, p.platelet_recovery_day, p.lymphocytes_d30) == (1, 22, 33, 1)
    assert (p.agvhd, p.agvhd_grade, p.agvhd_3_4, p.sos, p.sos_day) == (1, 3, 1, 1, 14)
    assert (p.relapse, p.relapse_day, p.relapse_site, p.hla_loss, p.dli) == (1, 164, "bm", "loss", 1)
    assert (p.dead, p.cause_of_death, p.os_time, p.os_event) == (1, "relapse", 286, 1)
    assert (p.relapse_time, p.relapse_event) == (164, 1)
    assert df.loc[2, "ino_group"] == "InO-" and df.loc[2, "conditioning_class"] == "mac"
    two = df.loc[2]
    assert (two.relapse_time, two.relapse_event, two.os_event) == (two.os_time, 0, 0)
    assert (df.loc[3, "engrafted"], df.loc[3, "tma"], df.loc[3, "tma_day"]) == (0, 1, 150)
    assert pd.isna(df.loc[3, "engraftment_day"]) and pd.isna(df.loc[3, "agvhd"])
    # death without relapse competes with relapse
    assert (df.loc[4, "relapse_event"], df.loc[4, "relapse_time"], df.loc[4, "cause_of_death"]) == (2, 41, "sos")


def test_the_group_comes_from_the_recorded_administrations_not_the_label(engine: Engine) -> None:
    load_records(engine, small_cohort())
    with engine.begin() as conn:
        conn.execute(delete(DrugAdministration.__table__).where(DrugAdministration.patient_id == 1,
                                                                DrugAdministration.drug_id == "drug/inotuzumab"))
    df = read_patients(engine).set_index("patient_id")
    assert df.loc[1, "bridging_therapy"] == "ino"
    assert (df.loc[1, "ino_group"], df.loc[1, "ino_doses"]) == ("InO-", 0)


def test_table_views_count_with_the_papers_denominators(engine: Engine) -> None:
    load_records(engine, small_cohort())
    t1 = read_table(engine, 1).set_index(["row_key", "grp"])
    assert tuple(t1.loc[("patients", "InO+"), ["n", "denom"]]) == (2, 4)
    assert t1.loc[("patients", "InO+"), "pct"] == 50.0
    # MRD split: of the CRi patients in InO+, of the whole group in InO-
    assert tuple(t1.loc[("cri_mrd_neg", "InO+"), ["n", "denom"]]) == (1, 1)
    assert tuple(t1.loc[("cri_mrd_neg", "InO-"), ["n", "denom"]]) == (2, 2)
    assert tuple(t1.loc[("cri_mrd_pos", "InO+"), ["n", "denom"]]) == (0, 1)
    t3 = read_table(engine, 3).set_index(["row_key", "grp"])
    assert tuple(t3.loc[("relapse", "InO+"), ["n", "denom"]]) == (1, 1)  # of the engrafted
    assert tuple(t3.loc[("platelet_recovery", "InO+"), ["n", "denom"]]) == (1, 2)  # of the group
    assert tuple(t3.loc[("sos_death", "InO-"), ["n", "denom"]]) == (1, 1)  # of those with SOS
    assert tuple(t3.loc[("agvhd_3_4", "InO-"), ["n", "denom"]]) == (0, 0)
    assert pd.isna(t3.loc[("agvhd_3_4", "InO-"), "pct"])  # no base, no percentage
    t4 = read_table(engine, 4).set_index(["row_key", "grp"])
    assert tuple(t4.loc[("patients", "ric"), ["n", "denom"]]) == (2, 2)
    assert t4.loc[("tma", "ric"), "n"] == 0  # the TMA on D+150 is not before D+100
    assert t4.loc[("death_relapse", "ric"), "n"] == 1


def test_no_view_carries_personal_data(engine: Engine) -> None:
    load_records(engine, small_cohort())
    columns = {c["name"] for view in VIEWS for c in inspect(engine).get_columns(view)}
    assert columns and not columns & PERSONAL
    with engine.connect() as conn:
        for view in VIEWS:
            sql = conn.execute(text(f"SELECT * FROM {view}")).keys()
            assert not set(sql) & PERSONAL


@pytest.fixture
def both_engines(tmp_path, pg_admin: Engine | None) -> Iterator[tuple[Engine, Engine]]:  # type: ignore[no-untyped-def]
    with sqlite_and_postgresql(tmp_path, pg_admin) as engines:
        yield engines


def test_each_view_gives_the_same_rows_on_sqlite_and_postgresql(both_engines: tuple[Engine, Engine]) -> None:
    for e in both_engines:
        load_records(e, small_cohort())
    lite, pg = both_engines
    pd.testing.assert_frame_equal(read_patients(lite), read_patients(pg))
    for number in (1, 2, 3, 4):
        pd.testing.assert_frame_equal(read_table(lite, number), read_table(pg, number))
    with lite.connect() as a, pg.connect() as b:
        for view in VIEWS:
            assert [c[0] for c in a.execute(text(f"SELECT * FROM {view}")).cursor.description] == \
                   [c[0] for c in b.execute(text(f"SELECT * FROM {view}")).cursor.description]
