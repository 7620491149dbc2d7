"""Read and harmonize the night's files in worker processes, one file per task.

Reading a file and harmonizing its rows touch no database: they are pure
functions of the file, the mappings and the day. The runner hands them to a pool
of worker processes (one per core, `HSCT_WORKERS` to choose: etl.performance),
so that on a large night the registry and laboratory files are parsed side by
side, and the main process, which alone talks to the database, receives for each
file its harmonized rows and rejections, its cells as the JSON text the raw
layer stores, the cells the raw checks read and its patient-code column; the
raw table comes back holding only its row numbers. The results are taken in
the order of the files, whatever order the workers finish in, so a run is the
same with one worker or with many. A workbook whose bytes the raw layer holds
already is not parsed again: the main process takes its cells from there
(`replay_file`, the one preparation that reads the database, in the process
that owns the connection) while the workers parse the rest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pandas as pd

from etl.extract import ROW_NUMBER, FeedFile, RawTable, UnreadableFileError, read_file
from etl.harmonize import LabRows, RegistryRows, harmonize_table
from etl.harmonize.vocab import Vocabulary
from etl.load import release_cells
from etl.load.raw import cells_json_chunks
from etl.performance import spill_chunks, spill_pool, worker_count
from etl.quality.catalog import Check
from etl.quality.frames import raw_part
from etl.run.clock import StageClock

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
    cell_digests: pd.Series | None = None  # registry files: row number → sha-256 of the cells text
    raw_part: tuple[str, pd.DataFrame] | None = None  # the cells the raw checks read (`raw_part`)
    clock: StageClock = field(default_factory=StageClock)  # read, harmonize: this file's work
    from_raw_layer: bool = False  # prepared from its stored cells (`replay_file`), not parsed


Prepared = Callable[[int], PreparedFile]  # file index → that file prepared (each file once)
ReplayedFile = tuple[FeedFile, RawTable | None, str | None]  # a past run's file, its table, why unreadable


def prepare_file(
    source: FeedFile, vocab: Vocabulary, today: dt.date | None, checks: list[Check], spill: str | None = None
) -> PreparedFile:
    """Read one file, encode its cells, harmonize it and take what the raw checks read; the table
    keeps only its row numbers. `spill`: a path where to leave the encoded cells, as a worker
    process does, rather than in memory."""
    out = PreparedFile(source)
    with out.clock.stage("read"):
        try:
            out.table = read_file(source, vocab.header_rule(source.feed))
        except UnreadableFileError as exc:
            out.error = exc.reason
    if out.table is not None:
        with out.clock.stage("harmonize"):
            # encoded first: with the cells on disk, harmonizing runs beside the table alone
            chunks = cells_json_chunks(out.table.rows, list(out.table.columns))
            digests: list[pd.Series] = []
            if source.feed != "labs":  # a patient's record digest names its rows' cells (etl.load.record_digest)
                chunks = _digesting(chunks, digests)
            out.cells = list(chunks) if spill is None else spill_chunks(chunks, spill)
            out.cell_digests = _by_row_number(out.table, digests)
            out.result = harmonize_table(out.table, vocab, today)
            out.raw_part = raw_part(out.table, out.result.columns, vocab, checks)
            out.code_cells = release_cells(out.table, out.result.columns)
    return out


def replay_file(
    source: FeedFile, table: RawTable, vocab: Vocabulary, today: dt.date | None, checks: list[Check]
) -> PreparedFile:
    """A file whose bytes the raw layer holds, prepared from its stored cells (`table`:
    etl.run.replay.stored_table) rather than parsed again: harmonized and checked as
    `prepare_file` would, its cells hashed but not encoded for storing (they are stored), and
    its table left whole (the load releases it)."""
    out = PreparedFile(source, table=table, from_raw_layer=True)
    with out.clock.stage("harmonize"):
        if source.feed != "labs":
            digests: list[pd.Series] = []
            for _ in _digesting(cells_json_chunks(table.rows, list(table.columns)), digests):
                pass
            out.cell_digests = _by_row_number(table, digests)
        out.result = harmonize_table(table, vocab, today)
        out.raw_part = raw_part(table, out.result.columns, vocab, checks)
    return out


def _by_row_number(table: RawTable, digests: list[pd.Series]) -> pd.Series | None:
    """The chunks' sha-256s (indexed as the table's rows) by row number (None: none were taken)."""
    if not digests:
        return None
    joined = pd.concat(digests)
    numbers = table.rows[ROW_NUMBER].loc[joined.index].astype(int)
    return pd.Series(joined.to_numpy(), index=numbers.to_numpy())


def _digesting(chunks: Iterable[pd.Series], into: list[pd.Series]) -> Iterator[pd.Series]:
    """The chunks of cells text as they come, each one's sha-256s (hex, by row) appended to `into`."""
    for chunk in chunks:
        into.append(chunk.map(lambda text: hashlib.sha256(text.encode()).hexdigest()))
        yield chunk


