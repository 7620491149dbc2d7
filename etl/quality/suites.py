"""Great Expectations suites generated from the check catalog, one per layer x frame.

Each check type maps to one GX Core expectation; the catalog's threshold (the
percentage of rows allowed to fail) becomes `mostly`. The check id, category
and severity travel in the expectation's `meta` (results are matched back to
their check by it) and the note in its `notes`, shown in the Data Docs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypedDict

import great_expectations as gx
import great_expectations.expectations as gxe

from etl.quality.catalog import CatalogError, Check, formats, parse_bounds, value_set


def fk_column(check: Check) -> str:
    """The derived column of a foreign_key check: True where the value is found in the parent column."""
    return f"{check.field}_in_{check.argument.replace('.', '_')}"


def checked_column(check: Check) -> str | None:
    """The frame column the expectation reads (None for table-level checks)."""
    if check.check_type == "foreign_key":
        return fk_column(check)
    if check.check_type == "row_count":
        return None
    return check.columns[0]


class _Common(TypedDict, total=False):
    """The keyword arguments every expectation of the catalog takes; `mostly` only when the check has a threshold."""

    meta: dict[str, object]
    notes: str
    mostly: float


def _meta(check: Check) -> dict[str, object]:
    return {
        "check_id": check.check_id,
        "category": check.category,
        "severity": check.severity,
        "threshold_percent": check.threshold,
    }


def _notes(check: Check) -> str:
    """Shown under the expectation in the Data Docs."""
    allowed = f"; up to {check.threshold:g}% of rows may fail" if check.threshold else ""
    return f"**{check.severity}** {check.category} check `{check.check_id}`{allowed}: {check.note}"


def _common(check: Check) -> _Common:
    """meta + notes (read back by the runner and shown in the Data Docs), and `mostly` from the threshold."""
    common = _Common(meta=_meta(check), notes=_notes(check))
    if check.threshold > 0:
        common["mostly"] = round(1 - check.threshold / 100, 6)
    return common


def expectation_for(check: Check) -> gxe.Expectation:
    """The GX expectation of one catalog row."""
    kind = check.check_type
    if kind == "row_count":
        low, high = parse_bounds(check.argument)
        return gxe.ExpectTableRowCountToBeBetween(
            min_value=None if low is None else int(low),
            max_value=None if high is None else int(high),
            meta=_meta(check),
            notes=_notes(check),
        )
    column, common = fk_column(check) if kind == "foreign_key" else check.columns[0], _common(check)
    if kind == "not_null":
        return gxe.ExpectColumnValuesToNotBeNull(column=column, **common)
    if kind == "value_set":
        return gxe.ExpectColumnValuesToBeInSet(column=column, value_set=value_set(check.argument), **common)
    if kind in ("rule", "foreign_key"):
        return gxe.ExpectColumnValuesToBeInSet(column=column, value_set=[True], **common)
    if kind == "format":
        regex = formats()["formats"].get(check.argument)
        if regex is None:
            raise CatalogError(f"{check.check_id}: format {check.argument!r} is not in expectations/formats.yaml")
        return gxe.ExpectColumnValuesToMatchRegex(column=column, regex=regex, **common)
    if kind == "type":
        types = formats()["types"].get(check.argument)
        if types is None:
            raise CatalogError(f"{check.check_id}: type {check.argument!r} is not in expectations/formats.yaml")
        return gxe.ExpectColumnValuesToBeInTypeList(column=column, type_list=list(types), **common)
    if kind == "range":
        low, high = parse_bounds(check.argument)
        return gxe.ExpectColumnValuesToBeBetween(column=column, min_value=low, max_value=high, **common)
    if kind == "unique":
        if len(check.columns) > 1:
            return gxe.ExpectCompoundColumnsToBeUnique(column_list=check.columns, **common)
        return gxe.ExpectColumnValuesToBeUnique(column=column, **common)
    raise CatalogError(f"{check.check_id}: unknown check type {kind!r}")


def build_suites(checks: Iterable[Check]) -> dict[str, gx.ExpectationSuite]:
    """suite name (`<layer>.<frame>`) → an ExpectationSuite holding that frame's checks, in catalog order."""
    suites: dict[str, gx.ExpectationSuite] = {}
    for check in checks:
        suite = suites.setdefault(check.suite, gx.ExpectationSuite(name=check.suite))
        suite.expectations.append(expectation_for(check))
    return suites
