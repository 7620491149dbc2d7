"""The scenario harness's own parts, without the pipeline: value comparison, the checks, the
builders, case loading, in-process and subprocess invocation."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import sqlite3
import sys
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
import openpyxl
import pytest

from tests.scenarios.builders import BuildContext, apply_builders, parse_specs, workbook_bytes
from tests.scenarios.harness import (
    TRACEBACK,
    CaseError,
    Checks,
    Database,
    Process,
    check_problems,
    compare,
    discover_cases,
    fill_placeholders,
    invoke,
    load_case,
    normalize,
    rows_match,
)

# ----------------------------------------------------------------------------- values


def test_normalize_makes_both_drivers_alike() -> None:
    assert normalize(dt.date(2018, 8, 20)) == "2018-08-20"  # PostgreSQL
    assert normalize("2018-08-20") == "2018-08-20"  # SQLite
    assert normalize(dt.datetime(2023, 11, 2, 9, 0)) == "2023-11-02 09:00:00"
    assert normalize("2023-11-02 09:00:00.000000") == "2023-11-02 09:00:00"  # SQLite's DateTime text
    assert normalize("2023-11-02T09:00:00") == "2023-11-02 09:00:00"
    assert normalize(dt.datetime(2023, 11, 2, 9, 0, 0, 500)) == "2023-11-02 09:00:00.000500"
    assert normalize(Decimal("1.5")) == 1.5
    assert normalize([dt.date(2020, 1, 1), "x", 3]) == ["2020-01-01", "x", 3]
    assert normalize("HSCT-2018-002") == "HSCT-2018-002"


@pytest.mark.parametrize(
    ("a", "op", "b", "expected"),
    [
        (2, "==", 2, True),
        (dt.date(2001, 7, 17), "==", "2001-07-17", True),
        ("2001-07-17", "==", dt.date(2001, 7, 17), True),
        (0.0015, "approx", 1.5, False),
        (1.5 + 1e-12, "approx", 1.5, True),
        (3, ">=", 2, True),
        (None, ">=", 1, False),
        ("5", ">", 1, False),  # text never compares as a number
        (5, "in", [0, 5], True),
        (1, "!=", 2, True),
        (1, "<", 2, True),
    ],
)
def test_compare(a: Any, op: str, b: Any, expected: bool) -> None:
    assert compare(a, op, b) is expected


def test_rows_match_is_a_multiset_with_approximate_numbers() -> None:
    got = [("2018-09-12", 0.6000000000000001), (dt.date(2018, 8, 20), 0.19)]
    assert rows_match(got, [[dt.date(2018, 8, 20), 0.19], ["2018-09-12", 0.6]])
    assert not rows_match(got, [["2018-08-20", 0.19], ["2018-09-12", 0.6]], ordered=True)
    assert not rows_match(got, [["2018-08-20", 0.19]])  # a row too many
    assert not rows_match([("a",), ("a",)], [["a"], ["b"]])  # duplicates count
    assert not rows_match([("a", 1)], [["a", 2]])
    assert rows_match([(True,)], [[1]])  # SQLite stores booleans as 1/0
    assert rows_match([], [])


def test_placeholders_fill_today() -> None:
    marks = {"{{TODAY}}": "2026-01-31", "{{TOMORROW}}": "2026-02-01"}
    doc = {"a": ["x {{TODAY}}", {"b": "{{TOMORROW}}"}], "n": 3}
    assert fill_placeholders(doc, marks) == {"a": ["x 2026-01-31", {"b": "2026-02-01"}], "n": 3}


# ----------------------------------------------------------------------------- checks

OUT_OK = "run 1 completed; batch published\n"
OUT_HELD = "run 2 completed; batch held by the quality gate (not published)\nError: ... the batch is held\n"
OUT_CRASH = f"hsct run: ...\n{TRACEBACK}:\n  File x\nValueError: boom\n"


@pytest.fixture
def db(tmp_path: Path) -> Database:
    """A database with the tables the checks read, holding run 1 and run 2."""
    path = tmp_path / "t.db"
    con = sqlite3.connect(path)
    con.executescript(
        """
        CREATE TABLE source_file (file_id INTEGER PRIMARY KEY, file_name TEXT);
        CREATE TABLE quarantine (run_id INT, file_id INT, row_number INT, column_name TEXT,
                                 reason_code TEXT, message TEXT);
        CREATE TABLE lab_result (result_date DATE, value_num REAL);
        CREATE TABLE quality_run (quality_run_id INT, run_id INT);
        CREATE TABLE quality_result (quality_run_id INT, check_id TEXT, severity TEXT, success BOOLEAN);
        INSERT INTO source_file VALUES (1, 'labs_20240101.csv'), (2, 'registry_en_20240101.csv');
        INSERT INTO quarantine VALUES
            (1, 1, 3, 'Result', 'invalid_number', '''0.3O'' is not a number'),
            (2, 2, 2, 'HSCT date', 'invalid_date', 'row 2: ''2017-02-31'' is not an existing date'),
            (2, 1, 0, '', 'unreadable_file', 'labs_20240101.csv cannot be read: line 3, byte 0x96');
        INSERT INTO lab_result VALUES ('2018-08-20', 0.19), ('2018-09-12', 0.6);
        INSERT INTO quality_run VALUES (10, 1), (11, 2);
        INSERT INTO quality_result VALUES (10, 'lab_test_set', 'blocking', 1),
            (11, 'night_patient_deletions', 'blocking', 0), (11, 'lab_test_set', 'blocking', 1);
        """
    )
    con.commit()
    con.close()
    return Database(f"sqlite:///{path}")


@pytest.fixture
def checks(db: Database, tmp_path: Path) -> Checks:
    steps = {
        "night1": {"rc": 0, "output": OUT_OK, "run_id": 1, "patients": 3, "publication": "published"},
        "night2": {"rc": 1, "output": OUT_HELD, "run_id": 2, "patients": 3, "publication": "held"},
        "night3": {"rc": 1, "output": OUT_CRASH, "run_id": 3, "patients": 0, "publication": None},
        "refused": {"rc": 4, "output": "Error: the folder holds no feed file\n", "run_id": 2},
        "locked": {"rc": 5, "output": "Error: another hsct run holds the lock\n", "run_id": 2},
    }
    (tmp_path / "e2").mkdir()
    (tmp_path / "e2" / "deleted.000001.ndjson").write_text(
        '{"resourceType":"Bundle","entry":[{"request":{"method":"DELETE","url":"Observation/ab12"}}]}\n'
        '{"resourceType":"Bundle","entry":[{"request":{"method":"DELETE","url":"Patient/cd34"}}]}\n'
    )
    return Checks(steps, list(steps), db.rows, tmp_path)


def ok(checks: Checks, check: dict[str, Any]) -> bool:
    return checks.check(check)[0]


def test_traceback_and_exit_codes(checks: Checks) -> None:
    assert ok(checks, {"no_traceback": "night2"})
    assert not ok(checks, {"no_traceback": "*"})
    assert "ValueError: boom" in checks.check({"no_traceback": "*"})[1]
    assert ok(checks, {"exit_ok": "night1"}) and ok(checks, {"exit_ok": "night2"})  # 0; 1 saying held
    assert ok(checks, {"exit_ok": "refused"}) and ok(checks, {"exit_ok": "locked"})
    assert not ok(checks, {"exit_ok": "night3"})  # 1 without "held"
    assert ok(checks, {"held": "night2"}) and not ok(checks, {"held": "night1"})
    assert ok(checks, {"refused": "refused"}) and not ok(checks, {"refused": "night1"})
    assert ok(checks, {"exit": {"step": "locked", "code": [0, 5]}})
    assert not ok(checks, {"exit": {"step": "night3", "code": 0}})


def test_output_defaults_to_the_last_step(checks: Checks) -> None:
    assert ok(checks, {"output": "LOCK"})  # case-insensitive, the last step (locked)
    assert ok(checks, {"output": "completed;.*published", "step": "night1"})
    assert not ok(checks, {"output": "published", "step": "night3"})


def test_compare_reads_snapshots_and_sql(checks: Checks) -> None:
    assert ok(checks, {"compare": ["$night2.patients", ">=", "$night1.patients"]})
    assert ok(checks, {"compare": ["$night1.publication", "==", "published"]})
    sql = {"sql": "SELECT count(*) FROM quarantine WHERE run_id = :run_id", "step": "night2"}
    assert ok(checks, {"compare": [sql, "==", 2]})
    assert ok(checks, {"compare": [{"sql": "SELECT value_num FROM lab_result ORDER BY 1"}, "approx", 0.19]})
    assert ok(checks, {"compare": [{"sql": "SELECT result_date FROM lab_result ORDER BY 1"}, "==", "2018-08-20"]})
    with pytest.raises(CaseError):
        checks.check({"compare": ["$night9.patients", "==", 1]})
    with pytest.raises(CaseError):
        checks.check({"compare": ["$night1.nothing", "==", 1]})


def test_quarantined_matches_file_row_and_regexes(checks: Checks) -> None:
    q = {"step": "night2", "file": "registry_en_20240101.csv", "row": 2}
    assert ok(checks, {"quarantined": {**q, "reason": "invalid_date", "column": "HSCT date"}})
    assert ok(checks, {"quarantined": {**q, "message": "2017-02-31"}})
    assert not ok(checks, {"quarantined": {**q, "reason": "invalid_number"}})
    assert not ok(checks, {"quarantined": {**q, "step": "night1"}})  # another run
    assert ok(checks, {"quarantined": {"file": "labs_20240101.csv", "row": 0, "message": "(?s)(?=.*line 3)(?=.*0x96)"}})


def test_quarantine_is_compares_the_whole_set(checks: Checks) -> None:
    rows = [
        ["registry_en_20240101.csv", 2, "HSCT date", "invalid_date"],
        ["labs_20240101.csv", 0, None, "unreadable_file"],
    ]
    assert ok(checks, {"quarantine_is": {"step": "night2", "rows": rows}})
    assert not ok(checks, {"quarantine_is": {"step": "night2", "rows": rows[:1]}})  # one row unexpected
    wrong_column = [["registry_en_20240101.csv", 2, "^Date", "invalid_date"], rows[1]]
    assert not ok(checks, {"quarantine_is": {"step": "night2", "rows": wrong_column}})
    assert ok(checks, {"quarantine_is": {"step": "night2", "file": "labs_20240101.csv", "rows": rows[1:]}})
    assert ok(checks, {"quarantine_is": {"step": "refused", "file": "nothing.csv", "rows": []}})


def test_rows_and_quality_failed(checks: Checks) -> None:
    sql = "SELECT result_date, value_num FROM lab_result"
    assert ok(checks, {"rows": {"sql": sql, "equals": [[dt.date(2018, 9, 12), 0.6], ["2018-08-20", 0.19]]}})
    assert not ok(checks, {"rows": {"sql": sql, "equals": [["2018-08-20", 0.19]]}})
    assert ok(checks, {"quality_failed": {"step": "night2", "check": "night_patient_deletions"}})
    assert not ok(checks, {"quality_failed": {"step": "night2", "check": "lab_test_set"}})
    assert not ok(checks, {"quality_failed": {"step": "night1", "check": "night_patient_deletions"}})
    with pytest.raises(CaseError, match="sql error"):
        checks.check({"rows": {"sql": "SELECT nothing FROM nowhere", "equals": []}})


def test_files_and_max(checks: Checks) -> None:
    regex = "DELETE[^{}]*Observation/|Observation/[^{}]*DELETE"
    assert ok(checks, {"files": {"glob": "e2/deleted*.ndjson", "regex": regex, "min": 1}})
    assert not ok(checks, {"files": {"glob": "e2/deleted*.ndjson", "regex": regex, "min": 2}})
    assert not ok(checks, {"files": {"glob": "e9/*.ndjson", "regex": regex}})
    assert ok(checks, {"max": {"glob": "e2/*.ndjson", "regex": "DELETE", "max": 2}})
    assert not ok(checks, {"max": {"glob": "e2/*.ndjson", "regex": "DELETE", "max": 1}})


def test_any_all_not_and_labels(checks: Checks) -> None:
    yes, no = {"held": "night2"}, {"held": "night1"}
    assert ok(checks, {"any": [no, yes]}) and not ok(checks, {"any": [no, no]})
    assert ok(checks, {"all": [yes, yes]}) and not ok(checks, {"all": [yes, no]})
    assert ok(checks, {"not": no}) and not ok(checks, {"not": yes})
    good, detail = checks.check({"held": "night1", "label": "night1 held"})
    assert not good and detail.startswith("night1 held [")


def test_check_problems_catch_typos(checks: Checks) -> None:
    assert check_problems({"compare": ["$a.b", "==", 1], "label": "x"}) == []
    assert check_problems({"output": "x", "step": "night"}) == []
    assert check_problems({"compare": ["$a.b", "=", 1]})
    assert check_problems({"rows": {"sql": "SELECT 1", "equal": []}})  # equals
    assert check_problems({"rows": {"sql": "SELECT a", "b FROM t": None, "equals": []}})  # an unquoted comma
    assert check_problems({"held": "night", "label": "a", "b": None})
    assert check_problems({"helt": "night"})
    assert check_problems({"any": [{"not": {"exit": {"stp": "n", "code": 0}}}]})
    with pytest.raises(CaseError):
        checks.check({"exit": {"stp": "night1", "code": 0}})


# ----------------------------------------------------------------------------- cases


def write_case(folder: Path, doc: dict[str, Any], *nights: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "case.yaml").write_text(json.dumps(doc), encoding="utf-8")  # JSON is YAML
    for night in nights:
        (folder / night).mkdir()
    return folder


def test_discover_and_default_steps(tmp_path: Path) -> None:
    write_case(tmp_path / "01-a" / "two-nights", {"expect": []}, "night1", "night2")
    write_case(tmp_path / "01-a" / "one-folder", {"expect": [], "why": "{{TODAY}}"})
    (tmp_path / "01-a" / "no-case").mkdir()
    json_case = tmp_path / "02-b" / "shared"
    json_case.mkdir(parents=True)
    (json_case / "case.json").write_text('{"expect": [], "steps": [{"run": "."}]}')
    found = discover_cases(tmp_path)
    assert [c.id for c in found] == ["01-a/one-folder", "01-a/two-nights", "02-b/shared"]
    assert load_case(found[1].folder)["steps"] == [{"run": "night1"}, {"run": "night2"}]
    assert load_case(found[0].folder)["steps"] == [{"run": "."}]
    assert load_case(found[0].folder)["why"] == dt.date.today().isoformat()
    with pytest.raises(CaseError):
        load_case(tmp_path / "01-a" / "no-case")


# ----------------------------------------------------------------------------- builders


def ctx(tmp_path: Path) -> BuildContext:
    night = tmp_path / "src" / "night"
    night.mkdir(parents=True)
    return BuildContext(night=night, work=tmp_path, step="night", case=tmp_path)


def test_parse_specs() -> None:
    assert parse_specs("fill_dates") == [("fill_dates", {}, None)]
    assert parse_specs({"rename": {"from": "a", "to": "b"}}) == [("rename", {"from": "a", "to": "b"}, None)]
    assert parse_specs([{"name": "encode", "step": "night2", "args": {"file": "x"}}, "fill_dates"]) == [
        ("encode", {"file": "x"}, "night2"),
        ("fill_dates", {}, None),
    ]
    with pytest.raises(ValueError):
        parse_specs({"a": {}, "b": {}})


def test_encode_utf16_and_mixed_lines(tmp_path: Path) -> None:
    c = ctx(tmp_path)
    (c.night / "r.csv").write_bytes("\ufeffКод,Имя\r\nТГСК-1,Анна\r\nТГСК-2,Вера\r\n".encode())
    (c.night / "m.csv").write_bytes("Код;Имя\r\nТГСК-1;Анна\r\nТГСК-2;Вера\r\n".encode())
    apply_builders(
        [
            {"encode": {"file": "r.csv", "encoding": "utf-16-be", "bom": True, "delimiter": [",", "\t"]}},
            {"encode": {"file": "m.csv", "encoding": "cp1251", "lines": {3: "utf-8"}, "append_bytes": {2: "96"}}},
            {"name": "encode", "step": "other", "args": {"file": "missing.csv"}},  # another step: not applied
        ],
        c.night,
        c.work,
        c.step,
        c.case,
    )
    data = (c.night / "r.csv").read_bytes()
    assert (
        data.startswith(b"\xfe\xff") and data[2:].decode("utf-16-be") == "Код\tИмя\r\nТГСК-1\tАнна\r\nТГСК-2\tВера\r\n"
    )
    lines = (c.night / "m.csv").read_bytes().split(b"\r\n")
    assert lines[1] == "ТГСК-1;Анна".encode("cp1251") + b"\x96"
    assert lines[2] == "ТГСК-2;Вера".encode()


def test_xlsx_formula_error_and_1904(tmp_path: Path) -> None:
    c = ctx(tmp_path)
    rows = [
        ["HSCT-2018-002", 41870, "ANC", "=4.2*1", "#N/A"],
        ["HSCT-2018-002", dt.date(2018, 9, 12), "ANC", 0.6, None],
    ]
    apply_builders(
        {"xlsx": {"file": "labs.xlsx", "header": "labs_en", "rows": rows, "date1904": True}}, *vars(c).values()
    )
    wb = openpyxl.load_workbook(c.night / "labs.xlsx")
    assert wb.epoch == dt.datetime(1904, 1, 1)
    ws = wb.active
    assert [cell.value for cell in ws[1]] == ["Patient ID", "Date", "Test", "Result", "Unit"]
    assert ws["B2"].value == 41870 and ws["B2"].data_type == "n"
    assert ws["D2"].data_type == "f" and ws["E2"].data_type == "e"
    assert ws["B3"].value == dt.datetime(2018, 9, 12)
    with zipfile.ZipFile(c.night / "labs.xlsx") as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>4.2*1</f>" in sheet and "<f>4.2*1</f><v>" not in sheet  # no cached value


def test_zip_bomb_is_small_on_disk_and_expands(tmp_path: Path) -> None:
    c = ctx(tmp_path)
    row = ["HSCT-2018-002", "2018-08-20", "ANC", 0.19, "x10^9/L"]
    apply_builders(
        {"zip_bomb_xlsx": {"file": "b.xlsx", "megabytes": 20, "header": "labs_en", "row": row}}, *vars(c).values()
    )
    with zipfile.ZipFile(c.night / "b.xlsx") as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
        assert info.file_size >= 20 << 20
        assert info.file_size > 100 * info.compress_size  # Apache POI's rule: refused beyond 100x
        with z.open(info) as fh:
            head = fh.read(4096).decode()
    assert head.count("<row") > 10


def test_links_names_and_dates(tmp_path: Path) -> None:
    c = ctx(tmp_path)
    (c.night / "labs_1.csv").write_text("Patient ID,Date\n")
    (c.night / "x.csv").write_text("a,{{TODAY}} 23:59,{{TOMORROW}}\n")
    apply_builders(
        [
            {"symlink_outside": {"link": "labs_2.csv", "text": "outside\n"}},
            {"symlink_outside": {"link": "registry_ru_1.csv", "text": "abs\n", "absolute": True}},
            {"rename": {"from": "labs_1.csv", "to": "labs_2024\n0101.csv"}},
            "fill_dates",
        ],
        *vars(c).values(),
    )
    rel, absolute = c.night / "labs_2.csv", c.night / "registry_ru_1.csv"
    assert rel.is_symlink() and not str(rel.readlink()).startswith("/") and rel.read_text() == "outside\n"
    assert absolute.is_symlink() and absolute.readlink().is_absolute()
    assert not rel.resolve().is_relative_to(c.night.resolve())
    assert (c.night / "labs_2024\n0101.csv").is_file()
    today = dt.date.today()
    assert (
        c.night / "x.csv"
    ).read_text() == f"a,{today.isoformat()} 23:59,{(today + dt.timedelta(days=1)).isoformat()}\n"


def test_workbook_bytes_round_trip() -> None:
    wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes(["a", "b"], [[1, "x"]])))
    assert [[c.value for c in r] for r in wb.active.iter_rows()] == [["a", "b"], [1, "x"]]


# ----------------------------------------------------------------------------- invocation


@click.command()
@click.argument("what")
def toy(what: str) -> None:
    click.echo("working")
    click.echo("on stderr", err=True)
    if what == "crash":
        raise ValueError("boom")
    if what == "refuse":
        raise click.ClickException("refused")


def test_invoke_shows_tracebacks_as_the_terminal_would() -> None:
    assert invoke(toy, ["fine"], {}) == (0, "working\non stderr\n")
    rc, out = invoke(toy, ["crash"], {})
    assert rc == 1 and TRACEBACK in out and "ValueError: boom" in out
    rc, out = invoke(toy, ["refuse"], {})
    assert rc == 1 and TRACEBACK not in out and "Error: refused" in out


def test_process_waits_for_ready_and_kills_on_timeout(tmp_path: Path) -> None:
    script = "import time; print('pausing 1 s', flush=True); time.sleep(0.3); print('done')"
    p = Process("p", [sys.executable, "-c", script], tmp_path, dict(os.environ), timeout=30)
    p.start(ready="pausing")
    assert p.wait_ready(30)
    rc, out, _seconds = p.finish()
    assert rc == 0 and out.splitlines() == ["pausing 1 s", "done"] and p.max_rss_mb >= 0
    slow = Process("s", [sys.executable, "-c", "import time; time.sleep(30)"], tmp_path, dict(os.environ), timeout=0.5)
    slow.start()
    rc, out, seconds = slow.finish()
    assert rc == 124 and "killed" in out and seconds < 20
