"""Small synthetic catalogs and rule files for the audit's tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from etl.audit import Finding, run_audit


def audit(tmp_path: Path, stats: list[dict[str, Any]], rules: list[dict[str, Any]],
          conventions: dict[str, Any] | None = None) -> list[Finding]:
    """Write a catalog and a rules file to tmp_path and run the audit over them."""
    published = tmp_path / "published.yaml"
    published.write_text(yaml.safe_dump({"statistics": stats}, allow_unicode=True), encoding="utf-8")
    doc: dict[str, Any] = {"rules": rules}
    if conventions:
        doc["conventions"] = conventions
    rules_path = tmp_path / "rules.yaml"
    rules_path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return run_audit(published, rules_path)


def count(sid: str, n: int, denom: int | None = None, pct: float | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": sid, "kind": "count", "n": n}
    if denom is not None:
        entry["denom"] = denom
    if pct is not None:
        entry["pct"] = pct
    return entry


def only(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, findings
    return findings[0]
