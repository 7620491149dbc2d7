"""Read and harmonize the night's files in worker processes, one file per task.

Reading a file and harmonizing its rows touch no database: they are pure
functions of the file, the mappings and the day. The nightly job hands them to
a pool of worker processes (one per core, `HSCT_WORKERS` to choose), so that on
a large night the registry and laboratory files are parsed side by side, and
the main process, which alone talks to the database, receives for each file
its harmonized rows and rejections, its cells as the JSON text the raw layer
stores, the cells the raw checks read and its patient-code column; the raw
table comes back holding only its row numbers. A worker leaves each result in
a file of a private temporary folder, which the main process loads when it
gets to that file. The results are taken in the order of the files, whatever
order the workers finish in, so a run is the same with one worker or with many.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import pickle
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from etl.errors import InputError
from etl.extract import ROW_NUMBER, FeedFile, RawTable, UnreadableFileError, read_file
from etl.harmonize.columns import ColumnMap
from etl.harmonize.labs import LabRows, harmonize_labs
from etl.harmonize.registry import RegistryRows, harmonize_registry
from etl.harmonize.vocab import Vocabulary
from etl.load.raw import cells_json_chunks
from etl.quality.catalog import Check
from etl.quality.frames import raw_part
from etl.run.clock import StageClock
from etl.run.memory import release_memory

WORKERS_VAR = "HSCT_WORKERS"
SPILL_PREFIX = "hsct-prepared-"  # + the main process's id + "-": the folder of a run's prepared files
XLSX_COST = 8  # a workbook byte costs about eight CSV bytes to read (cell objects, styles)


@dataclass
class PreparedFile:
    """One file read and harmonized; `table` is None when it could not be read (`error` says why)."""

    source: FeedFile
    table: RawTable | None = None
    error: str | None = None
    result: RegistryRows | LabRows | None = None
    cells: Iterable[pd.Series] | None = None  # the rows' cells as JSON text, chunk by chunk, in row order
    code_cells: pd.Series | None = None  # row number → the patient-code cell as written
    raw_part: tuple[str, pd.DataFrame] | None = None  # the cells the raw checks read (`raw_part`)
    clock: StageClock = field(default_factory=StageClock)  # read, harmonize: this file's work


Prepared = Callable[[int], "PreparedFile"]


@dataclass(frozen=True)
class SpilledCells:
    """A file's `cells_json_chunks` as a worker pickled them, one after the other, into `path`;
    iterating reads them back one chunk at a time and removes the file once all are read."""

    path: str

    def __iter__(self) -> Iterator[pd.Series]:
        with open(self.path, "rb") as fh:
            while True:
                try:
                    yield pickle.load(fh)
                except EOFError:
                    break
        os.unlink(self.path)


def spill_cells(table: RawTable, path: str) -> SpilledCells:
    """Encode the table's rows for the raw layer into `path`, holding one chunk at a time."""
    with open(path, "wb") as fh:
        for chunk in cells_json_chunks(table.rows, list(table.columns)):
            pickle.dump(chunk, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return SpilledCells(path)


def harmonize_table(table: RawTable, vocab: Vocabulary, today: dt.date | None) -> RegistryRows | LabRows:
    """The harmonizer of the table's feed."""
    harmonize = harmonize_labs if table.feed == "labs" else harmonize_registry
    return harmonize(table, vocab, today)


def release_cells(table: RawTable, columns: ColumnMap) -> pd.Series | None:
    """Keep only the row numbers of a table whose cells are encoded for the raw layer (a laboratory
    night holds millions); returns the patient-code cells by row number (None: no such column)."""
    label = columns.labels.get("registry_code")
    code_cells = None if label is None else table.rows.set_index(ROW_NUMBER)[label]
    table.rows = table.rows[[ROW_NUMBER]]
    return code_cells


def prepare_file(
    source: FeedFile, vocab: Vocabulary, today: dt.date | None, checks: list[Check], spill: str | None = None
) -> PreparedFile:
    """Read one file, encode its cells, harmonize it and take what the raw checks read; the table
    keeps only its row numbers. `spill`: a path where to leave the encoded cells (`spill_cells`),
    as a worker process does, rather than in memory."""
    out = PreparedFile(source)
    with out.clock.stage("read"):
        try:
            out.table = read_file(source, vocab.header_rule(source.feed))
        except UnreadableFileError as exc:
            out.error = exc.reason
    if out.table is not None:
        with out.clock.stage("harmonize"):
            # encoded first: with the cells on disk, harmonizing runs beside the table alone
            if spill is None:
                out.cells = list(cells_json_chunks(out.table.rows, list(out.table.columns)))
            else:
                out.cells = spill_cells(out.table, spill)
            out.result = harmonize_table(out.table, vocab, today)
            out.raw_part = raw_part(out.table, vocab, checks)
            out.code_cells = release_cells(out.table, out.result.columns)
    return out


def prepare_to_file(
    source: FeedFile, vocab: Vocabulary, today: dt.date | None, checks: list[Check], path: str
) -> str:
    """`prepare_file` in a worker process, its encoded cells left in `path`.cells and the rest
    pickled into `path` (returned) rather than sent back whole: pickling streams to the file instead
    of building the whole message in memory (on both sides of the pipe), the main process loads a
    file's result only when it gets to that file (the laboratory files wait on disk while it loads
    the registry) and its cells a chunk at a time, and the worker gives its memory back before it
    takes the next file or idles."""
    out = prepare_file(source, vocab, today, checks, spill=f"{path}.cells")
    with open(path, "wb") as fh:
        pickle.dump(out, fh, protocol=pickle.HIGHEST_PROTOCOL)
    del out
    release_memory(collect=True)  # in the worker, beside the main process's work
    return path


def _load_prepared(path: str) -> PreparedFile:
    with open(path, "rb") as fh:
        out = pickle.load(fh)
    os.unlink(path)
    return out


def remove_stale_spills() -> list[Path]:
    """Remove the prepared-file folders of runs that were killed before they could (their files
    hold patients' cells); returns them. A folder whose process still runs is left alone.
    POSIX only: elsewhere a process cannot be probed without being signalled."""
    removed: list[Path] = []
    if os.name != "posix":
        return removed
    for folder in Path(tempfile.gettempdir()).glob(f"{SPILL_PREFIX}*-*"):
        pid = folder.name[len(SPILL_PREFIX) :].split("-", 1)[0]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            removed.append(folder)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def worker_count(files: int) -> int:
    """$HSCT_WORKERS, else one per core this process may use; never more than there are files."""
    wanted = os.environ.get(WORKERS_VAR)
    if wanted:
        try:
            count = int(wanted)
        except ValueError:
            raise InputError.of("error.workers.not_number", var=WORKERS_VAR, value=repr(wanted)) from None
        if count < 1:
            raise InputError.of("error.workers.too_few", var=WORKERS_VAR, value=repr(wanted))
    else:
        count = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(count, files))


