"""Run the real CLI in-process and check how it ended."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from etl.cli import main

ROOT = Path(__file__).parents[2]
NIGHT = ROOT / "tests" / "data" / "night_small"


def invoke(*args: str, env: dict[str, str | None] | None = None) -> Result:
    """`hsct ARGS` through click's runner (exceptions caught: a traceback shows as a non-SystemExit exception)."""
    return CliRunner().invoke(main, list(args), env=env)


def hsct(*args: str, code: int = 0, env: dict[str, str | None] | None = None) -> str:
    """Run `hsct ARGS`; its output. Fails unless it exits with `code` without a traceback."""
    result = invoke(*args, env=env)
    assert_clean_exit(result, code)
    return result.output


def assert_clean_exit(result: Result, code: int) -> None:
    """The command ended with `code` by its own decision: an hsct/click error or success, never a traceback."""
    assert result.exit_code == code, f"exit {result.exit_code}, expected {code}:\n{result.output}"
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
