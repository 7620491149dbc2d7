"""What every check receives and returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from etl.audit.model import Catalog, Finding, Status
from etl.audit.notes import Note, note
from etl.errors import InputError


@dataclass(frozen=True)
class Settings:
    """Conventions the whole audit shares (the `conventions:` block of the rules file)."""

    percent_convention: str = "round"  # the paper's own rounding; the other one is reported when only it matches
    alpha: float = 0.05  # "n.s." means p >= alpha
    denominator_search_limit: int = 120

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Settings:
        conv = doc.get("conventions") or {}
        return cls(
            percent_convention=conv.get("percent_rounding", cls.percent_convention),
            alpha=float(conv.get("alpha", cls.alpha)),
            denominator_search_limit=int(conv.get("denominator_search_limit", cls.denominator_search_limit)),
        )

    @property
    def other_convention(self) -> str:
        return "truncate" if self.percent_convention == "round" else "round"


Check = Callable[[dict[str, Any], Catalog, Settings], list[Finding]]


def finding(
    rule: dict[str, Any],
    ids: list[str],
    status: Status,
    arithmetic: str,
    message: Note | None = None,
    reading: str = "",
    explains: bool = False,
) -> Finding:
    """`message`: the same arithmetic as a note of mappings/messages.csv (`report.audit.*`), for the
    bilingual report; the rule's `note` is then `report.audit.note.<rule id>`. `reading`: the printed statistic
    this finding reads (one of several readings of it); `explains`: this reading reproduces the printed value."""
    remark = rule.get("note")
    if remark and status != "consistent":
        arithmetic = f"{arithmetic} — {remark}"
        if message is not None:
            message = note("report.audit.with_note", text=message, note=note(f"report.audit.note.{rule['id']}"))
    return Finding(
        rule=rule["id"],
        kind=rule["kind"],
        ids=ids,
        status=status,
        arithmetic=arithmetic,
        title=rule.get("title", ""),
        message=message,
        reading=reading,
        explains=explains,
    )


def need(rule: dict[str, Any], *keys: str) -> None:
    missing = [key for key in keys if key not in rule]
    if missing:
        raise InputError(f"rule {rule.get('id')!r} ({rule.get('kind')}) lacks {', '.join(missing)}")
