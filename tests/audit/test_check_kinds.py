"""Each check kind, on figures that make it fail and figures that pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit, count, only

PCT_RULE = {"id": "pct", "kind": "pct_vs_count", "select": "all"}


@pytest.mark.parametrize(
    ("n", "denom", "pct", "status", "fragment"),
    [
        (22, 24, 92, "consistent", "91.67% → 92 at 0 decimals"),  # rounding at the printed precision
        (5, 16, 31.25, "consistent", "31.25"),
        (49, 55, 87.7, "inconsistent", "no denominator d ≤ 120 gives 49/d = 87.7%"),
        (8, 24, 32, "inconsistent", "8/25 = 32% ✓ → denominator is 25, not 24"),
        (5, 11, 45.4, "inconsistent", "45.5 by round ≠ printed 45.4; 45.4 is 5/11 by truncate"),
    ],
)
def test_pct_vs_count(tmp_path: Path, n: int, denom: int, pct: float, status: str, fragment: str) -> None:
    f = only(audit(tmp_path, [count("x", n, denom, pct)], [PCT_RULE]))
    assert (f.status, f.ids) == (status, ["x"])
    assert fragment in f.arithmetic


def test_pct_vs_count_truncation_is_the_papers_convention_when_declared(tmp_path: Path) -> None:
    f = only(audit(tmp_path, [count("x", 5, 11, 45.4)], [PCT_RULE], {"percent_rounding": "truncate"}))
    assert f.status == "consistent"


def test_pct_vs_count_against_an_expected_denominator(tmp_path: Path) -> None:
    stats = [count("group", 24), count("cri", 21), count("mrd_pos", 5, 21, 23.8), count("other", 5, 24, 20.8)]
    rules = [{"id": "base", "kind": "pct_vs_count", "ids": ["mrd_pos", "other"], "expected_denom": "group"}]
    wrong_base, right_base = audit(tmp_path, stats, rules)
    assert wrong_base.status == "inconsistent"
    assert "5/24 = 20.83% (denominator group) → 20.8 ≠ printed 23.8; 5/21 = 23.81% ✓" in wrong_base.arithmetic
    assert "the printed denominator is 21, not 24" in wrong_base.arithmetic
    assert right_base.status == "consistent"


@pytest.mark.parametrize(("parts", "status"), [((21, 3), "consistent"), ((21, 4), "inconsistent")])
def test_parts_sum_to_whole(tmp_path: Path, parts: tuple[int, int], status: str) -> None:
    stats = [count("a", parts[0]), count("b", parts[1]), count("whole", 24)]
    rule = {"id": "sum", "kind": "parts_sum_to_whole", "parts": ["a", "b"], "whole": "whole"}
    f = only(audit(tmp_path, stats, [rule]))
    assert (f.status, f.ids) == (status, ["a", "b", "whole"])
    assert f"{parts[0]} (a) + {parts[1]} (b) = {sum(parts)}" in f.arithmetic


@pytest.mark.parametrize(("sub", "status"), [(20, "consistent"), (22, "inconsistent")])
def test_subset_le_set_reads_fields_and_sums(tmp_path: Path, sub: int, status: str) -> None:
    stats = [count("platelets", 1, sub), count("engrafted", 15), count("late", 5)]
    rule = {"id": "sub", "kind": "subset_le_set", "subset": "platelets:denom", "set": ["engrafted", "late"]}
    f = only(audit(tmp_path, stats, [rule]))
    assert f.status == status
    assert f.ids == ["platelets", "engrafted", "late"]


def _median(sid: str, value: float) -> dict:
    return {"id": sid, "kind": "median", "value": value}


def _range(sid: str, lo: float, hi: float) -> dict:
    return {"id": sid, "kind": "range", "min": lo, "max": hi}


@pytest.mark.parametrize(("median", "status"), [(166, "consistent"), (600, "inconsistent")])
def test_median_in_range(tmp_path: Path, median: float, status: str) -> None:
    rule = {"id": "m", "kind": "median_in_range", "median": "med", "range": "rng"}
    f = only(audit(tmp_path, [_median("med", median), _range("rng", 41, 545)], [rule]))
    assert f.status == status


@pytest.mark.parametrize(("inner", "status"), [((58, 169), "consistent"), ((50, 169), "inconsistent")])
def test_range_within_range(tmp_path: Path, inner: tuple[int, int], status: str) -> None:
    rule = {"id": "r", "kind": "range_within_range", "inner": "sub", "outer": "set"}
    f = only(audit(tmp_path, [_range("sub", *inner), _range("set", 53, 213)], [rule]))
    assert f.status == status


@pytest.mark.parametrize(("median", "status"), [(150, "consistent"), (164, "inconsistent")])
def test_median_bound_by_a_subgroup(tmp_path: Path, median: float, status: str) -> None:
    # 10 of 11 values lie in 53-213 with median 106: their 6th is at most 2 x 106 - 53 = 159
    stats = [count("relapses", 11), count("cri", 10), _median("med", median), _median("cri_med", 106),
             _range("cri_rng", 53, 213)]
    rule = {"id": "b", "kind": "median_bound", "median": "med", "n": "relapses",
            "parts": [{"count": "cri", "range": "cri_rng", "median": "cri_med"}]}
    f = only(audit(tmp_path, stats, [rule]))
    assert f.status == status
    assert "the median can lie in 53–159" in f.arithmetic


def test_median_bound_with_a_part_counted_on_a_superset(tmp_path: Path) -> None:
    # 10 of the 11 relapses are before D+100, so at least 4 of any 5 of them are; their median is <= 100
    stats = [count("all", 11), count("early", 10), count("sub", 5), _median("med", 105), _range("rng", 58, 169)]
    rule = {"id": "b", "kind": "median_bound", "median": "med", "n": "sub", "range": "rng",
            "parts": [{"count": "early", "max": 100, "within": "all"}]}
    f = only(audit(tmp_path, stats, [rule]))
    assert f.status == "inconsistent"
    assert "at least 4 of these 5" in f.arithmetic


@pytest.mark.parametrize(("second", "status"), [(106, "consistent"), (213, "inconsistent")])
def test_same_figure_twice(tmp_path: Path, second: int, status: str) -> None:
    rule = {"id": "t", "kind": "same_figure_twice",
            "refs": ["med", {"printed": second, "where": "Discussion"}]}
    f = only(audit(tmp_path, [_median("med", 106)], [rule]))
    assert (f.status, f.ids) == (status, ["med"])
    assert f"({'Discussion'})" in f.arithmetic


def test_same_figure_twice_compares_numbers_not_spellings(tmp_path: Path) -> None:
    stats = [{"id": "km", "kind": "km", "value": 55.0}, count("rel", 11, 20, 55)]
    f = only(audit(tmp_path, stats, [{"id": "t", "kind": "same_figure_twice", "refs": ["km", "rel:pct"]}]))
    assert f.status == "consistent"


def _p(sid: str, p: float | str) -> dict:
    return {"id": sid, "kind": "p_value", "p": p}


@pytest.mark.parametrize(
    ("pos", "neg", "printed", "status"),
    [((20, 24), (25, 31), "n.s.", "consistent"),
     ((8, 24), (3, 31), "n.s.", "inconsistent"),  # Fisher p = 0.043
     ((21, 24), (15, 31), 0.004, "consistent"),  # Fisher p = 0.0038
     ((21, 24), (15, 31), 0.003, "inconsistent")],
)
def test_recompute_fisher(tmp_path: Path, pos: tuple[int, int], neg: tuple[int, int], printed: float | str,
                          status: str) -> None:
    stats = [count("pos", *pos), count("neg", *neg), _p("p", printed)]
    rule = {"id": "f", "kind": "recompute_test", "printed": "p", "test": "fisher_exact", "rows": ["pos", "neg"]}
    f = only(audit(tmp_path, stats, [rule]))
    assert f.status == status


def test_recompute_fisher_freeman_halton_is_exact_and_repeatable(tmp_path: Path) -> None:
    stats = [count(f"c{i}", n) for i, n in enumerate([5, 16, 3, 3, 12, 16])] + [_p("p", 0.008)]
    rule = {"id": "f", "kind": "recompute_test", "printed": "p", "test": "fisher_exact",
            "table": [["c0", "c1", "c2"], ["c3", "c4", "c5"]]}
    first = only(audit(tmp_path, stats, [rule]))
    assert first.status == "consistent"
    assert "p = 0.00840" in first.arithmetic
    assert first == only(audit(tmp_path, stats, [rule]))


@pytest.mark.parametrize(("printed", "status"), [(0.056, "consistent"), (0.178, "inconsistent")])
def test_recompute_contingency_coefficient(tmp_path: Path, printed: float, status: str) -> None:
    stats = [count("pos", 10, 21), count("neg", 8, 15), {"id": "c", "kind": "coef", "value": printed}]
    rule = {"id": "c", "kind": "recompute_test", "printed": "c", "test": "contingency_coefficient",
            "rows": ["pos", "neg"]}
    assert only(audit(tmp_path, stats, [rule])).status == status


def test_recompute_a_mann_whitney_is_a_note(tmp_path: Path) -> None:
    rule = {"id": "mw", "kind": "recompute_test", "printed": "p", "test": "mann_whitney"}
    f = only(audit(tmp_path, [_p("p", "n.s.")], [rule]))
    assert f.status == "note"
    assert "medians alone cannot give it" in f.arithmetic


def test_recompute_an_ambiguous_mismatch_is_a_note(tmp_path: Path) -> None:
    stats = [count("pos", 22, 24), count("neg", 20, 25), _p("p", 0.04)]
    rule = {"id": "f", "kind": "recompute_test", "printed": "p", "test": "fisher_exact", "rows": ["pos", "neg"],
            "ambiguous": "probably the days"}
    f = only(audit(tmp_path, stats, [rule]))
    assert (f.status, f.arithmetic.endswith("probably the days")) == ("note", True)


@pytest.mark.parametrize(
    ("value", "n", "status", "fragment"),
    [(48.4, 31, "consistent", "15/31"), (61.1, 18, "consistent", "11/18"),
     (56.5, 24, "note", "requires censoring"), (25, 6, "note", "requires censoring")],
)
def test_km_granularity(tmp_path: Path, value: float, n: int, status: str, fragment: str) -> None:
    stats = [{"id": "km", "kind": "km", "value": value}, count("group", n)]
    f = only(audit(tmp_path, stats, [{"id": "k", "kind": "km_granularity", "km": "km", "n": "group"}]))
    assert f.status == status
    assert fragment in f.arithmetic
