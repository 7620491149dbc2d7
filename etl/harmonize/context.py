"""What a file's cells are parsed against: its decimal marks, its date system, today; the cells of a
field read from several columns; and the length limits the database puts on text values.

- Decimal marks (`parse_numbers`): a feed with a declared mark (`mappings/feeds.yaml`: registry_ru
  ",", registry_en ".") is read with it; a feed declared `evidence` (labs) is read with the marks its
  own number cells prove (`decimal_evidence`), or none when they prove none (then `1,500` is
  `ambiguous_number`); cells Excel typed (.xlsx) are rendered with a point and read with either.
- Date system (`parse_dates`): an .xlsx file's own (1900 or 1904) for serial day numbers; a CSV file
  has none, so a serial day number there is `ambiguous_date`.
- Text limits: a value longer than its column (`value_too_long`) is quarantined here, so that both
  databases give the same outcome (PostgreSQL refuses an overlong VARCHAR, SQLite stores it).
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

import pandas as pd
from sqlalchemy import String

from etl.extract import RawTable
from etl.extract.feeds import feed_text
from etl.harmonize.catalogue import load_catalogue
from etl.harmonize.columns import ColumnMap, IssueCollector, repeated_cells
from etl.harmonize.field_origin import read_field_origins
from etl.harmonize.identity import patient_keys
from etl.harmonize.parse import parse_field, parse_text
from etl.harmonize.parse_dates import EXCEL_EPOCHS
from etl.harmonize.parse_numbers import decimal_evidence
from etl.harmonize.vocab import Vocabulary
from etl.performance import each_distinct
from schemas.tables import metadata

VALUE_TOO_LONG = "value_too_long"
NUMBER_PARSERS = frozenset({"decimal", "percent", "comparator", "mrd", "dose_list", "lab_value"})


def parse_context(table: RawTable, vocab: Vocabulary, today: dt.date | None) -> dict[str, Any]:
    """The keyword context of `parse_field` for this file (module docstring)."""
    excel = table.cell_origin == "excel"
    declared = feed_text(table.feed).decimal
    if excel:
        decimal = None
    elif declared == "evidence":
        decimal = _file_evidence(table, vocab)
    else:
        decimal = declared
    epoch = EXCEL_EPOCHS[table.date_system or 1900] if excel else None
    return {"vocab": vocab, "decimal": decimal, "today": today, "excel_epoch": epoch}


def _file_evidence(table: RawTable, vocab: Vocabulary) -> str | None:
    """The marks proved by the cells of the file's number columns (`decimal_evidence`)."""
    index = vocab.header_index(table.feed)
    specs = vocab.field_types_for(table.feed)
    labels = [
        label
        for position, label in enumerate(table.columns)
        if (field := index.match(table.headers[position] if position < len(table.headers) else label)) is not None
        and specs.get(field, {}).get("parser") in NUMBER_PARSERS
    ]
    if not labels:
        return None
    return decimal_evidence(pd.concat([table.rows[label] for label in labels], ignore_index=True))


def field_cells(
    table: RawTable,
    columns: ColumnMap,
    source: str,
    issues: IssueCollector,
    specs: dict[str, dict[str, str]],
    context: dict[str, Any],
) -> pd.Series:
    """The cells a field is parsed from: its column's, or, when several columns map to it, each row's
    first non-empty cell, rows where the columns disagree quarantined (`columns.repeated_cells`)."""
    rows = table.rows
    label = columns.labels.get(source)
    if label is None:
        return pd.Series(None, index=rows.index, dtype=object)
    if source not in columns.extra:
        return rows[label]
    spec = specs[source]

    def read(cells: pd.Series) -> pd.Series | pd.DataFrame:
        if source == "registry_code":  # ТГСК-2019-014 and HSCT-2019-014 name one patient
            return patient_keys(parse_text(cells).values)
        return parse_field(cells, spec, **context).values

    return repeated_cells(table, columns, source, issues, read)


@cache
def text_limits() -> tuple[tuple[str, str, int], ...]:
    """(record field, source field, characters) for every record field of text taken from a cell (not a
    concept key of the mappings) that is stored in a VARCHAR(n) column."""
    origins = read_field_origins()
    coded = {name for feed in load_catalogue().feeds for name in load_catalogue().coded_fields(feed.name)}
    out = []
    for row in origins.itertuples(index=False):
        column = metadata.tables[row.table_name].c[row.column_name]
        if row.record_field not in coded and isinstance(column.type, String) and column.type.length:
            out.append((row.record_field, row.source_field, int(column.type.length)))
    return tuple(sorted(set(out)))


def reject_too_long(records: pd.DataFrame, issues: IssueCollector) -> None:
    """Quarantine rows holding a text value longer than its database column allows."""
    for record_field, source_field, limit in text_limits():
        if record_field not in records:
            continue
        values = records[record_field]
        if values.dtype != object and not pd.api.types.is_string_dtype(values):
            continue
        lengths = pd.Series(each_distinct(values, lambda v: [len(str(x)) for x in v], missing=0), index=values.index)
        long = (lengths > limit).fillna(False).astype(bool)
        if long.any():
            message = (
                "'"
                + values[long].astype(str)
                + "' is "
                + lengths[long].astype(int).astype(str)
                + f" characters long; the registry keeps at most {limit} for {record_field}: correct it in the source"
            )
            mask = pd.Series(False, index=issues.table.rows.index)
            mask[long[long].index] = True
            issues.add(mask, source_field, VALUE_TOO_LONG, message.reindex(mask.index))


__all__ = ["VALUE_TOO_LONG", "field_cells", "parse_context", "reject_too_long", "text_limits"]
