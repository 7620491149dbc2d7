"""`hsct generate`: a synthetic night's folder of feeds, with its truth beside it."""

from __future__ import annotations

from pathlib import Path

import click

from etl.errors import EXIT_INPUT, HsctError


@click.command("generate")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the night into (created if missing).",
)
@click.option("--seed", default=20240101, show_default=True, type=int, help="Seed of the generator.")
@click.option(
    "--patients",
    default=None,
    type=click.IntRange(min=1),
    help="Cohort size; default is the 55-patient study cohort that reproduces the published statistics.",
)
@click.option("--inject-errors", is_flag=True, help="Add one bad row of each kind and a damaged file, with a manifest.")
def generate(out: Path, seed: int, patients: int | None, inject_errors: bool) -> None:
    """Write a synthetic night: registry_ru (.xlsx, .csv), registry_en, labs, and truth/.

    The same arguments give byte-identical files. Without --patients the cohort
    is the study's (55 children whose statistics are the published ones, see
    study/decisions.yaml); with --patients N it is drawn from the same
    distributions, for benchmarks.

    \b
    Example:
        hsct generate --out nights/20240101 --seed 7 --inject-errors
    """
    from etl.synth import generate as run

    if out.exists() and any(p for p in out.iterdir() if p.name != "truth"):
        raise HsctError.of("error.out_not_empty", EXIT_INPUT, out=out)
    click.echo(f"generating {'the study cohort' if patients is None else f'{patients} patients'} into {out} ...")
    report = run(out, seed=seed, patients=patients, inject_errors=inject_errors)
    files = sorted(p.name for p in out.iterdir() if p.is_file())
    click.echo(f"wrote {report['patients']} patients: {', '.join(files)}; truth in {out / 'truth'}")
    if "injected" in report:
        click.echo(f"injected {report['injected']} bad inputs; manifest in {out / 'truth' / 'injected_errors.csv'}")
