"""`hsct audit` through the real entry point, the order-statistic bounds, and rule-file mistakes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from etl.audit.checks.order_stats import Part, median_bounds
from etl.cli import main
from etl.errors import EXIT_INPUT, InputError
from tests.audit.helpers import audit, count


def test_text_report_lists_inconsistent_first_and_exits_0() -> None:
    result = CliRunner().invoke(main, ["audit"])
    assert result.exit_code == 0, result.output
    text = result.output
    assert text.index("INCONSISTENT") < text.index("NOTES") < text.index("CONSISTENT (")
    assert "49/55 = 89.09% → 89.1 ≠ printed 87.7" in text.split("NOTES")[0]


def test_json_report_has_every_finding_with_its_fields(tmp_path: Path) -> None:
    out = tmp_path / "audit.json"
    result = CliRunner().invoke(main, ["audit", "--format", "json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert {tuple(sorted(r)) for r in rows} == {("arithmetic", "ids", "kind", "rule", "status", "title")}
    assert {r["status"] for r in rows} == {"consistent", "inconsistent", "note"}


def test_a_missing_catalog_is_an_input_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["audit", "--published", str(tmp_path / "nope.yaml")])
    assert result.exit_code == EXIT_INPUT
    assert "cannot read" in result.output


@pytest.mark.parametrize(
    ("rule", "message"),
    [({"id": "x", "kind": "guess"}, "unknown kind 'guess'"),
     ({"id": "x", "kind": "subset_le_set", "subset": "a", "set": "a", "n.s.)": None}, "unknown key(s) n.s.)"),
     ({"id": "x", "kind": "subset_le_set", "subset": "a", "set": "b"}, "unknown statistic id 'b'"),
     ({"id": "x", "kind": "subset_le_set", "subset": "a"}, "lacks set")],
)
def test_rule_mistakes_say_what_is_wrong(tmp_path: Path, rule: dict, message: str) -> None:
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        audit(tmp_path, [count("a", 1)], [rule])


def test_median_bounds_odd_part_pins_the_middle() -> None:
    assert median_bounds([Part(3, 1, 9, True, True, 5)]) == (5, 5)


def test_median_bounds_free_members_loosen() -> None:
    lo, hi = median_bounds([Part(10, 53, 213, True, True, 106), Part(1)])
    assert (lo, hi) == (53, 159)