def prepare_in_worker(
    source: FeedFile, vocab: Vocabulary, today: dt.date | None, checks: list[Check], path: str
) -> PreparedFile:
    """`prepare_file` in a worker process, its encoded cells left in `<path>.cells`."""
    return prepare_file(source, vocab, today, checks, spill=f"{path}.cells")


def _cost(source: FeedFile) -> int:
    try:
        size = source.path.stat().st_size
    except OSError:
        size = 0
    return size * (XLSX_COST if source.format == "xlsx" else 1)


REPLAYED_FORMATS = frozenset({"xlsx"})  # parsing a workbook costs about 8 CSV bytes a byte; its stored rows, far less
Stored = Callable[[], RawTable]  # a file's table as the raw layer holds it (etl.run.replay.stored_table)


@contextmanager
def prepare_pool(
    files: list[FeedFile],
    vocab: Vocabulary,
    today: dt.date | None,
    checks: list[Check],
    stored: dict[int, Stored] | None = None,
) -> Iterator[Prepared]:
    """`get(i)`: files[i] prepared, waiting for it if need be; each file can be got once (the pool
    keeps no reference to what it handed over, so that its memory goes when the caller's does).

    `stored`: the files whose bytes the raw layer holds, read by a run judged as tonight
    (etl.load.unchanged), each with how to take its table from there; those of REPLAYED_FORMATS
    are prepared in this process from their stored cells (`replay_file`), while the workers parse
    the others: on a changed registry night, the unchanged workbook no longer holds up the load.

    With more than one worker and more than one file, every file is handed to the
    worker processes at once: registry files first (the load needs them first),
    the costliest first within each feed, so that the laboratory files are being
    parsed while the main process loads the registry. When there are more registry
    files than workers, the main process, which could only wait for them, prepares
    the cheapest registry file itself. Otherwise each file is prepared in this
    process when asked for.
    """
    replayed = {i: read for i, read in (stored or {}).items() if files[i].format in REPLAYED_FORMATS}
    parsed = [i for i in range(len(files)) if i not in replayed]
    workers = worker_count(len(parsed))

    def here(i: int) -> PreparedFile:
        if i in replayed:
            return replay_file(files[i], replayed.pop(i)(), vocab, today, checks)
        return prepare_file(files[i], vocab, today, checks)

    if workers == 1:
        yield here
        return
    order = sorted(parsed, key=lambda i: (files[i].feed == "labs", -_cost(files[i]), i))
    registry = [i for i in order if files[i].feed != "labs"]
    own = set(registry[-1:]) if len(registry) > workers else set()
    with spill_pool(workers) as pool:
        for i in order:
            if i not in own:
                pool.submit(i, prepare_in_worker, files[i], vocab, today, checks)

        def get(i: int) -> PreparedFile:
            if i in own or i in replayed:
                own.discard(i)
                return here(i)
            prepared: PreparedFile = pool.result(i)
            return prepared

        yield get


@contextmanager
def replay_pool(files: list[ReplayedFile], vocab: Vocabulary) -> Iterator[Prepared]:
    """`get(i)`: a past run's file i as etl.run.replay rebuilt it from the raw layer (the file, its
    table or None, why it was unreadable), harmonized again in this process; its raw rows are
    stored already, so there are no cells to encode and no raw checks to run."""

    def get(i: int) -> PreparedFile:
        source, table, error = files[i]
        out = PreparedFile(source, table=table, error=error)
        if table is not None:
            with out.clock.stage("harmonize"):
                out.result = harmonize_table(table, vocab, None)
        return out

    yield get
