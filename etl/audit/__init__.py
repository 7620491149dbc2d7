"""Consistency audit of the paper's published figures, from the figures alone (no cohort).

Public API:
    run_audit(published_path, rules_path) -> list[Finding]
    Finding(rule, kind, ids, status, arithmetic, title); status is consistent | inconsistent | note
    render_text(findings), render_json(findings)

The relations checked are data (study/audit_rules.yaml, whose header documents the syntax); each check
kind is implemented once in etl/audit/checks/ and named by the rules.
"""

from __future__ import annotations

from etl.audit.engine import DEFAULT_PUBLISHED, DEFAULT_RULES, run_audit
from etl.audit.model import Finding
from etl.audit.report import RENDERERS, render_json, render_text, summary

__all__ = ["DEFAULT_PUBLISHED", "DEFAULT_RULES", "RENDERERS", "Finding", "render_json", "render_text", "run_audit",
           "summary"]
