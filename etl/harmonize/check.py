"""`hsct mappings check`: are the mapping files consistent with each other and with
concepts.csv? Returns the problems; an empty list means the mappings can be used.

Checked: every file reads; no spelling (after normalization) maps to two keys of
a domain or two fields of a feed; every key of a concept domain is a concept of
concepts.csv and every concept of that domain has a spelling; booleans and grades
use their fixed keys; units convert to known units; lab tests name a unit or a
domain; every field of the field catalogue has a parser, and its record fields
and columns exist (`catalogue.read_catalogue`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.harmonize.mapfiles import FIELDS_FILE, Problem, read_mapping_files
from etl.harmonize.vocab import Vocabulary, build_vocabulary
from etl.paths import MAPPINGS_DIR

FIXED_KEYS = {"boolean": {"true", "false"}, "grade": {"0", "1", "2", "3", "4"}, "not_recorded": {"not_recorded"}}
KNOWN_PARSERS = {
    "text", "date", "datetime", "decimal", "percent", "comparator", "boolean", "grade",
    "code", "day", "mrd", "dose_list", "lab_value",
}  # fmt: skip


def _concepts(folder: Path, problems: list[Problem]) -> dict[str, set[str]]:
    try:
        df = pd.read_csv(folder / "concepts.csv", dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, ValueError) as exc:
        problems.append(Problem("concepts.csv", f"cannot be read: {exc}"))
        return {}
    return {str(d): set(g["key"]) for d, g in df.groupby("domain")}


def _check_domains(vocab: Vocabulary, concepts: dict[str, set[str]], problems: list[Problem]) -> None:
    for name, dom in vocab.domains.items():
        where = f"values/{name}.yaml"
        if dom.kind in FIXED_KEYS:
            extra = set(dom.keys) - FIXED_KEYS[dom.kind]
            if extra:
                problems.append(
                    Problem(where, f"keys {sorted(extra)} are not {dom.kind} keys {sorted(FIXED_KEYS[dom.kind])}")
                )
            continue
        if dom.kind != "concept":
            continue
        if name not in concepts:
            problems.append(Problem(where, f"there is no domain {name!r} in concepts.csv"))
            continue
        unknown = [k for k in dom.keys if k not in concepts[name]]
        if unknown:
            problems.append(Problem(where, f"keys {unknown} are not concepts of domain {name!r} in concepts.csv"))
        reachable = set(dom.index.values())
        unreachable = sorted(concepts[name] - reachable)
        if unreachable:
            problems.append(Problem(where, f"concepts {unreachable} of concepts.csv have no spelling"))


def _check_units(vocab: Vocabulary, problems: list[Problem]) -> None:
    if "unit" not in vocab.domains:
        problems.append(Problem("values/unit.yaml", "file is missing"))
        return
    dom = vocab.domains["unit"]
    convert = dom.sections.get("convert") or {}
    for key, spec in (convert.items() if isinstance(convert, dict) else ()):
        if not isinstance(spec, dict) or spec.get("to") not in dom.keys:
            problems.append(Problem("values/unit.yaml", f"convert {key}: `to` must be one of {dom.keys}"))
            continue
        try:
            float(spec.get("factor", ""))
        except ValueError:
            problems.append(
                Problem("values/unit.yaml", f"convert {key}: factor {spec.get('factor')!r} is not a number")
            )
    if "lab_test" not in vocab.domains:
        return
    tests = vocab.domains["lab_test"]
    results = tests.sections.get("result") or {}
    for key in tests.keys:
        spec = results.get(key) if isinstance(results, dict) else None
        if not isinstance(spec, dict):
            problems.append(Problem("values/lab_test.yaml", f"result: test {key!r} names neither a unit nor a domain"))
        elif "unit" in spec and spec["unit"] not in dom.keys:
            problems.append(
                Problem("values/lab_test.yaml", f"result: {key}: unit {spec['unit']!r} is not in unit.yaml")
            )
        elif "domain" in spec and spec["domain"] not in vocab.domains:
            problems.append(Problem("values/lab_test.yaml", f"result: {key}: no value domain {spec['domain']!r}"))


def _check_fields(vocab: Vocabulary, problems: list[Problem]) -> None:
    # a field that is not a record field of its feed's model is reported reading the catalogue
    for feed, index in vocab.headers.items():
        types = vocab.field_types.get(feed)
        if types is None:
            problems.append(Problem(FIELDS_FILE, f"no section for feed {feed!r}"))
            types = {}
        for name in index.fields:
            spec = types.get(name)
            if spec is None:
                problems.append(Problem(FIELDS_FILE, f"{feed}.{name}: no parser given"))
                continue
            if spec["parser"] not in KNOWN_PARSERS:
                problems.append(Problem(FIELDS_FILE, f"{feed}.{name}: unknown parser {spec['parser']!r}"))
            domain = spec.get("domain")
            if spec["parser"] == "code" and not domain:
                problems.append(Problem(FIELDS_FILE, f"{feed}.{name}: a `code` field needs a domain"))
            if domain and domain not in vocab.domains:
                problems.append(Problem(FIELDS_FILE, f"{feed}.{name}: no value domain {domain!r} in values/"))
        for name in set(types) - set(index.fields):
            problems.append(Problem(FIELDS_FILE, f"{feed}.{name}: not a field of the catalogue"))


def check_mappings(folder: Path = MAPPINGS_DIR) -> list[Problem]:
    """Every problem of the mapping files of a folder (empty: the mappings are usable)."""
    folder = Path(folder)
    vocab, problems = build_vocabulary(read_mapping_files(folder))
    _check_domains(vocab, _concepts(folder, problems), problems)
    _check_units(vocab, problems)
    _check_fields(vocab, problems)
    return problems
