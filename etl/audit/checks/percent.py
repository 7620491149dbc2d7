"""Printed percentages against their counts and denominators."""

from __future__ import annotations

from typing import Any

from etl.audit.checks.base import Settings, finding
from etl.audit.model import Catalog, Finding
from etl.audit.notes import Code, Note, Num, note
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
    said = note("report.audit.pct.head", n=n, denom=denom, pct=Num(float(value), ".2f"))
    if denom_ref:
        head += f" (denominator {denom_ref})"
        said = note("report.audit.pct.head_ref", head=said, ref=Code(denom_ref))
    hit = matches(value, printed)
    shown_n, printed_n = Num(float(shown), f".{places}f"), Num(printed, "g")
    if hit[settings.percent_convention]:
        return finding(
            rule,
            ids,
            "consistent",
            f"{head} → {shown} at {places} decimals = printed {printed} ✓",
            note("report.audit.pct.ok", head=said, shown=shown_n, places=places, printed=printed_n),
        )
    other = settings.other_convention
    if hit[other]:
        return finding(
            rule,
            ids,
            "inconsistent",
            f"{head} → {shown} by {settings.percent_convention} ≠ printed {printed}; "
            f"{printed} is {n}/{denom} by {other} — the paper uses {settings.percent_convention} elsewhere",
            note(f"report.audit.pct.by_{other}", head=said, shown=shown_n, printed=printed_n, n=n, denom=denom),
        )
    text = f"{head} → {shown} ≠ printed {printed}"
    why, why_note = _explain(n, printed, denom, entry, settings)
    return finding(
        rule,
        ids,
        "inconsistent",
        text + "; " + why,
        note("report.audit.pct.differs", head=said, shown=shown_n, printed=printed_n, why=why_note),
    )


def _explain(n: int, printed: float | int, checked: int, entry: dict[str, Any], settings: Settings) -> tuple[str, Note]:
    found = {
        conv: matching_denominators(n, printed, conv, settings.denominator_search_limit)
        for conv in (settings.percent_convention, settings.other_convention)
    }
    own = found[settings.percent_convention]
    if own:
        listed = ", ".join(f"{n}/{d} = {fmt(percent(n, d))}%" for d in own)
        printed_denom = int(entry.get("denom", -1)) in own
        which = " → the printed denominator" if printed_denom else " → denominator"
        return (
            f"{listed} ✓{which} is {' or '.join(map(str, own))}, not {checked}",
            note(
                "report.audit.pct.denominator_printed" if printed_denom else "report.audit.pct.denominator",
                listed=[note("report.audit.pct.head", n=n, denom=d, pct=Num(float(percent(n, d)), ".2f")) for d in own],
                found=" / ".join(map(str, own)),
                checked=checked,
            ),
        )
    if found[settings.other_convention]:
        d = found[settings.other_convention][0]
        return (
            f"only {n}/{d} gives {printed}, and only by {settings.other_convention}",
            note(f"report.audit.pct.only_by_{settings.other_convention}", n=n, d=d, printed=Num(printed, "g")),
        )
    limit = settings.denominator_search_limit
    return (
        f"no denominator d ≤ {limit} gives {n}/d = {printed}%",
        note("report.audit.pct.no_denominator", limit=limit, n=n, printed=Num(printed, "g")),
    )
