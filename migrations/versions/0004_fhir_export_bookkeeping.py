"""fhir export bookkeeping

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-25 14:27:37.135869
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = ('export',)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    
    op.create_table('export_batch',
    sa.Column('export_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('partner', sa.String(length=64), nullable=False),
    sa.Column('format', sa.String(length=8), nullable=False),
    sa.Column('since_run_id', sa.Integer(), nullable=True, comment='changes after this run only; NULL = everything'),
    sa.Column('up_to_run_id', sa.Integer(), nullable=True, comment='the newest completed run whose data it holds'),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('out_dir', sa.Text(), nullable=True),
    sa.Column('patients', sa.Integer(), nullable=False),
    sa.Column('resources', sa.Integer(), nullable=False),
    sa.Column('deleted', sa.Integer(), nullable=False, comment='resources listed for deletion'),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.CheckConstraint("format IN ('bundle', 'ndjson', 'push')", name=op.f('ck_export_batch_format')),
    sa.CheckConstraint("status IN ('written', 'pushed', 'partial')", name=op.f('ck_export_batch_status')),
    sa.ForeignKeyConstraint(['since_run_id'], ['etl_run.run_id'], name=op.f('fk_export_batch_since_run_id_etl_run')),
    sa.ForeignKeyConstraint(['up_to_run_id'], ['etl_run.run_id'], name=op.f('fk_export_batch_up_to_run_id_etl_run')),
    sa.PrimaryKeyConstraint('export_id', name=op.f('pk_export_batch'))
    )
    with op.batch_alter_table('export_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_export_batch_partner'), ['partner'], unique=False)

    op.create_table('export_ledger',
    sa.Column('partner', sa.String(length=64), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False, comment='patient_id (no FK: outlives it)'),
    sa.Column('as_of_run_id', sa.Integer(), nullable=False),
    sa.Column('resource_keys', sa.Text(), nullable=False, comment="local keys, one a line, sorted; '' = deleted"),
    sa.ForeignKeyConstraint(['as_of_run_id'], ['etl_run.run_id'], name=op.f('fk_export_ledger_as_of_run_id_etl_run')),
    sa.PrimaryKeyConstraint('partner', 'patient_id', 'as_of_run_id', name=op.f('pk_export_ledger'))
    )
    op.create_table('export_partner',
    sa.Column('partner', sa.String(length=64), nullable=False),
    sa.Column('acked_run_id', sa.Integer(), nullable=False),
    sa.Column('acked_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['acked_run_id'], ['etl_run.run_id'], name=op.f('fk_export_partner_acked_run_id_etl_run')),
    sa.PrimaryKeyConstraint('partner', name=op.f('pk_export_partner'))
    )
    op.create_table('export_push',
    sa.Column('partner', sa.String(length=64), nullable=False),
    sa.Column('bundle', sa.String(length=128), nullable=False, comment='bundle file name'),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('up_to_run_id', sa.Integer(), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['up_to_run_id'], ['etl_run.run_id'], name=op.f('fk_export_push_up_to_run_id_etl_run')),
    sa.PrimaryKeyConstraint('partner', 'bundle', name=op.f('pk_export_push'))
    )
    


def downgrade() -> None:
    
    op.drop_table('export_push')
    op.drop_table('export_partner')
    op.drop_table('export_ledger')
    with op.batch_alter_table('export_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_export_batch_partner'))

    op.drop_table('export_batch')
    
