"""Incremental nights: what a run judged its rows with, and the rows it did not read again

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30

A night whose files the live batch already holds, byte for byte, judged with the same code, mappings,
checks and migrations, is not read again (etl/load/unchanged.py). `etl_run.inputs_sha256` and
`etl_run.as_of` record what a run judged its rows with and against which day; `run_file.rows_unchanged`
counts, of a file's rows, those carried from the run that read them (their outcome counted as that run
counted it, so rows_in = loaded + merged + quarantined still holds). Earlier runs: NULL and 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("etl_run", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "inputs_sha256",
                sa.String(length=64),
                nullable=True,
                comment="sha-256 of the code, mappings, checks and migrations the run judged rows with",
            )
        )
        batch_op.add_column(
            sa.Column("as_of", sa.Date(), nullable=True, comment="the day the run judged dates against (today)")
        )
    with op.batch_alter_table("run_file", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "rows_unchanged",
                sa.Integer(),
                nullable=False,
                server_default="0",
                comment="of rows_in, rows of a file the live batch held already: counted as the run that read it did",
            )
        )


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN on both databases (SQLite 3.35+): a batch rebuild of etl_run would
    # drop a table that export_ledger and others reference, which SQLite refuses once rows exist
    for table, column in (("run_file", "rows_unchanged"), ("etl_run", "as_of"), ("etl_run", "inputs_sha256")):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
