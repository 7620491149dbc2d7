"""Partner centers as data (mappings/partners.yaml, or the file hsct.toml's `[paths] partners` names):
who receives what, and how."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from etl.errors import PartnerError
from etl.paths import MAPPINGS_DIR

PARTNERS_FILE = MAPPINGS_DIR / "partners.yaml"
RESOURCE_TYPES = (
    "Patient", "ResearchStudy", "ResearchSubject", "Condition", "Observation",
    "MedicationAdministration", "Procedure", "Provenance",
)  # fmt: skip
DATE_MODES = ("shift", "offset")


@dataclass(frozen=True)
class Partner:
    """A partner center of mappings/partners.yaml: its base URL, the resource types it receives, its
    date handling (`dates`: shift or offset), the environment variable holding its pseudonym secret."""

    name: str
    base_url: str
    resource_types: tuple[str, ...]
    dates: str
    secret_env: str
    demo_secret: str | None = None
    files_url: str | None = None
    timeout_s: float = 30.0
    retries: int = 5

    def secret(self) -> bytes:
        """The pseudonym secret: from the environment variable, else (demo partner only) the demo default."""
        value = os.environ.get(self.secret_env) or self.demo_secret
        if not value:
            raise PartnerError.of("error.partner.secret", partner=repr(self.name), var=self.secret_env)
        return value.encode("utf-8")

    @property
    def identifier_system(self) -> str:
        """The system of the patient pseudonyms this partner receives."""
        return f"https://hsct-registry.example.org/fhir/NamingSystem/pseudonym-{self.name}"


def partners_file() -> Path:
    """The partners file in force: `[paths] partners` of hsct.toml (a site's own), else mappings/partners.yaml."""
    from etl.config import load_config

    return load_config().paths.partners or PARTNERS_FILE


def _partner(name: str, spec: dict[str, Any], path: Path = PARTNERS_FILE) -> Partner:
    where: dict[str, object] = {"file": path.name, "partner": repr(name)}
    for field in ("base_url", "resource_types", "dates", "secret_env"):
        if field not in spec:
            raise PartnerError.of("error.partner.missing", field=field, **where)
    unknown = sorted(set(spec["resource_types"]) - set(RESOURCE_TYPES))
    if unknown:
        raise PartnerError.of("error.partner.unknown_types", types=unknown, known=", ".join(RESOURCE_TYPES), **where)
    if spec["dates"] not in DATE_MODES:
        raise PartnerError.of("error.partner.dates", modes=DATE_MODES, dates=repr(spec["dates"]), **where)
    types = tuple(t for t in RESOURCE_TYPES if t in spec["resource_types"])
    if "Patient" not in types:
        raise PartnerError.of("error.partner.needs_patient", **where)
    return Partner(
        name=name,
        base_url=str(spec["base_url"]).rstrip("/"),
        resource_types=types,
        dates=spec["dates"],
        secret_env=spec["secret_env"],
        demo_secret=spec.get("demo_secret"),
        files_url=spec.get("files_url"),
        timeout_s=float(spec.get("timeout_s", 30.0)),
        retries=int(spec.get("retries", 5)),
    )


def load_partners(path: Path | None = None) -> dict[str, Partner]:
    """Every partner of `path` (mappings/partners.yaml) by name; PartnerError (exit 6) when unreadable."""
    path = path or partners_file()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise PartnerError.of("error.partner.file_unreadable", path=path, error=exc.strerror) from exc
    return {name: _partner(name, spec, path) for name, spec in (data.get("partners") or {}).items()}


def get_partner(name: str, path: Path | None = None) -> Partner:
    """The partner `name`; PartnerError (exit 6) naming the known ones when there is no such partner."""
    path = path or partners_file()
    partners = load_partners(path)
    if name not in partners:
        raise PartnerError.of("error.partner.unknown", partner=repr(name), file=path, known=", ".join(sorted(partners)))
    return partners[name]


MIN_SECRET_BYTES = 32  # 256 bits: the HMAC-SHA-256 key length; a shorter secret can be guessed offline


def _configured_secret(partner: Partner) -> bytes | None:
    value = os.environ.get(partner.secret_env) or partner.demo_secret
    return value.encode("utf-8") if value else None


def checked_secret(partner: Partner, partners: dict[str, Partner] | None = None) -> bytes:
    """The partner's pseudonym secret, refused when shorter than 32 bytes or when another partner of
    the partners file (`partners`, else the file in force) has the same one: two partners given the
    same secret get the same ids, so that their exports could be linked."""
    secret = partner.secret()
    var = partner.secret_env
    if len(secret) < MIN_SECRET_BYTES:
        raise PartnerError.of(
            "error.partner.short_secret", partner=repr(partner.name), var=var, n=len(secret), min=MIN_SECRET_BYTES
        )
    for other in (load_partners() if partners is None else partners).values():
        if other.name != partner.name and _configured_secret(other) == secret:
            raise PartnerError.of(
                "error.partner.shared_secret", partner=repr(partner.name), other=repr(other.name), var=var,
                other_var=other.secret_env,
            )  # fmt: skip
    return secret


def check_dates(partner: Partner, anchor_type: str) -> None:
    """A partner given day offsets must receive the transplant's resource: its relative dates point at it."""
    if partner.dates == "offset" and anchor_type not in partner.resource_types:
        raise PartnerError.of("error.partner.offset_anchor", partner=repr(partner.name), anchor=anchor_type)
