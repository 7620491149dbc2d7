"""Lineage: for any harmonized value, the source file, sheet, row and column it came from.

One query, `LINEAGE_SQL`, answers it. Parameters:

- `table_name`, `column_name`: the harmonized column (e.g. `transplant`, `donor_type_id`);
- `concept_id`: for the long tables (`complication`, `pretransplant_toxicity`,
  `drug_administration`) the row's concept (e.g. `complication/sos`), else `''`;
- `record_id`: the patient's `patient_id` for every patient-level table, the
  `lab_result_id` for `lab_result`.

It follows `field_origin` (column → record field → source field: the lineage
entries of the field catalogue, mappings/field_catalogue.yaml, loaded with the
vocabulary by `etl.load.concepts.sync_concepts`), takes the
row that provided that field (`value_source` when merging took it from another
row than the patient's own `raw_row_id`), and names the file, sheet, physical
row and the header of the source column.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Connection, select, text

from schemas.tables import FieldOrigin, Person, RawRow

LINEAGE_SQL = """
WITH target AS (
    SELECT COALESCE(vs.raw_row_id, p.raw_row_id) AS raw_row_id, fo.record_field, fo.source_field
    FROM field_origin AS fo
    JOIN patient AS p ON p.patient_id = :record_id
    LEFT JOIN value_source AS vs ON vs.patient_id = p.patient_id AND vs.field = fo.record_field
    WHERE fo.table_name = :table_name AND fo.column_name = :column_name AND fo.concept_id = :concept_id
      AND fo.table_name <> 'lab_result'
    UNION ALL
    SELECT lr.raw_row_id, fo.record_field, fo.source_field
    FROM field_origin AS fo
    JOIN lab_result AS lr ON lr.lab_result_id = :record_id
    WHERE fo.table_name = 'lab_result' AND :table_name = 'lab_result' AND fo.column_name = :column_name
)
SELECT sf.file_name, sf.sheet, rr.row_number, sc.header AS column_header,
       t.record_field, t.source_field, rr.raw_row_id
FROM target AS t
JOIN raw_row AS rr ON rr.raw_row_id = t.raw_row_id
JOIN source_file AS sf ON sf.file_id = rr.file_id
LEFT JOIN source_column AS sc ON sc.file_id = rr.file_id AND sc.field = t.source_field
"""


@dataclass(frozen=True)
class Origin:
    file_name: str
    sheet: str | None
    row_number: int
    column_header: str | None
    record_field: str
    source_field: str
    cell: str | None


def lineage(conn: Connection, table_name: str, column_name: str, record_id: int, concept_id: str = "") -> list[Origin]:
    """Where a harmonized value came from (empty when the table/column/concept is not mapped)."""
    params = {"table_name": table_name, "column_name": column_name, "record_id": record_id, "concept_id": concept_id}
    rows = conn.execute(text(LINEAGE_SQL), params).mappings().all()
    out = []
    for r in rows:
        raw = conn.execute(select(RawRow.cells).where(RawRow.raw_row_id == r["raw_row_id"])).scalar()
        cell = _cell(raw, r["column_header"])
        out.append(
            Origin(
                r["file_name"],
                r["sheet"],
                r["row_number"],
                r["column_header"],
                r["record_field"],
                r["source_field"],
                cell,
            )
        )
    return out


def patient_id_of(conn: Connection, code: str) -> int | None:
    """The patient_id of a registry code in any spelling (`ТГСК-2019-014`, `HSCT-2019-0014`), or None."""
    from etl.harmonize.identity import canonical_key

    key = canonical_key(code)
    if key is None:
        return None
    found = conn.execute(select(Person.patient_id).where(Person.patient_key == key)).scalar()
    return None if found is None else int(found)


def concepts_of(conn: Connection, table_name: str, column_name: str) -> list[str]:
    """The concepts of a long table's column (its rows), empty for a wide table."""
    fo = FieldOrigin.__table__
    rows = conn.execute(
        select(fo.c.concept_id)
        .where(fo.c.table_name == table_name, fo.c.column_name == column_name, fo.c.concept_id != "")
        .order_by(fo.c.concept_id)
    )
    return [str(c) for (c,) in rows]


def _cell(raw: object, header: str | None) -> str | None:
    cells = json.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(cells, dict) or header is None:
        return None
    return cells.get(header)
