"""Incremental nights: a digest of what each patient's rows were made from

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01

A registry file that changed by a few rows is still read whole, but the patients whose merged record,
source cells and judging inputs are those the stored digest was made from keep their rows untouched
(etl/load/record_digest.py): `patient_record_digest` holds that digest per patient. Earlier runs wrote
none: the first night after this migration synchronizes every patient, as before.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "patient_record_digest",
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("record_sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.patient_id"], name=op.f("fk_patient_record_digest_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("patient_id", name=op.f("pk_patient_record_digest")),
    )


def downgrade() -> None:
    op.drop_table("patient_record_digest")
