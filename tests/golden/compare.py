"""Expected files of a golden scenario: written (update mode) and compared after parsing.

Layout of `tests/golden/<scenario>/expected/`:

    run.json             collect.run_summary
    quarantine.csv       collect.quarantine
    tables/<table>.csv   collect.tables, one file per table (header row, then the rows)
    fhir/<Type>.json     collect.fhir: a JSON list of the resources of that type, sorted by id
    fhir/manifest.json   the Bulk Data manifest

CSV files are UTF-8, `,`, one header row; JSON is indented with sorted keys. Comparison never
looks at bytes: CSV is parsed into cells (two numbers within a relative 1e-9 are equal), JSON into
values. `differences` returns readable lines (`tables/transplant.csv: 2023-001@2023-03-06:
cd34_dose expected '4.8', got '4.9'`); the test shows the first MAX_SHOWN of them.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path
from typing import Any

from tests.golden.collect import Rows

MAX_SHOWN = 40
Outcome = dict[str, Rows | Any]  # relative path -> Rows (a .csv) or a JSON value (a .json)


def render(value: Rows | Any) -> str:
    """The text of one expected file."""
    if isinstance(value, Rows):
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(value.columns)
        writer.writerows(value.rows)
        return out.getvalue()
    return json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False, default=str) + "\n"


def write(folder: Path, outcome: Outcome) -> None:
    """Replace the expected folder with the outcome (a type no longer exported loses its file)."""
    if folder.exists():
        shutil.rmtree(folder)
    for rel, value in outcome.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(value), encoding="utf-8", newline="")


def read(folder: Path) -> dict[str, Any]:
    """The expected folder, parsed: relative path -> list of CSV rows (header first) or a JSON value."""
    found: dict[str, Any] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".csv":
            found[rel] = list(csv.reader(io.StringIO(text, newline="")))
        elif path.suffix == ".json":
            found[rel] = json.loads(text)
    return found


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
    if isinstance(a, str) and isinstance(b, str) and a != b:
        try:
            return _same(float(a), float(b)) and a.strip() != "" and b.strip() != ""
        except ValueError:
            return False
    return bool(a == b)


def _rows_diff(rel: str, expected: list[list[str]], actual: Rows) -> list[str]:
    if not expected:
        return [f"{rel}: the expected file is empty (no header row)"]
    header, rows = expected[0], expected[1:]
    if header != actual.columns:
        gone = [c for c in header if c not in actual.columns]
        new = [c for c in actual.columns if c not in header]
        return [f"{rel}: columns differ: expected {header}, got {actual.columns} (missing {gone}, new {new})"]
    k = actual.key
    want = {tuple(r[:k]): r for r in rows}
    got = {tuple(r[:k]): r for r in actual.rows}
    if len(want) != len(rows) or len(got) != len(actual.rows):  # no unique key: rows as a multiset
        k, want, got = len(header), {tuple(r): r for r in rows}, {tuple(r): r for r in actual.rows}
    out = []
    for key in want.keys() - got.keys():
        out.append(f"{rel}: missing row {'/'.join(key[:k])}: {dict(zip(header, want[key], strict=False))}")
    for key in got.keys() - want.keys():
        out.append(f"{rel}: new row {'/'.join(key[:k])}: {dict(zip(header, got[key], strict=False))}")
    for key in sorted(want.keys() & got.keys()):
        for col, a, b in zip(header, want[key], got[key], strict=False):
            if not _same(a, b):
                out.append(f"{rel}: {'/'.join(key)}: {col} expected {a!r}, got {b!r}")
    if len(rows) != len(actual.rows):
        out.insert(0, f"{rel}: expected {len(rows)} rows, got {len(actual.rows)}")
    return out


def _json_diff(path: str, a: Any, b: Any) -> list[str]:
    """Differences between an expected (a) and an actual (b) JSON value, by path."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(a.keys() | b.keys()):
            where = f"{path}.{key}"
            if key not in b:
                out.append(f"{where}: missing (expected {_short(a[key])})")
            elif key not in a:
                out.append(f"{where}: new {_short(b[key])}")
            else:
                out += _json_diff(where, a[key], b[key])
        return out
    if isinstance(a, list) and isinstance(b, list):
        if a and b and all(isinstance(x, dict) and "id" in x for x in a + b):  # resources: by id
            ids_a, ids_b = {x["id"]: x for x in a}, {x["id"]: x for x in b}
            out = [f"{path}: missing {x.get('resourceType', '')}/{i}" for i, x in ids_a.items() if i not in ids_b]
            out += [f"{path}: new {x.get('resourceType', '')}/{i}: {_short(x)}" for i, x in ids_b.items()
                    if i not in ids_a]  # fmt: skip
            for i in sorted(ids_a.keys() & ids_b.keys()):
                out += _json_diff(f"{path}[id={i}]", ids_a[i], ids_b[i])
            return out
        out = [f"{path}: expected {len(a)} items, got {len(b)}"] if len(a) != len(b) else []
        for n, (x, y) in enumerate(zip(a, b, strict=False)):
            out += _json_diff(f"{path}[{n}]", x, y)
        return out
    return [] if _same_leaf(a, b) else [f"{path}: expected {_short(a)}, got {_short(b)}"]


def _same_leaf(a: Any, b: Any) -> bool:
    """JSON leaves: numbers within a relative 1e-9, everything else (text, true/false, null) exactly."""
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a == b
    return _same(a, b)


def _short(value: Any, limit: int = 160) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def differences(expected: dict[str, Any], actual: Outcome) -> list[str]:
    """Every difference between the parsed expected files and the outcome, file by file."""
    out = [f"{rel}: expected file, not produced any more" for rel in sorted(expected.keys() - actual.keys())]
    out += [f"{rel}: produced, but no expected file (regenerate?)" for rel in sorted(actual.keys() - expected.keys())]
    for rel in sorted(expected.keys() & actual.keys()):
        value = actual[rel]
        if isinstance(value, Rows):
            out += _rows_diff(rel, expected[rel], value)
        else:
            out += _json_diff(rel, expected[rel], json.loads(render(value)))
    return out
