"""`hsct mappings ...`: validate the mapping files and find what they do not cover."""

from __future__ import annotations

from pathlib import Path

import click

from etl.errors import EXIT_FINDINGS, InputError
from etl.paths import MAPPINGS_DIR

_folder_option = click.option(
    "--mappings",
    "mappings_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=MAPPINGS_DIR,
    show_default=True,
    help="The mapping folder to use.",
)


_TITLES = {
    "header": "headers no mapping knows",
    "value": "values no mapping knows",
    "duplicate_header": "headers naming a field another column already names",
}


@click.group()
def mappings() -> None:
    """Check the bilingual mapping files (mappings/) and list what they do not cover.

    \b
    Example:
        hsct mappings check && hsct mappings unmapped --source nightly/2026-01-05
    """


@mappings.command("check")
@_folder_option
def mappings_check(mappings_dir: Path) -> None:
    """Validate the mapping files: no spelling mapped to two targets within a domain or
    feed, every target a concept of concepts.csv, every concept reachable, every field
    parsed, every column of the field catalogue a column of the schema. Exit 11 with the
    list of problems.

    \b
    Example:
        hsct mappings check --mappings mappings/
    """
    from etl.harmonize.check import check_mappings

    click.echo(f"checking the mapping files in {mappings_dir}")
    problems = check_mappings(mappings_dir)
    if not problems:
        click.echo("ok: no problems found")
        return
    click.echo(f"{len(problems)} problem(s):", err=True)
    for problem in problems:
        click.echo(f"  - {problem}", err=True)
    raise SystemExit(EXIT_FINDINGS)


@mappings.command("unmapped")
@click.option(
    "--source",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of feed files (registry_ru*, registry_en*, labs* as .csv/.xlsx).",
)
@click.option("--csv", "csv_out", type=click.Path(dir_okay=False, path_type=Path), help="Also write the list as CSV.")
@_folder_option
def mappings_unmapped(source: Path, csv_out: Path | None, mappings_dir: Path) -> None:
    """List every header and coded value of the feed files in --source that no mapping
    knows, with counts and an example file and row. Exit 11 if anything is unmapped.

    Add each listed spelling to mappings/field_catalogue.yaml (headers) or mappings/values/<domain>.yaml.

    \b
    Example:
        hsct mappings unmapped --source nightly/2026-01-05 --csv unmapped.csv
    """
    from etl.harmonize.unmapped import find_unmapped
    from etl.harmonize.vocab import MappingError

    click.echo(f"reading the feed files in {source}")
    try:
        report = find_unmapped(source, mappings_dir)
    except MappingError as exc:
        raise InputError.of("error.mappings_broken", error=exc) from exc
    for name, reason in report.unreadable:
        click.echo(f"unreadable file {name}: {reason}", err=True)
    if csv_out is not None:
        report.items.to_csv(csv_out, index=False)
        click.echo(f"list written to {csv_out}")
    if report.empty:
        click.echo(f"ok: every header and coded value of {report.files} file(s) is mapped")
        return
    for kind, group in report.items.groupby("kind", sort=False):
        click.echo(f"\n{_TITLES.get(str(kind), str(kind))} ({len(group)}):")
        for row in group.itertuples(index=False):
            where = f"{row.feed}" + (f".{row.field} [{row.domain}]" if row.field else "")
            click.echo(f"  {where}: {row.value!r} x{row.count} (e.g. {row.example_file} row {row.example_row})")
    click.echo(f"\n{len(report.items)} unmapped item(s) in {report.files} file(s)")
    raise SystemExit(EXIT_FINDINGS)
