"""`hsct lineage`: where a harmonized value came from."""

from __future__ import annotations

import click

from etl.cli.options import db_option
from etl.db import make_engine, resolve_url
from etl.lineage import lineage as find_lineage


@click.command("lineage")
@click.argument("column", metavar="TABLE.COLUMN")
@click.argument("record_id", type=int)
@click.option("--concept", default="", help="For long tables, the row's concept (e.g. complication/sos).")
@db_option
def lineage(column: str, record_id: int, concept: str, db_url: str | None) -> None:
    """Print the source file, sheet, row, column header and cell of a harmonized value.

    RECORD_ID is the patient_id for patient-level tables, the lab_result_id for
    lab_result. The query behind it is etl.lineage.LINEAGE_SQL (see README).

    \b
    Example:
        hsct lineage complication.grade 1 --concept complication/agvhd
    """
    table, _, name = column.partition(".")
    if not name:
        raise click.UsageError("give the column as TABLE.COLUMN, e.g. transplant.donor_type_id")
    engine = make_engine(resolve_url(db_url))
    try:
        with engine.connect() as conn:
            origins = find_lineage(conn, table, name, record_id, concept)
    finally:
        engine.dispose()
    if not origins:
        raise click.ClickException(
            f"no lineage for {column} of record {record_id}"
            + (f" ({concept})" if concept else "")
            + ": unknown record, or a column mappings/field_origin.csv does not list"
        )
    for o in origins:
        sheet = f", sheet {o.sheet}" if o.sheet else ""
        click.echo(
            f"{o.file_name}{sheet}, row {o.row_number}, column '{o.column_header}': {o.cell!r} ({o.record_field})"
        )
