"""The invariants the feed-level fuzzer checks on every mutated night (issue 14, "How to prove it").

The issue's text: "Invariants on every example: no traceback; exit code as documented; rows in =
loaded + merged + quarantined; every value that was loaded equals the value the unmutated night
loaded for that cell, or its row is quarantined; no patient or result deleted unless the run says
so and the guard allows it." The behaviour they are judged against is /work/spec14.md (the shared
contract of issue 14), quoted as "spec" below.

How a night is judged
---------------------
A *base night* is a valid generated night (`hsct generate --patients P --seed S`) cut down so that
the value every cell must load as is decidable: no two registry feeds, so no cross-feed merging.

* ``en``:    registry_en_*.csv + the labs files (UTF-8 CSVs; the lab rows of patients of the other
             feed are quarantined `unknown_patient` in the base run and in the mutated run alike);
* ``xlsx``:  registry_ru_*.xlsx + the labs files (the .xlsx mutations);
* ``rucsv``: registry_ru_*.csv (Windows-1251, `;`, decimal comma) + the labs files.

The base night runs once per database kind on a fresh database (cached per session): its live
tables are the reference. A mutated night then runs

* ``single``:    on a FRESH database. Its live tables are compared with the base night's, per
                 patient key (`person.patient_key`) across the clinical tables, and per lab result
                 as a multiset per (patient_key, test_id, result_date);
* ``two_night``: on a database holding the base night (a copy of the base run's SQLite file; on
                 PostgreSQL the base night is run first). Its live tables must equal the base
                 night's except for deletions, which must be listed, allowed and not forbidden.

Values are compared without surrogate keys, lineage (`raw_row_id`), change marks (`*_run_id`)
and `lab_result.seq`; floats to 10 significant digits. When a mutation re-typed the registry
codes (`code_format`), the stored code text (`person.registry_code_ru/_en`) is not compared: the
identity (the key) is.

A patient or lab result of the base night that the mutated single night did not load is
*accounted for* when its file was dropped or refused whole (unreadable, `row_number` 0, every row
quarantined), or when the mutation removed its line from the file (a truncation: the file's own
bytes, scanned independently of the pipeline, name the patient on fewer lines than before), or
when the run quarantined more rows naming that patient in that file than the base run did, or,
failing those, when the run quarantined more rows of that file that name no patient at all than
the base run did (each such row accounts for one loss). Anything else is a silent loss.

The invariants (name: what it checks; its source)
-------------------------------------------------

``no_traceback``
    The CLI, invoked in-process, raises nothing but SystemExit and prints no Python traceback.
    Issue: "no traceback"; "No traceback reaches the terminal for bad input".
``exit_code``
    0, or 1 only with "held" in the output (and the batch recorded held), or 4 (input refused).
    Issue: "exit code as documented"; spec "Exit codes" (1 ONLY when the gate held the batch, 4
    input refused, 3 database error and 9 internal error are bugs for these inputs).
``refused_changed_nothing``
    Exit 4 leaves the live tables as they were. Spec: "4 input refused (the run changed nothing)".
``held_changed_nothing``
    A held batch (exit 1) leaves the live tables as they were. Spec: "Held = exit 1, ... live
    tables unchanged".
``row_accounting``
    For every file of the run (run_file) and for the run (etl_run): rows in = loaded + merged +
    quarantined. Issue: "rows in = loaded + merged + quarantined"; spec "Row accounting".
``value_changed``
    A patient present in both runs has the same harmonized content (every clinical table).
    Issue: "every value that was loaded equals the value the unmutated night loaded for that cell".
``invented_patient``
    No patient key that the base night did not load. Same source (a new key is a changed value:
    a drifted identity, a truncated code, a shifted cell read as a code).
``lab_value_changed``
    Every lab result loaded is one the base night loaded for that (patient_key, test_id,
    result_date) (multiset inclusion). Same source.
``lost_silently``
    A patient or lab result of the base night absent from the mutated single night is accounted
    for (above). Issue: "... or its row is quarantined".
``deletion_unlisted``
    Two nights: a patient deleted, or a patient that lost lab results, is named in the run output
    (its key digits appear). Issue: "no patient or result deleted unless the run says so"; spec
    "Deletions are listed in the run output".
``deletion_over_guard``
    Two nights, published: no more patients / lab results deleted than max(share x stored, count)
    of `[deletion_guard]` (hsct.toml; spec defaults 5 % / 1 patient, 10 % / 10 results). Issue:
    "... and the guard allows it"; spec "Nights, deletions, the gate".
``missing_feed_published``
    Two nights: a night lacking a feed the base night had (no file of it, or only files that cannot
    be read) is held, not published. Spec: `expected_feeds = "previous"` (default) and check
    `night_expected_feeds`; hsct.toml "[night]".
``deleted_on_unusable_registry``
    Two nights: a night whose registry files yield no loaded row deletes no patient. Spec: "A
    registry night that yields no usable row ... deletes NO patient"; issue kind 2.
``deleted_on_unusable_labs``
    Two nights: a night with a lab file unreadable, refused or with every row rejected deletes no
    lab result. Spec: "A lab file that is unreadable, refused, or whose rows are all rejected: no
    lab result is deleted that night"; issue kind 3.
``refused_whole_file``
    A file the base night read is not refused whole (unreadable, quarantined as row 0, or every
    row `missing_patient_code`) unless a mutation damaged the whole file (truncated, dropped, its
    code header renamed, its rows removed). Spec "Files and encodings": UTF-16 with BOM is read,
    `sep=` honoured, title lines skipped, "A line that does not decode: that row quarantined
    `undecodable_text` ..., the file's other rows load"; issue kinds 1, 4, 5 (a formula cell or an
    error cell quarantines its row, not the workbook).
``published_state``
    Exit 0 means the batch was published (batch_publication), exit 1 that it was held.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
import time
import tomllib
import traceback
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from click.testing import CliRunner
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url

from tests.fuzz.mutations import REPO, Night, apply_mutations, eligible, keys_in, mentioned_keys

DbKind = Literal["sqlite", "postgresql"]
Variant = Literal["single", "two_night"]
PG_ENV = "HSCT_TEST_POSTGRES_URL"

BASES: dict[str, tuple[str, ...]] = {
    # base night -> the name patterns (prefix, suffix) of the generated files it keeps
    "en": ("registry_en_*.csv", "labs_*.csv"),
    "xlsx": ("registry_ru_*.xlsx", "labs_*.csv"),
    "rucsv": ("registry_ru_*.csv", "labs_*.csv"),
}
BY_PATIENT = ["patient", "person", "diagnosis", "transplant", "bridging_therapy", "drug_administration"]
BY_TRANSPLANT = [
    "disease_assessment",
    "pretransplant_toxicity",
    "recovery",
    "complication",
    "relapse",
    "dli",
    "follow_up",
]
SURROGATE = {"patient_id", "transplant_id", "therapy_id", "administration_id", "lab_result_id", "seq"}
LAB_VALUE = ["value_num", "value_comparator", "value_concept_id", "unit"]
CODE_COLUMNS = {"registry_code_ru", "registry_code_en"}
GUARD_DEFAULTS = {"patients": (0.05, 1), "lab_results": (0.10, 10)}

LabKey = tuple[str, str, str]  # patient_key, test_id, result_date (ISO)
Row = tuple[tuple[str, Any], ...]


# --------------------------------------------------------------------------- the live tables


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float):
        return float(f"{value:.10g}")
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@dataclass
class State:
    """The harmonized content of the live tables, by patient key; lab results as multisets."""

    patients: dict[str, dict[str, tuple[Row, ...]]] = field(default_factory=dict)
    patient_file: dict[str, str] = field(default_factory=dict)  # key -> file of its patient row
    labs: dict[LabKey, Counter[tuple[Any, ...]]] = field(default_factory=dict)
    lab_files: dict[LabKey, list[tuple[tuple[Any, ...], str]]] = field(default_factory=dict)

    @property
    def lab_count(self) -> int:
        return sum(sum(c.values()) for c in self.labs.values())

    def same_as(self, other: State, ignore: frozenset[str] | set[str] = frozenset()) -> bool:
        return _strip(self.patients, ignore) == _strip(other.patients, ignore) and self.labs == other.labs


def _strip(patients: dict[str, dict[str, tuple[Row, ...]]], ignore: frozenset[str] | set[str]) -> dict[str, Any]:
    if not ignore:
        return patients
    return {
        k: {t: tuple(tuple((c, v) for c, v in row if c not in ignore) for row in rows) for t, rows in tables.items()}
        for k, tables in patients.items()
    }


def _kept(column: str) -> bool:
    return column not in SURROGATE and not column.endswith("raw_row_id") and not column.endswith("_run_id")


def _table_columns(conn: Any, table: str) -> list[str]:
    row = conn.execute(text(f"SELECT * FROM {table} WHERE 1 = 0"))
    return list(row.keys())


def read_state(engine: Engine) -> State:
    """The live tables as a `State` (tables that do not exist yet count as empty)."""
    state = State()
    with engine.connect() as conn:
        try:
            files = dict(
                conn.execute(
                    text("SELECT r.raw_row_id, f.file_name FROM raw_row r JOIN source_file f ON f.file_id = r.file_id")
                ).all()
            )
        except Exception:  # a database the run never migrated: no tables at all
            return state
        for table in BY_PATIENT + BY_TRANSPLANT:
            columns = _table_columns(conn, table)
            join = (
                "JOIN person p ON p.patient_id = t.patient_id"
                if table in BY_PATIENT
                else "JOIN transplant tr ON tr.transplant_id = t.transplant_id JOIN person p ON p.patient_id = "
                "tr.patient_id"
            )
            kept = [c for c in columns if _kept(c)]
            select_list = ", ".join(f"t.{c}" for c in kept)
            raw = ", t.raw_row_id" if table == "patient" else ""
            rows = conn.execute(text(f"SELECT p.patient_key, {select_list}{raw} FROM {table} t {join}")).all()
            for row in rows:
                key = row[0]
                values = tuple((c, _plain(v)) for c, v in zip(kept, row[1 : 1 + len(kept)], strict=True))
                state.patients.setdefault(key, {}).setdefault(table, ())
                state.patients[key][table] += (values,)
                if table == "patient":
                    state.patient_file[key] = files.get(row[-1], "?")
        for tables in state.patients.values():
            for table, rows in tables.items():
                tables[table] = tuple(sorted(rows, key=repr))
        value_list = ", ".join(f"l.{c}" for c in LAB_VALUE)
        labs = conn.execute(
            text(
                f"SELECT p.patient_key, l.test_id, l.result_date, {value_list}, l.raw_row_id FROM lab_result l "
                "JOIN person p ON p.patient_id = l.patient_id"
            )
        ).all()
        for row in labs:
            key: LabKey = (row[0], row[1], str(_plain(row[2])))
            value = tuple(_plain(v) for v in row[3 : 3 + len(LAB_VALUE)])
            state.labs.setdefault(key, Counter())[value] += 1
            state.lab_files.setdefault(key, []).append((value, files.get(row[-1], "?")))
    return state


def diff_patient(base: dict[str, tuple[Row, ...]], got: dict[str, tuple[Row, ...]], ignore: set[str]) -> list[str]:
    """What differs between two patients' content, compactly."""
    out = []
    for table in sorted(set(base) | set(got)):
        a = [tuple((c, v) for c, v in r if c not in ignore) for r in base.get(table, ())]
        b = [tuple((c, v) for c, v in r if c not in ignore) for r in got.get(table, ())]
        if sorted(a, key=repr) == sorted(b, key=repr):
            continue
        if len(a) == 1 and len(b) == 1:
            da, db = dict(a[0]), dict(b[0])
            cols = [f"{table}.{c}: {da.get(c)!r} -> {db.get(c)!r}" for c in da if da.get(c) != db.get(c)]
            out.extend(cols)
        else:
            gone = [dict(r) for r in a if r not in b]
            new = [dict(r) for r in b if r not in a]
            out.append(f"{table}: {len(a)} rows -> {len(b)}; only in base {gone[:2]}; only now {new[:2]}")
    return out


