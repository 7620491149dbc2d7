"""Compare databases by content: every table's rows, in key order."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from etl.db import make_engine
from schemas.tables import metadata

# grow with every run
BOOKKEEPING = {
    "etl_run", "run_file", "run_change", "run_quarantine", "quality_run", "quality_result", "batch_publication",
}  # fmt: skip
RUN_NUMBERS = {"run_id", "changed_run_id", "deleted_run_id"}


def snapshot(url_or_engine: str | Engine, ignore_run_numbers: bool = False) -> dict[str, list[dict[str, Any]]]:
    engine = make_engine(url_or_engine) if isinstance(url_or_engine, str) else url_or_engine
    out: dict[str, list[dict[str, Any]]] = {}
    try:
        with engine.connect() as conn:
            for table in metadata.sorted_tables:
                if table.name in BOOKKEEPING:
                    continue
                rows = conn.execute(select(table).order_by(*table.primary_key.columns)).mappings().all()
                out[table.name] = [
                    {k: v for k, v in r.items() if not (ignore_run_numbers and k in RUN_NUMBERS)} for r in rows
                ]
    finally:
        if isinstance(url_or_engine, str):
            engine.dispose()
    return out
