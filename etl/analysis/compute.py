"""Compute one statistic of the reproduction spec from analysis_patient (each `stat` implemented once)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from etl.analysis import estimators as est
from etl.analysis.filters import mask
from etl.audit.notes import Note, Num, note
from etl.errors import InputError


@dataclass(frozen=True)
class Computed:
    """An unrounded value (None: not computable) and how it came about (a note, rendered in each language)."""

    value: Any
    detail: Note
    n: int | None = None
    denom: int | None = None
    pct: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


Spec = Mapping[str, Any]
Subsets = Mapping[str, Any]


def _count(df: pd.DataFrame, spec: Spec, subsets: Subsets) -> Computed:
    n = int(mask(df, spec["n"], subsets).sum())
    if spec.get("denom") is None:
        return Computed(n, note("report.detail.n", n=n), n=n)
    denom = int(mask(df, spec["denom"], subsets).sum())
    pct = 100 * n / denom if denom else None
    shown = (
        note("report.detail.count", n=n, denom=denom, pct=Num(pct))
        if pct is not None
        else note("report.detail.count_empty", n=n)
    )
    return Computed(n, shown, n=n, denom=denom, pct=pct)


def _values(df: pd.DataFrame, spec: Spec, subsets: Subsets, column: str | None = None) -> pd.Series:
    name = column or spec["field"]
    if name not in df.columns:
        raise InputError(f"unknown column {name!r} of analysis_patient")
    return df.loc[mask(df, spec["of"], subsets), name].dropna()


def _median(df: pd.DataFrame, spec: Spec, subsets: Subsets) -> Computed:
    values = _values(df, spec, subsets)
    if values.empty:
        return Computed(None, note("report.detail.no_values"))
    return Computed(est.median(values), note("report.detail.median", k=len(values)), n=len(values))


def _range(df: pd.DataFrame, spec: Spec, subsets: Subsets) -> Computed:
    values = _values(df, spec, subsets)
    if values.empty:
        return Computed(None, note("report.detail.no_values"))
    lo, hi = est.value_range(values)
    return Computed([lo, hi], note("report.detail.range", k=len(values)), n=len(values))


def _constant(df: pd.DataFrame, spec: Spec, subsets: Subsets) -> Computed:
    values = pd.concat([_values(df, spec, subsets, column) for column in spec["fields"]])
    distinct = sorted(values.unique())
    if len(distinct) != 1:
        return Computed(None, note("report.detail.not_constant", values=[Num(v, "g") for v in distinct]))
    return Computed(float(distinct[0]), note("report.detail.constant", k=len(values)), n=len(values))


def _table(df: pd.DataFrame, spec: Spec, subsets: Subsets) -> list[list[int]]:
    outcome = mask(df, spec["outcome"], subsets)
    rows = []
    for group in ("a", "b"):
        members = mask(df, spec[group], subsets)
        rows.append([int((members & outcome).sum()), int((members & ~outcome).sum())])
    return rows


def _fisher(df: pd.DataFrame, spec: Spec, subsets: Subsets) -> Computed:
    table = _table(df, spec, subsets)
    p, chi = est.fisher_exact(table), est.chi_square(table)
    return Computed(
        p,
        note("report.detail.fisher", table=str(table), p=Num(p), chi=Num(chi)),
        extra={"table": table, "chi_square_p": chi},
    )


def _coefficient(df: pd.DataFrame, spec: Spec, subsets: Subsets) -> Computed:
    table = _table(df, spec, subsets)
    c = est.contingency_coefficient(table)
    return Computed(
        None if pd.isna(c) else c, note("report.detail.contingency", table=str(table), c=Num(c)), extra={"table": table}
    )


def _mann_whitney(df: pd.DataFrame, spec: Spec, subsets: Subsets) -> Computed:
    a = df.loc[mask(df, spec["a"], subsets), spec["field"]].dropna()
    b = df.loc[mask(df, spec["b"], subsets), spec["field"]].dropna()
    p = est.mann_whitney(a, b, spec.get("method", "auto"))
    return Computed(None if pd.isna(p) else p, note("report.detail.mann_whitney", a=len(a), b=len(b), p=Num(p)))


ENDPOINTS = {"os": ("os_time", "os_event"), "relapse": ("relapse_time", "relapse_event")}


def endpoint(df: pd.DataFrame, name: str) -> tuple[pd.Series, pd.Series]:
    """Time and event of an endpoint over the rows that have both (relapse: event 1 = relapse only)."""
    time_col, event_col = ENDPOINTS[name]
    rows = df[df[time_col].notna() & df[event_col].notna()]
    event = rows[event_col].astype(int)
    return rows[time_col], (event == 1).astype(int) if name == "relapse" else event


def _logrank(df: pd.DataFrame, spec: Spec, subsets: Subsets) -> Computed:
    groups = [df[mask(df, spec[g], subsets)] for g in ("a", "b")]
    (ta, ea), (tb, eb) = (endpoint(g, spec["endpoint"]) for g in groups)
    p = est.logrank(ta, ea, tb, eb)
    return Computed(
        None if pd.isna(p) else p,
        note(
            f"report.detail.logrank.{spec['endpoint']}",
            a=len(ta),
            b=len(tb),
            ea=int(ea.sum()),
            eb=int(eb.sum()),
            p=Num(p),
        ),
    )


def _km(df: pd.DataFrame, spec: Spec, subsets: Subsets) -> Computed:
    time, event = endpoint(df[mask(df, spec["of"], subsets)], "os")
    value = est.km_percent(time, event, spec["day"])
    return Computed(
        None if pd.isna(value) else value,
        note("report.detail.km", day=spec["day"], value=Num(value), n=len(time), d=int(event.sum())),
        n=len(time),
    )


def _cir(df: pd.DataFrame, spec: Spec, subsets: Subsets) -> Computed:
    rows = df[mask(df, spec["of"], subsets) & df["relapse_time"].notna() & df["relapse_event"].notna()]
    cause = rows["relapse_event"].astype(int)
    value = est.cif_percent(rows["relapse_time"], cause, spec["day"])
    return Computed(
        None if pd.isna(value) else value,
        note(
            "report.detail.cir",
            day=spec["day"],
            value=Num(value),
            n=len(rows),
            r=int((cause == 1).sum()),
            c=int((cause == 2).sum()),
        ),
        n=len(rows),
    )


STATS: dict[str, Callable[[pd.DataFrame, Spec, Subsets], Computed]] = {
    "count": _count,
    "median": _median,
    "range": _range,
    "constant": _constant,
    "fisher": _fisher,
    "contingency_coefficient": _coefficient,
    "mann_whitney": _mann_whitney,
    "logrank": _logrank,
    "km": _km,
    "cir": _cir,
}


def compute(df: pd.DataFrame, spec: Spec, subsets: Subsets) -> Computed:
    stat = spec.get("stat")
    if stat not in STATS:
        raise InputError(f"unknown stat {stat!r} in the reproduction spec; known: {', '.join(STATS)}")
    return STATS[stat](df, spec, subsets)
