"""every run's rejections: run_quarantine links a run to the quarantine rows it produced

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30

A quarantine row is stored once per file, row, column and reason, under the run that first rejected
it; a later run of the same file rejected the same rows again but had nothing of its own to show.
`run_quarantine` links every run to each quarantine row it produced, new or again; the existing rows
are linked to their first run.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "run_quarantine",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("quarantine_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["etl_run.run_id"], name=op.f("fk_run_quarantine_run_id_etl_run")),
        sa.ForeignKeyConstraint(
            ["quarantine_id"], ["quarantine.quarantine_id"], name=op.f("fk_run_quarantine_quarantine_id_quarantine")
        ),
        sa.PrimaryKeyConstraint("run_id", "quarantine_id", name=op.f("pk_run_quarantine")),
    )
    with op.batch_alter_table("run_quarantine", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_run_quarantine_quarantine_id"), ["quarantine_id"], unique=False)
    op.execute("INSERT INTO run_quarantine (run_id, quarantine_id) SELECT run_id, quarantine_id FROM quarantine")


def downgrade() -> None:
    with op.batch_alter_table("run_quarantine", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_run_quarantine_quarantine_id"))
    op.drop_table("run_quarantine")
