"""initial registry schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('concept',
    sa.Column('concept_id', sa.String(length=80), nullable=False),
    sa.Column('domain', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('system', sa.String(length=200), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('display_en', sa.Text(), nullable=False),
    sa.Column('display_ru', sa.Text(), nullable=False),
    sa.Column('parent_id', sa.String(length=80), nullable=True),
    sa.CheckConstraint("concept_id = domain || '/' || key", name=op.f('ck_concept_id_is_domain_key')),
    sa.ForeignKeyConstraint(['parent_id'], ['concept.concept_id'], name=op.f('fk_concept_parent_id_concept')),
    sa.PrimaryKeyConstraint('concept_id', name=op.f('pk_concept')),
    sa.UniqueConstraint('domain', 'key', name=op.f('uq_concept_domain_key'))
    )
    op.create_table('etl_run',
    sa.Column('run_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('source_dir', sa.Text(), nullable=False),
    sa.Column('rows_in', sa.Integer(), nullable=False),
    sa.Column('rows_loaded', sa.Integer(), nullable=False),
    sa.Column('rows_merged', sa.Integer(), nullable=False),
    sa.Column('rows_quarantined', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.CheckConstraint("status <> 'completed' OR rows_in = rows_loaded + rows_merged + rows_quarantined", name=op.f('ck_etl_run_accounting')),
    sa.CheckConstraint("status IN ('running', 'completed', 'failed')", name=op.f('ck_etl_run_status')),
    sa.CheckConstraint('finished_at IS NULL OR finished_at >= started_at', name=op.f('ck_etl_run_finished_after_start')),
    sa.PrimaryKeyConstraint('run_id', name=op.f('pk_etl_run'))
    )
    op.create_table('field_origin',
    sa.Column('table_name', sa.String(length=48), nullable=False),
    sa.Column('column_name', sa.String(length=64), nullable=False),
    sa.Column('concept_id', sa.String(length=80), nullable=False),
    sa.Column('record_field', sa.String(length=64), nullable=False),
    sa.Column('source_field', sa.String(length=64), nullable=False, comment='field name of mappings/headers.yaml'),
    sa.PrimaryKeyConstraint('table_name', 'column_name', 'concept_id', name=op.f('pk_field_origin'))
    )
    op.create_table('source_file',
    sa.Column('file_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('checksum_sha256', sa.String(length=64), nullable=False),
    sa.Column('file_name', sa.Text(), nullable=False),
    sa.Column('feed', sa.String(length=16), nullable=False),
    sa.Column('format', sa.String(length=8), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('encoding', sa.String(length=32), nullable=True),
    sa.Column('delimiter', sa.String(length=4), nullable=True),
    sa.Column('sheet', sa.Text(), nullable=True),
    sa.CheckConstraint("feed IN ('registry_ru', 'registry_en', 'labs')", name=op.f('ck_source_file_feed')),
    sa.CheckConstraint("format IN ('csv', 'xlsx')", name=op.f('ck_source_file_format')),
    sa.CheckConstraint('length(checksum_sha256) = 64', name=op.f('ck_source_file_checksum_length')),
    sa.PrimaryKeyConstraint('file_id', name=op.f('pk_source_file')),
    sa.UniqueConstraint('checksum_sha256', name=op.f('uq_source_file_checksum_sha256'))
    )
    op.create_table('concept_coding',
    sa.Column('concept_id', sa.String(length=80), nullable=False),
    sa.Column('system', sa.String(length=200), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('display', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['concept_id'], ['concept.concept_id'], name=op.f('fk_concept_coding_concept_id_concept')),
    sa.PrimaryKeyConstraint('concept_id', 'system', name=op.f('pk_concept_coding'))
    )
    op.create_table('deleted_patient',
    sa.Column('patient_id', sa.Integer(), nullable=False, comment='the former patient.patient_id'),
    sa.Column('deleted_run_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['deleted_run_id'], ['etl_run.run_id'], name=op.f('fk_deleted_patient_deleted_run_id_etl_run')),
    sa.PrimaryKeyConstraint('patient_id', name=op.f('pk_deleted_patient'))
    )
    with op.batch_alter_table('deleted_patient', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deleted_patient_deleted_run_id'), ['deleted_run_id'], unique=False)

    op.create_table('raw_row',
    sa.Column('raw_row_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('row_number', sa.Integer(), nullable=False, comment='1-based physical row, header = 1'),
    sa.Column('cells', sa.JSON(), nullable=False, comment='original header -> cell text (null = empty)'),
    sa.CheckConstraint('row_number >= 2', name=op.f('ck_raw_row_data_row_number')),
    sa.ForeignKeyConstraint(['file_id'], ['source_file.file_id'], name=op.f('fk_raw_row_file_id_source_file')),
    sa.PrimaryKeyConstraint('raw_row_id', name=op.f('pk_raw_row')),
    sa.UniqueConstraint('file_id', 'row_number', name=op.f('uq_raw_row_file_id_row_number'))
    )
    with op.batch_alter_table('raw_row', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_raw_row_file_id'), ['file_id'], unique=False)

    op.create_table('run_file',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.Text(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('rows_in', sa.Integer(), nullable=False),
    sa.Column('rows_loaded', sa.Integer(), nullable=False),
    sa.Column('rows_merged', sa.Integer(), nullable=False),
    sa.Column('rows_quarantined', sa.Integer(), nullable=False),
    sa.CheckConstraint("status <> 'read' OR rows_in = rows_loaded + rows_merged + rows_quarantined", name=op.f('ck_run_file_accounting')),
    sa.CheckConstraint("status <> 'unreadable' OR error IS NOT NULL", name=op.f('ck_run_file_unreadable_has_error')),
    sa.CheckConstraint("status IN ('read', 'unreadable')", name=op.f('ck_run_file_status')),
    sa.ForeignKeyConstraint(['file_id'], ['source_file.file_id'], name=op.f('fk_run_file_file_id_source_file')),
    sa.ForeignKeyConstraint(['run_id'], ['etl_run.run_id'], name=op.f('fk_run_file_run_id_etl_run')),
    sa.PrimaryKeyConstraint('run_id', 'file_name', name=op.f('pk_run_file'))
    )
    with op.batch_alter_table('run_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_run_file_file_id'), ['file_id'], unique=False)

    op.create_table('source_column',
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('column_index', sa.Integer(), nullable=False),
    sa.Column('header', sa.Text(), nullable=False),
    sa.Column('field', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['file_id'], ['source_file.file_id'], name=op.f('fk_source_column_file_id_source_file')),
    sa.PrimaryKeyConstraint('file_id', 'column_index', name=op.f('pk_source_column'))
    )
    op.create_table('patient',
    sa.Column('patient_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('sex_id', sa.String(length=80), nullable=False, comment='concept of domain sex'),
    sa.Column('birth_year', sa.Integer(), nullable=False),
    sa.Column('source_updated_at', sa.DateTime(), nullable=True, comment='newest edit in the feeds'),
    sa.Column('raw_row_id', sa.BigInteger(), nullable=False, comment='source row (lineage)'),
    sa.Column('changed_run_id', sa.Integer(), nullable=False, comment='run that last changed this row'),
    sa.CheckConstraint("sex_id LIKE 'sex/%'", name=op.f('ck_patient_sex_id_domain')),
    sa.CheckConstraint('birth_year BETWEEN 1900 AND 2100', name=op.f('ck_patient_birth_year')),
    sa.ForeignKeyConstraint(['changed_run_id'], ['etl_run.run_id'], name=op.f('fk_patient_changed_run_id_etl_run')),
    sa.ForeignKeyConstraint(['raw_row_id'], ['raw_row.raw_row_id'], name=op.f('fk_patient_raw_row_id_raw_row')),
    sa.ForeignKeyConstraint(['sex_id'], ['concept.concept_id'], name=op.f('fk_patient_sex_id_concept')),
    sa.PrimaryKeyConstraint('patient_id', name=op.f('pk_patient'))
    )
    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patient_changed_run_id'), ['changed_run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_patient_raw_row_id'), ['raw_row_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_patient_sex_id'), ['sex_id'], unique=False)

    op.create_table('quarantine',
    sa.Column('quarantine_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False, comment='first run'),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('row_number', sa.Integer(), nullable=False, comment='0 = the whole file'),
    sa.Column('column_name', sa.Text(), nullable=False, comment="original header; '' = the whole row"),
    sa.Column('raw_value', sa.Text(), nullable=True),
    sa.Column('reason_code', sa.String(length=48), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('raw_row_id', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['file_id'], ['source_file.file_id'], name=op.f('fk_quarantine_file_id_source_file')),
    sa.ForeignKeyConstraint(['raw_row_id'], ['raw_row.raw_row_id'], name=op.f('fk_quarantine_raw_row_id_raw_row')),
    sa.ForeignKeyConstraint(['run_id'], ['etl_run.run_id'], name=op.f('fk_quarantine_run_id_etl_run')),
    sa.PrimaryKeyConstraint('quarantine_id', name=op.f('pk_quarantine')),
    sa.UniqueConstraint('file_id', 'row_number', 'column_name', 'reason_code', name=op.f('uq_quarantine_file_id_row_number_column_name_reason_code'))
    )
    with op.batch_alter_table('quarantine', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quarantine_file_id'), ['file_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quarantine_raw_row_id'), ['raw_row_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quarantine_run_id'), ['run_id'], unique=False)

    op.create_table('diagnosis',
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('diagnosis_id', sa.String(length=80), nullable=False, comment='concept of domain diagnosis'),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('disease_status_id', sa.String(length=80), nullable=False, comment='concept of domain disease_status'),
    sa.Column('cd22_percent', sa.Double(), nullable=True, comment='CD22 on blasts, %'),
    sa.Column('raw_row_id', sa.BigInteger(), nullable=False, comment='source row (lineage)'),
    sa.CheckConstraint("diagnosis_id LIKE 'diagnosis/%'", name=op.f('ck_diagnosis_diagnosis_id_domain')),
    sa.CheckConstraint("disease_status_id LIKE 'disease_status/%'", name=op.f('ck_diagnosis_disease_status_id_domain')),
    sa.CheckConstraint('cd22_percent BETWEEN 0 AND 100', name=op.f('ck_diagnosis_cd22_percent')),
    sa.ForeignKeyConstraint(['diagnosis_id'], ['concept.concept_id'], name=op.f('fk_diagnosis_diagnosis_id_concept')),
    sa.ForeignKeyConstraint(['disease_status_id'], ['concept.concept_id'], name=op.f('fk_diagnosis_disease_status_id_concept')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.patient_id'], name=op.f('fk_diagnosis_patient_id_patient')),
    sa.ForeignKeyConstraint(['raw_row_id'], ['raw_row.raw_row_id'], name=op.f('fk_diagnosis_raw_row_id_raw_row')),
    sa.PrimaryKeyConstraint('patient_id', name=op.f('pk_diagnosis'))
    )
    with op.batch_alter_table('diagnosis', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_diagnosis_diagnosis_id'), ['diagnosis_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_diagnosis_disease_status_id'), ['disease_status_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_diagnosis_raw_row_id'), ['raw_row_id'], unique=False)

    op.create_table('merge_conflict',
    sa.Column('conflict_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=64), nullable=False),
    sa.Column('kept_value', sa.Text(), nullable=True),
    sa.Column('discarded_value', sa.Text(), nullable=True),
    sa.Column('kept_raw_row_id', sa.BigInteger(), nullable=False),
    sa.Column('discarded_raw_row_id', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False, comment='first run'),
    sa.ForeignKeyConstraint(['discarded_raw_row_id'], ['raw_row.raw_row_id'], name=op.f('fk_merge_conflict_discarded_raw_row_id_raw_row')),
    sa.ForeignKeyConstraint(['kept_raw_row_id'], ['raw_row.raw_row_id'], name=op.f('fk_merge_conflict_kept_raw_row_id_raw_row')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.patient_id'], name=op.f('fk_merge_conflict_patient_id_patient')),
    sa.ForeignKeyConstraint(['run_id'], ['etl_run.run_id'], name=op.f('fk_merge_conflict_run_id_etl_run')),
    sa.PrimaryKeyConstraint('conflict_id', name=op.f('pk_merge_conflict')),
    sa.UniqueConstraint('patient_id', 'field', 'kept_raw_row_id', 'discarded_raw_row_id', name=op.f('uq_merge_conflict_patient_id_field_kept_raw_row_id_discarded_raw_row_id'))
    )
    with op.batch_alter_table('merge_conflict', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_merge_conflict_discarded_raw_row_id'), ['discarded_raw_row_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_merge_conflict_kept_raw_row_id'), ['kept_raw_row_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_merge_conflict_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_merge_conflict_run_id'), ['run_id'], unique=False)

    op.create_table('person',
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('patient_key', sa.String(length=16), nullable=False, comment='registry-code digits, e.g. 2019-014'),
    sa.Column('registry_code_ru', sa.String(length=32), nullable=True),
    sa.Column('registry_code_en', sa.String(length=32), nullable=True),
    sa.Column('full_name_ru', sa.Text(), nullable=True),
    sa.Column('full_name_en', sa.Text(), nullable=True),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.patient_id'], name=op.f('fk_person_patient_id_patient')),
    sa.PrimaryKeyConstraint('patient_id', name=op.f('pk_person')),
    sa.UniqueConstraint('patient_key', name=op.f('uq_person_patient_key'))
    )
    op.create_table('transplant',
    sa.Column('transplant_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('hsct_date', sa.Date(), nullable=False),
    sa.Column('age_years_at_hsct', sa.Integer(), nullable=False),
    sa.Column('donor_type_id', sa.String(length=80), nullable=False, comment='concept of domain donor_type'),
    sa.Column('graft_source_id', sa.String(length=80), nullable=False, comment='concept of domain graft_source'),
    sa.Column('cd34_dose', sa.Double(), nullable=True, comment='CD34+ cells, 10*6/kg'),
    sa.Column('cd3_dose', sa.Double(), nullable=True, comment='CD3+ cells, 10*7/kg'),
    sa.Column('conditioning_id', sa.String(length=80), nullable=False, comment='concept of domain conditioning'),
    sa.Column('gvhd_prophylaxis_id', sa.String(length=80), nullable=False, comment='concept of domain gvhd_prophylaxis'),
    sa.Column('immunosuppression_id', sa.String(length=80), nullable=False, comment='concept of domain immunosuppression'),
    sa.Column('raw_row_id', sa.BigInteger(), nullable=False, comment='source row (lineage)'),
    sa.CheckConstraint("conditioning_id LIKE 'conditioning/%'", name=op.f('ck_transplant_conditioning_id_domain')),
    sa.CheckConstraint("donor_type_id LIKE 'donor_type/%'", name=op.f('ck_transplant_donor_type_id_domain')),
    sa.CheckConstraint("graft_source_id LIKE 'graft_source/%'", name=op.f('ck_transplant_graft_source_id_domain')),
    sa.CheckConstraint("gvhd_prophylaxis_id LIKE 'gvhd_prophylaxis/%'", name=op.f('ck_transplant_gvhd_prophylaxis_id_domain')),
    sa.CheckConstraint("immunosuppression_id LIKE 'immunosuppression/%'", name=op.f('ck_transplant_immunosuppression_id_domain')),
    sa.CheckConstraint('age_years_at_hsct BETWEEN 0 AND 18', name=op.f('ck_transplant_age')),
    sa.CheckConstraint('cd34_dose >= 0', name=op.f('ck_transplant_cd34_dose')),
    sa.CheckConstraint('cd3_dose >= 0', name=op.f('ck_transplant_cd3_dose')),
    sa.ForeignKeyConstraint(['conditioning_id'], ['concept.concept_id'], name=op.f('fk_transplant_conditioning_id_concept')),
    sa.ForeignKeyConstraint(['donor_type_id'], ['concept.concept_id'], name=op.f('fk_transplant_donor_type_id_concept')),
    sa.ForeignKeyConstraint(['graft_source_id'], ['concept.concept_id'], name=op.f('fk_transplant_graft_source_id_concept')),
    sa.ForeignKeyConstraint(['gvhd_prophylaxis_id'], ['concept.concept_id'], name=op.f('fk_transplant_gvhd_prophylaxis_id_concept')),
    sa.ForeignKeyConstraint(['immunosuppression_id'], ['concept.concept_id'], name=op.f('fk_transplant_immunosuppression_id_concept')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.patient_id'], name=op.f('fk_transplant_patient_id_patient')),
    sa.ForeignKeyConstraint(['raw_row_id'], ['raw_row.raw_row_id'], name=op.f('fk_transplant_raw_row_id_raw_row')),
    sa.PrimaryKeyConstraint('transplant_id', name=op.f('pk_transplant')),
    sa.UniqueConstraint('patient_id', 'hsct_date', name=op.f('uq_transplant_patient_id_hsct_date'))
    )
    with op.batch_alter_table('transplant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transplant_conditioning_id'), ['conditioning_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transplant_donor_type_id'), ['donor_type_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transplant_graft_source_id'), ['graft_source_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transplant_gvhd_prophylaxis_id'), ['gvhd_prophylaxis_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transplant_immunosuppression_id'), ['immunosuppression_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transplant_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transplant_raw_row_id'), ['raw_row_id'], unique=False)

    op.create_table('value_source',
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=64), nullable=False, comment='PatientRecord field'),
    sa.Column('raw_row_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.patient_id'], name=op.f('fk_value_source_patient_id_patient')),
    sa.ForeignKeyConstraint(['raw_row_id'], ['raw_row.raw_row_id'], name=op.f('fk_value_source_raw_row_id_raw_row')),
    sa.PrimaryKeyConstraint('patient_id', 'field', name=op.f('pk_value_source'))
    )
    with op.batch_alter_table('value_source', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_value_source_raw_row_id'), ['raw_row_id'], unique=False)

    op.create_table('bridging_therapy',
    sa.Column('therapy_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('transplant_id', sa.Integer(), nullable=False),
    sa.Column('regimen_id', sa.String(length=80), nullable=False, comment='concept of domain bridging_therapy'),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('start_day', sa.Integer(), nullable=False, comment='start_date - hsct_date (<= 0)'),
    sa.Column('intrathecal', sa.Boolean(), nullable=True),
    sa.Column('raw_row_id', sa.BigInteger(), nullable=False, comment='source row (lineage)'),
    sa.CheckConstraint("regimen_id LIKE 'bridging_therapy/%'", name=op.f('ck_bridging_therapy_regimen_id_domain')),
    sa.CheckConstraint('start_day <= 0', name=op.f('ck_bridging_therapy_start_before_transplant')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.patient_id'], name=op.f('fk_bridging_therapy_patient_id_patient')),
    sa.ForeignKeyConstraint(['raw_row_id'], ['raw_row.raw_row_id'], name=op.f('fk_bridging_therapy_raw_row_id_raw_row')),
    sa.ForeignKeyConstraint(['regimen_id'], ['concept.concept_id'], name=op.f('fk_bridging_therapy_regimen_id_concept')),
    sa.ForeignKeyConstraint(['transplant_id'], ['transplant.transplant_id'], name=op.f('fk_bridging_therapy_transplant_id_transplant')),
    sa.PrimaryKeyConstraint('therapy_id', name=op.f('pk_bridging_therapy'))
    )
    with op.batch_alter_table('bridging_therapy', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bridging_therapy_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bridging_therapy_raw_row_id'), ['raw_row_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bridging_therapy_regimen_id'), ['regimen_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bridging_therapy_transplant_id'), ['transplant_id'], unique=False)

    op.create_table('complication',
    sa.Column('transplant_id', sa.Integer(), nullable=False),
    sa.Column('complication_id', sa.String(length=80), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.Column('grade', sa.Integer(), nullable=True),
    sa.Column('onset_date', sa.Date(), nullable=True),
    sa.Column('onset_day', sa.Integer(), nullable=True),
    sa.Column('raw_row_id', sa.BigInteger(), nullable=False, comment='source row (lineage)'),
    sa.CheckConstraint("complication_id LIKE 'complication/%'", name=op.f('ck_complication_complication_id_domain')),
    sa.CheckConstraint('(onset_day IS NULL) = (onset_date IS NULL)', name=op.f('ck_complication_onset_day_date')),
    sa.CheckConstraint('grade BETWEEN 0 AND 4', name=op.f('ck_complication_grade')),
    sa.CheckConstraint('onset_day >= 0', name=op.f('ck_complication_onset_after_transplant')),
    sa.CheckConstraint('present OR onset_day IS NULL', name=op.f('ck_complication_onset_only_if_present')),
    sa.ForeignKeyConstraint(['complication_id'], ['concept.concept_id'], name=op.f('fk_complication_complication_id_concept')),
    sa.ForeignKeyConstraint(['raw_row_id'], ['raw_row.raw_row_id'], name=op.f('fk_complication_raw_row_id_raw_row')),
    sa.ForeignKeyConstraint(['transplant_id'], ['transplant.transplant_id'], name=op.f('fk_complication_transplant_id_transplant')),
    sa.PrimaryKeyConstraint('transplant_id', 'complication_id', name=op.f('pk_complication'))
    )
    with op.batch_alter_table('complication', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complication_raw_row_id'), ['raw_row_id'], unique=False)

    op.create_table('disease_assessment',
    sa.Column('transplant_id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.String(length=80), nullable=False, comment='concept of domain response'),
    sa.Column('mrd_status_id', sa.String(length=80), nullable=True, comment='concept of domain mrd_status'),
    sa.Column('mrd_value_percent', sa.Double(), nullable=True),
    sa.Column('mrd_comparator', sa.String(length=2), nullable=True),
    sa.Column('raw_row_id', sa.BigInteger(), nullable=False, comment='source row (lineage)'),
    sa.CheckConstraint("mrd_comparator IS NULL OR mrd_comparator = '<'", name=op.f('ck_disease_assessment_mrd_comparator')),
    sa.CheckConstraint("mrd_status_id LIKE 'mrd_status/%'", name=op.f('ck_disease_assessment_mrd_status_id_domain')),
    sa.CheckConstraint("response_id LIKE 'response/%'", name=op.f('ck_disease_assessment_response_id_domain')),
    sa.CheckConstraint('mrd_comparator IS NULL OR mrd_value_percent IS NOT NULL', name=op.f('ck_disease_assessment_comparator_has_value')),
    sa.CheckConstraint('mrd_value_percent BETWEEN 0 AND 100', name=op.f('ck_disease_assessment_mrd_value_percent')),
    sa.ForeignKeyConstraint(['mrd_status_id'], ['concept.concept_id'], name=op.f('fk_disease_assessment_mrd_status_id_concept')),
    sa.ForeignKeyConstraint(['raw_row_id'], ['raw_row.raw_row_id'], name=op.f('fk_disease_assessment_raw_row_id_raw_row')),
    sa.ForeignKeyConstraint(['response_id'], ['concept.concept_id'], name=op.f('fk_disease_assessment_response_id_concept')),
    sa.ForeignKeyConstraint(['transplant_id'], ['transplant.transplant_id'], name=op.f('fk_disease_assessment_transplant_id_transplant')),
    sa.PrimaryKeyConstraint('transplant_id', name=op.f('pk_disease_assessment'))
    )
    with op.batch_alter_table('disease_assessment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disease_assessment_mrd_status_id'), ['mrd_status_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_disease_assessment_raw_row_id'), ['raw_row_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_disease_assessment_response_id'), ['response_id'], unique=False)

    op.create_table('dli',
    sa.Column('transplant_id', sa.Integer(), nullable=False),
    sa.Column('dli_date', sa.Date(), nullable=True),
    sa.Column('dli_day', sa.Integer(), nullable=True),
    sa.Column('raw_row_id', sa.BigInteger(), nullable=False, comment='source row (lineage)'),
    sa.CheckConstraint('(dli_day IS NULL) = (dli_date IS NULL)', name=op.f('ck_dli_day_date')),
    sa.ForeignKeyConstraint(['raw_row_id'], ['raw_row.raw_row_id'], name=op.f('fk_dli_raw_row_id_raw_row')),
    sa.ForeignKeyConstraint(['transplant_id'], ['transplant.transplant_id'], name=op.f('fk_dli_transplant_id_transplant')),
    sa.PrimaryKeyConstraint('transplant_id', name=op.f('pk_dli'))
    )
    with op.batch_alter_table('dli', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dli_raw_row_id'), ['raw_row_id'], unique=False)

    op.create_table('follow_up',
    sa.Column('transplant_id', sa.Integer(), nullable=False),
    sa.Column('relapsed', sa.Boolean(), nullable=True),
    sa.Column('dli_given', sa.Boolean(), nullable=True),
    sa.Column('vital_status_id', sa.String(length=80), nullable=False, comment='concept of domain vital_status'),
    sa.Column('last_contact_date', sa.Date(), nullable=False, comment='date of death or of last contact'),
    sa.Column('last_contact_day', sa.Integer(), nullable=False),
    sa.Column('cause_of_death_id', sa.String(length=80), nullable=True, comment='concept of domain cause_of_death'),
    sa.Column('raw_row_id', sa.BigInteger(), nullable=False, comment='source row (lineage)'),
    sa.CheckConstraint("cause_of_death_id LIKE 'cause_of_death/%'", name=op.f('ck_follow_up_cause_of_death_id_domain')),
    sa.CheckConstraint("vital_status_id = 'vital_status/dead' OR cause_of_death_id IS NULL", name=op.f('ck_follow_up_cause_only_if_dead')),
    sa.CheckConstraint("vital_status_id LIKE 'vital_status/%'", name=op.f('ck_follow_up_vital_status_id_domain')),
    sa.CheckConstraint('last_contact_day >= 0', name=op.f('ck_follow_up_after_transplant')),
    sa.ForeignKeyConstraint(['cause_of_death_id'], ['concept.concept_id'], name=op.f('fk_follow_up_cause_of_death_id_concept')),
    sa.ForeignKeyConstraint(['raw_row_id'], ['raw_row.raw_row_id'], name=op.f('fk_follow_up_raw_row_id_raw_row')),
    sa.ForeignKeyConstraint(['transplant_id'], ['transplant.transplant_id'], name=op.f('fk_follow_up_transplant_id_transplant')),
    sa.ForeignKeyConstraint(['vital_status_id'], ['concept.concept_id'], name=op.f('fk_follow_up_vital_status_id_concept')),
    sa.PrimaryKeyConstraint('transplant_id', name=op.f('pk_follow_up'))
    )
    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_up_cause_of_death_id'), ['cause_of_death_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_up_raw_row_id'), ['raw_row_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_up_vital_status_id'), ['vital_status_id'], unique=False)

    op.create_table('lab_result',
    sa.Column('lab_result_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('transplant_id', sa.Integer(), nullable=True),
    sa.Column('test_id', sa.String(length=80), nullable=False, comment='concept of domain lab_test'),
    sa.Column('result_date', sa.Date(), nullable=False),
    sa.Column('result_day', sa.Integer(), nullable=True, comment='result_date - hsct_date'),
    sa.Column('seq', sa.Integer(), nullable=False, comment='0, 1, ...: repeats of a test on one day'),
    sa.Column('value_num', sa.Double(), nullable=True),
    sa.Column('value_comparator', sa.String(length=2), nullable=True),
    sa.Column('value_concept_id', sa.String(length=80), nullable=True, comment='concept of domain hla_loss'),
    sa.Column('unit', sa.String(length=16), nullable=True, comment='UCUM'),
    sa.Column('raw_row_id', sa.BigInteger(), nullable=False, comment='source row (lineage)'),
    sa.Column('changed_run_id', sa.Integer(), nullable=False, comment='run that last changed this row'),
    sa.CheckConstraint("test_id LIKE 'lab_test/%'", name=op.f('ck_lab_result_test_id_domain')),
    sa.CheckConstraint("unit <> '%' OR value_num BETWEEN 0 AND 100", name=op.f('ck_lab_result_percent')),
    sa.CheckConstraint("value_comparator IS NULL OR value_comparator IN ('<', '<=', '>', '>=')", name=op.f('ck_lab_result_comparator')),
    sa.CheckConstraint("value_concept_id LIKE 'hla_loss/%'", name=op.f('ck_lab_result_value_concept_id_domain')),
    sa.CheckConstraint('value_num IS NOT NULL OR value_concept_id IS NOT NULL', name=op.f('ck_lab_result_has_value')),
    sa.ForeignKeyConstraint(['changed_run_id'], ['etl_run.run_id'], name=op.f('fk_lab_result_changed_run_id_etl_run')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.patient_id'], name=op.f('fk_lab_result_patient_id_patient')),
    sa.ForeignKeyConstraint(['raw_row_id'], ['raw_row.raw_row_id'], name=op.f('fk_lab_result_raw_row_id_raw_row')),
    sa.ForeignKeyConstraint(['test_id'], ['concept.concept_id'], name=op.f('fk_lab_result_test_id_concept')),
    sa.ForeignKeyConstraint(['transplant_id'], ['transplant.transplant_id'], name=op.f('fk_lab_result_transplant_id_transplant')),
    sa.ForeignKeyConstraint(['value_concept_id'], ['concept.concept_id'], name=op.f('fk_lab_result_value_concept_id_concept')),
    sa.PrimaryKeyConstraint('lab_result_id', name=op.f('pk_lab_result')),
    sa.UniqueConstraint('patient_id', 'test_id', 'result_date', 'seq', name=op.f('uq_lab_result_patient_id_test_id_result_date_seq')),
    sa.UniqueConstraint('raw_row_id', name=op.f('uq_lab_result_raw_row_id'))
    )
    with op.batch_alter_table('lab_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lab_result_test_id'), ['test_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lab_result_transplant_id'), ['transplant_id'], unique=False)

    op.create_table('pretransplant_toxicity',
    sa.Column('transplant_id', sa.Integer(), nullable=False),
    sa.Column('toxicity_id', sa.String(length=80), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.Column('grade', sa.Integer(), nullable=True),
    sa.Column('raw_row_id', sa.BigInteger(), nullable=False, comment='source row (lineage)'),
    sa.CheckConstraint("toxicity_id LIKE 'toxicity/%'", name=op.f('ck_pretransplant_toxicity_toxicity_id_domain')),
    sa.CheckConstraint('grade BETWEEN 0 AND 4', name=op.f('ck_pretransplant_toxicity_grade')),
    sa.ForeignKeyConstraint(['raw_row_id'], ['raw_row.raw_row_id'], name=op.f('fk_pretransplant_toxicity_raw_row_id_raw_row')),
    sa.ForeignKeyConstraint(['toxicity_id'], ['concept.concept_id'], name=op.f('fk_pretransplant_toxicity_toxicity_id_concept')),
    sa.ForeignKeyConstraint(['transplant_id'], ['transplant.transplant_id'], name=op.f('fk_pretransplant_toxicity_transplant_id_transplant')),
    sa.PrimaryKeyConstraint('transplant_id', 'toxicity_id', name=op.f('pk_pretransplant_toxicity'))
    )
    with op.batch_alter_table('pretransplant_toxicity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pretransplant_toxicity_raw_row_id'), ['raw_row_id'], unique=False)

    op.create_table('recovery',
    sa.Column('transplant_id', sa.Integer(), nullable=False),
    sa.Column('neutrophil_engrafted', sa.Boolean(), nullable=True),
    sa.Column('neutrophil_date', sa.Date(), nullable=True),
    sa.Column('neutrophil_day', sa.Integer(), nullable=True, comment='D+N of ANC > 0.5 x10^9/L'),
    sa.Column('platelet_recovered', sa.Boolean(), nullable=True),
    sa.Column('platelet_date', sa.Date(), nullable=True),
    sa.Column('platelet_day', sa.Integer(), nullable=True, comment='D+N of platelets > 50 x10^9/L'),
    sa.Column('lymphocytes_d30_gt_0_3', sa.Boolean(), nullable=True),
    sa.Column('raw_row_id', sa.BigInteger(), nullable=False, comment='source row (lineage)'),
    sa.CheckConstraint('(neutrophil_day IS NULL) = (neutrophil_date IS NULL)', name=op.f('ck_recovery_neutrophil_day_date')),
    sa.CheckConstraint('(platelet_day IS NULL) = (platelet_date IS NULL)', name=op.f('ck_recovery_platelet_day_date')),
    sa.CheckConstraint('neutrophil_day BETWEEN 1 AND 100', name=op.f('ck_recovery_neutrophil_day')),
    sa.CheckConstraint('neutrophil_engrafted OR neutrophil_day IS NULL', name=op.f('ck_recovery_day_only_if_engrafted')),
    sa.CheckConstraint('platelet_day >= 0', name=op.f('ck_recovery_platelet_day')),
    sa.CheckConstraint('platelet_recovered OR platelet_day IS NULL', name=op.f('ck_recovery_day_only_if_recovered')),
    sa.ForeignKeyConstraint(['raw_row_id'], ['raw_row.raw_row_id'], name=op.f('fk_recovery_raw_row_id_raw_row')),
    sa.ForeignKeyConstraint(['transplant_id'], ['transplant.transplant_id'], name=op.f('fk_recovery_transplant_id_transplant')),
    sa.PrimaryKeyConstraint('transplant_id', name=op.f('pk_recovery'))
    )
    with op.batch_alter_table('recovery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_raw_row_id'), ['raw_row_id'], unique=False)

    op.create_table('relapse',
    sa.Column('transplant_id', sa.Integer(), nullable=False),
    sa.Column('relapse_date', sa.Date(), nullable=True),
    sa.Column('relapse_day', sa.Integer(), nullable=True),
    sa.Column('site_id', sa.String(length=80), nullable=True, comment='concept of domain relapse_site'),
    sa.Column('hla_loss_id', sa.String(length=80), nullable=True, comment='concept of domain hla_loss'),
    sa.Column('raw_row_id', sa.BigInteger(), nullable=False, comment='source row (lineage)'),
    sa.CheckConstraint("hla_loss_id LIKE 'hla_loss/%'", name=op.f('ck_relapse_hla_loss_id_domain')),
    sa.CheckConstraint("site_id LIKE 'relapse_site/%'", name=op.f('ck_relapse_site_id_domain')),
    sa.CheckConstraint('(relapse_day IS NULL) = (relapse_date IS NULL)', name=op.f('ck_relapse_day_date')),
    sa.CheckConstraint('relapse_day >= 0', name=op.f('ck_relapse_after_transplant')),
    sa.ForeignKeyConstraint(['hla_loss_id'], ['concept.concept_id'], name=op.f('fk_relapse_hla_loss_id_concept')),
    sa.ForeignKeyConstraint(['raw_row_id'], ['raw_row.raw_row_id'], name=op.f('fk_relapse_raw_row_id_raw_row')),
    sa.ForeignKeyConstraint(['site_id'], ['concept.concept_id'], name=op.f('fk_relapse_site_id_concept')),
    sa.ForeignKeyConstraint(['transplant_id'], ['transplant.transplant_id'], name=op.f('fk_relapse_transplant_id_transplant')),
    sa.PrimaryKeyConstraint('transplant_id', name=op.f('pk_relapse'))
    )
    with op.batch_alter_table('relapse', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_relapse_hla_loss_id'), ['hla_loss_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_relapse_raw_row_id'), ['raw_row_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_relapse_site_id'), ['site_id'], unique=False)

    op.create_table('drug_administration',
    sa.Column('administration_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('transplant_id', sa.Integer(), nullable=False),
    sa.Column('therapy_id', sa.Integer(), nullable=True),
    sa.Column('drug_id', sa.String(length=80), nullable=False, comment='concept of domain drug'),
    sa.Column('purpose', sa.String(length=24), nullable=False),
    sa.Column('therapy_day', sa.Integer(), nullable=False, comment='day of the regimen (1, 8, 15); 0 = n/a'),
    sa.Column('admin_date', sa.Date(), nullable=True),
    sa.Column('admin_day', sa.Integer(), nullable=True, comment='admin_date - hsct_date'),
    sa.Column('dose', sa.Double(), nullable=True),
    sa.Column('dose_unit', sa.String(length=16), nullable=True, comment='UCUM'),
    sa.Column('raw_row_id', sa.BigInteger(), nullable=False, comment='source row (lineage)'),
    sa.CheckConstraint("drug_id LIKE 'drug/%'", name=op.f('ck_drug_administration_drug_id_domain')),
    sa.CheckConstraint("purpose IN ('bridging', 'conditioning', 'gvhd_prophylaxis', 'immunosuppression')", name=op.f('ck_drug_administration_purpose')),
    sa.CheckConstraint('dose IS NULL OR dose > 0', name=op.f('ck_drug_administration_dose_positive')),
    sa.CheckConstraint('dose IS NULL OR dose_unit IS NOT NULL', name=op.f('ck_drug_administration_dose_has_unit')),
    sa.ForeignKeyConstraint(['drug_id'], ['concept.concept_id'], name=op.f('fk_drug_administration_drug_id_concept')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.patient_id'], name=op.f('fk_drug_administration_patient_id_patient')),
    sa.ForeignKeyConstraint(['raw_row_id'], ['raw_row.raw_row_id'], name=op.f('fk_drug_administration_raw_row_id_raw_row')),
    sa.ForeignKeyConstraint(['therapy_id'], ['bridging_therapy.therapy_id'], name=op.f('fk_drug_administration_therapy_id_bridging_therapy')),
    sa.ForeignKeyConstraint(['transplant_id'], ['transplant.transplant_id'], name=op.f('fk_drug_administration_transplant_id_transplant')),
    sa.PrimaryKeyConstraint('administration_id', name=op.f('pk_drug_administration')),
    sa.UniqueConstraint('transplant_id', 'purpose', 'drug_id', 'therapy_day', name=op.f('uq_drug_administration_transplant_id_purpose_drug_id_therapy_day'))
    )
    with op.batch_alter_table('drug_administration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drug_administration_drug_id'), ['drug_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_drug_administration_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_drug_administration_raw_row_id'), ['raw_row_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_drug_administration_therapy_id'), ['therapy_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('drug_administration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drug_administration_therapy_id'))
        batch_op.drop_index(batch_op.f('ix_drug_administration_raw_row_id'))
        batch_op.drop_index(batch_op.f('ix_drug_administration_patient_id'))
        batch_op.drop_index(batch_op.f('ix_drug_administration_drug_id'))

    op.drop_table('drug_administration')
    with op.batch_alter_table('relapse', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_relapse_site_id'))
        batch_op.drop_index(batch_op.f('ix_relapse_raw_row_id'))
        batch_op.drop_index(batch_op.f('ix_relapse_hla_loss_id'))

    op.drop_table('relapse')
    with op.batch_alter_table('recovery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_raw_row_id'))

    op.drop_table('recovery')
    with op.batch_alter_table('pretransplant_toxicity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pretransplant_toxicity_raw_row_id'))

    op.drop_table('pretransplant_toxicity')
    with op.batch_alter_table('lab_result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lab_result_transplant_id'))
        batch_op.drop_index(batch_op.f('ix_lab_result_test_id'))

    op.drop_table('lab_result')
    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_up_vital_status_id'))
        batch_op.drop_index(batch_op.f('ix_follow_up_raw_row_id'))
        batch_op.drop_index(batch_op.f('ix_follow_up_cause_of_death_id'))

    op.drop_table('follow_up')
    with op.batch_alter_table('dli', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dli_raw_row_id'))

    op.drop_table('dli')
    with op.batch_alter_table('disease_assessment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disease_assessment_response_id'))
        batch_op.drop_index(batch_op.f('ix_disease_assessment_raw_row_id'))
        batch_op.drop_index(batch_op.f('ix_disease_assessment_mrd_status_id'))

    op.drop_table('disease_assessment')
    with op.batch_alter_table('complication', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complication_raw_row_id'))

    op.drop_table('complication')
    with op.batch_alter_table('bridging_therapy', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bridging_therapy_transplant_id'))
        batch_op.drop_index(batch_op.f('ix_bridging_therapy_regimen_id'))
        batch_op.drop_index(batch_op.f('ix_bridging_therapy_raw_row_id'))
        batch_op.drop_index(batch_op.f('ix_bridging_therapy_patient_id'))

    op.drop_table('bridging_therapy')
    with op.batch_alter_table('value_source', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_value_source_raw_row_id'))

    op.drop_table('value_source')
    with op.batch_alter_table('transplant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transplant_raw_row_id'))
        batch_op.drop_index(batch_op.f('ix_transplant_patient_id'))
        batch_op.drop_index(batch_op.f('ix_transplant_immunosuppression_id'))
        batch_op.drop_index(batch_op.f('ix_transplant_gvhd_prophylaxis_id'))
        batch_op.drop_index(batch_op.f('ix_transplant_graft_source_id'))
        batch_op.drop_index(batch_op.f('ix_transplant_donor_type_id'))
        batch_op.drop_index(batch_op.f('ix_transplant_conditioning_id'))

    op.drop_table('transplant')
    op.drop_table('person')
    with op.batch_alter_table('merge_conflict', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_merge_conflict_run_id'))
        batch_op.drop_index(batch_op.f('ix_merge_conflict_patient_id'))
        batch_op.drop_index(batch_op.f('ix_merge_conflict_kept_raw_row_id'))
        batch_op.drop_index(batch_op.f('ix_merge_conflict_discarded_raw_row_id'))

    op.drop_table('merge_conflict')
    with op.batch_alter_table('diagnosis', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_diagnosis_raw_row_id'))
        batch_op.drop_index(batch_op.f('ix_diagnosis_disease_status_id'))
        batch_op.drop_index(batch_op.f('ix_diagnosis_diagnosis_id'))

    op.drop_table('diagnosis')
    with op.batch_alter_table('quarantine', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quarantine_run_id'))
        batch_op.drop_index(batch_op.f('ix_quarantine_raw_row_id'))
        batch_op.drop_index(batch_op.f('ix_quarantine_file_id'))

    op.drop_table('quarantine')
    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patient_sex_id'))
        batch_op.drop_index(batch_op.f('ix_patient_raw_row_id'))
        batch_op.drop_index(batch_op.f('ix_patient_changed_run_id'))

    op.drop_table('patient')
    op.drop_table('source_column')
    with op.batch_alter_table('run_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_run_file_file_id'))

    op.drop_table('run_file')
    with op.batch_alter_table('raw_row', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_raw_row_file_id'))

    op.drop_table('raw_row')
    with op.batch_alter_table('deleted_patient', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deleted_patient_deleted_run_id'))

    op.drop_table('deleted_patient')
    op.drop_table('concept_coding')
    op.drop_table('source_file')
    op.drop_table('field_origin')
    op.drop_table('etl_run')
    op.drop_table('concept')
