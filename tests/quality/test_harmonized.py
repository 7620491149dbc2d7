"""The harmonized suites on a loaded night (both databases): all pass, and each break is caught.

Each case changes the loaded data the way a faulty load or a hand edit could,
and names the checks that must fail; where the schema's own CHECK forbids the
change, the constraint is lifted first to show the quality check is a second,
independent line.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Connection, Engine, text

from etl.db import make_engine
from etl.quality import QualityCheck, QualityReport, store_report
from tests.conftest import PG_SKIP, _drop_pg_schema, _fresh_pg_schema
from tests.quality.helpers import drop_check_constraints, failed_ids, harmonized_report, load_night


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def loaded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, pg_admin: Engine | None) -> Engine:
    """The small night loaded once per database kind; each test changes it inside a transaction it rolls back."""
    folder = tmp_path_factory.mktemp("loaded")
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'hsct.db'}"
    elif pg_admin is None:
        pytest.skip(PG_SKIP)
    else:
        schema, url = _fresh_pg_schema(pg_admin)
    load_night(url, folder)
    engine = make_engine(url)
    yield engine  # type: ignore[misc]
    engine.dispose()
    if schema is not None and pg_admin is not None:
        _drop_pg_schema(pg_admin, schema)


def _broken_report(engine: Engine, change: Callable[[Connection], None]) -> QualityReport:
    """The harmonized checks on the data as `change` leaves it, seen through the same (rolled back) transaction."""
    quality = QualityCheck()
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            change(conn)
            quality.harmonized(conn, 1)
            store_report(conn, quality.report, 1, "quality")  # the samples get their file and row
        finally:
            transaction.rollback()
            if conn.dialect.name == "sqlite":
                conn.execute(text("PRAGMA ignore_check_constraints = OFF"))
    return quality.report


def _sql(*statements: str, unchecked: str | None = None) -> Callable[[Connection], None]:
    def change(conn: Connection) -> None:
        if unchecked:
            drop_check_constraints(conn, unchecked)
        for statement in statements:
            conn.execute(text(statement))

    return change


TX_2019_014 = "(SELECT t.transplant_id FROM transplant t JOIN person p ON p.patient_id = t.patient_id WHERE p.patient_key = '2019-014')"  # noqa: E501

# case -> (the change, the checks that must fail)
BREAKS: dict[str, tuple[Callable[[Connection], None], set[str]]] = {
    "mrd value disagrees with its status": (
        _sql("UPDATE disease_assessment SET mrd_value_percent = 5, mrd_comparator = NULL"
             " WHERE mrd_status_id = 'mrd_status/negative'"),
        {"rule_mrd_value_vs_status"},
    ),
    "InO group without InO administrations": (
        _sql("DELETE FROM drug_administration WHERE drug_id = 'drug/inotuzumab'"),
        {"rule_group_vs_ino"},
    ),
    "engraftment day without ANC above 0.5": (
        _sql("UPDATE lab_result SET value_num = 0.1 WHERE test_id = 'lab_test/anc'"),
        {"rule_engraftment_vs_anc"},
    ),
    "cause of death for a living patient": (
        _sql(f"UPDATE follow_up SET vital_status_id = 'vital_status/alive' WHERE transplant_id = {TX_2019_014}",
             unchecked="follow_up"),
        {"rule_cause_only_when_dead"},
    ),
    "relapse site without a relapse": (
        _sql(f"UPDATE follow_up SET relapsed = false WHERE transplant_id = {TX_2019_014}"),
        {"rule_site_only_with_relapse"},
    ),
    "relapse after the last contact": (
        _sql("UPDATE relapse SET relapse_day = 5000"),
        {"rule_relapse_before_last_contact"},
    ),
    "row accounting does not add up": (
        _sql("UPDATE run_file SET rows_loaded = rows_loaded + 1", unchecked="run_file"),
        {"accounting_balanced"},
    ),
    "rows counted in but not in the raw layer or the quarantine": (
        _sql("UPDATE run_file SET rows_in = rows_in + 1, rows_quarantined = rows_quarantined + 1"),
        {"accounting_raw_complete", "accounting_quarantine_recorded"},
    ),
    "a transplant without its follow-up": (
        _sql(f"DELETE FROM follow_up WHERE transplant_id = {TX_2019_014}"),
        {"transplant_has_follow_up", "rule_site_only_with_relapse"},  # its relapse site lost its relapse
    ),
    "a second transplant for one patient": (
        _sql("INSERT INTO transplant (transplant_id, patient_id, hsct_date, age_years_at_hsct, donor_type_id,"
             " graft_source_id, conditioning_id, gvhd_prophylaxis_id, immunosuppression_id, raw_row_id)"
             " SELECT 99, patient_id, '2030-01-01', age_years_at_hsct, donor_type_id, graft_source_id,"
             " conditioning_id, gvhd_prophylaxis_id, immunosuppression_id, raw_row_id FROM transplant"
             " WHERE transplant_id = 1"),
        {"transplant_unique_patient", "transplant_has_follow_up", "transplant_has_assessment",
         "transplant_has_bridging"},
    ),
    "a donor type outside mappings/concepts.csv": (
        _sql("INSERT INTO concept (concept_id, domain, key, system, code, display_en, display_ru)"
             " VALUES ('donor_type/xeno', 'donor_type', 'xeno', 'x', 'x', 'Xeno', 'Ксено')",
             "UPDATE transplant SET donor_type_id = 'donor_type/xeno' WHERE transplant_id = 1"),
        {"transplant_donor_set"},
    ),
    "an implausible CD34 dose": (
        _sql("UPDATE transplant SET cd34_dose = 480 WHERE transplant_id = 1"),
        {"transplant_cd34_range"},
    ),
    "CD22 missing for most patients": (
        _sql("UPDATE diagnosis SET cd22_percent = NULL"),
        {"diagnosis_cd22_present"},
    ),
    "a patient key in the wrong format": (
        _sql("UPDATE person SET patient_key = 'ТГСК-14' WHERE patient_id = 1"),
        {"person_key_format"},
    ),
}  # fmt: skip


def test_the_small_night_passes_every_check(loaded: Engine) -> None:
    report = _broken_report(loaded, lambda _conn: None)
    assert failed_ids(report) == set()
    assert len(report.results) == 61


@pytest.mark.parametrize("case", sorted(BREAKS))
def test_each_break_is_caught(loaded: Engine, case: str) -> None:
    change, expected = BREAKS[case]
    assert failed_ids(_broken_report(loaded, change)) == expected


def test_a_failing_check_names_file_and_row(loaded: Engine) -> None:
    report = _broken_report(loaded, _sql("UPDATE relapse SET relapse_day = 5000"))
    [result] = [r for r in report.results if r.check.check_id == "rule_relapse_before_last_contact"]
    row = result.sample[0]
    assert (row["file"], row["row"]) in {("registry_ru_20240101.csv", 2), ("registry_en_20240101.csv", 2)}
    assert row["holds"] is False and "raw_row_id" in row


def test_an_empty_database_fails_the_row_count(engine: Engine) -> None:
    report = harmonized_report(engine, None)
    assert "patient_rows" in failed_ids(report)
    assert report.success  # a warning: a first night may bring only labs


def test_a_value_of_the_wrong_type_is_caught_where_the_database_lets_it_in(loaded: Engine) -> None:
    if loaded.dialect.name != "sqlite":
        pytest.skip("PostgreSQL refuses a non-date in a date column; SQLite stores it as text")
    report = _broken_report(
        loaded,
        _sql("UPDATE transplant SET hsct_date = '20.05.2019' WHERE transplant_id = 1",
             "UPDATE patient SET birth_year = '2009?' WHERE patient_id = 1", unchecked="patient"),
    )  # fmt: skip
    assert {"transplant_date_type", "patient_birth_year_type"} <= failed_ids(report)