# --------------------------------------------------------------------------- what a run recorded


@dataclass
class FileFacts:
    name: str
    file_id: int | None
    status: str
    rows_in: int
    loaded: int
    merged: int
    quarantined: int
    whole_file: bool = False  # a quarantine row with row_number 0
    quarantined_by_key: Counter[str] = field(default_factory=Counter)  # distinct rows naming each key
    unattributed: int = 0  # distinct quarantined rows naming no key
    reasons: Counter[str] = field(default_factory=Counter)

    @property
    def refused_whole(self) -> bool:
        """Unreadable, quarantined as a whole (row 0), or every row quarantined for want of a code column."""
        return (
            self.status == "unreadable"
            or self.whole_file
            or (
                self.rows_in > 0
                and self.loaded + self.merged == 0
                and self.reasons["missing_patient_code"] >= self.rows_in
            )
        )

    @property
    def refused(self) -> bool:
        """Unreadable, refused whole, or every row rejected."""
        return (
            self.status == "unreadable"
            or self.whole_file
            or (self.rows_in > 0 and self.loaded + self.merged == 0 and self.quarantined == self.rows_in)
        )


@dataclass
class RunFacts:
    run_id: int | None
    status: str | None = None
    totals: tuple[int, int, int, int] | None = None  # etl_run: in, loaded, merged, quarantined
    publication: str | None = None
    files: dict[str, FileFacts] = field(default_factory=dict)


