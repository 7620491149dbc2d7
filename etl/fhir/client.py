"""A FHIR transaction client with retries: exponential back-off on 5xx, 429, time-outs and
dropped connections; a 4xx is final. Re-sending is safe: every entry is a PUT or DELETE
with its id, so a retry after a success whose answer was lost changes nothing."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

RETRY_STATUS = {429, 500, 502, 503, 504}
OK_DELETE = {"200", "202", "204", "404", "410"}


class PermanentFailure(Exception):
    pass


OnRetry = Callable[[int, int, float, str], None]  # (attempt about to be sent, attempts allowed, wait in s, why)


@dataclass
class FhirClient:
    base_url: str
    timeout_s: float = 30.0
    retries: int = 5
    backoff_s: float = 0.5
    attempts: int = 0  # requests sent, retries included
    on_retry: OnRetry | None = None  # told before each retry what is retried and why (the push's progress)

    def __post_init__(self) -> None:
        self.session = requests.Session()

    def transaction(self, body: bytes) -> dict[str, Any]:
        """POST a transaction Bundle; its transaction-response once every entry succeeded."""
        last = ""
        for attempt in range(self.retries + 1):
            if attempt:
                wait = min(self.backoff_s * 2 ** (attempt - 1), 30.0)
                if self.on_retry is not None:
                    self.on_retry(attempt + 1, self.retries + 1, wait, last)
                time.sleep(wait)
            self.attempts += 1
            try:
                r = self.session.post(
                    self.base_url,
                    data=body,
                    headers={"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"},
                    timeout=self.timeout_s,
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                last = f"{exc.__class__.__name__}: {exc}"
                continue
            if r.status_code in RETRY_STATUS:
                last = f"HTTP {r.status_code}"
                continue
            if r.status_code >= 400:
                raise PermanentFailure(f"HTTP {r.status_code}: {r.text[:500]}")
            response: dict[str, Any] = r.json()
            _check_entries(response, body)
            return response
        raise PermanentFailure(f"no answer after {self.retries + 1} attempts: {last}")

    def get(self, path: str) -> requests.Response:
        return self.session.get(f"{self.base_url}/{path}", timeout=self.timeout_s)


def _check_entries(response: dict[str, Any], body: bytes) -> None:
    if response.get("resourceType") != "Bundle":
        raise PermanentFailure(f"the server answered a {response.get('resourceType')}, not a Bundle")
    for i, entry in enumerate(response.get("entry") or []):
        status = str(entry.get("response", {}).get("status", "")).split(" ")[0]
        if status.startswith("2") or status in OK_DELETE:
            continue
        raise PermanentFailure(f"entry {i + 1} of the transaction failed with status {status}")
