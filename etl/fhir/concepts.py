"""Concepts as FHIR CodeableConcepts, from the `concept` and `concept_coding` tables.

Each coded element carries the concept's code with its English display and a
Russian translation of that display (the standard `translation` extension), any
further codings of the concept (SNOMED CT beside ICD-10, RxNorm beside ATC), and
the English text. A coding of a code system whose codes change between versions (ATC) states
the version it was read from (`versions` of mappings/fhir/terminology.yaml, as Coding.version).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Connection, select

from etl.paths import MAPPINGS_DIR
from schemas.tables import Concept, ConceptCoding

TERMINOLOGY = MAPPINGS_DIR / "fhir" / "terminology.yaml"

TRANSLATION_URL = "http://hl7.org/fhir/StructureDefinition/translation"


def russian(text: str) -> dict[str, Any]:
    """The `_element` of a string with its Russian translation."""
    return {
        "extension": [
            {
                "url": TRANSLATION_URL,
                "extension": [{"url": "lang", "valueCode": "ru"}, {"url": "content", "valueString": text}],
            }
        ]
    }


@cache
def load_terminology(path: Path = TERMINOLOGY) -> dict[str, Any]:
    """mappings/fhir/terminology.yaml: `versions` (system -> version), `fixed` (system -> code ->
    where it was verified), `withdrawn` (standard codes never emitted). Syntax in its header."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {"versions": data.get("versions") or {}, "fixed": data.get("fixed") or {},
            "withdrawn": data.get("withdrawn") or []}  # fmt: skip


def coding(system: str, code: str, display: str | None, versions: dict[str, str]) -> dict[str, Any]:
    """A Coding in element order (system, version, code, display); the version where `versions` has one."""
    out: dict[str, Any] = {"system": system}
    if system in versions:
        out["version"] = versions[system]
    out["code"] = code
    if display is not None:
        out["display"] = display
    return out


class ConceptIndex:
    """concept_id → CodeableConcept (built once; the same object is shared by every resource)."""

    def __init__(self, concepts: dict[str, dict[str, Any]], codes: dict[str, str]) -> None:
        self._concepts = concepts
        self._codes = codes

    @classmethod
    def load(cls, conn: Connection) -> ConceptIndex:
        versions = load_terminology()["versions"]
        extra: dict[str, list[dict[str, Any]]] = {}
        rows = conn.execute(select(ConceptCoding.__table__).order_by(ConceptCoding.concept_id, ConceptCoding.system))
        for r in rows:
            extra.setdefault(r.concept_id, []).append(coding(r.system, r.code, r.display, versions))
        concepts: dict[str, dict[str, Any]] = {}
        codes: dict[str, str] = {}
        for c in conn.execute(select(Concept.__table__)):
            primary = coding(c.system, c.code, c.display_en, versions) | {"_display": russian(c.display_ru)}
            concepts[c.concept_id] = {"coding": [primary, *extra.get(c.concept_id, [])], "text": c.display_en}
            codes[c.concept_id] = c.code
        return cls(concepts, codes)

    def __getitem__(self, concept_id: str) -> dict[str, Any]:
        try:
            return self._concepts[concept_id]
        except KeyError:
            raise KeyError(f"concept {concept_id!r} is not in the concept table (mappings/concepts.csv)") from None

    def get(self, concept_id: str | None) -> dict[str, Any] | None:
        return None if concept_id is None else self[concept_id]

    def code(self, concept_id: str) -> str:
        return self._codes[concept_id]