def read_run(engine: Engine, after: int) -> RunFacts:
    """The newest run with run_id > `after`: its accounting, publication and quarantine by key."""
    with engine.connect() as conn:
        try:
            run = conn.execute(
                text(
                    "SELECT run_id, status, rows_in, rows_loaded, rows_merged, rows_quarantined FROM etl_run "
                    "WHERE run_id > :after ORDER BY run_id DESC"
                ),
                {"after": after},
            ).first()
        except Exception:
            return RunFacts(None)
        if run is None:
            return RunFacts(None)
        facts = RunFacts(run.run_id, run.status, (run.rows_in, run.rows_loaded, run.rows_merged, run.rows_quarantined))
        if inspect(conn).has_table("batch_publication"):
            facts.publication = conn.execute(
                text("SELECT status FROM batch_publication WHERE run_id = :r"), {"r": run.run_id}
            ).scalar()
        for f in conn.execute(text("SELECT * FROM run_file WHERE run_id = :r"), {"r": run.run_id}).mappings():
            facts.files[f["file_name"]] = FileFacts(
                f["file_name"],
                f["file_id"],
                f["status"],
                f["rows_in"],
                f["rows_loaded"],
                f["rows_merged"],
                f["rows_quarantined"],
            )
        by_id = {f.file_id: f for f in facts.files.values() if f.file_id is not None}
        quarantine = conn.execute(
            text(
                "SELECT q.file_id, q.row_number, q.raw_value, q.reason_code, r.cells, r2.cells FROM quarantine q "
                "LEFT JOIN raw_row r ON r.raw_row_id = q.raw_row_id "
                "LEFT JOIN raw_row r2 ON r2.file_id = q.file_id AND r2.row_number = q.row_number "
                "WHERE q.run_id = :r"
            ),
            {"r": run.run_id},
        ).all()
        texts: dict[tuple[int, int], list[str]] = {}
        for file_id, row_number, raw_value, reason, cells, cells2 in quarantine:
            f = by_id.get(file_id)
            if f is None:
                continue
            f.reasons[reason] += 1
            if row_number == 0:
                f.whole_file = True
                continue
            texts.setdefault((file_id, row_number), []).extend(_cell_texts(cells) + _cell_texts(cells2))
            if raw_value:
                texts[(file_id, row_number)].append(str(raw_value))
        for (file_id, _row), parts in texts.items():
            keys = keys_in(" | ".join(parts))
            f = by_id[file_id]
            if keys:
                f.quarantined_by_key.update(keys)
            else:
                f.unattributed += 1
    return facts


