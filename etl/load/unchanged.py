"""Files the live batch already holds: what a night need not read, harmonize or load again.

The feeds are full exports every night, and most nights most files are byte for
byte those of the night before. A file is not read again when all of this holds
(otherwise the night reads it as a first load would):

1. its sha-256 is that of a file of the **live batch** (the last published run,
   the one the harmonized tables hold), which read it (`run_file.status` read);
2. that run judged its rows with the same code, mappings, checks and migrations
   (`etl_run.inputs_sha256`, etl.run.inputs) and in the same calendar year (a
   two-digit year's century turns on today's year), and quarantined none of the
   group's rows for a reason that turns on the day (`date_in_future`: such a row
   may be valid tonight);
3. the whole **group** of its feed is unchanged, by (feed, checksum) multiset:
   the registry files together (a patient is merged across them, and the
   registry files together are the registry: who they no longer name is deleted);
   the laboratory files together, and only when the registry is unchanged as
   well (a lab row attaches to the registry's patients, and its results go with
   a deleted patient).

So a skipped group is exactly the input the live tables were made from, judged
the same way: loading it again would change nothing (a night run twice changes
nothing the second time; tests/run/test_incremental.py shows both ways give the
same database). How its rows are counted: as the run that read them counted them
(loaded, merged or quarantined, so rows_in = loaded + merged + quarantined still
holds), with `run_file.rows_unchanged` saying how many of a file's rows were not
read again, and every quarantine row of the file linked to tonight's run as a
re-read would link it (`run_quarantine`). Lineage needs nothing new: the stored
rows and their raw cells are those the live values already point to.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Connection, and_, func, insert, literal, select

from etl.extract import FeedFile
from etl.load.accounting import rejection_lines
from etl.load.night_file import FileSummary
from schemas.quality import BatchPublication
from schemas.tables import (
    EtlRun,
    MergeConflict,
    Quarantine,
    RawRow,
    RunFile,
    RunQuarantine,
    SourceColumn,
    SourceFile,
)

TIME_DEPENDENT = frozenset({"date_in_future"})  # reasons whose verdict may change with the day alone
LABS = "labs"


@dataclass(frozen=True)
class Unchanged:
    """Tonight's files the live batch holds already (`indexes` into the night's files), the run that
    read them (`reference_run`) and which groups they make up (`registry`, `labs`); `stored`: every
    file, of a skipped group or not, whose bytes that run read, with its file id (its table can be
    taken from the raw layer rather than parsed: etl.run.prepare)."""

    reference_run: int | None = None
    indexes: frozenset[int] = frozenset()
    registry: bool = False
    labs: bool = False
    checksums: tuple[str | None, ...] = ()  # every file's sha-256, in the night's order
    stored: dict[int, int] = field(default_factory=dict)  # index → file_id: bytes the live batch read, any group

    @property
    def everything(self) -> bool:
        return self.registry and self.labs


def file_sha256(files: Sequence[FeedFile]) -> list[str | None]:
    """Each file's sha-256 (hex), read in blocks, never whole; None for a file that cannot be read."""
    out: list[str | None] = []
    for f in files:
        try:
            with f.path.open("rb") as handle:
                out.append(hashlib.file_digest(handle, "sha256").hexdigest())
        except OSError:
            out.append(None)
    return out


def last_published_run(conn: Connection) -> int | None:
    """The run whose batch the live harmonized tables (and so the views and exports) hold."""
    value = conn.execute(
        select(BatchPublication.run_id)
        .where(BatchPublication.status == "published")
        .order_by(BatchPublication.run_id.desc())
        .limit(1)
    ).scalar()
    return None if value is None else int(value)


def find_unchanged(conn: Connection, files: Sequence[FeedFile], inputs_sha256: str, as_of: dt.date) -> Unchanged:
    """Which of tonight's `files` the live batch holds already, by the rules of this module.

    `inputs_sha256`: what tonight judges rows with (etl.run.inputs); `as_of`: the day tonight
    judges dates against. Returns `Unchanged()` (read everything) when no run is published, or the
    live batch was judged otherwise."""
    ref = last_published_run(conn)
    if ref is None:
        return Unchanged()
    judged = conn.execute(select(EtlRun.inputs_sha256, EtlRun.as_of).where(EtlRun.run_id == ref)).one()
    if judged.inputs_sha256 != inputs_sha256 or judged.as_of is None or judged.as_of.year != as_of.year:
        return Unchanged()
    stored = _run_files(conn, int(ref))
    tonight = pd.DataFrame(
        {"feed": [f.feed for f in files], "checksum": file_sha256(files)}, index=pd.RangeIndex(len(files))
    )
    registry = _same_group(conn, int(ref), tonight[tonight["feed"] != LABS], stored[stored["feed"] != LABS])
    labs = registry and _same_group(conn, int(ref), tonight[tonight["feed"] == LABS], stored[stored["feed"] == LABS])
    indexes = frozenset(int(i) for i in tonight.index if registry and (tonight.at[i, "feed"] != LABS or labs))
    read = stored[stored["status"] == "read"]
    file_ids = dict(zip(read["checksum"], read["file_id"].astype(int), strict=True))
    held = {int(i): file_ids[c] for i, c in tonight["checksum"].items() if c in file_ids}
    return Unchanged(int(ref), indexes, registry, labs, tuple(tonight["checksum"]), held)


