"""export_ledger: the content hash of every resource as sent, and whether a server acknowledged it

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-30

Precise change sets (issue 16, item 4): a `--since` export or a push sends only the resources whose
content hash differs from the one the partner was given (etl/fhir/changes.py `content_hash`).
`content_sha256` holds, one a line in the order of `resource_keys`, the sha-256 of each resource as
sent; NULL for rows written before (every resource of such a patient counts as changed once).
`acknowledged` marks the rows a push wrote as its bundles were acknowledged, so that the next push
starts from what the server holds, not from files written meanwhile for the same partner.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("export_ledger", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "content_sha256",
                sa.Text(),
                nullable=True,
                comment="sha-256 (hex) of each resource as sent, one a line as resource_keys; NULL = not kept",
            )
        )
        batch_op.add_column(
            sa.Column(
                "acknowledged",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
                comment="true: a push's server acknowledged it; false: files written",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("export_ledger", schema=None) as batch_op:
        batch_op.drop_column("acknowledged")
        batch_op.drop_column("content_sha256")
