"""The data the checks run on, as pandas frames with their lineage columns.

* raw layer: the night's RawTables, headers mapped to field names (values
  untouched), registry files stacked into `registry`, lab files into `labs`,
  each row named by `file` and `row`;
* harmonized layer: a table of the schema (only the columns the checks read,
  plus `raw_row_id`), or a derived frame of `etl.quality.rules`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Connection, Date, case, exists, select

from etl.extract import ROW_NUMBER, RawTable
from etl.harmonize.columns import ColumnMap, map_columns
from etl.harmonize.vocab import Vocabulary
from etl.quality.catalog import CatalogError, Check
from etl.quality.read import read_frame, typed_dates
from etl.quality.rules import LINEAGE, TRANSFORMS
from etl.quality.suites import fk_column
from schemas.tables import metadata

RAW_LINEAGE = ["file", "row"]


@dataclass
class Frame:
    data: pd.DataFrame
    lineage: list[str]


def _needed(checks: Iterable[Check]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for check in checks:
        columns = out.setdefault(check.frame, set())
        columns.update(check.columns)
    return out


def raw_part(table: RawTable, columns: ColumnMap, vocab: Vocabulary, checks: list[Check]) -> tuple[str, pd.DataFrame]:
    """One file's share of its raw frame: the frame's name and the cells the raw checks read.

    The readers make equal cells of a column one string object (`etl.extract.table.cell_block`),
    so that the part travels from a worker process (`etl.run.prepare`) as small as its distinct
    values. A file without a patient-code column is refused whole (every row quarantined
    `missing_patient_code`, the night's other files load): it adds no row to the raw frame, whose
    checks are about the rows the night reads. `columns`: the harmonizer's column map of the
    table (its headers are mapped once per file, by the harmonize stage).
    """
    name = vocab.header_index(table.feed).name  # the catalogue feed: registry_ru, registry_en -> registry
    wanted = _needed(c for c in checks if c.layer == "raw").get(name, set()) - {"file"}
    rows = table.rows if "registry_code" in columns.labels else table.rows.iloc[:0]
    picked = {field: rows[label] for field, label in columns.labels.items() if field in wanted}
    frame = pd.DataFrame(picked, index=rows.index)
    frame["file"], frame["row"] = table.name, rows[ROW_NUMBER].astype(int)
    return name, frame


def stack_raw_parts(parts: Iterable[tuple[str, pd.DataFrame]], checks: list[Check]) -> dict[str, Frame]:
    """The night's raw frames by field: `registry` and `labs` (a frame only when its feed came)."""
    needed = _needed(c for c in checks if c.layer == "raw")
    stacked: dict[str, list[pd.DataFrame]] = {}
    for name, frame in parts:
        stacked.setdefault(name, []).append(frame)
    out = {}
    for name, frames in stacked.items():
        data = pd.concat(frames, ignore_index=True)
        for column in needed.get(name, set()) - set(data.columns):
            data[column] = pd.Series(None, index=data.index, dtype=object)  # a column no file had: all missing
        out[name] = Frame(data, RAW_LINEAGE)
    return out


def raw_frames(tables: Iterable[RawTable], vocab: Vocabulary, checks: list[Check]) -> dict[str, Frame]:
    """The night's RawTables as raw frames (see `stack_raw_parts`), their headers mapped here: for the
    raw checks alone (`QualityCheck.raw`), when no harmonizer mapped them."""
    return stack_raw_parts((raw_part(t, map_columns(t, vocab), vocab, checks) for t in tables), checks)


def _lineage(name: str) -> list[str]:
    """A table's lineage column: its source row, else its primary key (person has no source row of its own)."""
    table = metadata.tables[name]
    return ["raw_row_id"] if "raw_row_id" in table.c else [c.name for c in table.primary_key.columns]


def _table_frame(conn: Connection, name: str, columns: set[str], checks: list[Check]) -> pd.DataFrame:
    """Only the columns the checks read; a foreign_key check's flag is an EXISTS computed by the database."""
    table = metadata.tables[name]
    unknown = columns - set(table.c.keys())
    if unknown:
        raise CatalogError(f"frame {name}: no column {', '.join(sorted(unknown))}")
    selected: list[ColumnElement[Any]] = [table.c[c] for c in sorted(columns | set(_lineage(name)))]
    for check in checks:
        if check.check_type == "foreign_key":
            parent_table, parent_column = check.argument.split(".", 1)
            parent = metadata.tables[parent_table].c[parent_column]
            found = exists().where(parent == table.c[check.field])
            selected.append(
                case((table.c[check.field].is_(None), True), (found, True), else_=False).label(fk_column(check))
            )
    data = read_frame(conn, select(*selected))
    for check in checks:
        if check.check_type == "foreign_key":
            data[fk_column(check)] = data[fk_column(check)].astype(bool)  # SQLite answers 0/1
        elif check.check_type == "type":
            column = data[check.field].astype(object)  # per-value types, not the column's dtype
            if isinstance(table.c[check.field].type, Date):
                column = typed_dates(column)  # SQLite stores dates as text
            data[check.field] = column
    return data


def harmonized_frames(
    conn: Connection, checks: list[Check], run_id: int | None, only: Collection[str] | None = None
) -> dict[str, Frame]:
    """Every harmonized frame the catalog names (`only`: those of these names), read through `conn`
    (so inside the run's savepoint)."""
    mine = [c for c in checks if c.layer == "harmonized" and (only is None or c.frame in only)]
    out: dict[str, Frame] = {}
    for name, columns in _needed(mine).items():
        if name in TRANSFORMS:
            out[name] = Frame(TRANSFORMS[name](conn, run_id), LINEAGE.get(name, ["raw_row_id"]))
        elif name in metadata.tables:
            frame_checks = [c for c in mine if c.frame == name]
            data = _table_frame(conn, name, columns, frame_checks)
            out[name] = Frame(data, _lineage(name))
        else:
            raise CatalogError(f"frame {name!r} is neither a table nor a transform of etl.quality.rules")
    return out
