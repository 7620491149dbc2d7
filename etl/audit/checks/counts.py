"""Counts against counts: parts that must add up, subsets that cannot exceed their sets."""

from __future__ import annotations

from typing import Any

from etl.audit.checks.base import Settings, finding, need
from etl.audit.model import Catalog, Finding, ids_of, show
from etl.audit.notes import Code, note


def parts_sum_to_whole(rule: dict[str, Any], catalog: Catalog, _: Settings) -> list[Finding]:
    need(rule, "parts", "whole")
    parts, whole = catalog.total(rule["parts"]), catalog.total(rule["whole"])
    ok = parts == whole
    arithmetic = f"{show(catalog, rule['parts'])} {'=' if ok else '≠'} {show(catalog, rule['whole'])}"
    if not ok:
        arithmetic += f" (off by {parts - whole:+d})"
    said = note(
        "report.audit.sum.ok" if ok else "report.audit.sum.differs",
        parts=Code(show(catalog, rule["parts"])),
        whole=Code(show(catalog, rule["whole"])),
        off=f"{parts - whole:+d}",
    )
    return [
        finding(
            rule,
            ids_of(rule["parts"], rule["whole"]),
            "consistent" if ok else "inconsistent",
            arithmetic + (" ✓" if ok else ""),
            said,
        )
    ]


def subset_le_set(rule: dict[str, Any], catalog: Catalog, _: Settings) -> list[Finding]:
    need(rule, "subset", "set")
    sub, sup = catalog.total(rule["subset"]), catalog.total(rule["set"])
    ok = sub <= sup
    arithmetic = f"{show(catalog, rule['subset'])} {'≤' if ok else '>'} {show(catalog, rule['set'])}"
    if not ok:
        arithmetic += f": the subset exceeds its set by {sub - sup}"
    said = note(
        "report.audit.subset.ok" if ok else "report.audit.subset.exceeds",
        subset=Code(show(catalog, rule["subset"])),
        set=Code(show(catalog, rule["set"])),
        by=sub - sup,
    )
    return [
        finding(
            rule,
            ids_of(rule["subset"], rule["set"]),
            "consistent" if ok else "inconsistent",
            arithmetic + (" ✓" if ok else ""),
            said,
        )
    ]
