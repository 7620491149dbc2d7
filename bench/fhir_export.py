"""Benchmark of the FHIR export on a large synthetic registry, beside a naive baseline.

    .venv/bin/python bench/fhir_export.py [--patients 100000] [--db URL] [--baseline-patients 2000]

Builds the registry (unless --db names one already loaded): `hsct generate --patients N`
when the generator can, else the generator's study cohort repeated under new patient
codes up to N patients, loaded through etl.load (bench/truth_registry.py). Then:

* fast path — `export_fhir(..., "ndjson", validate="sample")` in a fresh process, end to
  end (SQL reads, dict builders, sampled R4B validation, orjson, files, manifest, ledger):
  resources per second, wall and CPU time, peak memory (RSS of the export process and of
  its largest worker);
* naive baseline, same run, on the first --baseline-patients patients: each resource
  built as a fhir.resources R4B model (which validates it), serialized with
  model_dump_json and written, one by one. The dicts it starts from are built by the fast
  path's builders and not timed, which flatters the baseline.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from bench.truth_registry import load_truth  # noqa: E402
from etl.db import make_engine, upgrade  # noqa: E402
from etl.fhir.changes import run_instants  # noqa: E402
from etl.fhir.chunks import ChunkJob, build_chunk, context  # noqa: E402
from etl.fhir.mapping import load_mapping  # noqa: E402
from etl.fhir.partners import get_partner  # noqa: E402
from etl.fhir.validate import Validator, model_class  # noqa: E402
from etl.load.concepts import sync_concepts  # noqa: E402
from schemas.tables import Patient  # noqa: E402

HSCT = str(ROOT / ".venv" / "bin" / "hsct")
CHILD = """
import json, resource, sys, time
from pathlib import Path
from etl.db import make_engine
from etl.fhir import export_fhir, get_partner
engine = make_engine(sys.argv[1])
start = time.perf_counter()
r = export_fhir(engine, get_partner("demo"), Path(sys.argv[2]), "ndjson", validate="sample")
wall = time.perf_counter() - start
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"resources": r.resources, "validated": r.validated, "patients": r.patients, "wall": wall,
                  "cpu": me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime,
                  "rss_parent_mb": me.ru_maxrss / 1024, "rss_worker_mb": kids.ru_maxrss / 1024}))
"""


def build_registry(db: str, patients: int, work: Path) -> str:
    night = work / "night"
    gen = subprocess.run([HSCT, "generate", "--out", str(night), "--patients", str(patients)], capture_output=True)
    if gen.returncode == 0:
        run = subprocess.run([HSCT, "run", "--source", str(night), "--db", db], capture_output=True, text=True)
        if run.returncode == 0:
            return f"hsct generate --patients {patients}, then hsct run"
        print(f"hsct run failed on the generated night ({run.stderr.strip().splitlines()[-1:]}); loading its truth")
        source, repeat = night / "truth", None
    else:
        study = work / "study"
        subprocess.run([HSCT, "generate", "--out", str(study)], check=True, capture_output=True)
        source, repeat = study / "truth", patients
    engine = make_engine(db)
    upgrade(engine)
    sync_concepts(engine)
    n, labs = load_truth(engine, source, repeat)
    engine.dispose()
    how = "the generator's truth" if repeat is None else "the 55-child study cohort repeated under new codes"
    return f"{how}, loaded through etl.load: {n} patients, {labs} lab results"


def naive_baseline(db: str, patients: int, out: Path) -> tuple[int, float]:
    engine = make_engine(db)
    mapping = load_mapping()
    partner = get_partner("demo")
    with engine.connect() as conn:
        ids = [p for (p,) in conn.execute(select(Patient.patient_id).order_by(Patient.patient_id).limit(patients))]
        job = ChunkJob(db, partner, "ndjson", out, ids, {}, "none", 1, run_instants(conn), {})
        ctx = context(job, conn, mapping)
        built = build_chunk(conn, mapping, ctx, ids, Validator("none"))
    engine.dispose()
    resources = [r for items in built.values() for _, r in items]
    start = time.perf_counter()
    with (out / "naive.ndjson").open("w", encoding="utf-8") as f:
        for r in resources:
            model = model_class(r["resourceType"]).model_validate(r)
            f.write(model.model_dump_json())
            f.write("\n")
    return len(resources), time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=100_000)
    ap.add_argument("--db", default=None, help="an already loaded registry (else one is built in a temp folder)")
    ap.add_argument("--baseline-patients", type=int, default=2_000)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="hsct-bench-fhir-"))
    db = args.db or f"sqlite:///{work / 'registry.db'}"
    if args.db is None:
        t = time.perf_counter()
        how = build_registry(db, args.patients, work)
        print(f"registry: {how} ({time.perf_counter() - t:.0f} s)")
    child = subprocess.run(
        [sys.executable, "-c", CHILD, db, str(work / "export")], capture_output=True, text=True, cwd=ROOT
    )
    if child.returncode:
        sys.exit(child.stderr)
    fast = json.loads(child.stdout.strip().splitlines()[-1])
    n, seconds = naive_baseline(db, args.baseline_patients, work)
    naive_rate = n / seconds
    rate = fast["resources"] / fast["wall"]
    print(f"FHIR export of {fast['patients']} patients ({db.split('///')[-1]})")
    print(
        f"  fast path : {fast['resources']:,} resources in {fast['wall']:.1f} s wall = {rate:,.0f} resources/s "
        f"(CPU {fast['cpu']:.1f} s = {fast['resources'] / fast['cpu']:,.0f} resources per CPU-second); "
        f"{fast['validated']:,} validated by the R4B models (first of each kind + 1 in 1000)"
    )
    print(f"  peak RSS  : export process {fast['rss_parent_mb']:.0f} MB, largest worker {fast['rss_worker_mb']:.0f} MB")
    print(
        f"  naive     : {n:,} resources of {args.baseline_patients} patients in {seconds:.1f} s = "
        f"{naive_rate:,.0f} resources/s (fhir.resources R4B model + model_dump_json, one by one)"
    )
    print(f"  speed-up  : {rate / naive_rate:.1f}x")
    print(f"(work folder {work})")


if __name__ == "__main__":
    main()
