"""Make a table hold exactly the given rows, touching only what differs (set-based, in the database).

Re-running the same night must leave the database identical, and a changed
source row must update its record in place. `sync_table` therefore stages the
wanted rows in a temporary table and lets the database compare them with the
stored ones by natural key: new keys are inserted (their surrogate ids assigned
after the largest stored one, so ids stay stable across runs), vanished keys
are deleted, and rows whose values differ are updated. Values are compared as
the database holds them (`IS DISTINCT FROM`: a missing value equals only a
missing value), after the staged rows went through the very conversion an
insert would give them, so "differs" means "would be stored differently".
Only the differences come back to Python; the stored table is never read whole.

Lineage follows content (`raw_row_id`): a row whose values are unchanged keeps
the source row it names when that row's cells are the same text, from a file of
the same feed read with the same date system, as the cells of the row it comes
from tonight. A full export sends most rows again unchanged; their values still
trace to a stored cell that holds exactly what tonight's cell holds (the first
one received), and nothing is rewritten for them. A row whose values are
unchanged but whose source cells differ (a column no field reads, say) is
pointed at tonight's cell, without counting as a content change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    Connection,
    Index,
    MetaData,
    Select,
    Table,
    Text,
    and_,
    cast,
    delete,
    exists,
    false,
    func,
    not_,
    or_,
    select,
    text,
    true,
    tuple_,
)

from etl.db.bulk import bulk_insert, bulk_update
from schemas.tables import RawRow, SourceFile

LINEAGE_COLUMNS = frozenset({"raw_row_id", "changed_run_id"})
ORDER = "hsct_order"  # the staged rows' place in `wanted`
LISTED_SCOPE = 1000  # scope ids up to which they are bound in the statements rather than staged
ANALYZED_ROWS = 10_000  # staged rows from which PostgreSQL is given their statistics (a join plan turns on them)


@dataclass(frozen=True)
class SyncResult:
    inserted: int
    updated: int
    deleted: int
    changed_scope: frozenset[int] = field(default_factory=frozenset)  # scope ids whose content changed
    stored: int = 0  # rows in scope before the sync
    deleted_scope: frozenset[int] = field(default_factory=frozenset)  # scope ids that lost a row
    deleted_rows: pd.DataFrame | None = None  # the natural keys of the rows deleted
    kept: int = 0  # rows `wanted` lacks that `keep` saved from deletion


def sync_table(
    conn: Connection,
    table: Table,
    wanted: pd.DataFrame,
    key: list[str],
    scope_column: str,
    scope_ids: set[int] | None = None,
    surrogate: str | None = None,
    run_id: int | None = None,
    *,
    delete: bool = True,
    keep: Callable[[pd.DataFrame], pd.Series] | None = None,
) -> SyncResult:
    """Make `table` hold `wanted` for the rows in scope (all rows when scope_ids is None).

    `scope_column` names the column (patient_id or transplant_id) reported in
    `changed_scope` for rows inserted, deleted or changed in content. When the
    table has `changed_run_id`, changed and inserted rows get `run_id`.
    `delete` False: stored rows that `wanted` lacks are kept (a night that could not read all of a
    feed); `keep`: a mask over stored rows never to delete (rows a rejected row still names).
    `updated` counts the rows written: changed in content, or pointed at tonight's cells.
    """
    wanted = wanted.reset_index(drop=True)  # a frame of its own: the caller's is left as it is
    if "changed_run_id" in table.c:
        wanted["changed_run_id"] = run_id
    empty = conn.execute(select(table.c[scope_column]).limit(1)).first() is None
    with _staged_scope(conn, table, scope_column, None if empty else scope_ids) as in_scope:
        stored = (
            0 if empty else int(conn.execute(select(func.count()).select_from(table).where(in_scope)).scalar() or 0)
        )
        if stored == 0:  # a first load: everything is new, nothing is compared or copied
            _number(conn, table, wanted, surrogate)
            inserted = bulk_insert(conn, table, wanted)
            return SyncResult(inserted, 0, 0, frozenset(pd.unique(wanted[scope_column]).astype(int).tolist()))
        with _staged_rows(conn, table, wanted, key) as staged:
            diff = _Diff(table, staged, key, in_scope, surrogate)
            gone = diff.gone(conn) if delete else pd.DataFrame(columns=[c.name for c in table.c])
            changed = diff.changed(conn)
            relinked = diff.relinked(conn)
            new_order = diff.new(conn)
    lacking = len(gone)
    if keep is not None and not gone.empty:
        gone = gone[~keep(gone).to_numpy(dtype=bool)]
    pk = _pk(table)
    updates = wanted.iloc[changed[ORDER].to_numpy()].assign(**{c: changed[c].to_numpy() for c in pk})
    if "changed_run_id" in table.c:
        updates["changed_run_id"] = run_id
    new_rows = wanted.iloc[new_order].copy()
    _number(conn, table, new_rows, surrogate)
    _delete(conn, table, gone)
    bulk_update(conn, table, updates.drop(columns=[c for c in key if c not in pk]).reset_index(drop=True), pk)
    bulk_update(conn, table, relinked, pk)
    inserted = bulk_insert(conn, table, new_rows)
    changed_scope = set(new_rows[scope_column].astype(int)) | set(gone[scope_column].astype(int))
    changed_scope |= set(updates[scope_column].astype(int))
    return SyncResult(
        inserted,
        len(updates) + len(relinked),
        len(gone),
        frozenset(changed_scope),
        stored,
        frozenset(gone[scope_column].astype(int).tolist()),
        gone[key].reset_index(drop=True),
        kept=lacking - len(gone),
    )


class _Diff:
    """The queries comparing the staged rows (`staged`) with the stored ones in scope, by `key`."""

    def __init__(
        self, table: Table, staged: Table, key: list[str], in_scope: ColumnElement[bool], surrogate: str | None
    ) -> None:
        self.table, self.staged, self.in_scope = table, staged, in_scope
        self.on = and_(*(_same(table.c[k], staged.c[k]) for k in key))
        compare = [c.name for c in staged.c if c.name not in LINEAGE_COLUMNS and c.name not in (ORDER, surrogate)]
        self.content_differs = or_(false(), *(table.c[c].is_distinct_from(staged.c[c]) for c in compare))
        self.pk = [table.c[c] for c in _pk(table)]

    def gone(self, conn: Connection) -> pd.DataFrame:
        """The stored rows in scope that no staged row has the key of (every column)."""
        query = select(self.table).where(self.in_scope, not_(exists().where(self.on)))
        return _frame(conn, query)

    def changed(self, conn: Connection) -> pd.DataFrame:
        """Primary key and staged place of the rows whose values differ."""
        query = (
            select(*self.pk, self.staged.c[ORDER])
            .select_from(self.staged.join(self.table, self.on))
            .where(self.in_scope, self.content_differs)
            .order_by(self.staged.c[ORDER])
        )
        return _frame(conn, query)

    def relinked(self, conn: Connection) -> pd.DataFrame:
        """Primary key and tonight's `raw_row_id` of the rows whose values are the same but whose
        stored source row holds other cells than tonight's (or comes from another feed, or a file
        of another date system): the lineage rule of the module docstring."""
        if "raw_row_id" not in self.table.c:
            return pd.DataFrame()
        t, s = self.table, self.staged
        old, new = RawRow.__table__.alias("old_row"), RawRow.__table__.alias("new_row")
        old_file, new_file = SourceFile.__table__.alias("old_file"), SourceFile.__table__.alias("new_file")
        same_cells = and_(
            cast(old.c.cells, Text) == cast(new.c.cells, Text),
            old_file.c.feed == new_file.c.feed,
            old_file.c.date_system.is_not_distinct_from(new_file.c.date_system),
        )
        query = (
            select(*self.pk, s.c.raw_row_id)
            .select_from(
                s.join(t, self.on)
                .join(old, old.c.raw_row_id == t.c.raw_row_id)
                .join(new, new.c.raw_row_id == s.c.raw_row_id)
                .join(old_file, old_file.c.file_id == old.c.file_id)
                .join(new_file, new_file.c.file_id == new.c.file_id)
            )
            .where(self.in_scope, t.c.raw_row_id != s.c.raw_row_id, not_(self.content_differs), not_(same_cells))
            .order_by(*self.pk)
        )
        return _frame(conn, query)

    def new(self, conn: Connection) -> list[int]:
        """The staged places, in order, of the rows whose key no stored row in scope has."""
        query = (
            select(self.staged.c[ORDER])
            .where(not_(exists().where(self.on, self.in_scope)))
            .order_by(self.staged.c[ORDER])
        )
        return [int(v) for v in conn.execute(query).scalars()]


def _same(stored: ColumnElement[object], staged: ColumnElement[object]) -> ColumnElement[bool]:
    """Key equality: `=` (which an index serves) unless the stored column may be missing."""
    if getattr(stored, "nullable", True):
        return stored.is_not_distinct_from(staged)
    return stored == staged


@contextmanager
def _staged_scope(
    conn: Connection, table: Table, scope_column: str, scope_ids: set[int] | None
) -> Iterator[ColumnElement[bool]]:
    """The condition "a stored row in scope": true for every row when `scope_ids` is None; up to
    LISTED_SCOPE ids bound in the statement; more staged in a temporary table (a registry's ids are
    too many for an IN list)."""
    if scope_ids is None:
        yield true()
        return
    if len(scope_ids) <= LISTED_SCOPE:  # a few ids: bound in the statement, no table to make
        yield table.c[scope_column].in_(sorted(int(i) for i in scope_ids))
        return
    scope = Table(f"hsct_scope_{table.name}", MetaData(), Column("id", BigInteger), prefixes=["TEMPORARY"])
    scope.create(conn)
    try:
        bulk_insert(conn, scope, pd.DataFrame({"id": sorted(int(i) for i in scope_ids)}))
        yield table.c[scope_column].in_(select(scope.c.id))
    finally:
        scope.drop(conn)


@contextmanager
def _staged_rows(conn: Connection, table: Table, wanted: pd.DataFrame, key: list[str]) -> Iterator[Table]:
    """`wanted` in a temporary table of the table's column types (plus its place in `wanted`),
    indexed by `key`; dropped on leaving."""
    staged = Table(
        f"hsct_sync_{table.name}",
        MetaData(),
        *(Column(c, table.c[c].type) for c in wanted.columns),
        Column(ORDER, BigInteger),
        prefixes=["TEMPORARY"],
    )
    staged.create(conn)
    try:
        bulk_insert(conn, staged, wanted.assign(**{ORDER: range(len(wanted))}))
        Index(f"hsct_sync_{table.name}_key", *(staged.c[k] for k in key)).create(conn)
        if conn.dialect.name == "postgresql" and len(wanted) >= ANALYZED_ROWS:  # autovacuum skips temp tables
            conn.execute(text(f'ANALYZE "{staged.name}"'))
        yield staged
    finally:
        staged.drop(conn)


def _frame(conn: Connection, query: Select[Any]) -> pd.DataFrame:
    """A query's rows as a frame of its columns (empty, with the columns, when it has none)."""
    result = conn.execute(query)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def _number(conn: Connection, table: Table, new_rows: pd.DataFrame, surrogate: str | None) -> None:
    """Give new rows their surrogate ids, after the largest stored one (unless they bring their own)."""
    if surrogate and surrogate not in new_rows.columns:
        start = int(stored_all_max(conn, table, surrogate))
        new_rows.insert(0, surrogate, range(start + 1, start + 1 + len(new_rows)))


def _pk(table: Table) -> list[str]:
    return [c.name for c in table.primary_key.columns]


def _delete(conn: Connection, table: Table, rows: pd.DataFrame) -> None:
    if rows.empty:
        return
    pk = _pk(table)
    values = [tuple(r) for r in rows[pk].astype(object).itertuples(index=False, name=None)]
    for start in range(0, len(values), 5000):
        chunk = values[start : start + 5000]
        if len(pk) == 1:
            conn.execute(delete(table).where(table.c[pk[0]].in_([v[0] for v in chunk])))
        else:
            conn.execute(delete(table).where(tuple_(*[table.c[c] for c in pk]).in_(chunk)))


def stored_all_max(conn: Connection, table: Table, column: str) -> int:
    """The largest stored value of a surrogate id column (0 for an empty table)."""
    value = conn.execute(select(func.max(table.c[column]))).scalar()
    return int(value or 0)
