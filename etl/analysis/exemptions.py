"""Which catalog ids a synthetic cohort's decisions file exempts from reproduction, and why.

The generator records its choices in study/decisions.yaml: every printed figure the cohort does not
reproduce (because the printed figures cannot all hold, or by a choice of the cohort) is listed with
its reason. Accepted shapes: a top-level `exempt:` (or `exemptions:`) that is a mapping id -> reason
or a list of {id | ids, reason | why | decision}; or a `decisions:` list of such entries, of which
those with `exempt: true` (or with no `exempt` key and an `ids`/`id`) count.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from etl.errors import InputError

TEXT_KEYS = ("reason", "why", "decision", "note", "title")


def _text(entry: dict[str, Any]) -> str:
    for key in TEXT_KEYS:
        if entry.get(key):
            return " ".join(str(entry[key]).split())
    return "exempted by the cohort's decisions file"


def _ids(entry: dict[str, Any]) -> list[str]:
    ids = entry.get("ids", entry.get("id", []))
    return [ids] if isinstance(ids, str) else [str(i) for i in ids]


def _from_entries(entries: Any, need_flag: bool) -> dict[str, str]:
    out: dict[str, str] = {}
    if isinstance(entries, dict):
        for key, value in entries.items():
            out[str(key)] = _text(value) if isinstance(value, dict) else str(value)
        return out
    for entry in entries or []:
        if not isinstance(entry, dict) or (need_flag and entry.get("exempt") is False):
            continue
        for stat_id in _ids(entry):
            out.setdefault(stat_id, _text(entry))
    return out


def load_exemptions(path: Path | None) -> dict[str, str]:
    """id -> reason; empty when there is no decisions file."""
    if path is None or not Path(path).exists():
        return {}
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise InputError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(doc, dict):
        raise InputError(f"{path}: expected a mapping with `exempt:` or `decisions:`")
    out: dict[str, str] = {}
    for key in ("exempt", "exemptions"):
        out.update(_from_entries(doc.get(key), need_flag=False))
    out.update({k: v for k, v in _from_entries(doc.get("decisions"), need_flag=True).items() if k not in out})
    return out
