"""Where the project's data folders are (a source checkout, installed editable)."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MAPPINGS_DIR = PROJECT_ROOT / "mappings"
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
ALEMBIC_INI = PROJECT_ROOT / "alembic.ini"
PUBLISHED_STATISTICS = PROJECT_ROOT / "study" / "published_statistics.yaml"  # the paper's figures (etl.audit)
AUDIT_RULES = PROJECT_ROOT / "study" / "audit_rules.yaml"  # the relations etl.audit checks between them
