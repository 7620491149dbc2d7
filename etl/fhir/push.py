"""`hsct export push`: send a partner the changes since its last acknowledged push.

The bundles are exported afresh (`--since` the partner's acknowledged run, against what
its server acknowledged: etl/fhir/changes.py `baseline`) and hold the precise change set:
the resources whose content changed, DELETEs, and the Provenance of each patient touched.
They are sent in order (the study first, then each patient's parts). Each acknowledged
bundle is recorded at once, in one transaction: its content hash (export_push) and the
patient's ledger state with that bundle applied (export_ledger, `acknowledged`), so an
interrupted push resumes without re-sending what arrived and without forgetting what did
not; the partner's acknowledged run moves forward only when every bundle arrived. Without
a folder to keep them in, the bundles live in a temporary folder that is removed when the
push ends.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select, update

from etl.db.bulk import upsert
from etl.errors import PushError
from etl.fhir.client import FhirClient, PermanentFailure
from etl.fhir.export import ExportResult, export_fhir, ledger_rows
from etl.fhir.partners import Partner
from etl.messages import Say, silent
from schemas.export import ExportBatch, ExportLedger, ExportPartner, ExportPush


@dataclass
class PushResult:
    export: ExportResult
    bundles: int
    sent: int
    skipped: int
    attempts: int


def bundle_order(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.json"), key=lambda p: (p.name != "0-study.json", p.name))


def acked_run(engine: Engine, partner: str) -> int | None:
    with engine.connect() as conn:
        return conn.execute(select(ExportPartner.acked_run_id).where(ExportPartner.partner == partner)).scalar()


def push(
    engine: Engine,
    partner: Partner,
    out_dir: Path | None = None,
    validate: str = "sample",
    backoff_s: float = 0.5,
    say: Say = silent,
) -> PushResult:
    """Export the partner's changes as bundles into `out_dir` and send them. Without `out_dir` the
    bundles go to a private temporary folder (mode 0700) that is removed when the push ends, sent or
    not: they hold the partner's pseudonymized records, and a push resumes by exporting afresh.

    `say` is told, by message key (mappings/messages.csv `push.*`), each bundle sent and each retry
    with its reason (HTTP status, time-out, dropped connection) and wait."""
    if out_dir is not None:
        return _push(engine, partner, out_dir, validate, backoff_s, say)
    with tempfile.TemporaryDirectory(prefix=f"hsct-push-{partner.name}-") as folder:
        return _push(engine, partner, Path(folder), validate, backoff_s, say)


def _push(engine: Engine, partner: Partner, out_dir: Path, validate: str, backoff_s: float, say: Say) -> PushResult:
    since = acked_run(engine, partner.name)
    result = export_fhir(
        engine, partner, out_dir, "bundle", since=None if since is None else str(since), validate=validate,
        record_as="push", notice=say,
    )  # fmt: skip
    with engine.connect() as conn:
        rows = conn.execute(
            select(ExportPush.bundle, ExportPush.content_sha256, ExportPush.up_to_run_id).where(
                ExportPush.partner == partner.name
            )
        )
        acked = {bundle: (digest, run) for bundle, digest, run in rows.all()}
    client = FhirClient(partner.base_url, partner.timeout_s, partner.retries, backoff_s)
    files = bundle_order(out_dir)
    sent = skipped = 0
    say("push.start", bundles=len(files), url=partner.base_url)
    for i, path in enumerate(files, 1):
        body = path.read_bytes()
        digest = hashlib.sha256(body).hexdigest()
        if acked.get(path.stem) == (digest, result.up_to_run_id):  # this very bundle arrived before
            skipped += 1
            say("push.skipped", i=i, n=len(files), bundle=path.name)
            _acknowledged(engine, partner, result, path.stem, digest)
            continue

        def retrying(attempt: int, allowed: int, wait: float, why: str, bundle: str = path.name) -> None:
            say("push.retry", bundle=bundle, attempt=attempt, allowed=allowed, wait=f"{wait:.1f}", why=why)

        client.on_retry = retrying
        say("push.sending", i=i, n=len(files), bundle=path.name, kib=f"{len(body) / 1024:.0f}")
        try:
            client.transaction(body)
        except PermanentFailure as exc:
            _finish(engine, result, "partial")
            raise PushError.of(
                "error.push_rejected", partner=partner.name, bundle=path.name, error=exc, sent=sent, skipped=skipped
            ) from exc
        sent += 1
        _acknowledged(engine, partner, result, path.stem, digest)
    _finish(engine, result, "pushed")
    return PushResult(result, len(files), sent, skipped, client.attempts)


def _acknowledged(engine: Engine, partner: Partner, result: ExportResult, stem: str, digest: str) -> None:
    """Record, in one transaction, that the server holds bundle `stem`: its content hash, and its
    patient's ledger state with the bundle applied (as of the push's run, `acknowledged`)."""
    with engine.begin() as conn:
        row = {
            "partner": partner.name,
            "bundle": stem,
            "content_sha256": digest,
            "up_to_run_id": result.up_to_run_id,
            "acknowledged_at": dt.datetime.now().replace(microsecond=0),
        }
        upsert(conn, ExportPush.__table__, [row], ["partner", "bundle"])
        state = result.checkpoints.get(stem)
        if state is not None and result.up_to_run_id is not None:
            rows = ledger_rows(partner.name, result.up_to_run_id, [state], acknowledged=True)
            upsert(conn, ExportLedger.__table__, rows, ["partner", "patient_id", "as_of_run_id"])


def _finish(engine: Engine, result: ExportResult, status: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(ExportBatch.__table__).where(ExportBatch.export_id == result.export_id).values(status=status)
        )
        if status == "pushed" and result.up_to_run_id is not None:
            row = {
                "partner": result.partner,
                "acked_run_id": result.up_to_run_id,
                "acked_at": dt.datetime.now().replace(microsecond=0),
            }
            upsert(conn, ExportPartner.__table__, [row], ["partner"])
