"""Make a table hold exactly the given rows, touching only what differs (set-based).

Re-running the same night must leave the database identical, and a changed
source row must update its record in place. `sync_table` therefore compares
the wanted rows with the stored ones by natural key: new keys are inserted
(their surrogate ids assigned after the largest stored one, so ids stay stable
across runs), vanished keys are deleted, and rows whose values differ are
updated. Differences only in lineage columns (`raw_row_id`) are updated
without counting as a content change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Connection,
    Date,
    DateTime,
    Double,
    Integer,
    Table,
    delete,
    func,
    select,
    tuple_,
)

from etl.db.bulk import bulk_insert, bulk_update

LINEAGE_COLUMNS = frozenset({"raw_row_id", "changed_run_id"})
MISSING = "\x00"


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


def canonical(s: pd.Series, coltype: object) -> pd.Series:
    """A column's values as comparable strings, whatever pandas or the driver made of them."""
    if isinstance(coltype, DateTime):
        out = pd.to_datetime(s).dt.strftime("%Y-%m-%dT%H:%M:%S.%f")
    elif isinstance(coltype, Date):
        out = pd.to_datetime(s).dt.strftime("%Y-%m-%d")
    elif isinstance(coltype, Integer | BigInteger):
        out = pd.to_numeric(s).astype("Int64").astype("string")
    elif isinstance(coltype, Double):
        out = pd.to_numeric(s).astype(float).map(repr)
        out = out.where(s.notna())
    elif isinstance(coltype, Boolean):
        out = s.map({True: "1", False: "0"})  # 1 == True, 0 == False as keys
    elif isinstance(coltype, JSON):
        out = s.map(repr)
    else:
        out = s.astype(object).where(s.notna(), None).astype("string")
    return out.astype(object).where(out.notna() & s.notna(), MISSING).astype(str)


def _keys(df: pd.DataFrame, table: Table, key: list[str]) -> pd.Series:
    parts = [canonical(df[k], table.c[k].type) for k in key]
    joined = parts[0]
    for part in parts[1:]:
        joined = joined + "\x1f" + part
    return joined


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
    """
    stored = pd.read_sql(select(table), conn)
    if scope_ids is not None:
        stored = stored[stored[scope_column].isin(scope_ids)]
    wanted = wanted.reset_index(drop=True)  # a frame of its own: the caller's is left as it is
    has_changed_run = "changed_run_id" in table.c
    if has_changed_run:
        wanted["changed_run_id"] = run_id
    if stored.empty:  # a first load: everything is new, no key needs comparing, nothing is copied
        _number(conn, table, wanted, surrogate)
        inserted = bulk_insert(conn, table, wanted)
        return SyncResult(inserted, 0, 0, frozenset(pd.unique(wanted[scope_column]).astype(int).tolist()))
    wanted_keys = _keys(wanted, table, key)
    stored_keys = _keys(stored, table, key)

    is_new = ~wanted_keys.isin(set(stored_keys))
    gone = stored[~stored_keys.isin(set(wanted_keys))] if delete else stored.iloc[:0]
    lacking = len(gone)
    if keep is not None and not gone.empty:
        gone = gone[~keep(gone).to_numpy(dtype=bool)]
    new_rows = wanted[is_new].copy()
    _number(conn, table, new_rows, surrogate)

    both = wanted[~is_new].assign(_key=wanted_keys[~is_new].to_numpy())
    changed_scope: set[int] = set(new_rows[scope_column].astype(int)) | set(gone[scope_column].astype(int))
    updates = pd.DataFrame()
    if not both.empty:
        old = stored.assign(_key=stored_keys.to_numpy()).set_index("_key").loc[both["_key"]]
        both = both.set_index("_key")
        compare = [c for c in both.columns if c not in LINEAGE_COLUMNS and c in old.columns and c != surrogate]
        lineage = [c for c in both.columns if c in LINEAGE_COLUMNS and c != "changed_run_id"]
        content_diff = pd.Series(False, index=both.index)
        for c in compare:
            content_diff |= canonical(both[c], table.c[c].type).to_numpy() != canonical(old[c], table.c[c].type)
        lineage_diff = pd.Series(False, index=both.index)
        for c in lineage:
            lineage_diff |= canonical(both[c], table.c[c].type).to_numpy() != canonical(old[c], table.c[c].type)
        if has_changed_run:
            both["changed_run_id"] = old["changed_run_id"].where(~content_diff, run_id)
        todo = content_diff | lineage_diff
        updates = both[todo].copy()
        if surrogate:
            updates[surrogate] = old.loc[todo[todo].index, surrogate].to_numpy()
        changed_scope |= set(both.loc[content_diff[content_diff].index, scope_column].astype(int))

    _delete(conn, table, gone)
    bulk_update(conn, table, updates.reset_index(drop=True), _pk(table))
    inserted = bulk_insert(conn, table, new_rows)
    deleted_scope = frozenset(gone[scope_column].astype(int).tolist())
    return SyncResult(
        inserted,
        len(updates),
        len(gone),
        frozenset(changed_scope),
        len(stored),
        deleted_scope,
        gone[key].copy(),
        kept=lacking - len(gone),
    )


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
