"""Two figures or tables that the paper's own statements make describe the same patients must agree."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from etl.audit.checks.base import Settings, finding, need
from etl.audit.model import Catalog, Finding, as_list, ids_of
from etl.audit.notes import Code, Num, note
from etl.errors import InputError

# how a figure's value moves with the time it is read at: survival falls, a cumulative incidence rises
DIRECTION = {"survival": -1, "incidence": 1, "value": 0}


def figure_subsets(rule: dict[str, Any], catalog: Catalog, _: Settings) -> list[Finding]:
    """Keys: `refs` (the two printed figures, catalog refs), `group` (count ref(s): the patients of the wider
    one), `left_out` (how many of them the narrower one leaves out, as the paper's statements about who received
    which transplant give it: a number or count ref(s)), `because` (where the paper says so), `measure`
    (survival | incidence | value: how the figure moves with time), `at` (the day each is read at, as printed;
    null where the paper prints none).

    Left out none, the two show the same patients: equal values are consistent; different ones inconsistent
    when read at the same time (or for a `value`), or a survival rising / an incidence falling with time;
    a note when only different time points, which the paper does not print, can reconcile them. Left out
    some, the figures are of different patients: a note, not compared."""
    need(rule, "refs", "group", "left_out", "because")
    refs = list(rule["refs"])
    measure = rule.get("measure", "value")
    if len(refs) != 2 or measure not in DIRECTION:
        raise InputError(f"rule {rule['id']!r}: refs needs two figures and measure one of {', '.join(DIRECTION)}")
    at = list(rule.get("at") or [None, None])
    values = [catalog.get(r, "value") for r in refs]
    n = catalog.total(rule["group"])
    left = rule["left_out"]
    k = int(left) if isinstance(left, int) else catalog.total(left)
    ids = ids_of(refs, rule["group"], [] if isinstance(left, int) else as_list(left))
    a, b = (f"{v} ({r})" for v, r in zip(values, refs, strict=True))
    said_a, said_b = (note("report.audit.twice.ref", value=Num(v, "g"), ref=Code(r))
                      for v, r in zip(values, refs, strict=True))
    because = note(f"report.audit.because.{rule['id']}")
    common = {"a": said_a, "b": said_b, "n": n, "because": because}
    if k > 0:
        return [finding(rule, ids, "note",
                        f"{a}, {b}: the paper's statements leave {k} of {n} patients out of one — not the same "
                        "patients, not compared",
                        note("report.audit.subsets.different", k=k, **common))]
    same = f"the same {n} patients ({rule['because']})"
    if Decimal(str(values[0])) == Decimal(str(values[1])):
        return [finding(rule, ids, "consistent", f"{a} = {b}: {same} ✓", note("report.audit.subsets.same", **common))]
    direction = DIRECTION[measure]
    if direction == 0 or (None not in at and at[0] == at[1]):
        return [finding(rule, ids, "inconsistent", f"{a} vs {b}: {same}, read at the same time — different values",
                        note("report.audit.subsets.differs", **common))]
    # the one that must be read earlier: the higher survival, the lower incidence
    first = 0 if (values[0] > values[1]) == (direction < 0) else 1
    earlier, later = (said_a, said_b) if first == 0 else (said_b, said_a)
    shown_earlier, shown_later = (a, b) if first == 0 else (b, a)
    order = {"earlier": earlier, "later": later}
    if None in at:
        return [finding(rule, ids, "note",
                        f"{a} vs {b}: {same} — possible only if {shown_earlier} is read before {shown_later}; "
                        "and the paper does not print both time points",
                        note("report.audit.subsets.only_if_earlier", **common, **order))]
    if at[first] < at[1 - first]:
        return [finding(rule, ids, "consistent",
                        f"{a} vs {b}: {same}, {shown_earlier} read on day {at[first]}, {shown_later} on day "
                        f"{at[1 - first]} ✓",
                        note("report.audit.subsets.in_order", **common, **order))]
    return [finding(rule, ids, "inconsistent",
                    f"{a} vs {b}: {same}, but {shown_earlier} is read later (day {at[first]}) than {shown_later} "
                    f"(day {at[1 - first]}), and a {measure} cannot move that way with time",
                    note(f"report.audit.subsets.out_of_order.{measure}", **common, **order))]
