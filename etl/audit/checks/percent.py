"""Printed percentages against their counts and denominators."""

from __future__ import annotations

from typing import Any

from etl.audit.checks.base import Settings, finding
from etl.audit.model import Catalog, Finding
from etl.audit.numbers import at_precision, decimals, fmt, matches, matching_denominators, percent


def pct_vs_count(rule: dict[str, Any], catalog: Catalog, settings: Settings) -> list[Finding]:
    """`select: all` checks every count printed with n, denom and pct against its own denominator;
    `ids:` with `expected_denom:` checks the listed percentages against the denominator they should have."""
    if rule.get("select") == "all":
        wanted = {"n", "denom", "pct"}
        ids = [sid for sid, e in catalog.entries.items() if e.get("kind") == "count" and wanted <= e.keys()]
    else:
        ids = list(rule.get("ids") or [])
    return [_one(rule, sid, catalog, settings) for sid in ids]


def _one(rule: dict[str, Any], sid: str, catalog: Catalog, settings: Settings) -> Finding:
    entry = catalog.entry(sid)
    n, printed = int(entry["n"]), entry["pct"]
    denom_ref = rule.get("expected_denom")
    denom = catalog.total(denom_ref) if denom_ref else int(entry["denom"])
    ids = [sid] + ([denom_ref] if denom_ref else [])
    value = percent(n, denom)
    places = decimals(printed)
    shown = at_precision(value, places, settings.percent_convention)
    head = f"{n}/{denom} = {fmt(value)}%"
    if denom_ref:
        head += f" (denominator {denom_ref})"
    hit = matches(value, printed)
    if hit[settings.percent_convention]:
        return finding(rule, ids, "consistent", f"{head} → {shown} at {places} decimals = printed {printed} ✓")
    other = settings.other_convention
    if hit[other]:
        return finding(rule, ids, "inconsistent",
                       f"{head} → {shown} by {settings.percent_convention} ≠ printed {printed}; "
                       f"{printed} is {n}/{denom} by {other} — the paper uses {settings.percent_convention} elsewhere")
    text = f"{head} → {shown} ≠ printed {printed}"
    return finding(rule, ids, "inconsistent", text + "; " + _explain(n, printed, denom, entry, settings))


def _explain(n: int, printed: float | int, checked: int, entry: dict[str, Any], settings: Settings) -> str:
    found = {conv: matching_denominators(n, printed, conv, settings.denominator_search_limit)
             for conv in (settings.percent_convention, settings.other_convention)}
    own = found[settings.percent_convention]
    if own:
        listed = ", ".join(f"{n}/{d} = {fmt(percent(n, d))}%" for d in own)
        which = " → the printed denominator" if int(entry.get("denom", -1)) in own else " → denominator"
        return f"{listed} ✓{which} is {' or '.join(map(str, own))}, not {checked}"
    if found[settings.other_convention]:
        d = found[settings.other_convention][0]
        return f"only {n}/{d} gives {printed}, and only by {settings.other_convention}"
    return f"no denominator d ≤ {settings.denominator_search_limit} gives {n}/d = {printed}%"
