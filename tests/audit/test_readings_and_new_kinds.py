"""Alternative readings of one printed statistic, and the attribution and figure-subsets rule kinds, each on a
small synthetic "paper" (a catalog and a rules file) where it must fire and one where it must not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from etl.audit import run_audit
from tests.audit.helpers import audit, count, only

# ---- a reading that explains a printed value makes the others informational ----------------------------------

RESPONSE = [count("pos.cri", 21), count("pos.ref", 3), count("neg.cri", 15), count("neg.ref", 16),
            count("pos.mrdp", 5), count("pos.mrdn", 16), count("neg.mrdp", 3), count("neg.mrdn", 12)]
TWO_BY_TWO = {"id": "r2x2", "kind": "recompute_test", "printed": "p", "test": "fisher_exact",
              "table": [["pos.cri", "pos.ref"], ["neg.cri", "neg.ref"]]}  # p = 0.00379
TWO_BY_THREE = {"id": "r2x3", "kind": "recompute_test", "printed": "p", "test": "fisher_exact",
                "table": [["pos.mrdp", "pos.mrdn", "pos.ref"], ["neg.mrdp", "neg.mrdn", "neg.ref"]]}  # p = 0.00840


def _p(value: float | str) -> dict[str, Any]:
    return {"id": "p", "kind": "p_value", "p": value}


@pytest.mark.parametrize("printed", [0.004, 0.003])  # 0.00379 rounded, and truncated
def test_a_reading_that_explains_the_printed_p_makes_the_other_informational(tmp_path: Path, printed: float) -> None:
    simple, other = audit(tmp_path, [*RESPONSE, _p(printed)], [TWO_BY_TWO, TWO_BY_THREE])
    assert simple.status == ("consistent" if printed == 0.004 else "inconsistent")  # truncated, not rounded
    assert other.status == "note"
    assert other.arithmetic.endswith("informational: r2x2 reproduces the printed value under another reading")
    assert "r2x2" in other.message.render("ru") and "для сведения" in other.message.render("ru")


def test_when_no_reading_explains_the_printed_p_each_mismatch_stays_inconsistent(tmp_path: Path) -> None:
    simple, other = audit(tmp_path, [*RESPONSE, _p(0.001)], [TWO_BY_TWO, TWO_BY_THREE])
    assert (simple.status, other.status) == ("inconsistent", "inconsistent")


def test_only_readings_of_the_same_statistic_count(tmp_path: Path) -> None:
    """A rule that names another statistic (`reading_of`) is not explained by a reading of this one."""
    other = {**TWO_BY_THREE, "reading_of": "p, another row"}
    simple, separate = audit(tmp_path, [*RESPONSE, _p(0.004)], [TWO_BY_TWO, other])
    assert (simple.status, separate.status) == ("consistent", "inconsistent")


def test_an_also_test_of_the_same_measure_is_another_reading(tmp_path: Path) -> None:
    stats = [count("pos", 21, 24), count("neg", 15, 31), _p(0.002)]  # chi-square 0.00248; Fisher 0.00379
    rule = {"id": "f", "kind": "recompute_test", "printed": "p", "test": "fisher_exact", "rows": ["pos", "neg"]}
    assert only(audit(tmp_path, stats, [rule])).status == "inconsistent"
    f = only(audit(tmp_path, stats, [{**rule, "also": ["chi2"]}]))
    assert f.status == "note"
    assert "informational: Pearson chi-square p reproduces the printed value" in f.arithmetic


def test_an_also_test_of_another_measure_is_not_a_reading(tmp_path: Path) -> None:
    stats = [count("pos", 5, 16), count("neg", 6, 12), {"id": "c", "kind": "coef", "value": 0.3147}]
    rule = {"id": "c", "kind": "recompute_test", "printed": "c", "test": "contingency_coefficient",
            "rows": ["pos", "neg"], "also": ["chi2"]}  # the chi-square p is 0.3147, a p, not a C
    assert only(audit(tmp_path, stats, [rule])).status == "inconsistent"


# ---- attribution ----------------------------------------------------------------------------------------------

ATTRIBUTION_STATS = [count("sub.pos", 5, 16), count("sub.neg", 6, 12), count("all.pos", 11, 20),
                     count("all.neg", 15, 25), {"id": "c", "kind": "coef", "value": 0.178}]


def _attribution(quoted: float, quoted_for: list[str]) -> dict[str, Any]:
    return {"id": "a", "kind": "attribution", "printed": "c", "computed_in": ["sub.pos", "sub.neg"],
            "quoted": {"printed": quoted, "where": "Abstract"}, "quoted_for": quoted_for,
            "test": "contingency_coefficient"}


def test_attribution_fires_for_a_subgroup_statistic_quoted_for_the_whole_groups(tmp_path: Path) -> None:
    f = only(audit(tmp_path, ATTRIBUTION_STATS, [_attribution(0.178, ["all.pos", "all.neg"])]))
    assert f.status == "inconsistent"
    assert "0.178 quoted (Abstract) for 11/20 vs 15/25" in f.arithmetic
    assert "= 0.0502; c = 0.178 is computed in 5/16 vs 6/12" in f.arithmetic
    assert f.ids == ["c", "sub.pos", "sub.neg", "all.pos", "all.neg"]


def test_attribution_does_not_fire_where_the_quote_names_the_populations_it_is_computed_in(tmp_path: Path) -> None:
    f = only(audit(tmp_path, ATTRIBUTION_STATS, [_attribution(0.178, ["sub.pos", "sub.neg"])]))
    assert f.status == "consistent"


def test_attribution_does_not_fire_where_the_statistic_holds_for_the_quoted_populations_too(tmp_path: Path) -> None:
    stats = [*ATTRIBUTION_STATS[:2], count("all.pos", 1, 25), count("all.neg", 5, 33), ATTRIBUTION_STATS[4]]
    f = only(audit(tmp_path, stats, [_attribution(0.178, ["all.pos", "all.neg"])]))  # C = 0.1782 there too
    assert f.status == "consistent"
    assert "it holds for both" in f.arithmetic


def test_attribution_of_another_number_is_a_note(tmp_path: Path) -> None:
    f = only(audit(tmp_path, ATTRIBUTION_STATS, [_attribution(0.056, ["all.pos", "all.neg"])]))
    assert f.status == "note"


# ---- figure subsets -------------------------------------------------------------------------------------------

def _figures(first: float, second: float) -> list[dict[str, Any]]:
    return [{"id": "fa", "kind": "km", "value": first}, {"id": "fb", "kind": "km", "value": second},
            count("group", 24), count("non_haplo", 2)]


def _subsets(left_out: int | str = 0, **extra: Any) -> dict[str, Any]:
    return {"id": "s", "kind": "figure_subsets", "refs": ["fa", "fb"], "group": "group", "left_out": left_out,
            "because": "Methods: every patient of the group had a haplo transplant", **extra}


@pytest.mark.parametrize(
    ("values", "extra", "status"),
    [
        ((50, 50), {}, "consistent"),
        ((50, 56.5), {}, "inconsistent"),  # a value: the same patients, the same number
        ((50, 56.5), {"measure": "survival", "at": [1096, 1096]}, "inconsistent"),
        ((50, 56.5), {"measure": "survival", "at": [730, 1096]}, "inconsistent"),  # survival rose with time
        ((50, 56.5), {"measure": "survival", "at": [1096, 730]}, "consistent"),
        ((50, 56.5), {"measure": "incidence", "at": [1096, 730]}, "inconsistent"),  # incidence fell with time
        ((50, 56.5), {"measure": "survival", "at": [1096, None]}, "note"),  # only a time point not printed saves it
    ],
)
def test_figure_subsets_of_the_same_patients(tmp_path: Path, values: tuple[float, float], extra: dict[str, Any],
                                             status: str) -> None:
    f = only(audit(tmp_path, _figures(*values), [_subsets(**extra)]))
    assert f.status == status
    assert "the same 24 patients" in f.arithmetic
    assert f.ids == ["fa", "fb", "group"]


def test_figure_subsets_of_different_patients_are_not_compared(tmp_path: Path) -> None:
    f = only(audit(tmp_path, _figures(50, 56.5), [_subsets("non_haplo")]))
    assert f.status == "note"
    assert "leave 2 of 24 patients out" in f.arithmetic
    assert f.ids == ["fa", "fb", "group", "non_haplo"]


# ---- the published paper --------------------------------------------------------------------------------------

def test_the_papers_new_rules_and_the_explained_p_value() -> None:
    by_rule = {f.rule: f for f in run_audit()}
    assert by_rule["test.response.2x3"].status == "note"  # Fisher 2x2 gives 0.003 (truncated)
    assert by_rule["test.response.2x2"].status == "inconsistent"  # ... truncated, not rounded
    assert by_rule["attribution.contingency_coef.abstract"].status == "inconsistent"
    assert by_rule["attribution.contingency_coef.cri"].status == "consistent"
    assert by_rule["subsets.os.figure1_figure2_ino_pos"].status == "note"
