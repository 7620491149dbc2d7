"""Set-based reads of the harmonized tables, one query per table and chunk of patients.

Only the columns the mapping names are read, never from `person` (names, codes,
dates of birth) and never free text. Every row comes with its `patient_id`, the
date of its transplant (`hsct_date`), that transplant's `hsct_transplant_id` (what
relative dates point at) and `hsct_day` (0, the transplant's own day offset). A row
of a table keyed by transplant has its own transplant; any other row the patient's
first one.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Connection, func, literal_column, select, union

from etl.fhir.mapping import ADDED_COLUMNS, SOURCES
from schemas.tables import LabResult, Patient, RawRow, SourceFile, Transplant, ValueSource, metadata

NEVER_READ = {("person", "*"), ("diagnosis", "note")}


def among(column: ColumnElement[Any], patient_ids: list[int]) -> ColumnElement[bool]:
    """`column IN (ids)` with the integers written into the SQL: binding thousands of parameters
    one by one costs more than the query itself."""
    listed = ",".join(str(int(p)) for p in patient_ids) or "NULL"
    return column.op("IN")(literal_column(f"({listed})"))


def read_source(conn: Connection, table_name: str, columns: set[str], patient_ids: list[int]) -> pd.DataFrame:
    """The rows of `table_name` for these patients, with the mapped columns."""
    table = metadata.tables[table_name]
    wanted = sorted(c for c in columns - ADDED_COLUMNS if c in table.c)
    refused = [c for c in wanted if (table_name, c) in NEVER_READ] + (["*"] if (table_name, "*") in NEVER_READ else [])
    if refused:
        raise ValueError(f"the FHIR export never reads {table_name}.{refused[0]} (personal data or free text)")
    tx = Transplant.__table__
    anchor = tx.c.transplant_id.label("hsct_transplant_id")
    if table_name == "transplant":
        cols = [table.c[c] for c in wanted if c not in ("patient_id", "hsct_date")]
        stmt = select(*cols, tx.c.patient_id, tx.c.hsct_date, anchor).where(among(tx.c.patient_id, patient_ids))
    elif SOURCES[table_name] == "patient_id":
        first = (
            select(tx.c.patient_id, func.min(tx.c.hsct_date).label("hsct_date")).group_by(tx.c.patient_id).subquery()
        )
        tx1 = tx.alias("first_transplant")  # the transplant of that date (one per patient and date)
        cols = [table.c[c] for c in wanted if c != "patient_id"]
        stmt = (
            select(*cols, table.c.patient_id, first.c.hsct_date, tx1.c.transplant_id.label("hsct_transplant_id"))
            .select_from(
                table.outerjoin(first, first.c.patient_id == table.c.patient_id).outerjoin(
                    tx1, (tx1.c.patient_id == first.c.patient_id) & (tx1.c.hsct_date == first.c.hsct_date)
                )
            )
            .where(among(table.c.patient_id, patient_ids))
        )
    else:
        cols = [table.c[c] for c in wanted if c != "patient_id"]
        stmt = (
            select(*cols, tx.c.patient_id, tx.c.hsct_date, anchor)
            .select_from(table.join(tx, tx.c.transplant_id == table.c.transplant_id))
            .where(among(tx.c.patient_id, patient_ids))
        )
    result = conn.execute(stmt)
    frame = pd.DataFrame.from_records(result.fetchall(), columns=list(result.keys()))
    frame["hsct_day"] = 0
    return frame


def read_source_files(conn: Connection, patient_ids: list[int]) -> dict[int, list[str]]:
    """The names of the files each patient's rows came from (registry rows, merged fields, labs)."""
    rr, sf = RawRow.__table__, SourceFile.__table__
    parts = []
    for t in (Patient.__table__, ValueSource.__table__, LabResult.__table__):
        parts.append(
            select(t.c.patient_id, sf.c.file_name)
            .select_from(t.join(rr, rr.c.raw_row_id == t.c.raw_row_id).join(sf, sf.c.file_id == rr.c.file_id))
            .where(among(t.c.patient_id, patient_ids))
        )
    out: dict[int, list[str]] = {}
    for pid, name in conn.execute(union(*parts)).all():
        out.setdefault(int(pid), []).append(name)
    return {pid: sorted(names) for pid, names in out.items()}
