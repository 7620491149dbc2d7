"""The study's estimators and tests, each a thin call into scipy or lifelines (no formula written here).

Times are whole days after the transplant. Kaplan–Meier counts the deaths of a day before the
censorings of that day (lifelines' convention). lifelines' Aalen–Johansen jitters tied event times at
random; so that the estimate follows the same convention and is deterministic, censorings are placed
half a day after their day, the jitter is seeded, and the curve is read half a day after the day asked
for (every time is a whole day, so that reads the value of the day itself).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from lifelines import AalenJohansenFitter, KaplanMeierFitter
from lifelines.statistics import logrank_test
from scipy import stats
from scipy.stats.contingency import association

Table2x2 = Sequence[Sequence[int]]
HALF_DAY = 0.5


def median(values: pd.Series) -> float:
    return float(values.dropna().median())


def value_range(values: pd.Series) -> tuple[float, float]:
    clean = values.dropna()
    return float(clean.min()), float(clean.max())


def fisher_exact(table: Table2x2) -> float:
    """Two-sided Fisher exact p of a 2x2 table."""
    return float(stats.fisher_exact(np.asarray(table)).pvalue)


def chi_square(table: Table2x2) -> float:
    """Pearson chi-square p without continuity correction; NaN when a margin is empty."""
    try:
        return float(stats.chi2_contingency(np.asarray(table), correction=False).pvalue)
    except ValueError:
        return float("nan")


def contingency_coefficient(table: Table2x2) -> float:
    """Pearson's contingency coefficient C = sqrt(chi2 / (chi2 + n)), chi-square uncorrected (scipy)."""
    try:
        return float(association(np.asarray(table), method="pearson", correction=False))
    except ValueError:
        return float("nan")


def mann_whitney(a: pd.Series, b: pd.Series, method: str = "auto") -> float:
    """Two-sided Mann–Whitney U p of two samples (missing values left out)."""
    x, y = a.dropna().to_numpy(), b.dropna().to_numpy()
    if len(x) == 0 or len(y) == 0:
        return float("nan")
    return float(stats.mannwhitneyu(x, y, alternative="two-sided", method=method).pvalue)


def kaplan_meier(time: pd.Series, event: pd.Series, label: str | None = None) -> KaplanMeierFitter:
    return KaplanMeierFitter().fit(time.to_numpy(float), event_observed=event.to_numpy(int), label=label)


def km_percent(time: pd.Series, event: pd.Series, day: float) -> float:
    """Kaplan–Meier survival at `day`, in percent."""
    if len(time) == 0:
        return float("nan")
    return 100 * float(kaplan_meier(time, event).survival_function_at_times(day).iloc[0])


def aalen_johansen(
    time: pd.Series, cause: pd.Series, event_of_interest: int = 1, label: str | None = None
) -> AalenJohansenFitter:
    """Cumulative incidence of `event_of_interest`, other causes competing, 0 censored (see module doc)."""
    t = time.to_numpy(float) + np.where(cause.to_numpy(int) == 0, HALF_DAY, 0.0)
    fitter = AalenJohansenFitter(calculate_variance=False, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Tied event times were detected": expected, handled above
        return fitter.fit(t, cause.to_numpy(int), event_of_interest=event_of_interest, label=label)


def cif_percent(time: pd.Series, cause: pd.Series, day: float, event_of_interest: int = 1) -> float:
    """Aalen–Johansen cumulative incidence at `day`, in percent."""
    if len(time) == 0:
        return float("nan")
    if not (cause == event_of_interest).any():
        return 0.0
    fitter = aalen_johansen(time, cause, event_of_interest)
    curve = fitter.cumulative_density_.iloc[:, 0]  # a step function indexed by time
    return 100 * float(curve.asof(day + HALF_DAY))


def logrank(time_a: pd.Series, event_a: pd.Series, time_b: pd.Series, event_b: pd.Series) -> float:
    """Two-sided log-rank p between two groups."""
    if len(time_a) == 0 or len(time_b) == 0:
        return float("nan")
    result = logrank_test(
        time_a.to_numpy(float), time_b.to_numpy(float),
        event_observed_A=event_a.to_numpy(int), event_observed_B=event_b.to_numpy(int),
    )  # fmt: skip
    return float(result.p_value)
