"""The nightly job: one folder of feeds → the harmonized schema, completely or not at all.

Order: take the run lock; load the vocabulary; record the run as started
(committed, so that a crash leaves a trace); hand every file to the worker
processes that read and harmonize it (`etl.run.prepare`); then, in ONE
transaction: as the registry files arrive, run the raw-layer quality checks on
them and store their raw rows; inside a SAVEPOINT merge and load the patients;
then the same for the laboratory files (parsed meanwhile) and their results;
store the rejections, conflicts and per-file accounting, and run the
harmonized checks on what the savepoint holds. Every blocking check passed:
the savepoint is kept and the batch is published. A blocking check failed:
the savepoint is rolled back — the live tables, and so the views and exports,
keep the last published batch — while the raw layer (the lab files are read
again and their raw rows stored again), the quarantine, the accounting and
the check results are kept and the batch is recorded as held (`hsct quality
--publish RUN` publishes it after review). A run killed at any point leaves
the data as it was before it began.

Every row that arrives ends as exactly one of: loaded (it made or updated a
patient or a result), merged (folded into another row of the same patient),
quarantined (rejected with a reason). Rows in = loaded + merged + quarantined.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, Engine, func, insert, select, update

from etl.db.bulk import upsert
from etl.db.lock import run_lock
from etl.db.migrate import at_head, upgrade
from etl.errors import InputError
from etl.extract import FeedFile, RawTable, discover, read_file
from etl.harmonize.columns import ISSUE_COLUMNS, ColumnMap
from etl.harmonize.dedupe import split_duplicates
from etl.harmonize.identity import patient_keys
from etl.harmonize.labs import LabRows
from etl.harmonize.merge import Merged, invalid_merged, merge_patients
from etl.harmonize.origins import record_to_source
from etl.harmonize.registry import RegistryRows
from etl.harmonize.vocab import Vocabulary, load_vocabulary
from etl.load.concepts import sync_concepts
from etl.load.labs import attach_patients, load_labs, stack_labs
from etl.load.patients import load_patients
from etl.load.raw import store_raw
from etl.load.sync import SyncResult, stored_all_max
from etl.messages import Say, silent
from etl.quality import GATE, QualityCheck, QualityReport, record_publication, store_report
from etl.quality.catalog import read_checks
from etl.run.bookkeeping import finish_run, start_run
from etl.run.clock import StageClock
from etl.run.memory import release_memory
from etl.run.prepare import Prepared, PreparedFile, harmonize_table, prepare_pool, release_cells
from etl.run.runlog import StageMarks, log
from schemas.tables import (
    LabResult,
    MergeConflict,
    Patient,
    Person,
    Quarantine,
    RunChange,
    RunFile,
    RunQuarantine,
    SourceFile,
)

UNREADABLE_FILE = "unreadable_file"
UNKNOWN_PATIENT = "unknown_patient"
Progress = Say  # the run tells its progress by message key and parameters (mappings/messages.csv)
Note = tuple[str, dict[str, object]]  # a message key and its parameters


@dataclass
class FileSummary:
    name: str
    feed: str
    status: str = "read"
    rows_in: int = 0
    loaded: int = 0
    merged: int = 0
    quarantined: int = 0
    error: str | None = None
    unknown_headers: list[str] = field(default_factory=list)
    repeated_headers: list[str] = field(default_factory=list)  # fields read from several columns
    notes: list[Note] = field(default_factory=list)  # how the file was read: a sep= line, a title above the header
    rejections: list[dict[str, object]] = field(default_factory=list)  # the first quarantined rows
    rejected_rows: int = 0  # quarantined rows with their reasons (every one, `rejections` shows the first)


@dataclass
class TableChange:
    """What the night changed in a guarded table (stored in `run_change`)."""

    table_name: str
    stored_before: int = 0
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    deleted_keys: tuple[str, ...] = ()
    inserted_keys: tuple[str, ...] = ()
    deleted_detail: list[str] = field(default_factory=list)  # lab results deleted, per patient key
    cascaded: int = 0  # lab results deleted with their patients (patient: counted; lab_result: part of `deleted`)


@dataclass
class RunSummary:
    run_id: int
    files: list[FileSummary]
    patients: int = 0
    changed_patients: int = 0
    deleted_patients: int = 0
    conflicts: int = 0
    quality: QualityReport | None = None
    clock: StageClock = field(default_factory=StageClock)
    changes: dict[str, TableChange] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)  # why nothing was deleted, and the like

    @property
    def published(self) -> bool:
        """The batch passed every blocking check and the live tables hold it."""
        return self.quality is None or self.quality.success

    @property
    def totals(self) -> dict[str, int]:
        return {
            "rows_in": sum(f.rows_in for f in self.files),
            "rows_loaded": sum(f.loaded for f in self.files),
            "rows_merged": sum(f.merged for f in self.files),
            "rows_quarantined": sum(f.quarantined for f in self.files),
        }


@dataclass
class _FileWork:
    """One file inside the run: its table, ids, rejections and what became of each row."""

    source: FeedFile
    summary: FileSummary
    table: RawTable | None = None
    columns: ColumnMap | None = None
    file_id: int | None = None
    raw_ids: pd.Series | None = None
    records: pd.DataFrame | None = None
    issues: list[pd.DataFrame] = field(default_factory=list)
    outcome: dict[int, str] = field(default_factory=dict)  # row_number → loaded / merged / quarantined
    code_cells: pd.Series | None = None  # row_number → the patient-code cell as written
    rejected_names: pd.DataFrame | None = None  # lab files: patient, test, date of rejected rows

    def reject(self, issues: pd.DataFrame) -> None:
        if issues.empty:
            return
        self.issues.append(issues[ISSUE_COLUMNS])
        for row in issues["row_number"].astype(int):
            self.outcome[row] = "quarantined"

    def code_header(self) -> str:
        return self.columns.header(self.table, "registry_code") if self.columns and self.table else ""


def run_night(
    engine: Engine,
    source: Path,
    *,
    wait: bool = False,
    progress: Progress | None = None,
    today: dt.date | None = None,
    docs_dir: Path | None = None,
) -> RunSummary:
    """Run the nightly ETL over one folder; raises HsctError subclasses that the CLI reports.

    The quality gate decides whether the batch is published (`summary.published`);
    `docs_dir`: where to render the GX Data Docs (none when None).
    """
    say = progress or silent
    with run_lock(engine, wait, notice=say):
        if not at_head(engine):  # under the lock: two runs on a new database do not both create it
            upgrade(engine)
        sync_concepts(engine)
        vocab = load_vocabulary()
        files = discover(source)
        run_id = start_run(engine, str(source.resolve()))
        log.info("run.recorded", extra={"run_id": run_id, "stage": "start", "files": len(files)})  # the run log
        try:
            with engine.begin() as conn:
                return _run(conn, run_id, files, vocab, say, today, docs_dir)
        except BaseException as exc:
            with engine.begin() as conn:
                finish_run(conn, run_id, {}, "failed", f"{exc.__class__.__name__}: {exc}"[:2000])
            raise


def _run(
    conn: Connection,
    run_id: int,
    files: list[FeedFile],
    vocab: Vocabulary,
    say: Progress,
    today: dt.date | None,
    docs_dir: Path | None,
) -> RunSummary:
    clock = StageClock()
    summary = RunSummary(run_id, [], clock=clock)
    mark = StageMarks(run_id)  # the run log's stage boundaries (etl.run.runlog)
    received: dict[int, _FileWork] = {}
    checks = read_checks()
    with prepare_pool(files, vocab, today, checks) as prepared:
        quality = QualityCheck(checks)

        def receive(feeds: set[str]) -> list[_FileWork]:
            indexes = [i for i, f in enumerate(files) if f.feed in feeds]
            items = _receive(conn, indexes, prepared, quality, say, clock)
            received.update(zip(indexes, items, strict=True))
            return items

        registry = receive({"registry_ru", "registry_en"})
        mark("harmonize", part="registry", files=len(registry))
        savepoint = conn.begin_nested()
        with clock.stage("load"):
            load_registry(conn, run_id, registry, summary, say)
        mark("load", part="registry", patients=summary.patients, changed=summary.changed_patients)
        # the laboratory files were parsed meanwhile; their raw rows join the savepoint (see below)
        labs = receive({"labs"})
        mark("harmonize", part="labs", files=len(labs))
    # the workers are done and gone (their memory with them) before the largest load
    with clock.stage("load"):
        load_lab_results(conn, run_id, labs, summary)
    mark("load", part="labs", files=len(labs))
    work = [received[i] for i in range(len(files))]
    summary.files = [w.summary for w in work]
    with clock.stage("load"):
        account(conn, run_id, work)
        record_changes(conn, run_id, summary)
    with clock.stage("quality"):
        quality.harmonized(conn, run_id)
    report = summary.quality = quality.report
    mark("check", checks=len(report.results), blocking_failures=len(report.blocking_failures))
    if report.success:
        savepoint.commit()
        record_publication(conn, run_id, "published", GATE, "every blocking check passed")
    else:
        savepoint.rollback()  # the live tables keep the last published batch
        for item in labs:  # the raw layer is kept: store again what the savepoint held
            if item.table is not None:
                _store_raw_again(conn, item, vocab)
        account(conn, run_id, work)  # the night's rejections and accounting are kept all the same
        record_changes(conn, run_id, summary)  # what the held batch would have changed
        record_publication(conn, run_id, "held", GATE, "a blocking check failed", report.held_reason())
        say("run.progress.held", failures=len(report.blocking_failures))
    with clock.stage("quality"):
        if docs_dir is not None:
            quality.docs(docs_dir, run_id)
        store_report(conn, report, run_id, "run")
    mark("publish", status="published" if report.success else "held")
    _pause_for_tests(say)
    finish_run(conn, run_id, summary.totals, "completed", None)
    return summary


def harmonize_and_store(
    conn: Connection,
    work: list[_FileWork],
    vocab: Vocabulary,
    say: Progress,
    today: dt.date | None,
    clock: StageClock | None = None,
) -> None:
    """Harmonize every readable file and store its raw rows (the raw layer is kept whatever the gate says)."""
    clock = clock or StageClock()
    for item in sorted((w for w in work if w.table is not None), key=_labs_last):
        with clock.stage("harmonize"):
            result = harmonize_table(item.table, vocab, today)  # type: ignore[arg-type]
        with clock.stage("load"):
            _store(conn, item, result, None)
        say("run.progress.file", file=item.summary.name, rows=item.summary.rows_in, harmonized=len(result.records))


def load_batch(conn: Connection, run_id: int, work: list[_FileWork], summary: RunSummary, say: Progress) -> None:
    """Merge and load the harmonized registry rows, then the lab results (the part the gate may roll back)."""
    load_registry(conn, run_id, work, summary, say)
    load_lab_results(conn, run_id, work, summary)


CUT_SHORT = frozenset({"truncated_row", "unclosed_quote"})  # the file may have lost rows after these
UNNAMED = frozenset({"missing_patient_code", "invalid_patient_code"})  # rows whose patient cannot be told


def _whole(item: _FileWork, unnamed_rows_count: bool = False) -> bool:
    """A file read whole: readable, with a patient-code column, at least one data row, not cut short
    (and, with `unnamed_rows_count`, no row whose patient code cannot be read: whom it names is unknown)."""
    if item.table is None or item.columns is None or "registry_code" not in item.columns.labels:
        return False
    if item.summary.rows_in == 0:
        return False
    reasons = set().union(*(set(i["reason_code"]) for i in item.issues)) if item.issues else set()
    return not (reasons & CUT_SHORT or (unnamed_rows_count and reasons & UNNAMED))


def load_registry(conn: Connection, run_id: int, work: list[_FileWork], summary: RunSummary, say: Progress) -> None:
    """Merge and load the registry files among `work` (none: the patients stay as they are).

    The registry files of a night are the registry, so a patient they no longer name is deleted;
    but never on a night where a registry file could not be read, has no patient-code column or no
    data row, may have been cut short, or holds a row whose patient code cannot be read (whom that
    row names is unknown), nor on a night whose registry yields no usable row at all (that is never
    "the registry is now empty")."""
    feeds = [w for w in work if w.source.feed != "labs"]
    registry = [w for w in feeds if w.table is not None]
    if not registry:
        return
    complete = all(_whole(w, unnamed_rows_count=True) for w in feeds)
    if not complete:
        summary.notes.append(("run.note.no_patient_deleted", {}))
        say("run.note.no_patient_deleted")
    _load_registry(conn, run_id, registry, summary, complete, say)
    for item in registry:
        item.records = None  # loaded: the laboratory night needs the memory
    release_memory()
    say("run.progress.patients", patients=summary.patients, changed=summary.changed_patients)


def load_lab_results(conn: Connection, run_id: int, work: list[_FileWork], summary: RunSummary) -> None:
    """Load the laboratory files among `work` (none: the results stay as they are); see etl.load.labs
    for when stored results are kept although tonight's files lack them."""
    feeds = [w for w in work if w.source.feed == "labs"]
    labs = [w for w in feeds if w.table is not None]
    if labs:
        _load_labs(conn, run_id, labs, feeds, summary)
        for item in labs:
            item.records = None
        release_memory()
    elif _cascaded(summary):  # no lab file tonight, but the deleted patients took their results along
        held = int(conn.execute(select(func.count()).select_from(LabResult.__table__)).scalar() or 0)
        summary.changes["lab_result"] = _lab_change(summary, SyncResult(0, 0, 0, stored=held), [])


