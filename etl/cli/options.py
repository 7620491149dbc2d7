"""Options shared by several commands."""

from __future__ import annotations

import click

db_option = click.option(
    "--db",
    "db_url",
    metavar="URL",
    default=None,
    help="Database URL (default: $HSCT_DATABASE_URL, else sqlite:///hsct.db in the working directory).",
)
