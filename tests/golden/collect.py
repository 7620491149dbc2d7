"""What a golden scenario produced, as plain structures: harmonized tables, quarantine, run summary, FHIR.

After `hsct run` on a new database and `hsct export fhir --format ndjson --partner demo`, this module
reads the outcome into values that do not depend on the database kind or on the run's bookkeeping:

* `tables(engine)` -> {table: Table}: every clinical table (plus `person`, the lineage tables
  `value_source` and `merge_conflict`, and `source_column`), one row per database row, cells as
  text (`cell_text`). Surrogate ids are replaced by natural keys: `patient` = registry-code digits
  (`2023-001`), `transplant` = `<patient>@<hsct_date>`, `therapy` = `<patient>@<start_date>/<regimen>`,
  `source_file` = its file name, and every `raw_row_id` by `<file name>:<physical row>` (lineage is
  pinned, not dropped). Dropped as bookkeeping: the table's own autoincrement id, every column that
  names a run (`changed_run_id`, `run_id`). Columns keep the schema's order, key columns first;
  rows are sorted by the natural key (the primary or first unique key after that replacement).
* `quarantine(engine)` -> Table of (file, row, column, raw_value, reason, message).
* `run_summary(engine, exit_code)` -> dict: the exit code, run status and publication, the row
  accounting of the run and of each file (with what extract detected: format, encoding, delimiter,
  sheet, header row), and the quality checks that failed (the number of checks that exist is not
  the scenario's behaviour and is left out).
* `fhir(folder)` -> {name: JSON value}: `<ResourceType>` -> the resources of every NDJSON part,
  sorted by id; `manifest` -> the Bulk Data manifest. RUN_DEPENDENT lists the only values replaced.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, UniqueConstraint, select

import schemas.tables as model

# The tables pinned, in this order. A table of the schema with a lineage column (raw_row_id) that
# is missing here fails the test (test_every_lineage_table_is_pinned): a new table needs a golden.
TABLES = (
    "person", "patient", "diagnosis", "transplant", "bridging_therapy", "drug_administration",
    "disease_assessment", "pretransplant_toxicity", "recovery", "complication", "relapse", "dli",
    "follow_up", "lab_result", "value_source", "merge_conflict", "source_column",
)  # fmt: skip
RUN_COLUMNS_FK = "etl_run"  # a column referring to a run is bookkeeping: dropped
NULL = ""  # how a NULL cell is written
EMPTY = "<empty string>"  # how a non-NULL empty text is written (never ambiguous with NULL)
EXPORT_TIME = "<export time>"
# (resource type or "manifest", key): values that change with the clock of the export, each replaced
# by EXPORT_TIME when (and only when) it is an ISO date-time. Nothing else is ignored.
RUN_DEPENDENT = (("Provenance", "recorded"), ("manifest", "transactionTime"))


@dataclass
class Rows:
    """A table as compared: column names, the first `key` of them the natural key; rows of cell text."""

    columns: list[str]
    key: int
    rows: list[list[str]]


def cell_text(value: Any) -> str:
    """One cell as text, the same for SQLite and PostgreSQL: NULL -> '', booleans true/false, dates and
    date-times ISO (UTC, no offset), floats by repr, everything else str()."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        stamp: dt.datetime = value if value.tzinfo is None else value.astimezone(dt.UTC).replace(tzinfo=None)
        return stamp.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    text = str(value)
    return text if text else EMPTY


def natural_order(row: list[str]) -> list[tuple[int, int, str]]:
    """A sort key of a row of cell text: whole numbers by value (row 10 after row 9), the rest as text."""
    return [(0, int(c), "") if c.isdigit() else (1, 0, c) for c in row]