def account(conn: Connection, run_id: int, work: list[_FileWork], *, record_files: bool = True) -> None:
    """Store every file's rejections and its row accounting (run_file; not when publishing a held run,
    whose accounting was recorded the night it ran)."""
    for item in work:
        _finish_file(conn, run_id, item, record_file=record_files)


def file_work(source: FeedFile, table: RawTable | None, error: str | None) -> _FileWork:
    """A file of a past run rebuilt from the raw layer (`etl.run.replay`), ready to harmonize again."""
    item = _FileWork(source, FileSummary(source.name, source.feed), table=table)
    if table is None:
        item.summary.status, item.summary.error = "unreadable", error
    return item


def _pause_for_tests(say: Progress) -> None:
    """HSCT_PAUSE_BEFORE_COMMIT=<seconds>: hold the finished, uncommitted run (kill and lock tests)."""
    seconds = float(os.environ.get("HSCT_PAUSE_BEFORE_COMMIT") or 0)
    if seconds > 0:
        say("run.progress.pausing", seconds=f"{seconds:g}")
        time.sleep(seconds)


def _receive(
    conn: Connection,
    indexes: list[int],
    prepared: Prepared,
    quality: QualityCheck,
    say: Progress,
    clock: StageClock,
) -> list[_FileWork]:
    """Files of one kind as the workers prepared them, one at a time: raw rows stored (each file's
    encoded cells dropped before the next file is taken), then the raw-layer checks on them all."""
    items, parts = [], []
    for i in indexes:
        with clock.stage("wait"):  # for the worker still preparing this file
            ready = prepared(i)
        item = _received(ready, say, clock)
        items.append(item)
        if ready.raw_part is not None:
            parts.append(ready.raw_part)
        if item.table is None or ready.result is None:
            continue
        item.code_cells = ready.code_cells
        with clock.stage("load"):
            _store(conn, item, ready.result, ready.cells)
        harmonized = len(ready.result.records)
        say("run.progress.file", file=item.summary.name, rows=item.summary.rows_in, harmonized=harmonized)
        del ready  # its cells are stored: their memory goes
        release_memory()
    with clock.stage("quality"):
        quality.raw_parts(parts)
    return items


