"""`hsct export push` without --out: the bundles live in a private temporary folder that is removed once
the partner acknowledged them (issue 15, item 7); the refused case is in tests/cli/test_permissions.py."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import requests

from tests.fhir.conftest import hsct


def test_a_push_without_out_leaves_nothing_behind(
    loaded_db: str, fhir_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    out = hsct("export", "push", "--db", loaded_db, "--url", fhir_server)
    assert "4 bundles sent" in out and "temporary folder was removed" in out
    assert list(scratch.iterdir()) == []
    stored = requests.get(f"{fhir_server}/Patient", timeout=10).json()
    assert len(stored.get("entry", [])) == 3
