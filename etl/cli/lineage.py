"""`hsct lineage`: where a harmonized value came from."""

from __future__ import annotations

import click

from etl.cli.options import current_lang, db_option
from etl.errors import EXIT_NOT_FOUND, HsctError
from etl.messages import text


@click.command("lineage")
@click.argument("column", metavar="TABLE.COLUMN")
@click.argument("record_id", type=int, required=False)
@click.option("--patient", default=None, metavar="CODE", help="The patient by registry code (any spelling).")
@click.option("--concept", default="", help="For long tables, the row's concept (e.g. complication/sos).")
@db_option
def lineage(column: str, record_id: int | None, patient: str | None, concept: str, db_url: str | None) -> None:
    """Print the source file, sheet, row, column header and cell of a harmonized value.

    The record is a patient, by registry code (--patient ТГСК-2019-014) or by RECORD_ID (the
    patient_id; for lab_result, the lab_result_id). Long tables (complication, pretransplant_toxicity,
    drug_administration) hold one row per concept: name it with --concept (the command lists them
    when it is missing). The query behind it is etl.lineage.LINEAGE_SQL (see README).

    \b
    Example:
        hsct lineage transplant.donor_type_id --patient ТГСК-2019-014
        hsct lineage complication.grade --patient HSCT-2019-014 --concept complication/agvhd
    """
    lang = current_lang()
    table, _, name = column.partition(".")
    if not name:
        raise click.UsageError(text("error.lineage_column", lang))
    if (record_id is None) == (patient is None):
        raise click.UsageError(text("error.lineage_record", lang))
    from etl.db import make_engine, resolve_url
    from etl.db.require import require_database
    from etl.lineage import concepts_of, patient_id_of
    from etl.lineage import lineage as find_lineage

    engine = make_engine(resolve_url(db_url))
    try:
        require_database(engine)
        with engine.connect() as conn:
            if patient is not None:
                record_id = patient_id_of(conn, patient)
                if record_id is None:
                    raise HsctError(text("error.no_such_patient", lang, patient=patient), exit_code=EXIT_NOT_FOUND)
            assert record_id is not None
            concepts = concepts_of(conn, table, name)
            if concepts and not concept:
                raise click.UsageError(text("error.lineage_concept", lang, table=table, concepts=", ".join(concepts)))
            origins = find_lineage(conn, table, name, record_id, concept)
    finally:
        engine.dispose()
    if not origins:
        raise HsctError(
            text("error.no_lineage", lang, column=column, record=record_id, concept=concept),
            exit_code=EXIT_NOT_FOUND,
        )
    for o in origins:
        key = "console.lineage.origin_sheet" if o.sheet else "console.lineage.origin"
        click.echo(
            text(key, lang, file=o.file_name, sheet=o.sheet, row=o.row_number, column=o.column_header,
                 cell=repr(o.cell), field=o.record_field)
        )  # fmt: skip
