"""A database's harmonized content in terms that do not depend on the path that made it.

Two databases that hold the same night — one loaded night after night, one
loaded from empty — number their patients, transplants, raw rows and files
differently. Compared here by what the numbers stand for:

    patient_id                         → the patient's key (person.patient_key)
    transplant_id, therapy_id          → its patient's key and its place among that patient's
    raw_row_id of a harmonized table   → (feed, date system, cells text): what the source row
                                         holds (lineage follows content: etl.load.sync)
    raw_row_id elsewhere (quarantine,  → (sha-256 of its file, row number): the stored cell
      kept_/discarded_ of a conflict)
    file_id                            → the file's sha-256
    run numbers, surrogate ids         → left out (rows are compared sorted by content)

`harmonized` gives every table a night's load makes (the clinical tables, person,
lab_result, value_source, the vocabulary), row by row; `tonights_quarantine` the
rows the last run quarantined; `conflicts_of` the merge conflicts between rows of
the given files. The raw layer, the run bookkeeping and the tombstones
(deleted_patient) are history, which the two databases do not share.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
from sqlalchemy import Engine, text

from schemas.tables import metadata

HISTORY = {
    "etl_run", "run_file", "run_change", "run_quarantine", "quality_run", "quality_result", "batch_publication",
    "source_file", "source_column", "raw_row", "deleted_patient", "quarantine", "merge_conflict",
    "export_batch", "export_ledger", "export_partner", "export_push", "patient_record_digest",
}  # fmt: skip
RUN_NUMBERS = {"run_id", "changed_run_id", "deleted_run_id"}
SURROGATE = {"lab_result_id", "administration_id", "conflict_id", "quarantine_id"}
RAW_ROWS = {"raw_row_id", "kept_raw_row_id", "discarded_raw_row_id"}


class _Names:
    """What a database's numbers stand for."""

    def __init__(self, engine: Engine) -> None:
        with engine.connect() as conn:
            person = pd.read_sql(text("SELECT patient_id, patient_key FROM person"), conn)
            transplant = pd.read_sql(text("SELECT transplant_id, patient_id FROM transplant"), conn)
            therapy = pd.read_sql(text("SELECT therapy_id, patient_id FROM bridging_therapy"), conn)
            raw = pd.read_sql(
                text(
                    "SELECT r.raw_row_id, f.checksum_sha256, r.row_number, f.feed, f.date_system, r.cells "
                    "FROM raw_row r JOIN source_file f ON f.file_id = r.file_id"
                ),
                conn,
            )
            files = pd.read_sql(text("SELECT file_id, checksum_sha256 FROM source_file"), conn)
        self.patient = dict(zip(person["patient_id"], person["patient_key"], strict=True))
        self.transplant = self._ranked(transplant, "transplant_id")
        self.therapy = self._ranked(therapy, "therapy_id")
        self.raw = {
            int(i): f"{c}:{n}"
            for i, c, n in zip(raw["raw_row_id"], raw["checksum_sha256"], raw["row_number"], strict=True)
        }
        self.content = {
            int(i): f"{feed}|{system}|{cells}"
            for i, feed, system, cells in zip(
                raw["raw_row_id"], raw["feed"], raw["date_system"], raw["cells"].map(_text), strict=True
            )
        }
        self.file = dict(zip(files["file_id"], files["checksum_sha256"], strict=True))

    def _ranked(self, frame: pd.DataFrame, key: str) -> dict[int, str]:
        frame = frame.sort_values(key)
        rank = frame.groupby("patient_id").cumcount()
        return {
            int(i): f"{self.patient.get(p, p)}#{r}"
            for i, p, r in zip(frame[key], frame["patient_id"], rank, strict=True)
        }

    def rows(self, frame: pd.DataFrame, *, by_content: bool = False) -> list[tuple[tuple[str, Any], ...]]:
        """The frame's rows with numbers named, run numbers and surrogates left out, sorted;
        `by_content`: raw rows named by what they hold, not by where."""
        raw = self.content if by_content else self.raw
        out = {}
        for column in frame.columns:
            values = frame[column]
            if column in RUN_NUMBERS or column in SURROGATE:
                continue
            if column == "patient_id":
                values = values.map(self.patient)
            elif column == "transplant_id":
                values = values.map(lambda v: None if pd.isna(v) else self.transplant[int(v)])
            elif column == "therapy_id":
                values = values.map(lambda v: None if pd.isna(v) else self.therapy[int(v)])
            elif column in RAW_ROWS:
                values = values.map(lambda v: None if pd.isna(v) else raw[int(v)])
            elif column == "file_id":
                values = values.map(lambda v: None if pd.isna(v) else self.file[int(v)])
            out[column] = values.astype(object).where(values.notna(), None)
        named = pd.DataFrame(out)
        rows = [tuple(sorted(r.items())) for r in named.to_dict("records")]
        return sorted(rows, key=repr)


def _text(cells: object) -> str:
    """A raw row's cells as one text, whichever way the driver returned the JSON."""
    return cells if isinstance(cells, str) else json.dumps(cells, ensure_ascii=False, sort_keys=True)


def harmonized(engine: Engine) -> dict[str, list[tuple[tuple[str, Any], ...]]]:
    """Every table a night's load makes, by content (see the module's docstring)."""
    names = _Names(engine)
    out = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            if table.name not in HISTORY:
                out[table.name] = names.rows(pd.read_sql(table.select(), conn), by_content=True)
    return out


def tonights_quarantine(engine: Engine) -> list[tuple[tuple[str, Any], ...]]:
    """The quarantine rows the last run is linked to, by content."""
    with engine.connect() as conn:
        frame = pd.read_sql(
            text(
                "SELECT q.* FROM quarantine q JOIN run_quarantine l ON l.quarantine_id = q.quarantine_id "
                "WHERE l.run_id = (SELECT max(run_id) FROM etl_run)"
            ),
            conn,
        )
    return _Names(engine).rows(frame)


def conflicts_of(engine: Engine, checksums: set[str]) -> list[tuple[tuple[str, Any], ...]]:
    """The merge conflicts between two rows of the files of these checksums, by content."""
    names = _Names(engine)
    with engine.connect() as conn:
        frame = pd.read_sql(text("SELECT * FROM merge_conflict"), conn)
    rows = names.rows(frame)
    return [r for r in rows if all(v.split(":")[0] in checksums for k, v in r if k in RAW_ROWS)]
