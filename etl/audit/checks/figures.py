"""The same figure printed in two places must carry the same value."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from etl.audit.checks.base import Settings, finding, need
from etl.audit.model import Catalog, Finding, ids_of
from etl.audit.notes import Code, Note, Num, note

DEFAULT_FIELD = {"count": "n", "median": "value", "km": "value", "coef": "value", "p_value": "p", "constant": "value"}


def same_figure_twice(rule: dict[str, Any], catalog: Catalog, _: Settings) -> list[Finding]:
    """`refs`: catalog references (`id` or `id:field`) or {printed: value, where: place in the paper}
    for a printing the catalog does not hold; all must be equal."""
    need(rule, "refs")
    shown, values, ids, said = [], [], [], []
    for ref in rule["refs"]:
        if isinstance(ref, dict):
            values.append(ref["printed"])
            shown.append(f"{ref['printed']} ({ref['where']})")
            said.append(
                note(
                    "report.audit.twice.quoted",
                    value=_num(ref["printed"]),
                    where=note(f"report.audit.where.{rule['id']}"),
                )
            )
            continue
        entry = catalog.entry(ref)
        value = catalog.get(ref, DEFAULT_FIELD.get(entry.get("kind", ""), "n"))
        values.append(value)
        shown.append(f"{value} ({ref})")
        said.append(note("report.audit.twice.ref", value=_num(value), ref=Code(ref)))
        ids += ids_of(ref)
    ok = len({_key(v) for v in values}) == 1
    joined = said[0]
    for item in said[1:]:
        joined = note("report.audit.join.eq" if ok else "report.audit.join.vs", a=joined, b=item)
    message: Note = note("report.audit.twice.ok" if ok else "report.audit.twice.differs", values=joined)
    return [
        finding(
            rule,
            ids_of(ids),
            "consistent" if ok else "inconsistent",
            (" = " if ok else " vs ").join(shown) + (" ✓" if ok else " — different values"),
            message,
        )
    ]


def _num(value: Any) -> Any:
    return Num(value, "g") if isinstance(value, int | float) else str(value)


def _key(value: Any) -> Any:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return str(value)
