"""Findings as text (for a closing note: inconsistent first, with the arithmetic) or JSON."""

from __future__ import annotations

import json
from collections import Counter

from etl.audit.model import STATUS_ORDER, Finding

HEADINGS = {
    "inconsistent": "INCONSISTENT — printed figures that cannot all be true as printed",
    "note": "NOTES — not recomputable from the printed figures, or possible only with censoring",
    "consistent": "CONSISTENT",
}


def summary(findings: list[Finding]) -> str:
    counts = Counter(f.status for f in findings)
    return f"{len(findings)} findings: " + ", ".join(f"{counts.get(s, 0)} {s}" for s in STATUS_ORDER)


def render_text(findings: list[Finding]) -> str:
    lines = ["Consistency audit of the published figures", summary(findings)]
    for status in STATUS_ORDER:
        group = [f for f in findings if f.status == status]
        if not group:
            continue
        lines += ["", f"{HEADINGS[status]} ({len(group)})", ""]
        for number, f in enumerate(group, 1):
            title = f" {f.title}" if f.title else ""
            lines.append(f"{number}. [{f.rule}] ({f.kind}){title}")
            lines.append(f"   ids: {', '.join(f.ids)}")
            lines.append(f"   {f.arithmetic}")
    return "\n".join(lines) + "\n"


def render_json(findings: list[Finding]) -> str:
    return json.dumps([f.to_dict() for f in findings], ensure_ascii=False, indent=2) + "\n"


RENDERERS = {"text": render_text, "json": render_json}
