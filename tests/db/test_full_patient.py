"""A fully populated patient (a row in every table) is stored and read back unchanged, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from schemas.tables import metadata
from tests.db.sample_patient import ROWS

VOCABULARY = {"concept", "concept_coding", "field_origin"}  # loaded from mappings/ by the fixture


def _load(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in metadata.sorted_tables:
            if table.name in ROWS:
                conn.execute(insert(table), ROWS[table.name])


def test_every_table_is_populated_by_the_sample() -> None:
    assert set(metadata.tables) - VOCABULARY == set(ROWS)


def test_full_patient_round_trip(engine: Engine) -> None:
    _load(engine)
    with engine.connect() as conn:
        for name, expected in ROWS.items():
            table = metadata.tables[name]
            pk = list(table.primary_key.columns)
            got = [dict(r._mapping) for r in conn.execute(select(table).order_by(*pk))]
            expected = sorted(expected, key=lambda r: tuple(r[c.name] for c in pk))
            assert got == expected, name


@pytest.mark.parametrize(
    ("table", "change", "constraint"),
    [
        ("transplant", {"age_years_at_hsct": 19}, "age"),
        ("transplant", {"donor_type_id": "graft_source/bm"}, "domain"),
        ("recovery", {"neutrophil_day": 101}, "neutrophil_day"),
        ("diagnosis", {"cd22_percent": 100.5}, "cd22_percent"),
        ("follow_up", {"vital_status_id": "vital_status/alive"}, "cause_only_if_dead"),
        ("relapse", {"relapse_day": -3}, "after_transplant"),
        ("transplant", {"donor_type_id": "donor_type/martian"}, "foreign key"),
    ],
)
def test_constraints_reject_impossible_values(engine: Engine, table: str, change: dict, constraint: str) -> None:
    rows = {k: [dict(r) for r in v] for k, v in ROWS.items()}
    rows[table][0].update(change)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        for t in metadata.sorted_tables:
            if t.name in rows:
                conn.execute(insert(t), rows[t.name])
