"""The check kinds, each implemented once; a rule names its kind and this table finds it."""

from __future__ import annotations

from etl.audit.checks.attribution import attribution
from etl.audit.checks.base import Check, Settings
from etl.audit.checks.counts import parts_sum_to_whole, subset_le_set
from etl.audit.checks.figures import same_figure_twice
from etl.audit.checks.km import km_granularity
from etl.audit.checks.median_bound import median_bound
from etl.audit.checks.medians import median_in_range, range_within_range
from etl.audit.checks.percent import pct_vs_count
from etl.audit.checks.stat_tests import recompute_test
from etl.audit.checks.subsets import figure_subsets

CHECKS: dict[str, Check] = {
    "pct_vs_count": pct_vs_count,
    "parts_sum_to_whole": parts_sum_to_whole,
    "subset_le_set": subset_le_set,
    "median_in_range": median_in_range,
    "range_within_range": range_within_range,
    "median_bound": median_bound,
    "same_figure_twice": same_figure_twice,
    "recompute_test": recompute_test,
    "km_granularity": km_granularity,
    "attribution": attribution,
    "figure_subsets": figure_subsets,
}

COMMON_KEYS = frozenset({"id", "kind", "title", "note"})
KEYS: dict[str, frozenset[str]] = {
    "pct_vs_count": frozenset({"select", "ids", "expected_denom"}),
    "parts_sum_to_whole": frozenset({"parts", "whole"}),
    "subset_le_set": frozenset({"subset", "set"}),
    "median_in_range": frozenset({"median", "range"}),
    "range_within_range": frozenset({"inner", "outer"}),
    "median_bound": frozenset({"median", "n", "range", "parts"}),
    "same_figure_twice": frozenset({"refs"}),
    "recompute_test": frozenset({"printed", "printed_p", "where", "test", "rows", "table", "also", "ambiguous",
                                 "reading_of"}),
    "km_granularity": frozenset({"km", "n", "events", "events_are"}),
    "attribution": frozenset({"printed", "computed_in", "quoted", "quoted_for", "test"}),
    "figure_subsets": frozenset({"refs", "group", "left_out", "because", "measure", "at"}),
}

__all__ = ["CHECKS", "COMMON_KEYS", "KEYS", "Check", "Settings"]