def _cell_texts(cells: Any) -> list[str]:
    if cells is None:
        return []
    if isinstance(cells, str):
        try:
            cells = json.loads(cells)
        except ValueError:
            return [cells]
    if isinstance(cells, dict):
        return [str(v) for v in cells.values() if v is not None] + [str(k) for k in cells]
    return [str(cells)]


def last_run_id(engine: Engine) -> int:
    with engine.connect() as conn:
        try:
            return int(conn.execute(text("SELECT COALESCE(MAX(run_id), 0) FROM etl_run")).scalar() or 0)
        except Exception:
            return 0


# --------------------------------------------------------------------------- invoking the CLI


@dataclass
class Invocation:
    exit_code: int
    output: str
    error: str | None  # a traceback of an exception other than SystemExit
    seconds: float


def invoke_run(source: Path, url: str) -> Invocation:
    """`hsct run --source SOURCE --db URL --no-docs`, in-process through click's CliRunner."""
    import etl.cli

    env = {"HSCT_WORKERS": os.environ.get("HSCT_WORKERS", "1")}
    start = time.perf_counter()
    args = ["run", "--source", str(source), "--db", url, "--no-docs"]  # Data Docs: a third of a run, unread
    result = CliRunner().invoke(etl.cli.main, args, env=env)
    seconds = time.perf_counter() - start
    error = None
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        error = "".join(traceback.format_exception(*result.exc_info)) if result.exc_info else repr(result.exception)
    return Invocation(result.exit_code, result.output, error, seconds)


def invoke_generate(out: Path, seed: int, patients: int) -> None:
    import etl.cli

    result = CliRunner().invoke(
        etl.cli.main, ["generate", "--out", str(out), "--seed", str(seed), "--patients", str(patients)]
    )
    if result.exit_code != 0:
        raise RuntimeError(f"hsct generate failed ({result.exit_code}): {result.output}\n{result.exception!r}")


# --------------------------------------------------------------------------- databases


def sqlalchemy_url(url: str) -> str:
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


class Databases:
    """Fresh databases of one kind: SQLite files in `workdir`, or PostgreSQL schemas ($HSCT_TEST_POSTGRES_URL)."""

    def __init__(self, kind: DbKind, workdir: Path, pg_url: str | None = None) -> None:
        self.kind = kind
        self.workdir = workdir
        self.pg_url = pg_url or os.environ.get(PG_ENV)
        if kind == "postgresql" and not self.pg_url:
            raise RuntimeError(f"PostgreSQL needs {PG_ENV}")
        self._admin: Engine | None = None
        self.kept_schemas: list[str] = []

    def admin(self) -> Engine:
        if self._admin is None:
            assert self.pg_url is not None
            self._admin = create_engine(sqlalchemy_url(self.pg_url), isolation_level="AUTOCOMMIT")
        return self._admin

    @contextlib.contextmanager
    def fresh(self, copy_of: Path | None = None) -> Iterator[str]:
        """The URL of a new empty database (SQLite: a copy of `copy_of` when given), removed afterwards."""
        name = f"fuzz_{uuid.uuid4().hex[:12]}"
        if self.kind == "sqlite":
            path = self.workdir / f"{name}.db"
            if copy_of is not None:
                for suffix in ("", "-wal", "-shm"):
                    src = Path(f"{copy_of}{suffix}")
                    if src.exists():
                        shutil.copyfile(src, f"{path}{suffix}")
            try:
                yield f"sqlite:///{path}"
            finally:
                for suffix in ("", "-wal", "-shm", ".lock"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
            return
        with self.admin().connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
        base = self.admin().url.render_as_string(hide_password=False)
        sep = "&" if "?" in base else "?"
        try:
            yield f"{base}{sep}options={quote(f'-csearch_path={name}')}"
        finally:
            with self.admin().connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))

    def keep(self) -> tuple[str, Path | None]:
        """A database that outlives the example (the base night's): URL and, for SQLite, its file."""
        name = f"base_{uuid.uuid4().hex[:12]}"
        if self.kind == "sqlite":
            path = self.workdir / f"{name}.db"
            return f"sqlite:///{path}", path
        with self.admin().connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
        self.kept_schemas.append(name)
        base = self.admin().url.render_as_string(hide_password=False)
        sep = "&" if "?" in base else "?"
        return f"{base}{sep}options={quote(f'-csearch_path={name}')}", None

    def close(self) -> None:
        if self._admin is not None:
            with self._admin.connect() as conn:
                for name in self.kept_schemas:
                    conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
            self.kept_schemas.clear()
            self._admin.dispose()
            self._admin = None


