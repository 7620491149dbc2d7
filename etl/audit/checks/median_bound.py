"""A group's median against what its parts (subgroups with their own ranges and medians) allow."""

from __future__ import annotations

import math
from typing import Any

from etl.audit.checks.base import Settings, finding, need
from etl.audit.checks.order_stats import INF, Part, median_bounds
from etl.audit.model import Catalog, Finding, as_list, ids_of
from etl.audit.notes import Code, Note, Num, fold, note
from etl.audit.numbers import fmt
from etl.errors import InputError


def median_bound(rule: dict[str, Any], catalog: Catalog, _: Settings) -> list[Finding]:
    """Rule keys: `median` (the group's printed median), `n` (the group's size), optional `range` (the
    group's printed range) and `parts`: each {count, range?, bounds?, median?, min?, max?, within?}; `range`
    is the part's own printed range, `bounds` the range of a larger set it belongs to. `within` names
    a superset the part's count is of: only count - (superset - n) of the part need fall in this group."""
    need(rule, "median", "n", "parts")
    n = catalog.total(rule["n"])
    glo, ghi = _group_range(rule, catalog)
    parts, lines, refs, said = [], [], [rule["median"], rule["n"], *as_list(rule.get("range", []))], []
    for spec in rule["parts"]:
        part, line, line_note = _part(spec, n, catalog)
        parts.append(part.clipped(glo, ghi))
        lines.append(line)
        said.append(line_note)
        for key in ("count", "range", "bounds", "median", "within"):
            refs += as_list(spec.get(key, []))
    free = n - sum(p.k for p in parts)
    if free < 0:
        raise InputError(f"rule {rule['id']!r}: the parts hold more members ({n - free}) than the group ({n})")
    if free:
        parts.append(Part(free, glo, ghi))
        lines.append(f"{free} other(s) anywhere{_span(glo, ghi)}")
        said.append(note("report.audit.bound.others", free=free, span=_span_note(glo, ghi)))
    lo, hi = median_bounds(parts)
    med = catalog.get(rule["median"], "value")
    ok = lo <= med <= hi
    names = rule["n"] if isinstance(rule["n"], str) else " + ".join(rule["n"])
    head = f"group of {n} ({names}): " + "; ".join(lines)
    verdict = f"the median can lie in {_fmt(lo)}–{_fmt(hi)}; printed {med} ({rule['median']}) " + (
        "✓" if ok else f"is {'above the highest' if med > hi else 'below the lowest'} possible"
    )
    where = "ok" if ok else ("above" if med > hi else "below")
    message = note(
        f"report.audit.bound.{where}",
        n=n,
        names=Code(names),
        parts=fold("report.audit.join.semicolon", said),
        lo=_val(lo),
        hi=_val(hi),
        median=_val(med),
        id=Code(rule["median"]),
    )
    return [finding(rule, ids_of(refs), "consistent" if ok else "inconsistent", f"{head} → {verdict}", message)]


def _group_range(rule: dict[str, Any], catalog: Catalog) -> tuple[float, float]:
    if "range" not in rule:
        return -INF, INF
    return catalog.get(rule["range"], "min"), catalog.get(rule["range"], "max")


def _part(spec: dict[str, Any], n: int, catalog: Catalog) -> tuple[Part, str, Note]:
    count = catalog.total(spec["count"])
    names = " + ".join(as_list(spec["count"]))
    k, how = count, f"{count} ({names})"
    how_note = note("report.audit.bound.part", count=count, names=Code(names))
    if "within" in spec:
        sup = catalog.total(spec["within"])
        k = max(0, count - (sup - n))
        how = f"{count} of {sup} ({names} of {spec['within']}), so at least {k} of these {n}"
        how_note = note(
            "report.audit.bound.part_within",
            count=count,
            sup=sup,
            names=Code(names),
            within=Code(" + ".join(as_list(spec["within"]))),
            k=k,
            n=n,
        )
    lo, hi, lo_att, hi_att = -INF, INF, False, False
    if "range" in spec:
        lo, hi = catalog.get(spec["range"], "min"), catalog.get(spec["range"], "max")
        lo_att = hi_att = k == count  # a printed min/max belongs to some member only if all of them are here
    if "bounds" in spec:  # a range of a larger set: it bounds these members, none need reach its ends
        lo, hi = max(lo, catalog.get(spec["bounds"], "min")), min(hi, catalog.get(spec["bounds"], "max"))
    lo = max(lo, spec.get("min", -INF))
    hi = min(hi, spec.get("max", INF))
    med = catalog.get(spec["median"], "value") if "median" in spec and k == count else None
    text = how + _span(lo, hi) + (f", median {med}" if med is not None else "")
    said = note("report.audit.concat", a=how_note, b=_span_note(lo, hi))
    if med is not None:
        said = note("report.audit.bound.with_median", part=said, median=_val(med))
    return Part(k, lo, hi, lo_att, hi_att, med), text, said


def _span(lo: float, hi: float) -> str:
    if math.isinf(lo) and math.isinf(hi):
        return ""
    return f" in {_fmt(lo)}–{_fmt(hi)}"


def _span_note(lo: float, hi: float) -> Note | str:
    if math.isinf(lo) and math.isinf(hi):
        return ""
    return note("report.audit.bound.span", lo=_val(lo), hi=_val(hi))


def _val(x: float) -> Num | str:
    """A bound for a note: ±∞ as a sign, else the number (decimal comma in Russian)."""
    return _fmt(x) if math.isinf(x) else Num(x, "g")


def _fmt(x: float) -> str:
    if math.isinf(x):
        return "−∞" if x < 0 else "∞"
    return fmt(x, 1) if x != int(x) else str(int(x))