def _labs_last(item: _FileWork) -> bool:
    """Sort key: registry files before laboratory files (labs attach to the night's patients)."""
    return item.source.feed == "labs"


def _received(ready: PreparedFile, say: Progress, clock: StageClock) -> _FileWork:
    """A prepared file as one file of the run: its table, or why it could not be read."""
    source = ready.source
    clock.merge(ready.clock)
    item = _FileWork(source, FileSummary(source.name, source.feed), table=ready.table)
    if ready.table is None:
        item.summary.status, item.summary.error = "unreadable", ready.error
        say("run.progress.unreadable", file=source.name, error=ready.error)
    return item


def _store(
    conn: Connection, item: _FileWork, result: RegistryRows | LabRows, cells: Iterable[pd.Series] | None
) -> None:
    """Store the file's raw rows (`cells`: their JSON text, when a worker encoded them and released
    the table's cells) and keep its harmonized rows, with their raw row ids, for the load."""
    columns, issues, records = result.columns, result.issues, result.records
    item.columns = columns
    table = item.table
    assert table is not None  # only read files are stored
    item.summary.repeated_headers = columns.repeated_notes(table)
    item.summary.notes = file_notes(table)
    if isinstance(result, LabRows):
        item.rejected_names = result.rejected_names
    _store_raw(conn, item, cells)
    if cells is None:  # encoded and stored here: the cells can go now
        item.code_cells = release_cells(table, columns)
    item.summary.rows_in = len(table.rows)
    item.summary.unknown_headers = columns.unknown
    item.reject(issues)
    records["raw_row_id"] = item.raw_ids.reindex(records["row_number"].astype(int)).to_numpy()  # type: ignore[union-attr]
    item.records = records