def engine_for(url: str) -> Engine:
    return create_engine(sqlalchemy_url(url))


# --------------------------------------------------------------------------- the base nights


@dataclass
class BaseNight:
    """A valid night, run once on a fresh database of one kind: the reference of every example."""

    name: str
    files: dict[str, bytes]
    state: State
    facts: RunFacts
    mentions: dict[str, dict[str, int]]
    db_file: Path | None  # SQLite: the database after the base run (copied for two-night examples)
    seconds: float


def _match(name: str, pattern: str) -> bool:
    prefix, suffix = pattern.split("*")
    return name.startswith(prefix) and name.endswith(suffix)


class Fuzzer:
    """Generates the night, runs the base nights (cached per database kind) and checks examples."""

    def __init__(self, workdir: Path, seed: int = 7, patients: int = 12, pg_url: str | None = None) -> None:
        self.workdir = workdir
        self.seed = seed
        self.patients = patients
        self.pg_url = pg_url
        self._generated: dict[str, bytes] | None = None
        self._bases: dict[tuple[str, DbKind], BaseNight] = {}
        self._dbs: dict[DbKind, Databases] = {}
        self._applicable: dict[str, list[str]] = {}

    def databases(self, kind: DbKind) -> Databases:
        if kind not in self._dbs:
            folder = self.workdir / f"db-{kind}"
            folder.mkdir(parents=True, exist_ok=True)
            self._dbs[kind] = Databases(kind, folder, self.pg_url)
        return self._dbs[kind]

    def close(self) -> None:
        for dbs in self._dbs.values():
            dbs.close()

    def generated(self) -> dict[str, bytes]:
        if self._generated is None:
            out = self.workdir / "generated"
            invoke_generate(out, self.seed, self.patients)
            self._generated = {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}
        return self._generated

    def base_files(self, base: str) -> dict[str, bytes]:
        return {n: d for n, d in self.generated().items() if any(_match(n, p) for p in BASES[base])}

    def applicable(self, base: str) -> list[str]:
        """The mutations that apply to some file of the base night."""
        from tests.fuzz.mutations import MUTATIONS

        if base not in self._applicable:
            night = Night(self.base_files(base))
            self._applicable[base] = [name for name in MUTATIONS if eligible(name, night)]
        return self._applicable[base]

    def base(self, base: str, kind: DbKind) -> BaseNight:
        if (base, kind) in self._bases:
            return self._bases[(base, kind)]
        files = self.base_files(base)
        folder = self.workdir / f"base-{base}"
        Night(files).write(folder)
        url, path = self.databases(kind).keep()
        got = invoke_run(folder, url)
        if got.exit_code != 0 or got.error:
            detail = f"{got.output}\n{got.error or ''}"
            raise RuntimeError(f"the base night {base} did not load cleanly on {kind}:\n{detail}")
        engine = engine_for(url)
        try:
            state, facts = read_state(engine), read_run(engine, 0)
        finally:
            engine.dispose()
        mentions = {n: mentioned_keys(n, d) or {} for n, d in files.items()}
        night = BaseNight(base, files, state, facts, mentions, path, got.seconds)
        self._bases[(base, kind)] = night
        return night

    def check(self, kind: DbKind, base: str, names: list[str], seed: int, variant: Variant) -> Report:
        """Mutate the base night with `names` (rng seeded by `seed`), run it, check every invariant."""
        import random

        ref = self.base(base, kind)
        night = apply_mutations(ref.files, names, random.Random(seed))
        report = Report(kind, base, names, seed, variant, night.log)
        with tempfile.TemporaryDirectory(dir=self.workdir, prefix="night-") as tmp:
            folder = Path(tmp) / "night"
            night.write(folder)
            dbs = self.databases(kind)
            copy = ref.db_file if variant == "two_night" else None
            with dbs.fresh(copy_of=copy) as url:
                engine = engine_for(url)
                try:
                    if variant == "two_night" and copy is None:
                        first = invoke_run(self.workdir / f"base-{base}", url)
                        if first.exit_code != 0:
                            report.add("base_night", f"the base night failed on this database: {first.output}")
                            return report
                    before = last_run_id(engine)
                    got = invoke_run(folder, url)
                    report.exit_code, report.output, report.seconds = got.exit_code, got.output, got.seconds
                    engine.dispose()
                    state = read_state(engine)
                    facts = read_run(engine, before)
                finally:
                    engine.dispose()
        report.facts = facts
        judge(report, ref, night, got, state, facts)
        return report


