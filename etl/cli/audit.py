"""`hsct audit`: check the paper's published figures against each other."""

from __future__ import annotations

from pathlib import Path

import click

from etl.choices import AUDIT_FORMATS
from etl.paths import AUDIT_RULES, PUBLISHED_STATISTICS


@click.command()
@click.option(
    "--published",
    "published_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=PUBLISHED_STATISTICS,
    show_default=True,
    help="The catalog of published statistics.",
)
@click.option(
    "--rules",
    "rules_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=AUDIT_RULES,
    show_default=True,
    help="The relations to check.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(AUDIT_FORMATS)),
    default="text",
    show_default=True,
    help="text (inconsistent first, with the arithmetic) or json (one object per finding).",
)
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the report here instead of standard output.",
)
def audit(published_path: Path, rules_path: Path, fmt: str, out_path: Path | None) -> None:
    """Audit the paper's figures for internal consistency, from the figures alone.

    Percentages against counts, parts against wholes, subsets against sets,
    medians against ranges and subgroups, figures printed twice, p-values and
    coefficients recomputed from the counts (scipy), and Kaplan–Meier values
    against the group sizes. Every finding is reported, consistent ones too;
    findings are not failures, so the exit code is 0.

    \b
    Example:
        hsct audit --format text --out audit.txt
        hsct audit --format json | jq '.[] | select(.status == "inconsistent")'
    """
    from etl.audit import RENDERERS, run_audit, summary

    findings = run_audit(published_path, rules_path)
    report = RENDERERS[fmt](findings)
    if out_path is None:
        click.echo(report, nl=False)
        return
    out_path.write_text(report, encoding="utf-8")
    click.echo(f"{summary(findings)}; report written to {out_path}", err=True)
