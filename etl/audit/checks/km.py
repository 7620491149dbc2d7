"""Kaplan–Meier estimates against the group size: without censoring a plateau is some k/n."""

from __future__ import annotations

from typing import Any

from etl.audit.checks.base import Settings, finding, need
from etl.audit.model import Catalog, Finding, ids_of
from etl.audit.numbers import fmt, matches, percent


def km_granularity(rule: dict[str, Any], catalog: Catalog, _: Settings) -> list[Finding]:
    """Keys: `km` (the estimate's id), `n` (the group size), optional `events` (events printed elsewhere,
    to compare the crude (n - d)/n or d/n, see `events_are`: deaths | events)."""
    need(rule, "km", "n")
    value, n = catalog.get(rule["km"], "value"), catalog.total(rule["n"])
    hits = [k for k in range(n + 1) if any(matches(percent(k, n), value).values())]
    ids = ids_of(rule["km"], rule["n"], rule.get("events", []))
    crude = _crude(rule, catalog, n)
    if hits:
        k = hits[0]
        return [finding(rule, ids, "consistent",
                        f"{value}% of {n} = {k}/{n} = {fmt(percent(k, n))}% ✓ (possible without censoring){crude}")]
    exact = value * n / 100
    below, above = int(exact), int(exact) + 1
    text = (f"{value}% of {n} = {fmt(exact, 2)} patients, not a whole number; nearest {below}/{n} = "
            f"{fmt(percent(below, n))}%, {above}/{n} = {fmt(percent(above, n))}% → requires censoring{crude}")
    return [finding(rule, ids, "note", text)]


def _crude(rule: dict[str, Any], catalog: Catalog, n: int) -> str:
    if "events" not in rule:
        return ""
    d = catalog.total(rule["events"])
    if rule.get("events_are", "deaths") == "deaths":
        return f"; crude survival from {d} deaths: ({n} − {d})/{n} = {fmt(percent(n - d, n))}%"
    return f"; crude proportion {d}/{n} = {fmt(percent(d, n))}%"