class _Keys:
    """Natural keys of the surrogate ids, read once from the database."""

    def __init__(self, engine: Engine) -> None:
        with engine.connect() as conn:
            self.patient = dict(conn.execute(select(model.Person.patient_id, model.Person.patient_key)).all())
            self.file = dict(conn.execute(select(model.SourceFile.file_id, model.SourceFile.file_name)).all())
            self.raw_row = {
                rid: f"{self.file.get(fid, fid)}:{row}"
                for rid, fid, row in conn.execute(
                    select(model.RawRow.raw_row_id, model.RawRow.file_id, model.RawRow.row_number)
                ).all()
            }
            self.transplant = {
                tid: f"{self.patient.get(pid, pid)}@{cell_text(day)}"
                for tid, pid, day in conn.execute(
                    select(model.Transplant.transplant_id, model.Transplant.patient_id, model.Transplant.hsct_date)
                ).all()
            }
            t = model.BridgingTherapy
            self.therapy = {
                tid: f"{self.patient.get(pid, pid)}@{cell_text(day)}/{regimen}"
                for tid, pid, day, regimen in conn.execute(
                    select(t.therapy_id, t.patient_id, t.start_date, t.regimen_id)
                ).all()
            }

    def by_target(self, target: str) -> tuple[str, dict[Any, str]] | None:
        """(new column name suffix, id -> key) for a referenced table, or None when not replaced."""
        return {
            "patient": ("patient", self.patient),
            "transplant": ("transplant", self.transplant),
            "bridging_therapy": ("therapy", self.therapy),
            "raw_row": ("raw_row", self.raw_row),
            "source_file": ("source_file", self.file),
        }.get(target)


def _plan(table: Table, keys: _Keys) -> list[tuple[str, str, dict[Any, str] | None]]:
    """(source column, output name, id -> key map or None) for each kept column, in the schema's order."""
    plan: list[tuple[str, str, dict[Any, str] | None]] = []
    own = {"patient": ("patient", keys.patient), "transplant": ("transplant", keys.transplant),
           "bridging_therapy": ("therapy", keys.therapy)}  # fmt: skip
    for col in table.columns:
        targets = {fk.column.table.name for fk in col.foreign_keys}
        if RUN_COLUMNS_FK in targets:
            continue
        if col.primary_key and not targets and col.autoincrement is not False and len(table.primary_key) == 1:
            if table.name in own and col.type.python_type is int:
                plan.append((col.name, *own[table.name]))
            elif col.type.python_type is int:
                continue  # a surrogate id of its own: no meaning outside this database
            else:
                plan.append((col.name, col.name, None))
            continue
        replaced = next((keys.by_target(t) for t in sorted(targets) if keys.by_target(t)), None)
        if replaced is None:
            plan.append((col.name, col.name, None))
        else:
            _suffix, ids = replaced
            plan.append((col.name, col.name[: -len("_id")] if col.name.endswith("_id") else col.name, ids))
    return plan


def _key_columns(table: Table, plan: list[tuple[str, str, dict[Any, str] | None]]) -> list[str]:
    """The output names of the natural key: the primary key if no column of it was dropped, else the
    widest unique key (a lineage column is no key), else every column."""
    kept = {src: out for src, out, _ in plan}
    uniques = sorted(
        ([c.name for c in u.columns] for u in table.constraints if isinstance(u, UniqueConstraint)),
        key=lambda cols: (-len(cols), cols),  # a composite key before a single column; never set order
    )
    for cols in [[c.name for c in table.primary_key.columns], *uniques]:
        lineage = any(fk.column.table.name == "raw_row" for c in cols for fk in table.c[c].foreign_keys)
        if cols and not lineage and all(c in kept for c in cols):
            return [kept[c] for c in cols]
    return [out for _, out, _ in plan]


def table_rows(engine: Engine, name: str, keys: _Keys | None = None) -> Rows:
    """One table of TABLES as compared (see the module doc)."""
    keys = keys or _Keys(engine)
    table = model.metadata.tables[name]
    plan = _plan(table, keys)
    key = _key_columns(table, plan)
    columns = key + [out for _, out, _ in plan if out not in key]
    order = [next(i for i, (_, out, _) in enumerate(plan) if out == c) for c in columns]
    with engine.connect() as conn:
        records = conn.execute(select(*[table.c[src] for src, _, _ in plan])).all()
    rows = []
    for record in records:
        cells = [cell_text(ids.get(v, v) if ids is not None and v is not None else v) for v, (_, _, ids) in zip(
            record, plan, strict=True)]
        rows.append([cells[i] for i in order])
    return Rows(columns, len(key), sorted(rows, key=natural_order))