def file_notes(table: RawTable) -> list[Note]:
    """How a file was read, where a data manager should know: the delimiter hint, the lines above the
    header, an encoding guessed or not the feed's."""
    notes: list[Note] = []
    if table.delimiter is not None and any("sep=" in w for w in table.warnings):
        notes.append(("run.note.sep_line", {"delimiter": table.delimiter}))
    if any("guess" in w for w in table.warnings):
        notes.append(("run.note.encoding_guessed", {"encoding": table.encoding}))
    if any("expected in UTF-8" in w for w in table.warnings):
        notes.append(("run.note.encoding_not_contract", {"encoding": table.encoding}))
    if table.preamble:
        lines = "; ".join(f"{n}: {text[:80]!r}" for n, text in table.preamble[:3])
        notes.append(("run.note.preamble", {"header_row": table.header_row, "lines": lines}))
    return notes


def _store_raw(conn: Connection, item: _FileWork, cells: Iterable[pd.Series] | None) -> None:
    item.file_id, item.raw_ids = store_raw(conn, item.table, item.columns.fields, cells)  # type: ignore[arg-type, union-attr]


def _store_raw_again(conn: Connection, item: _FileWork, vocab: Vocabulary) -> None:
    """A file whose raw rows a rolled-back savepoint took with it: its rows, read again from the file.

    The night's cells are not kept in memory for this rare case (a laboratory night holds
    millions); the file is read again, and must be the one the run read.
    """
    table = read_file(item.source, vocab.header_rule(item.source.feed))
    if table.sha256 != item.table.sha256:  # type: ignore[union-attr]
        raise InputError.of("error.file_changed", path=item.source.path)
    item.table = table
    _store_raw(conn, item, None)
    release_cells(table, item.columns)  # type: ignore[arg-type]


