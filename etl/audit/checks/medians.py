"""Medians against their ranges, and ranges against the ranges of the sets that hold them."""

from __future__ import annotations

from typing import Any

from etl.audit.checks.base import Settings, finding, need
from etl.audit.model import Catalog, Finding
from etl.audit.notes import Code, Num, note


def median_in_range(rule: dict[str, Any], catalog: Catalog, _: Settings) -> list[Finding]:
    need(rule, "median", "range")
    med = catalog.get(rule["median"], "value")
    lo, hi = catalog.get(rule["range"], "min"), catalog.get(rule["range"], "max")
    ok = lo <= med <= hi
    arithmetic = f"median {med} ({rule['median']}) {'within' if ok else 'outside'} range {lo}–{hi} ({rule['range']})"
    said = note(
        "report.audit.median.within" if ok else "report.audit.median.outside",
        median=Num(med, "g"),
        id=Code(rule["median"]),
        lo=Num(lo, "g"),
        hi=Num(hi, "g"),
        range=Code(rule["range"]),
    )
    return [
        finding(
            rule,
            [rule["median"], rule["range"]],
            "consistent" if ok else "inconsistent",
            arithmetic + (" ✓" if ok else ""),
            said,
        )
    ]


def range_within_range(rule: dict[str, Any], catalog: Catalog, _: Settings) -> list[Finding]:
    """The subset's range (`inner`) must lie inside the range of the set (`outer`) that contains it."""
    need(rule, "inner", "outer")
    ilo, ihi = catalog.get(rule["inner"], "min"), catalog.get(rule["inner"], "max")
    olo, ohi = catalog.get(rule["outer"], "min"), catalog.get(rule["outer"], "max")
    ok = olo <= ilo and ihi <= ohi
    arithmetic = f"{ilo}–{ihi} ({rule['inner']}) {'⊆' if ok else '⊄'} {olo}–{ohi} ({rule['outer']})"
    said = note(
        "report.audit.range.within" if ok else "report.audit.range.outside",
        ilo=Num(ilo, "g"),
        ihi=Num(ihi, "g"),
        inner=Code(rule["inner"]),
        olo=Num(olo, "g"),
        ohi=Num(ohi, "g"),
        outer=Code(rule["outer"]),
    )
    return [
        finding(
            rule,
            [rule["inner"], rule["outer"]],
            "consistent" if ok else "inconsistent",
            arithmetic + (" ✓" if ok else ""),
            said,
        )
    ]
