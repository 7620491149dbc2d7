"""Keyed pseudonyms (HMAC-SHA-256 with the partner's secret) and per-patient date shifts.

The same local key gives the same id for one partner every night, and unrelated
ids for two partners (their secrets differ). A patient's dates move by one offset
derived the same way, so that intervals between them stay exact.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable

ID_HEX = 32  # 128 bits: a valid FHIR id, collisions out of reach
MAX_SHIFT_DAYS = 365


class Pseudonymizer:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def id(self, local_key: str) -> str:
        """The FHIR id of a resource known locally as `local_key` (e.g. "Patient/12")."""
        return hmac.digest(self._secret, local_key.encode("utf-8"), "sha256").hex()[:ID_HEX]

    def ids(self, local_keys: Iterable[str]) -> list[str]:
        secret = self._secret
        digest = hmac.digest
        return [digest(secret, k.encode("utf-8"), "sha256").hex()[:ID_HEX] for k in local_keys]

    def shift_days(self, patient_id: int) -> int:
        """A non-zero offset in [-365, 365] days, fixed per patient and partner."""
        raw = hmac.digest(self._secret, f"date-shift/{patient_id}".encode(), "sha256")
        v = int.from_bytes(raw[:4], "big") % (2 * MAX_SHIFT_DAYS)
        return v - MAX_SHIFT_DAYS if v < MAX_SHIFT_DAYS else v - MAX_SHIFT_DAYS + 1


def patient_key(patient_id: int) -> str:
    return f"Patient/{patient_id}"
