"""Run every rule of the rules file over the published statistics."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from etl.audit.checks import CHECKS, COMMON_KEYS, KEYS, Settings
from etl.audit.model import Catalog, Finding, read_yaml
from etl.audit.notes import Code, note
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
    return _alternative_readings(findings)


def _alternative_readings(findings: list[Finding]) -> list[Finding]:
    """A reading that explains a printed value makes the other readings of that statistic informational:
    among the findings that read one statistic (`Finding.reading`), if one reproduces the printed value, each
    other one that does not is a `note` naming the rule(s) that do - never `inconsistent`."""
    explained: dict[str, list[str]] = {}
    for f in findings:
        if f.reading and f.explains and f.rule not in explained.setdefault(f.reading, []):
            explained[f.reading].append(f.rule)
    out = []
    for f in findings:
        by = [r for r in explained.get(f.reading, []) if r != f.rule] if f.reading else []
        if f.status == "inconsistent" and not f.explains and by:
            f = replace(
                f,
                status="note",
                arithmetic=f"{f.arithmetic} — informational: {', '.join(by)} reproduces the printed value "
                "under another reading",
                message=note("report.audit.explained_elsewhere", text=f.message, rules=[Code(r) for r in by]),
            )
        out.append(f)
    return out


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
