"""Compare a computed value with the printed one: equal at the printed precision.

The rounding rule (the paper's own, see study/audit_rules.yaml `percent_rounding`): the computed,
unrounded value is rounded half up to as many decimals as the printed value carries (92 -> 0,
87.5 -> 1, 31.25 -> 2, 0.003 -> 3) and must then equal it. Counts and denominators must be equal.
A p-value printed "n.s." is reproduced by any p >= 0.05 (Methods: p < 0.05 is significant).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from etl.analysis.compute import Computed
from etl.audit.numbers import at_precision, decimals

ALPHA = 0.05
NOT_SIGNIFICANT = "n.s."

REPRODUCED, DIFFERS, NOT_COMPUTABLE = "reproduced", "differs", "not computable"


def same_at_precision(value: float | int, printed: float | int) -> bool:
    return at_precision(value, decimals(printed), "round") == Decimal(str(printed))


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


def mismatches(entry: dict[str, Any], computed: Computed) -> list[str]:
    """What does not match, in words; empty when the computed value reproduces the printed one."""
    kind, value = entry["kind"], computed.value
    if kind == "count":
        return _count_mismatches(entry, computed)
    if kind == "range":
        return [f"{end} {got:g} ≠ printed {want}" for end, got, want in zip(("min", "max"), value,
                (entry["min"], entry["max"]), strict=True) if not same_at_precision(got, want)]
    if kind == "p_value":
        printed = entry["p"]
        if printed == NOT_SIGNIFICANT:
            return [] if value >= ALPHA else [f"p = {value:.4g} < {ALPHA}, printed n.s."]
        return [] if same_at_precision(value, printed) else [f"p = {value:.4g} ≠ printed {printed}"]
    printed = entry["value"]
    return [] if same_at_precision(value, printed) else [f"{value:.6g} ≠ printed {printed}"]


def _count_mismatches(entry: dict[str, Any], computed: Computed) -> list[str]:
    out = []
    if computed.n != entry["n"]:
        out.append(f"n = {computed.n} ≠ printed {entry['n']}")
    if "denom" in entry and computed.denom != entry["denom"]:
        out.append(f"denominator {computed.denom} ≠ printed {entry['denom']}")
    if "pct" in entry:
        if computed.pct is None:
            out.append(f"no percentage (empty denominator), printed {entry['pct']}%")
        elif not same_at_precision(computed.pct, entry["pct"]):
            out.append(f"{computed.pct:.4g}% ≠ printed {entry['pct']}%")
    return out


def status(entry: dict[str, Any], computed: Computed | None) -> tuple[str, list[str]]:
    if computed is None or computed.value is None:
        return NOT_COMPUTABLE, []
    found = mismatches(entry, computed)
    return (DIFFERS, found) if found else (REPRODUCED, [])
