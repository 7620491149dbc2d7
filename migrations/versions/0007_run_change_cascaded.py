"""run_change.cascaded: the lab results a night deleted with its deleted patients

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30

`run_change` (lab_result) counts every result a night deleted, those that went with a deleted patient
included, so that the record says what left the table. The deletion guard of lab results
(`night_lab_result_deletions`) guards results withdrawn from the lab files; the patients' own go
under the patients' guard (hsct.toml), so it reads `deleted - cascaded`. Earlier rows did not count
the cascade: 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("run_change", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "cascaded",
                sa.Integer(),
                nullable=False,
                server_default="0",
                comment="lab_result: of `deleted`, those deleted with their patient (guarded as patients)",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("run_change", schema=None) as batch_op:
        batch_op.drop_column("cascaded")
