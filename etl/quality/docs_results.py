"""What the Data Docs show of a quality run's GX results: the run's name and failing values a reader can tell apart.

GX Core 1.x renders a failing check's sampled values as it finds them in the result:

* the values of a multi-column check (`file` + `registry_code`) as adjacent spans, so that
  `registry_en_20240101.csv` and `HSCT-2020-001` read `registry_en_20240101.csvHSCT-2020-001`;
* a value's leading, trailing or doubled blanks collapsed by the browser (`' ТГСК-2021-007 '` reads
  like a good code), an empty string as `EMPTY`;
* markup in a value as markup: a cell `<img src=...>` in a feed would become an image in the page
  (and a request leaving the machine);
* without the rows: the failing rows' lineage (`file`, `row`, or `raw_row_id`) is sampled with
  SUMMARY results but only drawn with COMPLETE ones.

`prepare_results` rewrites the results the context holds, just before the docs are built (the
`CheckResult`s of the run were taken from them already): each sampled value becomes one escaped text
(columns named, blanks made visible), and the sample of failing rows is given to GX's "value, count,
rows" table. Every validation is filed under the run's name (`run-2`), so that the index, the
breadcrumbs and each page's "Run Name" say which hsct run they show instead of GX's `__none__`.
"""

from __future__ import annotations

import html
import json
import math
from collections import Counter
from typing import Any

from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.resource_identifiers import ValidationResultIdentifier
from great_expectations.render.util import build_count_and_index_table

VALUE_KEY = "__value__"  # the failing value's key in the rows handed to GX (never a lineage column's name)
MISSING, EMPTY = "(missing)", "(empty)"


def shown(value: Any, columns: list[str] | None = None) -> str:
    """One failing value as the text of a table cell: HTML-escaped, never run together with another.

    A multi-column value names its columns (`file: a.csv; registry_code: X-1`); a string whose blanks
    a browser would collapse, or holding a tab or a line break, is quoted with its escapes
    (`" X-2 "`); None is `(missing)` and an empty string `(empty)`.
    """
    return html.escape(_text(value, columns), quote=False)


def _text(value: Any, columns: list[str] | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_text(v, None)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        if columns and len(columns) == len(value):
            return "; ".join(f"{c}: {_text(v, None)}" for c, v in zip(columns, value, strict=True))
        return "; ".join(_text(v, None) for v in value)
    if isinstance(value, str):
        if value == "":
            return EMPTY
        if value != value.strip() or "  " in value or any(c in value for c in "\t\r\n\f\v"):
            return json.dumps(value, ensure_ascii=False)
    return str(value)


def _domain(kwargs: dict[str, Any]) -> list[str]:
    """The columns an expectation checks (empty for a table-level one)."""
    if kwargs.get("column_list"):
        return list(kwargs["column_list"])
    return [kwargs["column"]] if kwargs.get("column") else []


def readable(result: dict[str, Any], kwargs: dict[str, Any]) -> None:
    """Rewrite one expectation's result in place for the Data Docs (see the module's docstring)."""
    domain = _domain(kwargs)
    if result.get("partial_unexpected_list"):
        result["partial_unexpected_list"] = [shown(v, domain) for v in result["partial_unexpected_list"]]
    if result.get("partial_unexpected_counts"):
        result["partial_unexpected_counts"] = [
            {**c, "value": shown(c.get("value"), domain)} for c in result["partial_unexpected_counts"]
        ]
    lineage = list(result.get("unexpected_index_column_names") or [])
    sample = result.get("partial_unexpected_index_list") or []
    if not (domain and lineage and sample) or not all(isinstance(row, dict) for row in sample):
        return
    # the value without the columns the lineage shows beside it (file + registry_code: the code)
    valued = [c for c in domain if c not in lineage] or domain
    rows = [
        {
            VALUE_KEY: shown(row.get(valued[0]) if len(valued) == 1 else [row.get(c) for c in valued], valued),
            **{c: MISSING if row.get(c) is None else html.escape(str(row.get(c)), quote=False) for c in lineage},
        }
        for row in sample
    ]
    counts = [{"value": value, "count": n} for value, n in Counter(r[VALUE_KEY] for r in rows).items()]
    try:  # what GX will draw; a sample it cannot draw keeps the plain value table
        build_count_and_index_table(
            partial_unexpected_counts=counts,
            unexpected_index_list=rows,
            unexpected_count=int(result.get("unexpected_count") or 0),
            unexpected_index_column_names=lineage,
        )
    except Exception:  # GX raises several kinds; the docs are built all the same
        return
    result["unexpected_index_list"], result["partial_unexpected_counts"] = rows, counts


def prepare_results(context: Any, run_name: str | None, done: set[tuple[str, str]]) -> None:
    """Every validation result `context` holds: failing values made readable (once: `done` records the
    results already rewritten, by suite and time), filed under `run_name`."""
    store = context.validation_results_store
    for key in store.list_keys():
        validation = store.get(key)
        mark = (key.expectation_suite_identifier.name, key.run_id.to_tuple()[1])
        if mark not in done:
            for item in validation.results:
                if item.result:
                    readable(item.result, dict(item.expectation_config.kwargs))
            done.add(mark)
        if run_name is None or key.run_id.run_name == run_name:
            store.set(key, validation)
            continue
        run = RunIdentifier(run_name=run_name, run_time=key.run_id.run_time)
        validation.meta["run_id"] = run
        renamed = ValidationResultIdentifier(
            expectation_suite_identifier=key.expectation_suite_identifier,
            run_id=run,
            batch_identifier=key.batch_identifier,
        )
        store.set(renamed, validation)
        store.remove_key(key)
