"""Concepts as FHIR CodeableConcepts, from the `concept` and `concept_coding` tables.

Each coded element carries the concept's code with its English display and a
Russian translation of that display (the standard `translation` extension), any
further codings of the concept (SNOMED CT beside ICD-10, RxNorm beside ATC), and
the English text.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from schemas.tables import Concept, ConceptCoding

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


class ConceptIndex:
    """concept_id → CodeableConcept (built once; the same object is shared by every resource)."""

    def __init__(self, concepts: dict[str, dict[str, Any]], codes: dict[str, str]) -> None:
        self._concepts = concepts
        self._codes = codes

    @classmethod
    def load(cls, conn: Connection) -> ConceptIndex:
        extra: dict[str, list[dict[str, Any]]] = {}
        rows = conn.execute(select(ConceptCoding.__table__).order_by(ConceptCoding.concept_id, ConceptCoding.system))
        for r in rows:
            extra.setdefault(r.concept_id, []).append({"system": r.system, "code": r.code, "display": r.display})
        concepts: dict[str, dict[str, Any]] = {}
        codes: dict[str, str] = {}
        for c in conn.execute(select(Concept.__table__)):
            primary = {"system": c.system, "code": c.code, "display": c.display_en, "_display": russian(c.display_ru)}
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
