"""analysis_patient rebuilt from a partner's FHIR export alone: SQL-on-FHIR v2 views, then one row per patient.

The ViewDefinitions (mappings/fhir/views/*.json, data) flatten each resource type of an NDJSON export
(`hsct export fhir --format ndjson`) into rows; they run with `sqlonfhir` (SAS's SQL-on-FHIR v2 runner
over fhirpathpy, in process, offline). This module then does what a partner's SQL would do: one row per
patient in the shape of migration 0003's `analysis_patient`, so the report's statistics code runs unchanged.

- Codes become the registry's concept keys through mappings/concepts.csv and concept_codings.csv
  (the same data the conformance package's CodeSystems are generated from); a class (`conditioning_class`,
  `immunosuppression_class`) is the concept's `parent` there.
- Days count from the patient's transplant (the transplant Procedure): a date partner's shifted dates
  give (date - transplant date) in days, an offset partner's `relative-date` extension gives the days,
  negative `before-start`. A window (a Period bound to the transplant: "before HSCT", "after HSCT")
  is no day, as in the registry (its day column is NULL).
- Not in any export, so NULL here: `age_years` (the export sends the birth year only, and no real
  date), `bridging_therapy`, `days_to_hsct` of a patient whose bridging regimen has no
  MedicationAdministration (only inotuzumab is exported), `intrathecal`.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from etl.errors import InputError
from etl.paths import MAPPINGS_DIR

VIEWS_DIR = MAPPINGS_DIR / "fhir" / "views"
CONCEPTS = MAPPINGS_DIR / "concepts.csv"
CODINGS = MAPPINGS_DIR / "concept_codings.csv"
PROFILE = "https://hsct-registry.example.org/fhir/StructureDefinition/"
SIGN = {"before-start": -1, "concurrent-with-start": 0, "after-start": 1}
TOXICITIES = ("neutropenia", "thrombocytopenia", "febrile_neutropenia", "sepsis", "polyneuropathy", "sos")

Row = dict[str, Any]


def read_export(folder: Path) -> dict[str, list[dict[str, Any]]]:
    """The resources of an NDJSON export folder (`<Type>.<part>.ndjson`), by resource type.

    Raises InputError (exit 2) when the folder holds no `.ndjson` file."""
    files = sorted(Path(folder).glob("*.ndjson"))
    if not files:
        raise InputError.of("error.report.from_fhir.empty", path=folder)
    out: dict[str, list[dict[str, Any]]] = {}
    for path in files:
        kind = path.name.split(".", 1)[0]
        if kind == "deleted":
            continue
        with path.open(encoding="utf-8") as fh:
            out.setdefault(kind, []).extend(json.loads(line) for line in fh if line.strip())
    return out


def run_views(resources: dict[str, list[dict[str, Any]]], views_dir: Path = VIEWS_DIR) -> dict[str, list[Row]]:
    """Each ViewDefinition of `views_dir` run by the SQL-on-FHIR engine over its resource type: rows by view name."""
    # the engine, imported here to keep `hsct --help` light
    from sqlonfhir import evaluate  # type: ignore[import-untyped]  # sqlonfhir ships no type information

    out: dict[str, list[Row]] = {}
    for path in sorted(views_dir.glob("*.json")):
        view = json.loads(path.read_text(encoding="utf-8"))
        rows: list[Row] = evaluate(resources.get(view["resource"], []), view)
        out[view["name"]] = [{k: float(v) if isinstance(v, Decimal) else v for k, v in r.items()} for r in rows]
    return out


def _concepts() -> tuple[dict[tuple[str, str], tuple[str, str]], dict[tuple[str, str], str]]:
    """(system, code) -> (domain, key) over both mapping files; (domain, key) -> parent key."""
    lookup: dict[tuple[str, str], tuple[str, str]] = {}
    parents: dict[tuple[str, str], str] = {}
    with CONCEPTS.open(encoding="utf-8") as fh:
        for c in csv.DictReader(fh):
            lookup[(c["system"], c["code"])] = (c["domain"], c["key"])
            if c["parent"]:
                parents[(c["domain"], c["key"])] = c["parent"].rsplit("/", 1)[-1]
    with CODINGS.open(encoding="utf-8") as fh:
        for c in csv.DictReader(fh):
            lookup.setdefault((c["system"], c["code"]), (c["domain"], c["key"]))
    return lookup, parents


class _Codes:
    def __init__(self) -> None:
        self.lookup, self.parents = _concepts()

    def key(self, row: Row, name: str) -> str | None:
        """The concept key of the row's `<name>_system`/`<name>_code`, None when absent or unknown."""
        found = self.lookup.get((row.get(f"{name}_system") or "", row.get(f"{name}_code") or ""))
        return found[1] if found else None

    def domain(self, row: Row, name: str) -> str | None:
        found = self.lookup.get((row.get(f"{name}_system") or "", row.get(f"{name}_code") or ""))
        return found[0] if found else None

    def parent(self, domain: str, key: str | None) -> str | None:
        return self.parents.get((domain, key)) if key else None


