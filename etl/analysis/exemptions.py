"""What a synthetic cohort's decisions file (study/decisions.yaml) says about each catalog id.

The generator records every choice it made where the printed figures cannot all hold, or where the paper
is ambiguous: `decisions:` entries with `catalog_ids`, `choice`, `reason`, `exempt` (the cohort does not
reproduce the printed value), optionally `exempt_only` (only these of the ids are exempt),
`exempt_fields` (only these parts, e.g. [pct]: the count still holds) and `pct_rule: truncate` (the paper
truncates this printed percentage, so it is compared truncated). A plain `exempt:` list or mapping of
ids (id | ids, reason | why) is accepted too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from etl.errors import InputError


@dataclass(frozen=True)
class Decision:
    """The cohort's decision about one catalog id."""

    reason: str
    exempt: bool
    fields: frozenset[str] | None = None  # exempt parts; None: the whole entry
    pct_rule: str = "round"
    id: str = ""  # the decision's id in the file (empty for a plain `exempt:` entry)

    def covers(self, parts: set[str]) -> bool:
        """Whether the exemption explains mismatches in these parts of the entry."""
        return self.exempt and (self.fields is None or parts <= self.fields)


def _text(entry: dict[str, Any]) -> str:
    parts = [str(entry[k]) for k in ("id", "choice", "reason", "why", "decision") if entry.get(k)]
    if "id" in entry and len(parts) > 1:
        parts[0] = f"[{parts[0]}]"
    return " ".join(" ".join(parts).split()) or "recorded in the cohort's decisions file"


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _decision_entry(entry: dict[str, Any]) -> dict[str, Decision]:
    ids = _as_list(entry.get("catalog_ids"))
    exempt = bool(entry.get("exempt"))
    only = set(_as_list(entry.get("exempt_only"))) or set(ids)
    fields = frozenset(_as_list(entry.get("exempt_fields"))) or None
    rule = str(entry.get("pct_rule") or "round")
    name = str(entry.get("id") or "")
    return {i: Decision(_text(entry), exempt and i in only, fields, rule, name) for i in ids}


def _plain(entries: Any) -> dict[str, Decision]:
    """`exempt:` as a mapping id -> reason, or a list of {id | ids, reason | why}."""
    if isinstance(entries, dict):
        return {str(k): Decision(" ".join(str(v).split()), True) for k, v in entries.items()}
    out: dict[str, Decision] = {}
    for entry in entries or []:
        if isinstance(entry, dict):
            reason = " ".join(str(entry.get("reason") or entry.get("why") or "exempted").split())
            for stat_id in _as_list(entry.get("ids", entry.get("id"))):
                out[stat_id] = Decision(reason, True)
    return out


def load_decisions(path: Path | None) -> dict[str, Decision]:
    """id -> Decision; empty when there is no decisions file."""
    if path is None or not Path(path).exists():
        return {}
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise InputError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(doc, dict):
        raise InputError(f"{path}: expected a mapping with `decisions:` (or `exempt:`)")
    out = _plain(doc.get("exempt") or doc.get("exemptions"))
    for entry in doc.get("decisions") or []:
        if not isinstance(entry, dict):
            continue
        for stat_id, decision in _decision_entry(entry).items():
            kept = out.get(stat_id)
            if kept is None or (decision.exempt and not kept.exempt):
                out[stat_id] = decision
    return out
