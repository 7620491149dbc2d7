"""Fixtures of the FHIR export tests: a loaded registry, the Node.js tools, a local FHIR server."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from etl.cli import main

ROOT = Path(__file__).parents[2]
NIGHT = ROOT / "tests" / "data" / "night_small"
NODE_DIR = ROOT / "tools" / "fhir-node"


def hsct(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def loaded_db(db_url: str) -> str:
    """A database after one real nightly run of tests/data/night_small (3 patients, labs)."""
    hsct("run", "--source", str(NIGHT), "--db", db_url, "--wait")
    return db_url


@pytest.fixture(scope="session")
def node_tools() -> Path:
    """tools/fhir-node with its packages installed (`npm ci --prefix tools/fhir-node`).

    In CI (CI set) a missing install fails the test; elsewhere it skips with the command to run.
    """
    if shutil.which("node") is None or not (NODE_DIR / "node_modules" / "@medplum" / "core").is_dir():
        message = "tools/fhir-node is not installed: run `npm ci --prefix tools/fhir-node` (needs Node.js 20)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return NODE_DIR


def node_validate(tools: Path, files: list[Path]) -> tuple[dict, list[dict]]:
    """Run the independent validator; its summary and the invalid resources it reports."""
    proc = subprocess.run(
        ["node", str(tools / "validate.mjs"), *map(str, files)], capture_output=True, text=True, timeout=300
    )
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert lines, proc.stderr
    summary, problems = lines[-1], lines[:-1]
    assert proc.returncode == (1 if problems else 0), proc.stderr
    return summary, problems


@contextmanager
def local_fhir_server(node_tools: Path, *flags: str) -> Iterator[str]:
    """A local FHIR server (medplum's router, in memory, tools/fhir-node/server.mjs) on a free port,
    with server.mjs's `flags` (faults to inject); its base URL."""
    proc = subprocess.Popen(
        ["node", str(node_tools / "server.mjs"), "--port", "0", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line, proc.stderr.read() if proc.stderr else "the server did not start"
        yield f"http://127.0.0.1:{json.loads(line)['port']}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def fhir_server(node_tools: Path) -> Iterator[str]:
    """A local FHIR server that fails the first attempt of every 3rd distinct POST with a 503 and
    drops the answer to every 4th after storing it."""
    with local_fhir_server(node_tools, "--fail-before", "3", "--fail-after", "4") as url:
        yield url