def _day(row: Row, transplant: date | None) -> int | None:
    """The row's day from the transplant: its dateTime minus the transplant's date, or its relative date."""
    when = row.get("when_date")
    if when and transplant is not None:
        return (date.fromisoformat(str(when)[:10]) - transplant).days
    rel = row.get("when_date_rel")
    if rel in SIGN and row.get("when_date_rel_days") is not None:
        return SIGN[rel] * int(row["when_date_rel_days"])
    # a Period whose bounds are the same day (an administration, 1..1 in R4, given as a Period): that day
    start, end = row.get("when_start"), row.get("when_end")
    if start and start == end and transplant is not None:
        return (date.fromisoformat(str(start)[:10]) - transplant).days
    bounds = [(row.get(f"when_{b}_rel"), row.get(f"when_{b}_rel_days")) for b in ("start", "end")]
    if bounds[0] == bounds[1] and bounds[0][0] in SIGN and bounds[0][1] is not None:
        return SIGN[bounds[0][0]] * int(bounds[0][1])
    return None


def _kind(row: Row) -> str:
    """The export's profile name of a row (`observation-engraftment` -> `engraftment`)."""
    return str(row.get("profile") or "").removeprefix(PROFILE).split("-", 1)[-1]


def _grade(key: str | None) -> float | None:
    return float(key) if key is not None and key.isdigit() else None


def _by_patient(rows: Iterable[Row]) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = {}
    for r in rows:
        out.setdefault(str(r["patient"]), []).append(r)
    return out


def _patient(
    pid: str, gender: str | None, tx: Row | None, conds: list[Row], obs: list[Row], meds: list[Row],
    procs: list[Row], codes: _Codes,
) -> Row:  # fmt: skip
    txd = date.fromisoformat(str(tx["when_date"])[:10]) if tx and tx.get("when_date") else None
    row: Row = {"patient_id": pid, "transplant_id": tx["id"] if tx else None, "sex": gender}
    ino = sorted(
        (d for m in meds if codes.key(m, "drug") == "inotuzumab" if (d := _day(m, txd)) is not None),
    )
    doses = {_day(m, txd): m.get("dose") for m in meds if codes.key(m, "drug") == "inotuzumab"}
    n_ino = sum(1 for m in meds if codes.key(m, "drug") == "inotuzumab")
    row |= {"ino_group": "InO+" if n_ino else "InO-", "ino_doses": n_ino, "age_years": None}
    for therapy_day in (1, 8, 15):
        row[f"ino_dose_d{therapy_day}"] = doses.get(ino[0] + therapy_day - 1) if ino else None
    row["days_to_hsct"] = -ino[0] if ino else None
    if tx:
        row |= {
            "donor_type": codes.key(tx, "donor_type"), "graft_source": codes.key(tx, "graft"),
            "conditioning": codes.key(tx, "conditioning"), "gvhd_prophylaxis": codes.key(tx, "gvhd_prophylaxis"),
            "immunosuppression": codes.key(tx, "immunosuppression"),
        }  # fmt: skip
        row["conditioning_class"] = codes.parent("conditioning", row["conditioning"])
        row["immunosuppression_class"] = codes.parent("immunosuppression", row["immunosuppression"])
    by_kind: dict[str, list[Row]] = {}
    for r in obs + conds:
        by_kind.setdefault(_kind(r), []).append(r)
    one = {k: v[0] for k, v in by_kind.items()}

    def value(kind: str) -> str | None:
        return codes.key(one[kind], "value") if kind in one else None

    def quantity(kind: str) -> Any:
        return one[kind].get("value_quantity") if kind in one else None

    def boolean(kind: str) -> int | None:
        found = one[kind].get("value_boolean") if kind in one else None
        return None if found is None else int(found)

    row |= {
        "disease_status": value("disease-status"), "cd22_percent": quantity("cd22"), "response": value("response"),
        "mrd_status": codes.key(one["mrd"], "interpretation") if "mrd" in one else None,
        "mrd_value_percent": quantity("mrd"),
        "mrd_comparator": one["mrd"].get("value_comparator") if "mrd" in one else None,
        "cd34_dose": quantity("cd34-dose"), "cd3_dose": quantity("cd3-dose"),
        "engrafted": boolean("engraftment"), "platelet_recovered": boolean("platelet-recovery"),
        "lymphocytes_d30": boolean("lymphocytes-d30"), "hla_loss": value("hla-loss"),
        "cause_of_death": value("cause-of-death"),
    }  # fmt: skip
    row["engraftment_day"] = _day(one["engraftment"], txd) if row["engrafted"] == 1 else None
    row["platelet_recovery_day"] = _day(one["platelet-recovery"], txd) if row["platelet_recovered"] == 1 else None
    # toxicities and complications: a Condition when present (grade in stage), an `*-absent` Observation when not
    present = {
        (codes.domain(c, "code"), codes.key(c, "code")): c
        for c in by_kind.get("toxicity", []) + by_kind.get("complication", [])
    }
    absent = {
        (codes.domain(o, "code"), codes.key(o, "code"))
        for o in by_kind.get("toxicity-absent", []) + by_kind.get("complication-absent", [])
    }

    def flag(domain: str, key: str) -> int | None:
        return 1 if (domain, key) in present else 0 if (domain, key) in absent else None

    def grade(domain: str, key: str) -> float | None:
        c = present.get((domain, key))
        return _grade(codes.key(c, "stage")) if c else 0.0 if (domain, key) in absent else None

    for tox in TOXICITIES:
        row[f"tox_{tox}"] = flag("toxicity", tox)
    row["tox_mucositis_grade"] = grade("toxicity", "mucositis")
    row["agvhd"], row["agvhd_grade"] = flag("complication", "agvhd"), grade("complication", "agvhd")
    row["agvhd_3_4"] = None if row["agvhd_grade"] is None else int(row["agvhd_grade"] >= 3)
    for cx in ("sos", "tma", "infection"):
        row[cx] = flag("complication", cx)
        c = present.get(("complication", cx))
        row[f"{cx}_day"] = _day(c, txd) if c else None
    relapse = one.get("relapse")
    vital = value("vital-status")
    followed = "vital-status" in one
    row["relapse"] = 1 if relapse else 0 if followed else None
    row["relapse_day"] = _day(relapse, txd) if relapse else None
    row["relapse_site"] = codes.key(relapse, "stage") if relapse else None
    dli = [p for p in procs if _kind(p) == "dli"]
    row["dli"] = 1 if dli else 0 if followed else None
    row["dli_day"] = _day(dli[0], txd) if dli else None
    row["dead"] = None if vital is None else int(vital == "dead")
    row["last_contact_day"] = row["os_time"] = _day(one["vital-status"], txd) if followed else None
    row["os_event"] = row["dead"]
    row["relapse_time"] = (
        None if row["relapse"] is None else row["relapse_day"] if row["relapse"] else row["last_contact_day"]
    )
    row["relapse_event"] = None if row["relapse"] is None else 1 if row["relapse"] else 2 if row["dead"] == 1 else 0
    return row


