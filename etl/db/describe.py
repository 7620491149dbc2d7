"""A Markdown entity list generated from the models (the README's schema section)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Table

from schemas.tables import Base, metadata


def _column(col: Column[Any]) -> str:
    text = col.name
    if col.primary_key:
        text = f"**{text}**"
    refs = [fk.target_fullname.split(".")[0] for fk in col.foreign_keys]
    if refs:
        text += f" → {refs[0]}"
    return text


def _docs() -> dict[str, str]:
    docs: dict[str, str] = {}
    for mapper in Base.registry.mappers:
        doc = (mapper.class_.__doc__ or "").strip().splitlines()
        table = mapper.local_table
        assert isinstance(table, Table)  # every class of Base maps a plain table (schemas/tables/)
        docs[table.name] = doc[0] if doc else ""
    return docs


def describe_table(table: Table, doc: str = "") -> str:
    cols = ", ".join(_column(c) for c in table.columns)
    return f"- `{table.name}`{': ' + doc if doc else ''} — {cols}"


def describe_schema() -> str:
    """One line per table, in dependency order: name, then columns (bold = key, → = references)."""
    docs = _docs()
    return "\n".join(describe_table(t, docs.get(t.name, "")) for t in metadata.sorted_tables)


def replace_section(path: str | Path, marker: str, body: str) -> None:
    """Replace the text between `<!-- marker -->` and `<!-- /marker -->` in a file."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(rf"(<!-- {marker} -->\n).*?(\n<!-- /{marker} -->)", re.S)
    if not pattern.search(text):
        raise ValueError(f"{path} has no <!-- {marker} --> section")
    path.write_text(pattern.sub(lambda m: m.group(1) + body + m.group(2), text), encoding="utf-8")
