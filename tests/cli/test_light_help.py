"""`hsct --help` and every command's `--help` answer at once: rendering them loads no heavy library.

The command modules import pandas, SQLAlchemy, great_expectations... inside the functions that use
them, so that a data manager asking for help does not wait seconds for libraries the help does not
need (bench/cli_help.py times it against 1 s). Checked by what is imported, not by the clock: a
top-level import that brings one back fails here on any machine.
"""

from __future__ import annotations

import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from etl.cli import main

# The top-level packages the commands import only when they run (each costs 0.1 s to seconds).
HEAVY = (
    "alembic",
    "fhir",
    "great_expectations",
    "jinja2",
    "lifelines",
    "matplotlib",
    "numpy",
    "openpyxl",
    "pandas",
    "psycopg",
    "pydantic",
    "scipy",
    "sqlalchemy",
    "yaml",
)

# In a fresh interpreter: the help of the root and of every command and subcommand, then every module loaded.
RENDER_EVERY_HELP = """
import sys

import click
from click.testing import CliRunner

from etl.cli import main


def paths(group, prefix=()):
    yield prefix
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from paths(command, (*prefix, name))
        else:
            yield (*prefix, name)


for path in paths(main):
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0 and "Usage: " in result.output, (path, result.output, result.exception)
print(" ".join(sorted(sys.modules)))
"""


def _command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found.extend(_command_paths(command, (*prefix, name)))
        else:
            found.append((*prefix, name))
    return found


def test_help_of_every_command_imports_no_heavy_library() -> None:
    done = subprocess.run([sys.executable, "-c", RENDER_EVERY_HELP], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    top_level = {name.partition(".")[0] for name in done.stdout.split()}
    assert "etl" in top_level
    loaded = sorted(top_level & set(HEAVY))
    assert not loaded, f"rendering the help imported {loaded}: import them inside the command that uses them"


@pytest.mark.parametrize("path", _command_paths(main), ids=lambda path: " ".join(("hsct", *path)))
def test_help_still_shows_its_example(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output


def test_the_light_choices_are_the_ones_the_code_uses() -> None:
    from etl.audit import RENDERERS
    from etl.choices import AUDIT_FORMATS

    assert sorted(RENDERERS) == sorted(AUDIT_FORMATS)
