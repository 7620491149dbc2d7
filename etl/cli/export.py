"""`hsct export fhir`, `hsct export push` and `hsct export package`: the FHIR R4 export to partner centers
and the conformance package it conforms to."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from etl.choices import VALIDATION_MODES
from etl.cli.options import current_lang, db_option
from etl.errors import DatabaseError, InputError
from etl.messages import decimal_mark, text

if TYPE_CHECKING:  # etl.fhir loads fhir.resources, pandas and SQLAlchemy: when a command runs, not for its help
    from etl.fhir.export import ExportResult

DEFAULT_PARTNER = "demo"
partner_option = click.option(
    "--partner", default=DEFAULT_PARTNER, show_default=True, help="A partner of mappings/partners.yaml."
)
validate_option = click.option(
    "--validate",
    type=click.Choice(VALIDATION_MODES),
    default="sample",
    show_default=True,
    help="Validate by the fhir.resources R4 models every resource (all), the first of each kind and 1 in 1000 "
    "(sample), or none.",
)


@click.group("export")
def export() -> None:
    """Export the harmonized registry as FHIR R4 to partner centers.

    \b
    Example:
        hsct export fhir --out out/demo --format ndjson --partner demo
    """


def _summary(result: ExportResult, seconds: float, kept: bool = True) -> None:
    lang = current_lang()
    scope = (
        text("export.scope.all", lang)
        if result.since_run_id is None
        else text("export.scope.since", lang, run=result.since_run_id)
    )
    click.echo(
        text(
            "export.summary", lang, partner=result.partner, scope=scope, run=result.up_to_run_id,
            patients=result.patients, resources=result.resources, deleted_patients=result.deleted_patients,
            deleted_resources=result.deleted_resources, seconds=decimal_mark(f"{seconds:.1f}", lang),
        )
    )  # fmt: skip
    for rtype, n in result.counts.items():
        click.echo(f"  {rtype:26} {n:>9}")
    where = text("export.written", lang, path=result.out_dir) if kept else text("export.temp_removed", lang)
    click.echo(text("export.validated", lang, validated=result.validated, where=where))


def _notice(key: str, /, **params: object) -> None:
    """Told, by message key, that the export waits for a running night (etl.db.lock)."""
    click.echo(f"hsct export: {text(key, current_lang(), **params)}", err=True)


@export.command("fhir")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True, help="Folder to write into.")
@click.option("--format", "fmt", type=click.Choice(["bundle", "ndjson"]), default="ndjson", show_default=True)
@partner_option
@click.option("--since", default=None, metavar="RUN|TIMESTAMP", help="Only what changed after this run.")
@validate_option
@db_option
def fhir(out_dir: Path, fmt: str, partner: str, since: str | None, validate: str, db_url: str | None) -> None:
    """Write the partner's pseudonymized FHIR R4 export: NDJSON files with a Bulk Data manifest,
    or one transaction Bundle per patient (PUTs with stable ids; at most 50 Observations each).

    With --since, only the patients changed after that run (or after the runs finished
    by that time), and DELETEs for what the partner should remove.

    Only published data is exported: a database that does not exist or is not migrated
    is refused (exit 10: `hsct db upgrade`), one with nothing published yet too (exit 13).
    The files and folders written are readable by their owner only.

    \b
    Example:
        hsct export fhir --out out/berlin --format bundle --partner berlin --since 12
    """
    from sqlalchemy.exc import SQLAlchemyError

    from etl.db import make_engine, resolve_url
    from etl.db.require import require_database
    from etl.fhir.export import export_fhir
    from etl.fhir.partners import get_partner

    p = get_partner(partner)
    engine = make_engine(resolve_url(db_url))
    start = time.perf_counter()
    try:
        # a full export of nothing is refused (exit 13); --since with no change is an empty delta
        require_database(engine, published=True, patients=since is None, wait=True, notice=_notice)
        result = export_fhir(engine, p, out_dir, fmt, since=since, validate=validate, notice=_notice)
    except SQLAlchemyError as exc:
        raise DatabaseError.of("error.export_failed", error=f"{exc.__class__.__name__}: {exc}") from exc
    finally:
        engine.dispose()
    _summary(result, time.perf_counter() - start)


@export.command("package")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True, help="Folder to write into.")
@click.option("--unpacked", is_flag=True, help="Also write the package's files into OUT/package/.")
def package(out_dir: Path, unpacked: bool) -> None:
    """Write the partners' conformance package, a FHIR NPM package generated from mappings/:
    the profiles every exported resource names in meta.profile, the local extensions, a
    CodeSystem for every local code system (English and Russian), a ValueSet for every coded
    element and a CapabilityStatement. Its version (0.1.0+<hash of the mapping files>) changes
    whenever a mapping file does; the export's manifest.json and Bundles name it.

    \b
    Example:
        hsct export package --out out/package --unpacked
    """
    from etl.fhir.conformance.npm import write_package
    from etl.fhir.conformance.package import build_package
    from etl.fhir.mapping import MappingError

    try:
        built = build_package()
    except (MappingError, KeyError, ValueError) as exc:
        raise InputError.of("error.mappings_broken", error=exc) from exc
    path = write_package(built, out_dir, unpacked=unpacked)
    lang = current_lang()
    click.echo(text("export.package.written", lang, name=built.name, version=built.version, path=path))
    if unpacked:
        click.echo(text("export.package.unpacked", lang, path=out_dir / "package"))


@export.command("push")
@partner_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Keep the bundles here (default: a temporary folder, removed after).",
)
@click.option(
    "--url", default=None, help="Send to this FHIR endpoint instead of the partner's base_url (a test server)."
)
@validate_option
@db_option
def push(partner: str, out_dir: Path | None, url: str | None, validate: str, db_url: str | None) -> None:
    """Send the partner's FHIR server what changed since its last acknowledged push, as
    transaction Bundles, retrying on 5xx and time-outs; record what it acknowledged.

    Without --out the bundles are written to a private temporary folder, removed when the
    push ends (whether it succeeded or not). Exit 10 on a missing or unmigrated database,
    13 when nothing is published yet.

    \b
    Example:
        hsct export push --partner demo
    """
    from sqlalchemy.exc import SQLAlchemyError

    from etl.db import make_engine, resolve_url
    from etl.db.require import require_database
    from etl.fhir.partners import get_partner
    from etl.fhir.push import push as push_bundles

    p = get_partner(partner)
    if url:
        p = replace(p, base_url=url.rstrip("/"))
    engine = make_engine(resolve_url(db_url))
    start = time.perf_counter()
    try:
        require_database(engine, published=True, wait=True, notice=_notice)
        result = push_bundles(engine, p, out_dir, validate=validate, say=_notice)
    except SQLAlchemyError as exc:
        raise DatabaseError.of("error.push_failed", error=f"{exc.__class__.__name__}: {exc}") from exc
    finally:
        engine.dispose()
    _summary(result.export, time.perf_counter() - start, kept=out_dir is not None)
    click.echo(
        text(
            "push.summary", current_lang(), url=p.base_url, sent=result.sent, skipped=result.skipped,
            attempts=result.attempts,
        )
    )  # fmt: skip
