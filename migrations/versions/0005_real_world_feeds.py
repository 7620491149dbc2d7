"""real-world feeds: header position, preamble and date system of a file; what a run changed; one head

Revision ID: 0005
Revises: 0002, 0003, 0004
Create Date: 2026-11-30

Merges the quality, analysis and export branches into one head (so that plain `alembic upgrade head`
works), and:

* `source_file.header_row`, `.preamble`, `.date_system`: where the header was found below title lines,
  the lines above it, and an .xlsx workbook's date system (1900 or 1904), so that a file rebuilt from
  the raw layer is read as the night read it;
* `run_change`: per run and guarded table (`patient`, `lab_result`) the rows held before, inserted,
  updated and deleted — what the deletion guard checks and the run summary lists;
* the identity rule compares a registry code's number as a number (`2019-0016` = `2019-016`): stored
  patient keys are rewritten in that form, unless two stored patients would then share a key (those are
  left as they are, for the data manager to resolve).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = ("0002", "0003", "0004")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = re.compile(r"^(\d{4})-(\d{3,6})$")


def upgrade() -> None:
    with op.batch_alter_table("source_file", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("header_row", sa.Integer(), nullable=True, comment="physical line/row of the header (NULL: 1)")
        )
        batch_op.add_column(
            sa.Column("preamble", sa.Text(), nullable=True, comment="non-blank lines above the header, one a line")
        )
        batch_op.add_column(
            sa.Column(
                "date_system",
                sa.Integer(),
                nullable=True,
                comment="an .xlsx workbook's date system (1900 or 1904) for serial day numbers; NULL for CSV",
            )
        )
        batch_op.create_check_constraint("date_system", "date_system IS NULL OR date_system IN (1900, 1904)")
    op.create_table(
        "run_change",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(length=32), nullable=False),
        sa.Column("stored_before", sa.Integer(), nullable=False, comment="rows the table held before the run"),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Integer(), nullable=False),
        sa.Column("deleted_keys", sa.Text(), nullable=True, comment="patient: keys deleted, one a line"),
        sa.Column("inserted_keys", sa.Text(), nullable=True, comment="patient: keys inserted, one a line"),
        sa.CheckConstraint("table_name IN ('patient', 'lab_result')", name=op.f("ck_run_change_table_name")),
        sa.ForeignKeyConstraint(["run_id"], ["etl_run.run_id"], name=op.f("fk_run_change_run_id_etl_run")),
        sa.PrimaryKeyConstraint("run_id", "table_name", name=op.f("pk_run_change")),
    )
    _canonical_keys()


def _canonical_keys() -> None:
    conn = op.get_bind()
    person = sa.table("person", sa.column("patient_id", sa.Integer), sa.column("patient_key", sa.String))
    stored = {int(pid): key for pid, key in conn.execute(sa.select(person.c.patient_id, person.c.patient_key))}
    wanted = {}
    for pid, key in stored.items():
        match = KEY.match(key or "")
        if match:
            wanted[pid] = f"{match.group(1)}-{int(match.group(2)):03d}"
    taken = {}
    for pid, key in wanted.items():
        taken.setdefault(key, []).append(pid)
    for pid, key in wanted.items():
        if key != stored[pid] and len(taken[key]) == 1 and key not in set(stored.values()) - {stored[pid]}:
            conn.execute(sa.update(person).where(person.c.patient_id == pid).values(patient_key=key))


def downgrade() -> None:
    op.drop_table("run_change")
    with op.batch_alter_table("source_file", schema=None) as batch_op:
        batch_op.drop_constraint("date_system", type_="check")
        batch_op.drop_column("date_system")
        batch_op.drop_column("preamble")
        batch_op.drop_column("header_row")