def patients_from_views(views: dict[str, list[Row]], columns: list[str]) -> pd.DataFrame:
    """One row per patient (their first transplant) in `columns` order, from the rows of the views.

    `columns`: analysis_patient's columns; those the export cannot give are NULL (module docstring)."""
    codes = _Codes()
    tx_rows = [p for p in views["hsct_procedure"] if _kind(p) == "transplant"]
    first: dict[str, Row] = {}
    for tx in sorted(tx_rows, key=lambda p: (str(p.get("when_date") or ""), str(p["id"]))):
        first.setdefault(str(tx["patient"]), tx)
    conds, obs = _by_patient(views["hsct_condition"]), _by_patient(views["hsct_observation"])
    meds, procs = _by_patient(views["hsct_medication"]), _by_patient(views["hsct_procedure"])
    sex = {str(p["patient"]): p.get("gender") for p in views["hsct_patient"]}
    rows = [
        _patient(pid, sex.get(pid), first.get(pid), conds.get(pid, []), obs.get(pid, []), meds.get(pid, []),
                 procs.get(pid, []), codes)
        for pid in sorted(sex) if pid in first
    ]  # fmt: skip
    frame = pd.DataFrame(rows)
    for column in columns:
        if column not in frame:
            frame[column] = None
    return frame[columns]


# analysis_patient's columns in migration 0003's order (tests/fhir/test_report_from_fhir.py holds them to the view)
COLUMNS = [
    "patient_id", "transplant_id", "ino_group", "ino_doses", "ino_dose_d1", "ino_dose_d8", "ino_dose_d15", "sex",
    "age_years", "disease_status", "cd22_percent", "bridging_therapy", "days_to_hsct", "intrathecal", "response",
    "mrd_status", "mrd_value_percent", "mrd_comparator", "donor_type", "graft_source", "cd34_dose", "cd3_dose",
    "conditioning", "conditioning_class", "gvhd_prophylaxis", "immunosuppression", "immunosuppression_class",
    "tox_neutropenia", "tox_thrombocytopenia", "tox_febrile_neutropenia", "tox_sepsis", "tox_polyneuropathy",
    "tox_mucositis_grade", "tox_sos", "engrafted", "engraftment_day", "platelet_recovered", "platelet_recovery_day",
    "lymphocytes_d30", "agvhd", "agvhd_grade", "agvhd_3_4", "sos", "sos_day", "tma", "tma_day", "infection",
    "infection_day", "relapse", "relapse_day", "relapse_site", "hla_loss", "dli", "dli_day", "dead", "cause_of_death",
    "last_contact_day", "os_time", "os_event", "relapse_time", "relapse_event",
]  # fmt: skip


def patients_from_fhir(folder: Path, views_dir: Path = VIEWS_DIR) -> pd.DataFrame:
    """analysis_patient from an NDJSON export folder alone: one row per patient, COLUMNS, NULL where the export
    cannot say (module docstring). Raises InputError when the folder holds no export."""
    return patients_from_views(run_views(read_export(folder), views_dir), COLUMNS)
