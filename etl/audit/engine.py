"""Run every rule of the rules file over the published statistics."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from etl.audit.checks import CHECKS, COMMON_KEYS, KEYS, Settings
from etl.audit.model import Catalog, Finding, read_yaml
from etl.errors import InputError
from etl.paths import AUDIT_RULES, PUBLISHED_STATISTICS

DEFAULT_PUBLISHED = PUBLISHED_STATISTICS  # in etl.paths, light: `hsct audit --help` shows them
DEFAULT_RULES = AUDIT_RULES


def run_audit(published_path: Path | str = DEFAULT_PUBLISHED, rules_path: Path | str = DEFAULT_RULES) -> list[Finding]:
    """Every finding of every rule, consistent ones included, in the order of the rules file."""
    catalog = Catalog.load(Path(published_path))
    doc = read_yaml(Path(rules_path))
    if not isinstance(doc, dict) or not isinstance(doc.get("rules"), list):
        raise InputError(f"{rules_path}: no 'rules:' list; see the header of study/audit_rules.yaml")
    settings = Settings.from_doc(doc)
    findings: list[Finding] = []
    for rule in doc["rules"]:
        findings += _apply(rule, catalog, settings)
    return findings


def _apply(rule: dict[str, Any], catalog: Catalog, settings: Settings) -> list[Finding]:
    if not isinstance(rule, dict) or "id" not in rule or "kind" not in rule:
        raise InputError(f"every rule needs an id and a kind; got {rule!r}")
    check = CHECKS.get(rule["kind"])
    if check is None:
        raise InputError(f"rule {rule['id']!r}: unknown kind {rule['kind']!r}; known: {', '.join(CHECKS)}")
    unknown = set(rule) - COMMON_KEYS - KEYS[rule["kind"]]
    if unknown:
        raise InputError(f"rule {rule['id']!r}: unknown key(s) {', '.join(sorted(map(str, unknown)))}; "
                         "a comma in an unquoted {flow: mapping} value splits it — quote the value")
    return check(rule, catalog, settings)
