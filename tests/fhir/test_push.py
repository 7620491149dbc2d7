"""Push to a real FHIR server started locally, which fails the first attempt of some requests
(a 503 before storing, or a dropped answer after storing): every resource is stored once."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import requests
from sqlalchemy import select

from etl.db import make_engine
from etl.fhir.partners import get_partner
from etl.fhir.push import bundle_order, push
from schemas.export import ExportBatch, ExportPartner, ExportPush
from tests.fhir.conftest import hsct
from tests.fhir.helpers import bundle_entries, second_night


def _stored(server: str, rtype: str) -> dict[str, dict]:
    """The server's resources of a type, their meta cut to the profile and security labels sent (it adds its own)."""
    bundle = requests.get(f"{server}/{rtype}", params={"_count": "1000"}, timeout=10).json()
    out = {}
    for e in bundle.get("entry", []):
        r = dict(e["resource"])
        r["meta"] = {k: v for k, v in r.get("meta", {}).items() if k in ("profile", "security")}
        out[r["id"]] = r
    return out


def test_push_stores_every_resource_once_despite_failed_first_attempts(
    loaded_db: str, fhir_server: str, tmp_path: Path
) -> None:
    partner = replace(get_partner("demo"), base_url=fhir_server, retries=4, timeout_s=5)
    engine = make_engine(loaded_db)
    told: list[tuple[str, dict[str, object]]] = []
    result = push(
        engine, partner, tmp_path / "push1", validate="all", backoff_s=0.01,
        say=lambda key, **params: told.append((key, params)),
    )  # fmt: skip
    assert result.sent == result.bundles == 4 and result.skipped == 0
    faults = requests.get(f"{fhir_server}/_faults", timeout=5).json()
    assert faults["before"] >= 1 and faults["after"] >= 1
    assert result.attempts == result.sent + faults["before"] + faults["after"]
    # the progress names every bundle sent, and every retry with its reason (503 before storing, a dropped answer)
    sending = [p["bundle"] for k, p in told if k == "push.sending"]
    assert sending == [p.name for p in bundle_order(tmp_path / "push1")]
    retries = [p for k, p in told if k == "push.retry"]
    assert len(retries) == faults["before"] + faults["after"]
    assert any(p["why"] == "HTTP 503" for p in retries)
    assert any(str(p["why"]).startswith(("ConnectionError", "ReadTimeout", "ChunkedEncodingError")) for p in retries)
    assert all(int(str(p["attempt"])) >= 2 and p["bundle"] in sending for p in retries)
    sent = {}
    for e in bundle_entries(tmp_path / "push1"):
        sent.setdefault(e["resource"]["resourceType"], {})[e["resource"]["id"]] = e["resource"]
    for rtype, resources in sent.items():
        assert _stored(fhir_server, rtype) == resources, rtype
    with engine.connect() as conn:
        acked = conn.execute(select(ExportPush.bundle)).scalars().all()
        assert sorted(acked) == sorted(p.stem for p in (tmp_path / "push1").glob("*.json"))
        assert conn.execute(select(ExportPartner.acked_run_id)).scalar_one() == 1
        assert conn.execute(select(ExportBatch.status)).scalars().all() == ["pushed"]

    # nothing changed: nothing is sent
    again = push(engine, partner, tmp_path / "push2", backoff_s=0.01)
    assert again.sent == 0 and again.export.patients == 0

    # the next night changes one patient and deletes another; the CLI pushes just that
    hsct("run", "--source", str(second_night(tmp_path)), "--db", loaded_db, "--wait")
    out = hsct("export", "push", "--db", loaded_db, "--url", fhir_server, "--out", str(tmp_path / "push3"))
    assert "1 patients" in out and "1 deleted patients" in out
    deleted = [e["request"]["url"] for e in bundle_entries(tmp_path / "push3") if e["request"]["method"] == "DELETE"]
    assert deleted and all(requests.get(f"{fhir_server}/{url}", timeout=5).status_code == 404 for url in deleted)
    patients = _stored(fhir_server, "Patient")
    assert len(patients) == 2
    changed = [e["resource"] for e in bundle_entries(tmp_path / "push3") if e["request"]["method"] == "PUT"]
    for r in changed:
        assert _stored(fhir_server, r["resourceType"])[r["id"]] == r
    with engine.connect() as conn:
        assert conn.execute(select(ExportPartner.acked_run_id)).scalar_one() == 2
    engine.dispose()
    # precise change sets (issue 16, item 4): the study did not change, so it is not sent again
    assert not (tmp_path / "push3" / "0-study.json").exists()
    assert json.loads((tmp_path / "push1" / "0-study.json").read_text())["entry"][0]["request"]["method"] == "PUT"
