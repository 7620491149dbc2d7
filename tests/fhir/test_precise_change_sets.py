"""Precise change sets (issue 16, item 4): `--since` and push send exactly the resources whose content
changed, DELETEs for those gone and the touched patients' Provenance, never a changed patient's every
resource. What "changed" means is computed here independently, by comparing two full exports resource
by resource, so the tests hold whatever the clinical mapping makes of the rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from contextlib import AbstractContextManager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import insert, inspect, select

import etl.fhir.push as push_module
from etl.db import downgrade, make_engine, upgrade
from etl.db.migrate import alembic_config
from etl.errors import PushError
from etl.fhir.changes import HASH_IGNORED
from etl.fhir.client import FhirClient, PermanentFailure
from etl.fhir.partners import Partner, get_partner
from etl.fhir.push import bundle_order, push
from schemas.export import ExportLedger
from schemas.tables import EtlRun
from tests.fhir.conftest import NIGHT, hsct, local_fhir_server
from tests.fhir.helpers import bundle_entries, ndjson_resources, patient_refs

LABS = "labs_20240101.csv"
LAB_CHANGED = ("ТГСК-2019-014;19.06.2019;Лимфоциты;0,45;", "ТГСК-2019-014;19.06.2019;Лимфоциты;0,55;")
LAB_WITHDRAWN = "ТГСК-2019-014;11.06.2019;Нейтрофилы;600;"
VITAL_KEY = "HSCT-2020-001"  # alive -> dead: a registry field the mapping sends in more than one resource
LEAVING_KEY = "2021-007"  # leaves the registry
Resources = dict[str, dict[str, Any]]  # "Type/id" -> resource


def night(tmp: Path, name: str, *, lab: bool = False, withdraw: bool = False, vital: bool = False,
          leave: bool = False) -> Path:  # fmt: skip
    """tests/data/night_small with one lab value changed, one lab row withdrawn, one patient's vital
    status changed, one patient gone: each asserted to happen."""
    folder = tmp / name
    shutil.copytree(NIGHT, folder)
    labs = folder / LABS
    text = labs.read_text(encoding="utf-8")
    if lab:
        assert text.count(LAB_CHANGED[0]) == 1
        text = text.replace(*LAB_CHANGED)
    if withdraw:
        lines = text.splitlines(keepends=True)
        kept = [line for line in lines if not line.startswith(LAB_WITHDRAWN)]
        assert len(kept) == len(lines) - 1
        text = "".join(kept)
    labs.write_text(text, encoding="utf-8")
    if vital:
        en = folder / "registry_en_20240101.csv"
        rows = list(csv.reader(io.StringIO(en.read_text(encoding="utf-8"))))
        col = rows[0].index("Vital status")
        (row,) = [r for r in rows[1:] if r and r[0] == VITAL_KEY]
        assert row[col] == "alive"
        row[col] = "dead"
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        en.write_text(out.getvalue(), encoding="utf-8")
    if leave:
        ru = folder / "registry_ru_20240101.csv"
        lines = ru.read_bytes().split(b"\n")
        kept = [line for line in lines if LEAVING_KEY.encode() not in line]
        assert len(kept) == len(lines) - 1
        ru.write_bytes(b"\n".join(kept))
    return folder


def run(db: str, folder: Path) -> None:
    hsct("run", "--source", str(folder), "--db", db, "--wait")


def export(db: str, out: Path, *extra: str) -> str:
    return hsct("export", "fhir", "--db", db, "--out", str(out), "--format", "ndjson", *extra)


def full(db: str, out: Path) -> Resources:
    export(db, out)
    return {f"{r['resourceType']}/{r['id']}": r for r in ndjson_resources(out)}


def sent_and_deleted(folder: Path) -> tuple[Resources, set[str]]:
    sent = {f"{r['resourceType']}/{r['id']}": r for r in ndjson_resources(folder)}
    deleted = set()
    for path in folder.glob("deleted.*.ndjson"):
        for line in path.read_text(encoding="utf-8").splitlines():
            for e in json.loads(line)["entry"]:
                assert e["request"]["method"] == "DELETE"
                deleted.add(e["request"]["url"])
    return sent, deleted


def expected(before: Resources, after: Resources) -> tuple[set[str], set[str]]:
    """The change set from `before` to `after`, by comparing whole resources: the new or different
    ones (Provenance aside), the Provenance of every patient touched, and the gone ones."""
    changed = {k for k, r in after.items() if before.get(k) != r and not k.startswith("Provenance/")}
    gone = set(before) - set(after)
    touched = set().union(*(patient_refs(after[k]) for k in changed), *(patient_refs(before[k]) for k in gone))
    provenance = {k for k, r in after.items() if k.startswith("Provenance/") and patient_refs(r) & touched}
    return changed | provenance, gone


def of_patient(keys: set[str], resources: Resources, ref: str) -> set[str]:
    return {k for k in keys if ref in patient_refs(resources[k])}


def test_since_sends_the_changed_resources_the_deletions_and_the_provenance(loaded_db: str, tmp_path: Path) -> None:
    first = full(loaded_db, tmp_path / "full1")
    run(loaded_db, night(tmp_path, "night2", lab=True, vital=True, leave=True))
    out = export(loaded_db, tmp_path / "since1", "--since", "1")
    sent, deleted = sent_and_deleted(tmp_path / "since1")
    second = full(loaded_db, tmp_path / "full2")
    want, gone = expected(first, second)
    assert set(sent) == want and deleted == gone
    assert all(sent[k] == second[k] for k in sent)  # what is sent is the resource as a full export has it

    # two patients changed: the vital status's (its ResearchSubject changed) and the lab value's
    by_patient: dict[str, set[str]] = {}
    for k in sent:
        for ref in patient_refs(second[k]):
            by_patient.setdefault(ref, set()).add(k)
    assert len(by_patient) == 2
    (vital_patient,) = [ref for ref, keys in by_patient.items() if any("ResearchSubject/" in k for k in keys)]
    (lab_patient,) = set(by_patient) - {vital_patient}
    provenance_of = {
        ref: k for k, r in second.items() if k.startswith("Provenance/") for ref in patient_refs(r) if ref in by_patient
    }
    # one changed lab value: exactly that Observation and the patient's Provenance
    (obs,) = by_patient[lab_patient] - {provenance_of[lab_patient]}
    assert obs.startswith("Observation/") and by_patient[lab_patient] == {obs, provenance_of[lab_patient]}
    assert obs in first and first[obs] != second[obs]  # the same Observation, its value changed
    # a registry field the mapping sends in two resources (today an Observation and the ResearchSubject):
    # those, and the Provenance; the patient's other resources are not sent
    vital_sent = by_patient[vital_patient]
    assert provenance_of[vital_patient] in vital_sent and len(vital_sent - {provenance_of[vital_patient]}) >= 2
    assert len(vital_sent) < len(of_patient(set(second), second, vital_patient))
    assert not any(k.startswith("ResearchStudy/") for k in sent)
    # the patient who left: every resource it had, deleted, nothing sent
    (left,) = {ref for k in gone for ref in patient_refs(first[k])}
    assert gone == of_patient(set(first), first, left) and not of_patient(set(sent), second, left)
    assert f"2 patients, {len(sent)} resources, 1 deleted patients ({len(gone)} resources to delete)" in out, out

    # a withdrawn lab row: one DELETE (its Observation) and the patient's Provenance
    run(loaded_db, night(tmp_path, "night3", lab=True, vital=True, leave=True, withdraw=True))
    export(loaded_db, tmp_path / "since2", "--since", "2")
    sent, deleted = sent_and_deleted(tmp_path / "since2")
    third = full(loaded_db, tmp_path / "full3")
    (withdrawn,) = set(second) - set(third)
    assert withdrawn.startswith("Observation/") and patient_refs(second[withdrawn]) == {lab_patient}
    provenance = provenance_of[lab_patient]
    assert deleted == {withdrawn}
    assert set(sent) == {provenance} and sent[provenance] == third[provenance]
    assert withdrawn not in {t["reference"] for t in third[provenance]["target"]}


def test_an_unchanged_rerun_sends_nothing(loaded_db: str, tmp_path: Path) -> None:
    export(loaded_db, tmp_path / "full1")
    run(loaded_db, night(tmp_path, "night2", lab=True))  # a lab value changes ...
    run(loaded_db, night(tmp_path, "night3"))  # ... and changes back: the patient's rows changed twice
    out = export(loaded_db, tmp_path / "since1", "--since", "1")
    assert sorted(p.name for p in (tmp_path / "since1").iterdir()) == ["manifest.json"]
    assert json.loads((tmp_path / "since1" / "manifest.json").read_text())["output"] == []
    assert "exporting 1 patients" in out
    assert "1 patients changed in the registry but not in what demo receives: nothing sent for them" in out
    assert "0 patients, 0 resources, 0 deleted patients (0 resources to delete)" in out
    # the same nights exported as bundles: no file at all
    hsct("export", "fhir", "--db", loaded_db, "--out", str(tmp_path / "b"), "--format", "bundle", "--since", "1")
    assert list((tmp_path / "b").iterdir()) == []


# --- push, against the real local FHIR server -------------------------------------------------


def server(tools: Path) -> AbstractContextManager[str]:
    """A second local FHIR server, without injected faults (the fixture's, conftest.py, has them)."""
    return local_fhir_server(tools)


SERVER_META = ("versionId", "lastUpdated", "author", "project", "compartment", "account", "accounts")


def stored(url: str, types: tuple[str, ...]) -> Resources:
    """Every resource the server holds, without what the server adds to `meta`."""
    out: Resources = {}
    for rtype in types:
        bundle = requests.get(f"{url}/{rtype}", params={"_count": "1000"}, timeout=10).json()
        for e in bundle.get("entry", []):
            r = dict(e["resource"])
            meta = {k: v for k, v in r.get("meta", {}).items() if k not in SERVER_META}
            r.pop("meta", None)
            if meta:
                r["meta"] = meta
            out[f"{rtype}/{r['id']}"] = r
    return out


def in_bundles(folder: Path) -> Resources:
    return {f"{e['resource']['resourceType']}/{e['resource']['id']}": e["resource"] for e in bundle_entries(folder)}


def fresh_full_push(db: str, partner: Partner, tools: Path, out: Path) -> tuple[Resources, Resources]:
    """A full export's resources, and what an empty server holds once its bundles are sent in push order."""
    hsct("export", "fhir", "--db", db, "--out", str(out), "--format", "bundle", "--validate", "none")
    with server(tools) as url:
        client = FhirClient(url, timeout_s=30)
        for path in bundle_order(out):
            client.transaction(path.read_bytes())
        return in_bundles(out), stored(url, partner.resource_types)


def pushed(folder: Path) -> tuple[set[str], set[str]]:
    puts, deletes = set(), set()
    for e in bundle_entries(folder):
        (puts if e["request"]["method"] == "PUT" else deletes).add(e["request"]["url"])
    return puts, deletes


def test_push_sends_the_change_set_and_the_server_ends_as_a_full_push(
    loaded_db: str, fhir_server: str, node_tools: Path, tmp_path: Path
) -> None:
    partner = replace(get_partner("demo"), base_url=fhir_server, retries=4, timeout_s=5)
    engine = make_engine(loaded_db)
    try:
        push(engine, partner, tmp_path / "push1", backoff_s=0.01)
        first = in_bundles(tmp_path / "push1")
        run(loaded_db, night(tmp_path, "night2", lab=True, vital=True, leave=True, withdraw=True))
        result = push(engine, partner, tmp_path / "push2", backoff_s=0.01)
    finally:
        engine.dispose()
    puts, deletes = pushed(tmp_path / "push2")
    after, want = fresh_full_push(loaded_db, partner, node_tools, tmp_path / "full")
    change, gone = expected(first, after)
    assert puts == change and deletes == gone and gone
    assert {k for k in change if not k.startswith("Provenance/")} and len(first) > len(puts) + len(deletes)
    # the two changed patients' bundles and the leaving patient's DELETEs; no study: it did not change
    assert result.sent == result.bundles == 3 and result.export.patients == 2
    assert result.export.deleted_patients == 1
    assert not any(k.startswith(("Patient/", "ResearchStudy/")) for k in puts)
    assert stored(fhir_server, partner.resource_types) == want
    assert len(want) == len(after)


def test_an_interrupted_push_forgets_nothing_that_arrived(
    loaded_db: str, fhir_server: str, node_tools: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first patient's bundle arrives, the second is refused; the next night restores the first
    patient's data: the next push must send it back (the ledger knows what arrived), and nothing else."""
    partner = replace(get_partner("demo"), base_url=fhir_server, retries=4, timeout_s=5)
    engine = make_engine(loaded_db)
    try:
        push(engine, partner, tmp_path / "push1", backoff_s=0.01)
        run(loaded_db, night(tmp_path, "night2", lab=True, vital=True))
        calls: list[int] = []

        class Refusing(FhirClient):
            def transaction(self, body: bytes) -> dict[str, Any]:
                calls.append(1)
                if len(calls) == 2:
                    raise PermanentFailure("HTTP 422: refused (test)")
                return super().transaction(body)

        with monkeypatch.context() as patched:
            patched.setattr(push_module, "FhirClient", Refusing)
            with pytest.raises(PushError):
                push(engine, partner, tmp_path / "push2", backoff_s=0.01)
        bundles = bundle_order(tmp_path / "push2")
        assert len(bundles) == 2 and len(calls) == 2  # one per changed patient; the second refused
        arrived = bundles[0]
        run(loaded_db, night(tmp_path, "night3"))  # both patients' data as on night 1 again
        again = push(engine, partner, tmp_path / "push3", backoff_s=0.01)
    finally:
        engine.dispose()
    # only the patient whose bundle arrived is sent again, its resources back to their night-1 content;
    # the refused one's server copy never changed, and nothing is sent for it
    assert [p.name for p in bundle_order(tmp_path / "push3")] == [arrived.name]
    assert again.sent == 1 and again.skipped == 0
    arrived_puts = {e["request"]["url"] for e in json.loads(arrived.read_text())["entry"]}
    puts, deletes = pushed(tmp_path / "push3")
    assert not deletes and puts == arrived_puts
    night1 = in_bundles(tmp_path / "push1")
    assert all(night1[k] == r for k, r in in_bundles(tmp_path / "push3").items() if not k.startswith("Provenance/"))
    _, want = fresh_full_push(loaded_db, partner, node_tools, tmp_path / "full")
    got = stored(fhir_server, partner.resource_types)
    assert got.keys() == want.keys()
    # the refused patient's data changed and changed back: nothing of it was sent, so its Provenance still
    # names night 1 (when what the server holds was made), where a full export names night 3
    differ = {k for k in want if got[k] != want[k]}
    assert all(k.startswith("Provenance/") for k in differ), differ
    assert all(_content(got[k]) == _content(want[k]) for k in differ)


def _content(provenance: dict[str, Any]) -> dict[str, Any]:
    """A Provenance without what says which run made it (etl/fhir/changes.py HASH_IGNORED)."""
    return {k: v for k, v in provenance.items() if k not in HASH_IGNORED["Provenance"]}


def test_migration_0009_up_and_down(empty_db_url: str) -> None:
    """0009 adds the ledger's hashes and acknowledgment and takes them away, keeping the ledger's rows."""
    from alembic.script import ScriptDirectory

    engine = make_engine(empty_db_url)
    try:
        script = ScriptDirectory.from_config(alembic_config(engine)).get_revision("0009")
        assert script is not None
        below = script.down_revision
        assert isinstance(below, str)
        upgrade(engine)
        with engine.begin() as conn:
            conn.execute(
                insert(EtlRun.__table__).values(
                    run_id=1, started_at=dt.datetime(2024, 1, 1, 2), status="completed", source_dir="night"
                )
            )
            conn.execute(
                insert(ExportLedger.__table__).values(
                    partner="demo", patient_id=1, as_of_run_id=1, resource_keys="Patient/1",
                    content_sha256="a" * 64, acknowledged=True,
                )
            )  # fmt: skip
        downgrade(engine, below)
        columns = {c["name"] for c in inspect(engine).get_columns("export_ledger")}
        assert {"resource_keys"} <= columns and not {"content_sha256", "acknowledged"} & columns
        upgrade(engine)
        with engine.connect() as conn:
            row = conn.execute(select(ExportLedger.__table__)).mappings().one()
        assert row["resource_keys"] == "Patient/1" and row["content_sha256"] is None and row["acknowledged"] is False
    finally:
        engine.dispose()