def _seen_keys(registry: list[_FileWork]) -> set[str]:
    """Every patient code named by a registry row tonight, whether the row was valid or not."""
    seen: set[str] = set()
    for item in registry:
        if item.code_cells is not None:
            seen |= set(patient_keys(item.code_cells).dropna())
    return seen


def _load_registry(
    conn: Connection, run_id: int, registry: list[_FileWork], summary: RunSummary, complete: bool, say: Progress
) -> None:
    frames = []
    for item in registry:
        if item.records is None or item.records.empty:
            continue
        dups = split_duplicates(item.records, item.code_header())
        item.reject(dups.conflicting)
        item.outcome.update({row: "merged" for row in dups.identical_rows})
        if not dups.unique.empty:
            frames.append(dups.unique)
    if not frames:
        summary.notes.append(("run.note.no_usable_registry_row", {}))
        say("run.note.no_usable_registry_row")
        summary.patients = int(conn.execute(select(func.count()).select_from(Person.__table__)).scalar() or 0)
        return
    rows = pd.concat(frames, ignore_index=True)
    seen = _seen_keys(registry) if complete else None
    merged = _reject_invalid_merges(registry, merge_patients(rows), rows)
    merged_rows = set(merged.merged_rows.astype(int))
    for item in registry:
        if item.records is None:
            continue
        for row, raw_id in zip(item.records["row_number"], item.records["raw_row_id"], strict=True):
            item.outcome.setdefault(int(row), "merged" if int(raw_id) in merged_rows else "loaded")
    result, patients = load_patients(conn, merged.patients, merged.value_sources, run_id, seen)
    _store_conflicts(conn, run_id, merged.conflicts, patients)
    summary.conflicts = len(merged.conflicts)
    summary.patients = len(patients)
    summary.changed_patients = len(result.changed_patients)
    summary.deleted_patients = result.deleted_patients
    summary.changes["patient"] = TableChange(
        "patient",
        stored_before=result.stored_before,
        inserted=len(result.inserted_keys),
        updated=len(result.changed_patients) - len(result.inserted_keys),
        deleted=result.deleted_patients,
        deleted_keys=result.deleted_keys,
        inserted_keys=result.inserted_keys,
        cascaded=result.deleted_lab_results,
    )