# --------------------------------------------------------------------------- judging one example


@dataclass
class Violation:
    invariant: str
    detail: str


@dataclass
class Report:
    kind: DbKind
    base: str
    names: list[str]
    seed: int
    variant: Variant
    log: list[str]
    exit_code: int | None = None
    output: str = ""
    seconds: float = 0.0
    facts: RunFacts | None = None
    violations: list[Violation] = field(default_factory=list)

    def add(self, invariant: str, detail: str) -> None:
        self.violations.append(Violation(invariant, detail))

    @property
    def ok(self) -> bool:
        return not self.violations

    def describe(self, output_lines: int = 25) -> str:
        lines = [
            f"example: db={self.kind} base={self.base} variant={self.variant} mutations={self.names} seed={self.seed}",
            *[f"  mutation {x}" for x in self.log],
            f"  exit code {self.exit_code}, {self.seconds:.1f} s",
        ]
        if self.facts is not None:
            for f in self.facts.files.values():
                reasons = ", ".join(f"{r}={n}" for r, n in f.reasons.most_common(5))
                lines.append(
                    f"  file {f.name}: {f.status}, in {f.rows_in} = loaded {f.loaded} + merged {f.merged} "
                    f"+ quarantined {f.quarantined}; {reasons}"
                )
        lines += [f"  VIOLATED {v.invariant}: {v.detail}" for v in self.violations]
        lines.append(
            f"  replay: .venv/bin/python bench/fuzz_feeds.py --db {self.kind} "
            f"--replay {self.base}:{','.join(self.names)}:{self.seed}:{self.variant} --keep /tmp/night"
        )
        tail = [x for x in self.output.splitlines() if x.strip()][-output_lines:]
        lines += ["  output (tail):", *[f"    | {x}" for x in tail]]
        return "\n".join(lines)


def guard_limits() -> dict[str, tuple[float, int]]:
    """`[deletion_guard]` of the config the run reads ($HSCT_CONFIG, ./hsct.toml, the repo's), else spec defaults."""
    limits = dict(GUARD_DEFAULTS)
    for candidate in (os.environ.get("HSCT_CONFIG"), Path.cwd() / "hsct.toml", REPO / "hsct.toml"):
        if candidate and Path(candidate).is_file():
            with open(candidate, "rb") as fh:
                guard = tomllib.load(fh).get("deletion_guard", {})
            for kind in limits:
                if isinstance(guard.get(kind), dict):
                    limits[kind] = (float(guard[kind].get("share", limits[kind][0])), int(guard[kind].get("count", 0)))
            break
    return limits


def expected_feeds(base_feeds: set[str]) -> set[str]:
    for candidate in (os.environ.get("HSCT_CONFIG"), Path.cwd() / "hsct.toml", REPO / "hsct.toml"):
        if candidate and Path(candidate).is_file():
            with open(candidate, "rb") as fh:
                wanted = tomllib.load(fh).get("night", {}).get("expected_feeds", "previous")
            return set(wanted) if isinstance(wanted, list) else base_feeds
    return base_feeds


def feed_of(name: str) -> str:
    for feed in ("registry_ru", "registry_en", "labs"):
        if name.casefold().startswith(feed):
            return feed
    return "?"


def judge(report: Report, ref: BaseNight, night: Night, got: Invocation, state: State, facts: RunFacts) -> None:
    """Check every invariant of the module docstring on one example."""
    ignore = set(CODE_COLUMNS) if "code_format" in report.names else set()
    if got.error:
        lines = got.error.strip().splitlines()
        report.add("no_traceback", lines[-1] + "\n" + "\n".join(lines[-14:-1]))
    elif "Traceback (most recent call last)" in got.output:
        report.add("no_traceback", "a Python traceback was printed")
    held = "held" in got.output
    if got.exit_code not in (0, 1, 4):
        report.add("exit_code", f"exit {got.exit_code}: {_last_line(got.output)}")
    if got.exit_code == 1 and not held:
        report.add("exit_code", f"exit 1 without 'held' in the output: {_last_line(got.output)}")
    before = ref.state if report.variant == "two_night" else State()
    if got.exit_code != 0:
        name = "held_changed_nothing" if got.exit_code == 1 else "refused_changed_nothing"
        if not state.same_as(before):
            report.add(name, f"exit {got.exit_code}, yet the live tables changed")
    _accounting(report, facts)
    if facts.run_id is not None and got.exit_code in (0, 1) and facts.publication is not None:
        wanted = "published" if got.exit_code == 0 else "held"
        if facts.publication != wanted:
            report.add("published_state", f"exit {got.exit_code} but batch_publication says {facts.publication}")
    _refused_files(report, ref, night, facts)
    if got.exit_code != 0:
        return
    if report.variant == "single":
        _single(report, ref, night, state, facts, ignore)
    else:
        _two_nights(report, ref, night, state, facts, ignore)


