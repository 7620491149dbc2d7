"""The `hsct` command line: a thin layer over the stages.

Each subcommand lives in a module of its own and is registered here; a
command exists only once it works.
"""

from __future__ import annotations

import click

from etl import __version__
from etl.cli.audit import audit
from etl.cli.db import db
from etl.cli.demo import demo
from etl.cli.export import export
from etl.cli.generate import generate
from etl.cli.lineage import lineage
from etl.cli.mappings import mappings
from etl.cli.quality import quality
from etl.cli.report import report
from etl.cli.run import run, runs


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hsct")
def main() -> None:
    """hsct: the registry's nightly harmonization and FHIR export pipeline.

    \b
    Example:
        hsct db upgrade --db sqlite:///hsct.db
    """


main.add_command(db)
main.add_command(mappings)
main.add_command(run)
main.add_command(lineage)
main.add_command(runs)
main.add_command(audit)
main.add_command(quality)
main.add_command(export)
main.add_command(report)
main.add_command(generate)
main.add_command(demo)
