"""Compare a computed value with the printed one: equal at the printed precision.

The rounding rule (the paper's own, see study/audit_rules.yaml `percent_rounding`): the computed,
unrounded value is rounded half up to as many decimals as the printed value carries (92 -> 0,
87.5 -> 1, 31.25 -> 2, 0.003 -> 3) and must then equal it. Counts and denominators must be equal.
A p-value printed "n.s." is reproduced by any p >= 0.05 (Methods: p < 0.05 is significant). The one
exception is data, not code: a percentage the cohort's decisions file marks `pct_rule: truncate` (the
paper truncated that cell where it rounds elsewhere) is compared truncated.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from etl.analysis.compute import Computed
from etl.audit.notes import Note, Num, note
from etl.audit.numbers import at_precision, decimals

ALPHA = 0.05
NOT_SIGNIFICANT = "n.s."

REPRODUCED, DIFFERS, NOT_COMPUTABLE = "reproduced", "differs", "not computable"
Mismatch = tuple[str, Note]  # (part of the entry: n | denom | pct | value | min | max | p, in words)


def same_at_precision(value: float | int, printed: float | int, rule: str = "round") -> bool:
    return at_precision(value, decimals(printed), rule) == Decimal(str(printed))


def published_value(entry: dict[str, Any]) -> Any:
    """The printed figure of a catalog entry: a count's n, a range's [min, max], a p-value's p, else value."""
    kind = entry["kind"]
    if kind == "count":
        return entry["n"]
    if kind == "range":
        return [entry["min"], entry["max"]]
    if kind == "p_value":
        return entry["p"]
    return entry["value"]


def mismatches(entry: dict[str, Any], computed: Computed, pct_rule: str = "round") -> list[Mismatch]:
    """What does not match; empty when the computed value reproduces the printed one."""
    kind, value = entry["kind"], computed.value
    if kind == "count":
        return _count_mismatches(entry, computed, pct_rule)
    if kind == "range":
        ends = zip(("min", "max"), value, (entry["min"], entry["max"]), strict=True)
        return [
            (end, note(f"report.mismatch.{end}", got=Num(got, "g"), want=Num(want, "g")))
            for end, got, want in ends
            if not same_at_precision(got, want)
        ]
    if kind == "p_value":
        printed = entry["p"]
        if printed == NOT_SIGNIFICANT:
            return [] if value >= ALPHA else [("p", note("report.mismatch.p_ns", p=Num(value), alpha=Num(ALPHA, "g")))]
        return (
            []
            if same_at_precision(value, printed)
            else [("p", note("report.mismatch.p", p=Num(value), want=Num(printed, "g")))]
        )
    printed = entry["value"]
    return (
        []
        if same_at_precision(value, printed)
        else [("value", note("report.mismatch.value", got=Num(value, ".6g"), want=Num(printed, "g")))]
    )


def _count_mismatches(entry: dict[str, Any], computed: Computed, pct_rule: str) -> list[Mismatch]:
    out = []
    if computed.n != entry["n"]:
        out.append(("n", note("report.mismatch.n", got=computed.n, want=entry["n"])))
    if "denom" in entry and computed.denom != entry["denom"]:
        out.append(("denom", note("report.mismatch.denom", got=computed.denom, want=entry["denom"])))
    if "pct" in entry:
        if computed.pct is None:
            out.append(("pct", note("report.mismatch.no_pct", want=Num(entry["pct"], "g"))))
        elif not same_at_precision(computed.pct, entry["pct"], pct_rule):
            out.append(("pct", note("report.mismatch.pct", got=Num(computed.pct), want=Num(entry["pct"], "g"))))
    return out


def status(entry: dict[str, Any], computed: Computed | None, pct_rule: str = "round") -> tuple[str, list[Mismatch]]:
    if computed is None or computed.value is None:
        return NOT_COMPUTABLE, []
    found = mismatches(entry, computed, pct_rule)
    return (DIFFERS, found) if found else (REPRODUCED, [])
