"""Load stage: a night's harmonized files into the normalized schema, and the account of every row.

    night_file(source, table | None, error) -> NightFile          a file of the night (etl.load.night_file)
    store_file(conn, item, harmonized, cells)                     its raw rows stored, its records kept
    load_registry(conn, run_id, files, say) -> BatchLoad          patients merged, loaded, deleted
    load_lab_results(conn, run_id, files, load)                   lab results loaded; `load` gains their change
    account(conn, run_id, files, record_files=True)               quarantine, run_quarantine, run_file
    record_changes(conn, run_id, load)                            run_change: what the batch changed
    store_raw_again(conn, item, vocab)                            a file's raw rows after a rolled-back savepoint
    sync_concepts(engine)                                         the concept table from mappings/
    find_unchanged(conn, files, inputs_sha256, as_of) -> Unchanged  files the live batch holds already
    carry_files(conn, run_id, unchanged, files) -> {i: FileSummary} their accounting, as the run that read them

Shapes: `NightFile.records` is one harmonized row per valid source row (the
record fields of schemas/records.py, `row_number`, `raw_row_id`); issues are
frames of row_number, column_name, raw_value, reason_code, message. Errors:
InputError (exit 4) when a file changed while the run read it; database errors
propagate (the runner rolls the run back). Nothing here imports a later stage
(etl.quality, etl.run): the import contracts in pyproject.toml check it.
"""

from etl.load.accounting import UNREADABLE_FILE, account
from etl.load.changes import BatchLoad, TableChange, record_changes
from etl.load.concepts import sync_concepts
from etl.load.lab_batch import UNKNOWN_PATIENT, load_lab_results
from etl.load.night_file import FileSummary, NightFile, Note, night_file
from etl.load.registry_batch import load_registry
from etl.load.store import release_cells, store_file, store_raw_again
from etl.load.unchanged import Unchanged, carried_conflicts, carry_files, find_unchanged

__all__ = [
    "UNKNOWN_PATIENT",
    "UNREADABLE_FILE",
    "BatchLoad",
    "FileSummary",
    "NightFile",
    "Note",
    "TableChange",
    "Unchanged",
    "account",
    "carried_conflicts",
    "carry_files",
    "find_unchanged",
    "load_lab_results",
    "load_registry",
    "night_file",
    "record_changes",
    "release_cells",
    "store_file",
    "store_raw_again",
    "sync_concepts",
]
