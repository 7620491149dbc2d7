"""Great Expectations suites generated from the check catalog, one per layer x frame.

Each check type maps to one GX Core expectation; the catalog's threshold (the
percentage of rows allowed to fail) becomes `mostly`. The check id, category
and severity travel in the expectation's `meta` (results are matched back to
their check by it) and the note in its `notes`, shown in the Data Docs.
"""

from __future__ import annotations

from collections.abc import Iterable

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


def _mostly(check: Check) -> dict[str, float]:
    return {"mostly": round(1 - check.threshold / 100, 6)} if check.threshold > 0 else {}


def expectation_for(check: Check) -> gxe.Expectation:
    """The GX expectation of one catalog row."""
    meta, mostly = {"meta": _meta(check), "notes": _notes(check)}, _mostly(check)  # meta + notes: Data Docs
    kind, column = check.check_type, checked_column(check)
    if kind == "not_null":
        return gxe.ExpectColumnValuesToNotBeNull(column=column, **meta, **mostly)
    if kind == "value_set":
        return gxe.ExpectColumnValuesToBeInSet(column=column, value_set=value_set(check.argument), **meta, **mostly)
    if kind in ("rule", "foreign_key"):
        return gxe.ExpectColumnValuesToBeInSet(column=column, value_set=[True], **meta, **mostly)
    if kind == "format":
        regex = formats()["formats"].get(check.argument)  # type: ignore[attr-defined]
        if regex is None:
            raise CatalogError(f"{check.check_id}: format {check.argument!r} is not in expectations/formats.yaml")
        return gxe.ExpectColumnValuesToMatchRegex(column=column, regex=regex, **meta, **mostly)
    if kind == "type":
        types = formats()["types"].get(check.argument)  # type: ignore[attr-defined]
        if types is None:
            raise CatalogError(f"{check.check_id}: type {check.argument!r} is not in expectations/formats.yaml")
        return gxe.ExpectColumnValuesToBeInTypeList(column=column, type_list=list(types), **meta, **mostly)
    if kind == "range":
        low, high = parse_bounds(check.argument)
        return gxe.ExpectColumnValuesToBeBetween(column=column, min_value=low, max_value=high, **meta, **mostly)
    if kind == "unique":
        if len(check.columns) > 1:
            return gxe.ExpectCompoundColumnsToBeUnique(column_list=check.columns, **meta, **mostly)
        return gxe.ExpectColumnValuesToBeUnique(column=column, **meta, **mostly)
    if kind == "row_count":
        low, high = parse_bounds(check.argument)
        return gxe.ExpectTableRowCountToBeBetween(
            min_value=None if low is None else int(low), max_value=None if high is None else int(high), **meta
        )
    raise CatalogError(f"{check.check_id}: unknown check type {kind!r}")


def build_suites(checks: Iterable[Check]) -> dict[str, gx.ExpectationSuite]:
    """suite name (`<layer>.<frame>`) → an ExpectationSuite holding that frame's checks, in catalog order."""
    suites: dict[str, gx.ExpectationSuite] = {}
    for check in checks:
        suite = suites.setdefault(check.suite, gx.ExpectationSuite(name=check.suite))
        suite.expectations.append(expectation_for(check))
    return suites
