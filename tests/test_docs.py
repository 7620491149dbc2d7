"""The documentation is tested: every command has help and is in the README; the schema section is current."""

from __future__ import annotations

import re

import click
import pytest

from etl.cli import main
from etl.db.describe import describe_schema
from etl.paths import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "hsct") -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    for name, cmd in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        found.append((path, cmd))
        if isinstance(cmd, click.Group):
            found.extend(_commands(cmd, path))
    return found


@pytest.mark.parametrize(("path", "command"), _commands(main), ids=lambda v: v if isinstance(v, str) else "")
def test_command_has_help_with_example_and_is_documented(path: str, command: click.Command) -> None:
    assert command.help and len(command.help.strip()) > 20, f"{path} has no help text"
    assert "Example" in command.help, f"{path} help has no example"
    assert f"`{path}" in README, f"{path} is not in README.md"


def test_readme_schema_section_is_generated_from_the_models() -> None:
    section = re.search(r"<!-- schema -->\n(.*?)\n<!-- /schema -->", README, re.S)
    assert section, "README.md has no schema section"
    assert section.group(1).strip() == describe_schema().strip(), "run `hsct db schema` and paste it into README.md"


def test_readme_has_the_two_commands_ci_runs() -> None:
    for marker in ("main-command", "test-command"):
        assert re.search(rf"<!-- {marker} -->\n```\n.+\n```\n<!-- /{marker} -->", README), marker


def test_readme_shows_the_lineage_query_the_code_runs() -> None:
    from etl.lineage import LINEAGE_SQL

    assert LINEAGE_SQL.strip() in README, "README's lineage query differs from etl.lineage.LINEAGE_SQL"