def _cost(source: FeedFile) -> int:
    try:
        size = source.path.stat().st_size
    except OSError:
        size = 0
    return size * (XLSX_COST if source.format == "xlsx" else 1)


@contextmanager
def prepare_pool(
    files: list[FeedFile], vocab: Vocabulary, today: dt.date | None, checks: list[Check]
) -> Iterator[Prepared]:
    """`get(i)`: files[i] prepared, waiting for it if need be; each file can be got once (the pool
    keeps no reference to what it handed over, so that its memory goes when the caller's does).

    With more than one worker and more than one file, every file is handed to the
    worker processes at once: registry files first (the load needs them first),
    the costliest first within each feed, so that the laboratory files are being
    parsed while the main process loads the registry. When there are more registry
    files than workers, the main process, which could only wait for them, prepares
    the cheapest registry file itself. Otherwise each file is prepared in this
    process when asked for.
    """
    workers = worker_count(len(files))
    if workers == 1:
        yield lambda i: prepare_file(files[i], vocab, today, checks)
        return
    # fork: the workers start at once with the mappings already loaded; they only compute
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    order = sorted(range(len(files)), key=lambda i: (files[i].feed == "labs", -_cost(files[i]), i))
    registry = [i for i in order if files[i].feed != "labs"]
    own = set(registry[-1:]) if len(registry) > workers else set()

    def get(i: int) -> PreparedFile:
        if i in own:
            own.discard(i)
            return prepare_file(files[i], vocab, today, checks)
        return _load_prepared(futures.pop(i).result())

    # the prepared files wait here, private to this user, until the main process loads them
    remove_stale_spills()
    with tempfile.TemporaryDirectory(prefix=f"{SPILL_PREFIX}{os.getpid()}-") as spill:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
        try:
            futures = {
                i: pool.submit(prepare_to_file, files[i], vocab, today, checks, os.path.join(spill, f"{i}.pickle"))
                for i in order
                if i not in own
            }
            yield get
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