def _reject_invalid_merges(registry: list[_FileWork], merged: Merged, rows: pd.DataFrame) -> Merged:
    """Quarantine every row of a patient whose merged record breaks a rule; that patient keeps
    what was loaded before (its code was seen tonight, so it is not deleted either)."""
    several = set(rows.loc[rows["patient_key"].duplicated(keep=False), "patient_key"])
    bad = invalid_merged(merged.patients, several)
    if bad.empty:
        return merged
    to_source = record_to_source()
    for item in registry:
        if item.records is None or item.records.empty:
            continue
        hit = item.records.merge(bad, on="patient_key")
        if hit.empty:
            continue
        headers = [item.columns.header(item.table, to_source.get(f, f)) for f in hit["field"]]  # type: ignore[union-attr]
        item.reject(
            pd.DataFrame(
                {
                    "row_number": hit["row_number"],
                    "column_name": headers,
                    "raw_value": None,
                    "reason_code": hit["reason"],
                    "message": hit["message"],
                }
            )
        )
    keys = set(bad["patient_key"])
    return Merged(
        merged.patients[~merged.patients["patient_key"].isin(keys)].reset_index(drop=True),
        merged.value_sources[~merged.value_sources["patient_key"].isin(keys)],
        merged.conflicts[~merged.conflicts["patient_key"].isin(keys)],
        merged.merged_rows,
    )


def _store_conflicts(conn: Connection, run_id: int, conflicts: pd.DataFrame, patients: pd.DataFrame) -> None:
    if conflicts.empty:
        return
    rows = conflicts.merge(patients[["patient_key", "patient_id"]], on="patient_key").drop(columns="patient_key")
    rows = rows.assign(run_id=run_id).astype(object)
    keys = ["patient_id", "field", "kept_raw_row_id", "discarded_raw_row_id"]
    upsert(conn, MergeConflict.__table__, rows.to_dict("records"), keys, update=False)


def _load_labs(
    conn: Connection, run_id: int, labs: list[_FileWork], feeds: list[_FileWork], summary: RunSummary
) -> None:
    frames = []
    complete = len(labs) == len(feeds) and all(_whole(w) for w in labs)
    for item in labs:
        records = attach_patients(conn, item.records) if item.records is not None else None
        if records is None or records.empty:
            complete = False
            continue
        unknown = records[records["patient_id"].isna()]
        codes = item.code_cells.reindex(unknown["row_number"]).to_numpy() if item.code_cells is not None else None
        item.reject(
            pd.DataFrame(
                {
                    "row_number": unknown["row_number"],
                    "column_name": item.code_header(),
                    "raw_value": codes,
                    "reason_code": UNKNOWN_PATIENT,
                    "message": "no patient with registry digits "
                    + unknown["patient_key"].astype(str)
                    + " is in the registry; load the registry row first or correct the code",
                }
            )
        )
        if not unknown.empty:  # a code naming nobody may be any patient's, mistyped: see etl.load.labs
            item.rejected_names = pd.concat(
                [_drop_empty(item.rejected_names), unknown[["patient_key", "test", "result_date"]].astype(object)],
                ignore_index=True,
            )
        known = records[records["patient_id"].notna()]
        if known.empty:
            complete = False
        item.outcome.update({int(r): "loaded" for r in known["row_number"] if int(r) not in item.outcome})
        frames.append(known)
    if not complete:
        summary.notes.append(("run.note.no_lab_result_deleted", {}))
    names = [w.rejected_names for w in labs if w.rejected_names is not None and not w.rejected_names.empty]
    kept = pd.concat(names, ignore_index=True) if names else None
    stacked = stack_labs(frames) if frames else pd.DataFrame()
    result = load_labs(conn, stacked, run_id, complete=complete, kept_names=kept)
    _mark_patients(conn, sorted(result.deleted_scope), run_id)
    if result.kept:
        summary.notes.append(("run.note.lab_results_kept", {"n": result.kept}))
    summary.changes["lab_result"] = _lab_change(summary, result, _deleted_results(conn, result.deleted_rows))