def tables(engine: Engine) -> dict[str, Rows]:
    keys = _Keys(engine)
    return {name: table_rows(engine, name, keys) for name in TABLES}


def quarantine(engine: Engine) -> Rows:
    """Every quarantine row: file, row, column, raw value, reason code and message, sorted."""
    q, sf = model.Quarantine, model.SourceFile
    stmt = select(sf.file_name, q.row_number, q.column_name, q.raw_value, q.reason_code, q.message).join(
        sf, sf.file_id == q.file_id
    )
    with engine.connect() as conn:
        rows = [[cell_text(v) for v in r] for r in conn.execute(stmt).all()]
    rows.sort(key=natural_order)
    return Rows(["file", "row", "column", "raw_value", "reason", "message"], 3, rows)


def run_summary(engine: Engine, exit_code: int) -> dict[str, Any]:
    """The run's outcome and accounting (see the module doc); one run per scenario."""
    from schemas.quality import BatchPublication, QualityResult, QualityRun

    r, rf, sf = model.EtlRun, model.RunFile, model.SourceFile
    with engine.connect() as conn:
        runs = conn.execute(select(r.status, r.rows_in, r.rows_loaded, r.rows_merged, r.rows_quarantined)).all()
        assert len(runs) == 1, f"a golden scenario is one run, the database holds {len(runs)}"
        status, rows_in, loaded, merged, quarantined = runs[0]
        publication = conn.execute(select(BatchPublication.status)).scalars().all()
        files = conn.execute(
            select(rf.file_name, rf.status, rf.error, rf.rows_in, rf.rows_loaded, rf.rows_merged,
                   rf.rows_quarantined, sf.feed, sf.format, sf.encoding, sf.delimiter, sf.sheet, sf.header_row)
            .outerjoin(sf, sf.file_id == rf.file_id).order_by(rf.file_name)
        ).mappings().all()  # fmt: skip
        quality = conn.execute(
            select(QualityRun.trigger, QualityRun.success, QualityRun.blocking_failures, QualityRun.warning_failures)
        ).mappings().all()
        failed = conn.execute(
            select(QualityResult.check_id, QualityResult.severity, QualityResult.frame, QualityResult.field,
                   QualityResult.element_count, QualityResult.unexpected_count)
            .where(QualityResult.success.is_(False))
            .order_by(QualityResult.check_id, QualityResult.frame, QualityResult.field)
        ).mappings().all()  # fmt: skip
    return {
        "exit_code": exit_code,
        "status": status,
        "publication": publication,
        "rows": {"in": rows_in, "loaded": loaded, "merged": merged, "quarantined": quarantined},
        "files": [dict(f) for f in files],
        "quality_runs": [dict(q) for q in quality],
        "quality_failed": [dict(f) for f in failed],
    }


def _is_datetime(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        return False
    return "T" in value


def _stamp(name: str, doc: dict[str, Any]) -> dict[str, Any]:
    for kind, key in RUN_DEPENDENT:
        if kind == name and _is_datetime(doc.get(key)):
            doc[key] = EXPORT_TIME
    return doc


def fhir(folder: Path) -> dict[str, Any]:
    """The export folder as compared: resources by type (sorted by id) and the manifest."""
    by_type: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(folder.glob("*.ndjson")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                res = json.loads(line)
                by_type.setdefault(res["resourceType"], []).append(_stamp(res["resourceType"], res))
    out: dict[str, Any] = {t: sorted(rs, key=lambda r: r.get("id", "")) for t, rs in sorted(by_type.items())}
    manifest = folder / "manifest.json"
    if manifest.is_file():
        out["manifest"] = _stamp("manifest", json.loads(manifest.read_text(encoding="utf-8")))
    return out
