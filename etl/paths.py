"""Where the project's data folders are (a source checkout, installed editable)."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MAPPINGS_DIR = PROJECT_ROOT / "mappings"
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
ALEMBIC_INI = PROJECT_ROOT / "alembic.ini"