def _refused_files(report: Report, ref: BaseNight, night: Night, facts: RunFacts) -> None:
    """`refused_whole_file`: a file the base night read is refused whole only after a whole-file damage."""
    from tests.fuzz.mutations import MUTATIONS

    for name, applied in night.applied.items():
        f, before = facts.files.get(name), ref.facts.files.get(name)
        if f is None or before is None or before.refused_whole or not f.refused_whole:
            continue
        if not any(MUTATIONS[m].may_refuse_file for m in applied):
            why = f"status {f.status}" + (f", {dict(f.reasons)}" if f.reasons else "")
            report.add("refused_whole_file", f"{name} refused whole after {', '.join(applied)} ({why})")


def _last_line(output: str) -> str:
    lines = [x for x in output.splitlines() if x.strip()]
    return lines[-1][:300] if lines else ""


def _accounting(report: Report, facts: RunFacts) -> None:
    for f in facts.files.values():
        if f.rows_in != f.loaded + f.merged + f.quarantined:
            report.add(
                "row_accounting",
                f"{f.name}: rows in {f.rows_in} != loaded {f.loaded} + merged {f.merged} + quarantined {f.quarantined}",
            )
    if facts.totals is not None and facts.files:
        per_file = [(f.rows_in, f.loaded, f.merged, f.quarantined) for f in facts.files.values()]
        sums = tuple(sum(x) for x in zip(*per_file, strict=True))
        rows_in, loaded, merged, quarantined = facts.totals
        if rows_in != loaded + merged + quarantined:
            report.add("row_accounting", f"run {facts.run_id}: {facts.totals} (in, loaded, merged, quarantined)")
        if facts.status == "completed" and tuple(facts.totals) != sums:
            report.add("row_accounting", f"run {facts.run_id} totals {facts.totals} != the sum of its files {sums}")


def _allowance(ref: BaseNight, night: Night, facts: RunFacts, key: str, file: str) -> str | None:
    """Why a base patient/result of `file` may be absent tonight (None: no reason, a silent loss)."""
    if file not in night.files:
        return "file dropped"
    f = facts.files.get(file)
    if f is not None and f.refused:
        return "file refused"
    now = mentioned_keys(file, night.files[file])
    if now is None:
        return None  # an xlsx no one can open: the run must refuse it (above)
    if now.get(key, 0) < ref.mentions.get(file, {}).get(key, 0):
        return "line removed by the mutation"
    return None


class _Budget:
    """Quarantined rows of a file tonight beyond the base run's: per key, and naming no key."""

    def __init__(self, ref: BaseNight, facts: RunFacts) -> None:
        self.by_key: dict[tuple[str, str], int] = {}
        self.pool: dict[str, int] = {}
        for name, f in facts.files.items():
            old = ref.facts.files.get(name)
            for key, n in f.quarantined_by_key.items():
                self.by_key[(name, key)] = n - (old.quarantined_by_key.get(key, 0) if old else 0)
            self.pool[name] = f.unattributed - (old.unattributed if old else 0)
        self.lost_lines: dict[tuple[str, str], int] = {}

    def take(self, file: str, key: str, n: int) -> int:
        """Account `n` losses of `key` in `file`; returns how many remain unaccounted."""
        own = max(0, self.by_key.get((file, key), 0))
        used = min(own, n)
        self.by_key[(file, key)] = own - used
        n -= used
        pool = max(0, self.pool.get(file, 0))
        used = min(pool, n)
        self.pool[file] = pool - used
        return n - used


def _compare_patients(report: Report, base: State, state: State, ignore: set[str]) -> None:
    """`invented_patient` and `value_changed`: every patient loaded is one of the base night's, unchanged."""
    for key in sorted(state.patients):
        if key not in base.patients:
            report.add(
                "invented_patient", f"patient {key}, not loaded by the base night: {_brief(state.patients[key])}"
            )
            continue
        diff = diff_patient(base.patients[key], state.patients[key], ignore)
        if diff:
            report.add("value_changed", f"patient {key}: " + "; ".join(diff[:6]))


def _missing_labs_by_file(base: State, state: State, lab: LabKey) -> Counter[str]:
    """How many of the base night's results of `lab` are missing tonight, by the file they came from."""
    missing = base.labs.get(lab, Counter()) - state.labs.get(lab, Counter())
    per_file: Counter[str] = Counter()
    origins = list(base.lab_files.get(lab, []))
    for value, n in missing.items():
        for _ in range(n):
            found = next((f for v, f in origins if v == value), "?")
            if (value, found) in origins:
                origins.remove((value, found))
            per_file[found] += 1
    return per_file


