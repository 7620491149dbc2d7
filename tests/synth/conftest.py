"""One generated study night per test session (the CLI entry point, as a user runs it)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from etl.cli import main
from tests.conftest import generated_night


def run_generate(out: Path, *args: str) -> None:
    result = CliRunner().invoke(main, ["generate", "--out", str(out), *args])
    assert result.exit_code == 0, result.output + repr(result.exception)


@pytest.fixture(scope="session")
def study_night(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated_night(tmp_path_factory, tmp_path_factory.mktemp("night") / "20240101", "--inject-errors")