def _run_files(conn: Connection, run_id: int) -> pd.DataFrame:
    """Run `run_id`'s files: feed, checksum, file id, status and row accounting."""
    return pd.read_sql(
        select(
            SourceFile.feed,
            SourceFile.checksum_sha256.label("checksum"),
            RunFile.file_id,
            RunFile.status,
            RunFile.error,
            RunFile.rows_in,
            RunFile.rows_loaded,
            RunFile.rows_merged,
            RunFile.rows_quarantined,
        )
        .join(SourceFile, SourceFile.file_id == RunFile.file_id)
        .where(RunFile.run_id == run_id)
        .order_by(RunFile.file_name),
        conn,
    )


def _same_group(conn: Connection, ref: int, tonight: pd.DataFrame, stored: pd.DataFrame) -> bool:
    """Tonight's files of one group are the stored run's, by (feed, checksum), all read by it, and
    none of their rows was quarantined for a reason that turns on the day."""
    if tonight["checksum"].isna().any() or (stored["status"] != "read").any():
        return False
    if Counter(zip(tonight["feed"], tonight["checksum"], strict=True)) != Counter(
        zip(stored["feed"], stored["checksum"], strict=True)
    ):
        return False
    if stored.empty:
        return True
    ids = [int(i) for i in stored["file_id"]]
    dated = conn.execute(
        select(func.count())
        .select_from(RunQuarantine.__table__.join(Quarantine.__table__))
        .where(RunQuarantine.run_id == ref, Quarantine.file_id.in_(ids), Quarantine.reason_code.in_(TIME_DEPENDENT))
    ).scalar()
    return not dated


def carry_files(
    conn: Connection, run_id: int, unchanged: Unchanged, files: Sequence[FeedFile]
) -> dict[int, FileSummary]:
    """Account for tonight's unchanged files as the reference run did: their `run_file` rows
    (`rows_unchanged` = rows_in) and their quarantine linked to `run_id`; returns their summaries
    by index into `files`."""
    if not unchanged.indexes or unchanged.reference_run is None:
        return {}
    ref = unchanged.reference_run
    stored = _run_files(conn, ref)
    taken: set[int] = set()
    out: dict[int, FileSummary] = {}
    rows = []
    for i in sorted(unchanged.indexes):
        match = stored[(stored["checksum"] == unchanged.checksums[i]) & ~stored.index.isin(taken)].iloc[0]
        taken.add(int(str(match.name)))  # its label in the RangeIndex
        summary = FileSummary(
            files[i].name,
            files[i].feed,
            rows_in=int(match["rows_in"]),
            loaded=int(match["rows_loaded"]),
            merged=int(match["rows_merged"]),
            quarantined=int(match["rows_quarantined"]),
            unchanged=int(match["rows_in"]),
            notes=[("run.note.unchanged_file", {"run": ref})],
        )
        _describe(conn, ref, int(match["file_id"]), summary)
        out[i] = summary
        rows.append(
            {
                "run_id": run_id,
                "file_name": summary.name,
                "file_id": int(match["file_id"]),
                "status": "read",
                "error": None,
                "rows_in": summary.rows_in,
                "rows_loaded": summary.loaded,
                "rows_merged": summary.merged,
                "rows_quarantined": summary.quarantined,
                "rows_unchanged": summary.unchanged,
            }
        )
    conn.execute(insert(RunFile.__table__), rows)
    _link_quarantine(conn, run_id, ref, sorted({int(stored.at[t, "file_id"]) for t in taken}))
    return out


def _describe(conn: Connection, ref: int, file_id: int, summary: FileSummary) -> None:
    """The summary's unknown headers and first rejections, as the reference run stored them."""
    summary.unknown_headers = list(
        conn.execute(
            select(SourceColumn.header)
            .where(SourceColumn.file_id == file_id, SourceColumn.field.is_(None))
            .order_by(SourceColumn.column_index)
        ).scalars()
    )
    q = Quarantine.__table__
    issues = pd.read_sql(
        select(q.c.row_number, q.c.column_name, q.c.raw_value, q.c.reason_code, q.c.message)
        .join(
            RunQuarantine.__table__, and_(RunQuarantine.quarantine_id == q.c.quarantine_id, RunQuarantine.run_id == ref)
        )
        .where(q.c.file_id == file_id),
        conn,
    )
    if not issues.empty:
        summary.rejections = rejection_lines(issues)
        summary.rejected_rows = int(issues["row_number"].nunique())


def _link_quarantine(conn: Connection, run_id: int, ref: int, file_ids: list[int]) -> None:
    """Link `run_id` to every quarantine row of these files that the reference run was linked to."""
    linked = (
        select(literal(run_id).label("run_id"), RunQuarantine.quarantine_id)
        .join(Quarantine.__table__, Quarantine.quarantine_id == RunQuarantine.quarantine_id)
        .where(RunQuarantine.run_id == ref, Quarantine.file_id.in_(file_ids))
    )
    conn.execute(insert(RunQuarantine.__table__).from_select(["run_id", "quarantine_id"], linked))


def carried_conflicts(conn: Connection, run_id: int) -> int:
    """The merge conflicts between rows of run `run_id`'s registry files, as stored: the conflicts an
    unchanged registry holds tonight, counted as the run that merged it counted them."""
    kept, discarded = RawRow.__table__.alias("kept"), RawRow.__table__.alias("discarded")
    files = select(RunFile.file_id).where(RunFile.run_id == run_id, RunFile.file_id.is_not(None))
    return int(
        conn.execute(
            select(func.count())
            .select_from(MergeConflict.__table__)
            .join(kept, kept.c.raw_row_id == MergeConflict.kept_raw_row_id)
            .join(discarded, discarded.c.raw_row_id == MergeConflict.discarded_raw_row_id)
            .where(kept.c.file_id.in_(files), discarded.c.file_id.in_(files))
        ).scalar()
        or 0
    )
