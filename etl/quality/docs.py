"""Where the Data Docs go by default: beside an SQLite database file, else ./quality-docs."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url

from etl.choices import DOCS_FOLDER  # light: `hsct quality --help` shows it


def default_docs_dir(url: str) -> Path:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        return Path(parsed.database).resolve().parent / DOCS_FOLDER
    return Path.cwd() / DOCS_FOLDER
