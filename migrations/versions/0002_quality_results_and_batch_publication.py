"""quality results and batch publication

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 14:26:20.236539
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = ('quality',)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('batch_publication',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decided_by', sa.Text(), nullable=False, comment="'quality gate' or the data manager"),
    sa.Column('decided_at', sa.DateTime(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('held_reason', sa.Text(), nullable=True, comment='the blocking failures, kept after publishing'),
    sa.CheckConstraint("status IN ('published', 'held')", name=op.f('ck_batch_publication_status')),
    sa.ForeignKeyConstraint(['run_id'], ['etl_run.run_id'], name=op.f('fk_batch_publication_run_id_etl_run')),
    sa.PrimaryKeyConstraint('run_id', name=op.f('pk_batch_publication'))
    )
    op.create_table('quality_run',
    sa.Column('quality_run_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True, comment='the nightly run whose batch was checked'),
    sa.Column('trigger', sa.String(length=16), nullable=False, comment='run | quality | publish'),
    sa.Column('checked_at', sa.DateTime(), nullable=False),
    sa.Column('success', sa.Boolean(), nullable=False, comment='no blocking check failed'),
    sa.Column('checks', sa.Integer(), nullable=False),
    sa.Column('blocking_failures', sa.Integer(), nullable=False),
    sa.Column('warning_failures', sa.Integer(), nullable=False),
    sa.Column('docs_path', sa.Text(), nullable=True, comment='index.html of the Data Docs'),
    sa.CheckConstraint("trigger IN ('run', 'quality', 'publish')", name=op.f('ck_quality_run_trigger')),
    sa.ForeignKeyConstraint(['run_id'], ['etl_run.run_id'], name=op.f('fk_quality_run_run_id_etl_run')),
    sa.PrimaryKeyConstraint('quality_run_id', name=op.f('pk_quality_run'))
    )
    with op.batch_alter_table('quality_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quality_run_run_id'), ['run_id'], unique=False)

    op.create_table('quality_result',
    sa.Column('result_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('quality_run_id', sa.Integer(), nullable=False),
    sa.Column('check_id', sa.String(length=80), nullable=False, comment='row of expectations/checks.csv'),
    sa.Column('suite', sa.String(length=80), nullable=False, comment='GX expectation suite, <layer>.<frame>'),
    sa.Column('expectation_type', sa.String(length=80), nullable=False),
    sa.Column('category', sa.String(length=24), nullable=False, comment='conformance, completeness, plausibility, ...'),
    sa.Column('frame', sa.String(length=64), nullable=False, comment='table or derived frame checked'),
    sa.Column('field', sa.String(length=64), nullable=True),
    sa.Column('severity', sa.String(length=16), nullable=False),
    sa.Column('threshold', sa.Double(), nullable=False, comment='% of rows allowed to fail'),
    sa.Column('success', sa.Boolean(), nullable=False),
    sa.Column('observed_value', sa.Text(), nullable=True),
    sa.Column('element_count', sa.Integer(), nullable=True),
    sa.Column('unexpected_count', sa.Integer(), nullable=True),
    sa.Column('unexpected_percent', sa.Double(), nullable=True),
    sa.Column('unexpected_sample', sa.JSON(), nullable=True, comment='failing rows: value and lineage (file, row)'),
    sa.CheckConstraint("severity IN ('blocking', 'warning')", name=op.f('ck_quality_result_severity')),
    sa.ForeignKeyConstraint(['quality_run_id'], ['quality_run.quality_run_id'], name=op.f('fk_quality_result_quality_run_id_quality_run')),
    sa.PrimaryKeyConstraint('result_id', name=op.f('pk_quality_result'))
    )
    with op.batch_alter_table('quality_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quality_result_quality_run_id'), ['quality_run_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('quality_result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quality_result_quality_run_id'))

    op.drop_table('quality_result')
    with op.batch_alter_table('quality_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quality_run_run_id'))

    op.drop_table('quality_run')
    op.drop_table('batch_publication')
