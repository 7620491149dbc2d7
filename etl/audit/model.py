"""The audit's data: a finding, and the catalog of published figures it reads."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from etl.errors import InputError

Status = Literal["consistent", "inconsistent", "note"]
STATUS_ORDER: tuple[Status, ...] = ("inconsistent", "note", "consistent")


@dataclass(frozen=True)
class Finding:
    """One check of one relation between published figures."""

    rule: str
    kind: str
    ids: list[str]
    status: Status
    arithmetic: str
    title: str = ""
    # the arithmetic as a note of mappings/messages.csv (etl.audit.notes.Note), for the bilingual report;
    # not part of the finding's identity nor of its JSON
    message: Any = field(default=None, compare=False, repr=False)
    # the printed statistic this finding is one reading of (rules that read one statistic in several ways share
    # it), and whether this reading reproduces the printed value; the engine uses both, the JSON shows neither
    reading: str = field(default="", compare=False, repr=False)
    explains: bool = field(default=False, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for internal in ("message", "reading", "explains"):
            out.pop(internal)
        return out


@dataclass
class Catalog:
    """The published statistics by id; a reference is `id` (field n) or `id:field`."""

    entries: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Catalog:
        doc = _read_yaml(path)
        stats = doc.get("statistics") if isinstance(doc, dict) else None
        if not isinstance(stats, list):
            raise InputError(f"{path}: no 'statistics:' list; is this a published_statistics.yaml?")
        return cls({entry["id"]: entry for entry in stats})

    def entry(self, ref: str) -> dict[str, Any]:
        stat_id = ref.split(":", 1)[0]
        if stat_id not in self.entries:
            raise InputError(f"unknown statistic id {stat_id!r}; check the rule against published_statistics.yaml")
        return self.entries[stat_id]

    def get(self, ref: str, default_field: str = "n") -> Any:
        stat_id, _, fld = ref.partition(":")
        fld = fld or default_field
        entry = self.entry(stat_id)
        if fld not in entry:
            raise InputError(f"statistic {stat_id!r} has no field {fld!r}")
        return entry[fld]

    def has(self, ref: str, default_field: str = "n") -> bool:
        stat_id, _, fld = ref.partition(":")
        return stat_id in self.entries and (fld or default_field) in self.entries[stat_id]

    def total(self, refs: str | list[str]) -> int:
        """The sum of the counts a reference (or list of references) names."""
        return sum(int(self.get(ref)) for ref in as_list(refs))


def as_list(refs: str | list[str]) -> list[str]:
    return [refs] if isinstance(refs, str) else list(refs)


def ids_of(*refs: str | list[str]) -> list[str]:
    """Catalog ids (fields stripped, order kept, no repeats) of the given references."""
    seen: dict[str, None] = {}
    for group in refs:
        for ref in as_list(group):
            seen.setdefault(ref.split(":", 1)[0], None)
    return list(seen)


def show(catalog: Catalog, refs: str | list[str]) -> str:
    """`a + b (= 5)` style rendering of a sum of counts, with each reference named."""
    parts = [f"{catalog.get(ref)} ({ref})" for ref in as_list(refs)]
    if len(parts) == 1:
        return parts[0]
    return " + ".join(parts) + f" = {catalog.total(refs)}"


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise InputError(f"{path} is not valid YAML: {exc}") from exc


def read_yaml(path: Path) -> Any:
    return _read_yaml(path)