def _single(report: Report, ref: BaseNight, night: Night, state: State, facts: RunFacts, ignore: set[str]) -> None:
    """One mutated night on a fresh database against the base night: values equal, or rows accounted for."""
    base = ref.state
    budget = _Budget(ref, facts)
    _compare_patients(report, base, state, ignore)
    for key in sorted(set(base.patients) - set(state.patients)):
        file = base.patient_file.get(key, "?")
        if _allowance(ref, night, facts, key, file) is None and budget.take(file, key, 1):
            report.add("lost_silently", f"patient {key} ({file}) not loaded, its row neither quarantined nor gone")
    for lab in sorted(set(base.labs) | set(state.labs)):
        had, has = base.labs.get(lab, Counter()), state.labs.get(lab, Counter())
        extra = has - had
        if extra:
            report.add("lab_value_changed", f"{lab}: loaded {dict(extra)}, the base night {dict(had) or 'nothing'}")
        for file, n in _missing_labs_by_file(base, state, lab).items():
            if _allowance(ref, night, facts, lab[0], file) is not None:
                continue
            left = budget.take(file, lab[0], n)
            if left:
                report.add(
                    "lost_silently",
                    f"lab result {lab} x{left} ({file}) not loaded, its row neither quarantined nor gone",
                )


def _brief(patient: dict[str, tuple[Row, ...]]) -> str:
    person = dict(patient.get("person", ((),))[0])
    return f"codes {person.get('registry_code_ru')!r}/{person.get('registry_code_en')!r}"


def _two_nights(report: Report, ref: BaseNight, night: Night, state: State, facts: RunFacts, ignore: set[str]) -> None:
    """The base night, then the mutated night on the same database: published changes are deletions only,
    and every deletion is listed, within the guard and not forbidden."""
    base = ref.state
    _compare_patients(report, base, state, ignore)
    lost_labs: Counter[str] = Counter()
    for lab in sorted(set(base.labs) | set(state.labs)):
        missing = base.labs.get(lab, Counter()) - state.labs.get(lab, Counter())
        lost_labs[lab[0]] += sum(missing.values())
        extra = state.labs.get(lab, Counter()) - base.labs.get(lab, Counter())
        if extra:
            report.add("lab_value_changed", f"{lab}: {dict(extra)} after the second night, the base night's "
                       f"{dict(base.labs.get(lab, {})) or 'nothing'}")  # fmt: skip
    deleted = sorted(set(base.patients) - set(state.patients))
    _deletions(report, ref, night, facts, deleted, +lost_labs)


def _deletions(
    report: Report, ref: BaseNight, night: Night, facts: RunFacts, deleted: list[str], lost_labs: Counter[str]
) -> None:
    """`deletion_unlisted`, `deletion_over_guard`, `missing_feed_published`, `deleted_on_unusable_*`."""
    base, out, limits = ref.state, report.output, guard_limits()
    for key in deleted:
        if key not in out:
            report.add("deletion_unlisted", f"patient {key} deleted, the run output does not name it")
    for key, n in sorted(lost_labs.items()):
        if key not in out:
            report.add("deletion_unlisted", f"{n} lab result(s) of {key} deleted, the run output does not name {key}")
    total = sum(lost_labs.values())
    # a deleted patient's results go with it, under the patient guard (hsct.toml [deletion_guard]); the
    # lab_results guard counts the results withdrawn from the lab files
    withdrawn = sum(n for key, n in lost_labs.items() if key not in deleted)
    for what, count, stored in (
        ("patients", len(deleted), len(base.patients)),
        ("lab_results", withdrawn, base.lab_count),
    ):
        share, least = limits[what]
        if count > max(share * stored, least):
            report.add(
                "deletion_over_guard",
                f"{count} of {stored} {what} deleted and published; the guard allows {max(share * stored, least):g}",
            )
    readable = {feed_of(n) for n in night.files if not (n in facts.files and facts.files[n].status == "unreadable")}
    missing_feeds = expected_feeds({feed_of(n) for n in ref.files}) - readable
    if missing_feeds:
        report.add(
            "missing_feed_published", f"no readable {', '.join(sorted(missing_feeds))} file tonight, batch published"
        )
    registry = [f for f in facts.files.values() if feed_of(f.name) != "labs"]
    if registry and deleted and all(f.loaded + f.merged == 0 for f in registry):
        report.add("deleted_on_unusable_registry", f"no registry row loaded, yet {len(deleted)} patient(s) deleted")
    # unusable tonight though usable in the base night (a base lab file whose rows all name unknown patients
    # is refused every night and says nothing about tonight)
    unusable = [
        f.name
        for f in facts.files.values()
        if feed_of(f.name) == "labs"
        and f.refused
        and not (f.name in ref.facts.files and ref.facts.files[f.name].refused)
    ]
    if unusable and total:
        report.add("deleted_on_unusable_labs", f"{', '.join(unusable)} unusable, yet {total} lab result(s) deleted")


def python_path_note() -> str:
    """Which `etl` package the fuzzer is exercising (the working tree or another checkout on PYTHONPATH)."""
    import etl

    return f"etl from {Path(etl.__file__).resolve().parent} (python {sys.version.split()[0]})"
