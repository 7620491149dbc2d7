"""The night's stages in order, the same for a nightly run and for the publication of a held batch.

    extract + harmonize   etl.run.prepare (worker processes: etl.extract.read_file, etl.harmonize.harmonize_table)
    load                  etl.load: store_file (raw layer), load_registry, load_lab_results
    check                 etl.quality.QualityCheck: raw_parts (as files arrive), harmonized (on what the load holds)
    publish               etl.quality.record_publication (the runner, etl.run.nightly / etl.run.publish, decides)

`load_night` runs the first three for every file of a night, whichever way the
files come (read from the night's folder, or rebuilt from the raw layer), and
returns them with what the load changed; the runner owns the transaction, the
lock, the savepoint and the bookkeeping around it.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass

from sqlalchemy import Connection
from sqlalchemy.engine import NestedTransaction

from etl.load import BatchLoad, NightFile, load_lab_results, load_registry, night_file, store_file
from etl.messages import Say
from etl.performance import release_memory
from etl.quality import QualityCheck
from etl.run.clock import StageClock
from etl.run.prepare import Prepared, PreparedFile
from etl.run.runlog import StageMarks

REGISTRY_FEEDS = frozenset({"registry_ru", "registry_en"})
LAB_FEEDS = frozenset({"labs"})


@dataclass
class LoadedNight:
    """The night's files in their order (each one's rows accounted for) and what the load changed;
    `savepoint`: the one holding the load, when one was asked for."""

    files: list[NightFile]
    load: BatchLoad
    savepoint: NestedTransaction | None


def load_night(
    conn: Connection,
    run_id: int,
    feeds: Sequence[str],
    pool: AbstractContextManager[Prepared],
    say: Say,
    clock: StageClock,
    *,
    raw_checks: QualityCheck | None = None,
    savepoint: bool = False,
    mark: StageMarks | None = None,
    judged_by: str | None = None,
    reuse: bool = True,
) -> LoadedNight:
    """Store, check and load the night's files (`feeds[i]`: file i's feed; `pool` prepares file i).

    The registry files are taken first: raw rows stored, raw checks run (`raw_checks`), then —
    inside a SAVEPOINT when `savepoint` — merged and loaded; then the laboratory files, which the
    workers parsed meanwhile, are stored and checked, and, the workers gone (their memory with
    them), loaded. `mark`: the run log's stage boundaries (etl.run.runlog). `judged_by`: what judges
    the rows (etl.run.inputs), which the patients' record digests are made with, and `reuse` whether a
    stored digest may spare a patient (etl.load.record_digest; None: no digests). Returns every
    file, in order, with its rows' outcome set."""
    mark = mark or StageMarks(run_id)
    received: dict[int, NightFile] = {}
    held: NestedTransaction | None = None
    with pool as prepared:

        def receive(kinds: frozenset[str]) -> list[NightFile]:
            indexes = [i for i, feed in enumerate(feeds) if feed in kinds]
            items = _receive(conn, indexes, prepared, raw_checks, say, clock)
            received.update(zip(indexes, items, strict=True))
            return items

        registry = receive(REGISTRY_FEEDS)
        mark("harmonize", part="registry", files=len(registry))
        if savepoint:
            held = conn.begin_nested()
        with clock.stage("load"):
            load = load_registry(conn, run_id, registry, say, judged_by, reuse=reuse)
        mark("load", part="registry", patients=load.patients, changed=load.changed_patients)
        labs = receive(LAB_FEEDS)
        mark("harmonize", part="labs", files=len(labs))
    with clock.stage("load"):
        load_lab_results(conn, run_id, labs, load)
    mark("load", part="labs", files=len(labs))
    return LoadedNight([received[i] for i in range(len(feeds))], load, held)


def _receive(
    conn: Connection,
    indexes: list[int],
    prepared: Prepared,
    raw_checks: QualityCheck | None,
    say: Say,
    clock: StageClock,
) -> list[NightFile]:
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
        item.code_cells, item.cell_digests = ready.code_cells, ready.cell_digests
        with clock.stage("load"):
            store_file(conn, item, ready.result, ready.cells)
        if ready.from_raw_layer:
            item.summary.notes.append(("run.note.file_from_raw_layer", {}))
        harmonized = len(ready.result.records)
        say("run.progress.file", file=item.summary.name, rows=item.summary.rows_in, harmonized=harmonized)
        del ready  # its cells are stored: their memory goes
        release_memory()
    if raw_checks is not None:
        with clock.stage("quality"):
            raw_checks.raw_parts(parts)
    return items


def _received(ready: PreparedFile, say: Say, clock: StageClock) -> NightFile:
    """A prepared file as one file of the run: its table, or why it could not be read."""
    clock.merge(ready.clock)
    item = night_file(ready.source, ready.table, ready.error)
    if ready.table is None:
        say("run.progress.unreadable", file=ready.source.name, error=ready.error)
    return item