def _cascaded(summary: RunSummary) -> int:
    """The lab results the night's deleted patients took with them (deleted before the labs load)."""
    patients = summary.changes.get("patient")
    return patients.cascaded if patients is not None else 0


def _lab_change(summary: RunSummary, result: SyncResult, detail: list[str]) -> TableChange:
    """What the night changed in lab_result: the results held before the night (the deleted patients'
    included, whose results went before the labs were loaded) and every result deleted, theirs too,
    whichever path loads the batch (the nightly run or the publication of a held one)."""
    cascaded = _cascaded(summary)
    return TableChange(
        "lab_result",
        stored_before=result.stored + cascaded,
        inserted=result.inserted,
        updated=result.updated,
        deleted=result.deleted + cascaded,
        deleted_detail=detail,
        cascaded=cascaded,
    )


def _drop_empty(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    return None if frame is None or frame.empty else frame


def _mark_patients(conn: Connection, patient_ids: list[int], run_id: int) -> None:
    """Mark patients whose lab results were withdrawn as changed by this run, so that an export
    `--since` an earlier run visits them and tells the partner to delete what they no longer have."""
    for start in range(0, len(patient_ids), 5000):
        chunk = patient_ids[start : start + 5000]
        conn.execute(update(Patient.__table__).where(Patient.patient_id.in_(chunk)).values(changed_run_id=run_id))


def _deleted_results(conn: Connection, rows: pd.DataFrame | None) -> list[str]:
    """One line per patient whose lab results were deleted: the patient key, the count, the tests and dates."""
    if rows is None or rows.empty:
        return []
    keys = dict(conn.execute(select(Person.patient_id, Person.patient_key)).all())
    lines = []
    for patient_id, group in rows.groupby("patient_id", sort=True):
        what = ", ".join(
            f"{str(t).removeprefix('lab_test/')} {pd.Timestamp(d).date().isoformat()}"
            for t, d in zip(group["test_id"], group["result_date"], strict=True)
        )
        lines.append(f"{keys.get(int(patient_id), patient_id)}: {len(group)} ({what})")
    return lines


def record_changes(conn: Connection, run_id: int, summary: RunSummary) -> None:
    """Store what the night changed in the guarded tables (`run_change`), replacing an earlier record."""
    rows = [
        {
            "run_id": run_id,
            "table_name": c.table_name,
            "stored_before": c.stored_before,
            "inserted": c.inserted,
            "updated": c.updated,
            "deleted": c.deleted,
            "cascaded": c.cascaded if c.table_name == "lab_result" else 0,
            "deleted_keys": "\n".join(c.deleted_keys) or None,
            "inserted_keys": "\n".join(c.inserted_keys) or None,
        }
        for c in summary.changes.values()
    ]
    if rows:
        upsert(conn, RunChange.__table__, rows, ["run_id", "table_name"])


def _finish_file(conn: Connection, run_id: int, item: _FileWork, record_file: bool = True) -> None:
    s = item.summary
    if s.status == "unreadable":
        item.file_id = _store_unreadable(conn, item)
        item.issues = [
            pd.DataFrame(
                [
                    {
                        "row_number": 0,
                        "column_name": "",
                        "raw_value": None,
                        "reason_code": UNREADABLE_FILE,
                        "message": f"{s.name} cannot be read: {s.error}; the other files were loaded",
                    }
                ]
            )
        ]
    else:
        counts = pd.Series(list(item.outcome.values()), dtype=object).value_counts()
        s.loaded, s.merged = int(counts.get("loaded", 0)), int(counts.get("merged", 0))
        s.quarantined = int(counts.get("quarantined", 0))
    _store_issues(conn, run_id, item)
    if not record_file:
        return
    conn.execute(
        insert(RunFile.__table__).values(
            run_id=run_id,
            file_name=s.name,
            file_id=item.file_id,
            status=s.status,
            error=s.error,
            rows_in=s.rows_in,
            rows_loaded=s.loaded,
            rows_merged=s.merged,
            rows_quarantined=s.quarantined,
        )
    )


SHOWN_REJECTIONS = 10  # quarantined rows listed per file in the run summary


def _rejection_lines(issues: pd.DataFrame) -> list[dict[str, object]]:
    """The first quarantined rows: row, column, cell, reason code and the recorded detail."""
    first = issues.sort_values("row_number", kind="stable").head(SHOWN_REJECTIONS)
    return [
        {
            "row": int(r.row_number),
            "column": r.column_name or "",
            "value": None if pd.isna(r.raw_value) else str(r.raw_value),
            "reason": r.reason_code,
            "detail": r.message,
        }
        for r in first.itertuples(index=False)
    ]


def _store_issues(conn: Connection, run_id: int, item: _FileWork) -> None:
    if not item.issues:
        return
    issues = pd.concat(item.issues, ignore_index=True).drop_duplicates(["row_number", "column_name", "reason_code"])
    item.summary.rejections = _rejection_lines(issues)
    item.summary.rejected_rows = int(issues["row_number"].nunique())
    rows = issues["row_number"].astype(int)
    raw_ids = item.raw_ids.reindex(rows).to_numpy() if item.raw_ids is not None else [None] * len(issues)
    records = [
        {
            "run_id": run_id,
            "file_id": item.file_id,
            "row_number": int(r.row_number),
            "column_name": r.column_name or "",
            "raw_value": None if pd.isna(r.raw_value) else str(r.raw_value),
            "reason_code": r.reason_code,
            "message": r.message,
            "raw_row_id": None if raw_id is None or pd.isna(raw_id) else int(raw_id),
        }
        for r, raw_id in zip(issues.itertuples(index=False), raw_ids, strict=True)
    ]
    keys = ["file_id", "row_number", "column_name", "reason_code"]
    upsert(conn, Quarantine.__table__, records, keys, update=False)
    _link_quarantine(conn, run_id, item.file_id, pd.DataFrame(records, columns=keys))


def _link_quarantine(conn: Connection, run_id: int, file_id: int | None, rejected: pd.DataFrame) -> None:
    """Link the run to every quarantine row it produced, those a former run of the file stored too."""
    q = Quarantine.__table__
    stored = pd.read_sql(
        select(q.c.quarantine_id, q.c.file_id, q.c.row_number, q.c.column_name, q.c.reason_code).where(
            q.c.file_id == file_id
        ),
        conn,
    )
    ids = stored.merge(rejected, on=list(rejected.columns))["quarantine_id"].astype(int)
    links = [{"run_id": run_id, "quarantine_id": int(i)} for i in sorted(set(ids))]
    upsert(conn, RunQuarantine.__table__, links, ["run_id", "quarantine_id"], update=False)


def _store_unreadable(conn: Connection, item: _FileWork) -> int:
    """An unreadable file is still stored by its checksum, with no rows, so quarantine can name it."""
    data = item.source.path.read_bytes()
    checksum = hashlib.sha256(data).hexdigest()
    existing = conn.execute(select(SourceFile.file_id).where(SourceFile.checksum_sha256 == checksum)).scalar()
    if existing is not None:
        return int(existing)
    file_id = stored_all_max(conn, SourceFile.__table__, "file_id") + 1
    conn.execute(
        insert(SourceFile.__table__).values(
            file_id=file_id,
            checksum_sha256=checksum,
            file_name=item.source.name,
            feed=item.source.feed,
            format=item.source.format,
            size_bytes=len(data),
            encoding=None,
            delimiter=None,
            sheet=None,
        )
    )
    return file_id
