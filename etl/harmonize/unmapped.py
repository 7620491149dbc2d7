"""`hsct mappings unmapped`: every header and coded value of a folder's feed files
that no mapping knows (and headers naming a field twice), with counts and an example file + row, so a data manager
can extend mappings/ without reading Python.

Files are read by the extract stage (`etl.extract.read_folder`). Checked: every
header; every field whose parser is `code`, `boolean` or `grade` (by its domain),
the words of `mrd` cells, and coded lab results (`потеря` / `no loss`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from etl.extract import ROW_NUMBER, RawTable, read_folder
from etl.harmonize.normalize import normalize_text
from etl.harmonize.parse_codes import parse_code, parse_mrd
from etl.harmonize.parse_labs import parse_lab_value
from etl.harmonize.result import UNMAPPED_VALUE
from etl.harmonize.vocab import Vocabulary, load_vocabulary, lookup
from etl.paths import MAPPINGS_DIR

COLUMNS = ["kind", "feed", "field", "domain", "value", "count", "example_file", "example_row"]
_LOOKUP_DEFAULT_DOMAIN = {"boolean": "boolean", "grade": "grade"}


@dataclass
class UnmappedReport:
    """`items`: one row per unknown header or value (COLUMNS); `unreadable`: (file, reason)."""

    items: pd.DataFrame
    unreadable: list[tuple[str, str]]
    files: int

    @property
    def empty(self) -> bool:
        return bool(self.items.empty)


def _header_items(table: RawTable, vocab: Vocabulary) -> tuple[list[dict[str, object]], dict[str, str]]:
    """Unknown headers, and column label -> field for the known ones."""
    index = vocab.header_index(table.feed)
    items: list[dict[str, object]] = []
    fields: dict[str, str] = {}
    for header, column in zip(table.headers, table.columns, strict=False):
        field = index.match(header)
        if field is None:
            items.append({"kind": "header", "feed": table.feed, "field": "", "domain": "", "value": header,
                          "count": 1, "example_file": table.name, "example_row": table.header_row})  # fmt: skip
        elif field in fields.values():
            items.append({"kind": "duplicate_header", "feed": table.feed, "field": field, "domain": "",
                          "value": header, "count": 1, "example_file": table.name,
                          "example_row": table.header_row})  # fmt: skip
        else:
            fields[column] = field
    return items, fields


def _value_items(table: RawTable, fields: dict[str, str], vocab: Vocabulary) -> list[pd.DataFrame]:
    types = vocab.field_types_for(table.feed)
    rows = table.rows
    found: list[pd.DataFrame] = []
    by_field = {f: c for c, f in fields.items()}
    for column, field in fields.items():
        spec = types.get(field, {})
        parser, domain = spec.get("parser"), spec.get("domain") or _LOOKUP_DEFAULT_DOMAIN.get(spec.get("parser", ""))
        cells = rows[column]
        if parser in ("code", "boolean", "grade") and domain:
            bad = lookup(cells, domain, vocab).unmapped
        elif parser == "mrd":
            domain = "mrd_status"
            bad = parse_mrd(cells, vocab=vocab).errors == UNMAPPED_VALUE
        elif parser == "lab_value" and "test" in by_field:
            tests = parse_code(rows[by_field["test"]], "lab_test", vocab=vocab).values
            units = rows[by_field["unit"]] if "unit" in by_field else pd.Series(None, index=rows.index, dtype=object)
            domain = "lab result"
            result = parse_lab_value(cells, units, tests, vocab=vocab)
            bad = (result.errors == UNMAPPED_VALUE) & result.code.isna() & tests.notna()
        else:
            continue
        if bad.any():
            found.append(pd.DataFrame({"kind": "value", "feed": table.feed, "field": field, "domain": domain,
                                       "value": cells[bad].astype(str), "example_file": table.name,
                                       "example_row": rows.loc[bad, ROW_NUMBER]}))  # fmt: skip
    return found


def find_unmapped(source: Path, folder: Path = MAPPINGS_DIR) -> UnmappedReport:
    """Every unknown header and coded value of the feed files in `source`."""
    vocab = load_vocabulary(folder)
    tables, errors = read_folder(source, vocab.header_rule)
    parts: list[pd.DataFrame] = []
    for table in tables:
        headers, fields = _header_items(table, vocab)
        if headers:
            parts.append(pd.DataFrame(headers))
        parts.extend(_value_items(table, fields, vocab))
    unreadable = [(e.path.name, e.reason) for e in errors]
    if not parts:
        return UnmappedReport(pd.DataFrame(columns=COLUMNS), unreadable, len(tables))
    raw = pd.concat(parts, ignore_index=True)
    raw["count"] = raw.get("count", pd.Series(1, index=raw.index)).fillna(1).astype(int)
    raw["key"] = raw["value"].map(normalize_text)
    grouped = raw.groupby(["kind", "feed", "field", "domain", "key"], sort=True, dropna=False)
    items = grouped.agg(
        value=("value", "first"),
        count=("count", "sum"),
        example_file=("example_file", "first"),
        example_row=("example_row", "first"),
    ).reset_index()
    items = items.sort_values(["kind", "feed", "field", "count"], ascending=[True, True, True, False])
    return UnmappedReport(items[COLUMNS].reset_index(drop=True), unreadable, len(tables))
