"""The check catalog (expectations/checks.csv) builds, covers every category, and rejects bad rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.quality.catalog import CATEGORIES, CHECK_TYPES, CatalogError, read_checks
from etl.quality.rules import TRANSFORMS
from etl.quality.suites import build_suites
from schemas.tables import metadata

HEADER = "check_id,layer,frame,field,category,check_type,argument,threshold,severity,note\n"


def test_every_row_builds_an_expectation_and_every_kind_is_used() -> None:
    checks = read_checks()
    suites = build_suites(checks)
    assert sum(len(s.expectations) for s in suites.values()) == len(checks)
    assert {c.check_type for c in checks} == set(CHECK_TYPES)
    assert {c.category for c in checks} == set(CATEGORIES)
    assert {c.severity for c in checks} == {"blocking", "warning"}


def test_every_harmonized_frame_is_a_table_or_a_transform() -> None:
    frames = {c.frame for c in read_checks() if c.layer == "harmonized"}
    assert frames <= set(metadata.tables) | set(TRANSFORMS)
    assert set(TRANSFORMS) <= frames  # every rule implemented is used


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("x,raw,registry,sex,conformance,value_set,domain:sex,0,fatal,n", "severity 'fatal'"),
        ("x,raw,registry,sex,conformance,guess,,0,warning,n", "check_type 'guess'"),
        ("x,raw,registry,sex,conformance,not_null,,150,warning,n", "not a percentage"),
        ("x,raw,registry,,completeness,not_null,,0,warning,n", "needs a field"),
    ],
)
def test_a_bad_row_is_rejected_with_its_line(tmp_path: Path, row: str, message: str) -> None:
    path = tmp_path / "checks.csv"
    path.write_text(HEADER + row + "\n", encoding="utf-8")
    with pytest.raises(CatalogError, match=message):
        read_checks(path)


def test_a_check_id_used_twice_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "checks.csv"
    row = "x,raw,registry,sex,completeness,not_null,,0,warning,n\n"
    path.write_text(HEADER + row + row, encoding="utf-8")
    with pytest.raises(CatalogError, match="used twice"):
        read_checks(path)


def test_an_unknown_value_set_domain_is_rejected() -> None:
    from etl.quality.catalog import value_set

    with pytest.raises(CatalogError, match="no concept of that domain"):
        value_set("domain:blood_group")
