"""Every text a data manager reads exists in Russian and English (mappings/messages.csv, etl.messages).

A missing translation, a key the code uses but the catalogue lacks, a quarantine reason, quality
check or run state without its text, or a text nothing uses fails here, not in front of a data
manager. The keys the code uses are read from its source: the message calls of etl/**/*.py (`text`,
`both`, `say`, `progress`, `notice`, `Message`, `HsctError.of`, the `(key, params)` notes), the
`t(...)` / `both(...)` calls of the Jinja templates and the YAML values that name a key of a known
group (`title: report.table1.title`); keys built at run time (`f"reason.{code}"`,
`f"check.{check_id}"`, `f"state.{state}"`) are checked against the codes themselves.
"""

from __future__ import annotations

import ast
import csv
import re
from collections import Counter
from collections.abc import Iterator
from functools import cache

import pytest
import yaml

from etl.messages import MESSAGES_CSV, catalogue, placeholders
from etl.paths import PROJECT_ROOT

ETL = PROJECT_ROOT / "etl"
KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_-]+)+$")
# the callables that take a message key first (etl.messages.Say and its kin, the errors' `of`)
MESSAGE_CALLS = frozenset(
    {"text", "both", "say", "tell", "note", "progress", "notice", "_notice", "Message", "of", "t", "msg"}
)
DATA_FOLDERS = ("etl", "mappings", "expectations", "study")  # data files may name a key: a value of a known group
TEMPLATE_CALL = re.compile(r"\b(?:t|both)\(([^)]*)\)")  # its literals: `t('a' if x else 'b', n=1)`, `t('a.' ~ s)`
TEMPLATE_KEY = re.compile(r"'([^']*)'\s*(~)?")
UNUSED_ALLOWED: dict[str, str] = {}  # key -> why the catalogue keeps a text no code names


def _rows() -> list[dict[str, str]]:
    with MESSAGES_CSV.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == ["key", "en", "ru"], reader.fieldnames
        return list(reader)


def test_every_message_is_one_line_in_both_languages_with_the_same_placeholders() -> None:
    problems = []
    for line, row in enumerate(_rows(), start=2):
        key = row["key"] or ""
        if not KEY.match(key):
            problems.append(f"line {line}: {key!r} is not a message key (group.name, lower case, digits, _ and -)")
        for lang in ("en", "ru"):
            value = row[lang] or ""
            if not value.strip():
                problems.append(f"line {line}: {key} has no {lang} text")
            if "\n" in value:
                problems.append(f"line {line}: {key}'s {lang} text spans lines (one line per message)")
        try:
            en, ru = placeholders(row["en"] or ""), placeholders(row["ru"] or "")
        except ValueError as exc:  # an unbalanced brace
            problems.append(f"line {line}: {key}: {exc}")
            continue
        if en != ru:
            problems.append(f"line {line}: {key}: en fills {sorted(en)}, ru fills {sorted(ru)}")
    assert not problems, "\n".join(problems)


def test_every_key_is_given_once() -> None:
    twice = [key for key, n in Counter(row["key"] for row in _rows()).items() if n > 1]
    assert not twice, twice
    assert len(catalogue()) == len(_rows())


@cache
def _used() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(literal keys, prefixes of keys built at run time), each with where the code names it."""
    literal: dict[str, list[str]] = {}
    built: dict[str, list[str]] = {}
    for path in sorted(ETL.rglob("*.py")):
        where = path.relative_to(PROJECT_ROOT)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            for expr in _key_expressions(node):
                for key, prefix in _keys_in(expr):
                    if key is not None:
                        literal.setdefault(key, []).append(f"{where}:{node.lineno}")
                    if prefix is not None:
                        built.setdefault(prefix, []).append(f"{where}:{node.lineno}")
    groups = {key.split(".")[0] for key in catalogue()}
    for path in sorted(p for folder in DATA_FOLDERS for p in (PROJECT_ROOT / folder).rglob("*.yaml")):
        where = path.relative_to(PROJECT_ROOT)
        for value in _scalars(yaml.safe_load(path.read_text(encoding="utf-8"))):
            if KEY.match(value) and value.split(".")[0] in groups:  # `title: report.table1.title`
                literal.setdefault(value, []).append(str(where))
    for path in sorted(ETL.rglob("*.html")):
        where = path.relative_to(PROJECT_ROOT)
        for call in TEMPLATE_CALL.finditer(path.read_text(encoding="utf-8")):
            for match in TEMPLATE_KEY.finditer(call.group(1)):
                if match.group(2):
                    built.setdefault(match.group(1), []).append(str(where))
                elif KEY.match(match.group(1)):
                    literal.setdefault(match.group(1), []).append(str(where))
    return literal, built


def _scalars(data: object) -> Iterator[str]:
    if isinstance(data, dict):
        for value in data.values():
            yield from _scalars(value)
    elif isinstance(data, list):
        for value in data:
            yield from _scalars(value)
    elif isinstance(data, str):
        yield data


def _key_expressions(node: ast.AST) -> list[ast.expr]:
    """The expressions that name a message key: a message call's first argument, or the key of a
    `(key, {params})` note."""
    if isinstance(node, ast.Call) and node.args:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        if name in MESSAGE_CALLS:
            return [node.args[0]]
    if isinstance(node, ast.Tuple) and len(node.elts) == 2 and isinstance(node.elts[1], ast.Dict):
        return [node.elts[0]]
    return []


def _keys_in(expr: ast.expr) -> list[tuple[str | None, str | None]]:
    """(key, None) for each literal key of `expr` (`"a.b" if x else "a.c"` names two), (None, prefix)
    for a key built from a literal start (`f"state.{state}"`, `"state." + state`)."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str) and KEY.match(expr.value):
        return [(expr.value, None)]
    if isinstance(expr, ast.IfExp):
        return _keys_in(expr.body) + _keys_in(expr.orelse)
    start = None
    if isinstance(expr, ast.JoinedStr) and expr.values and isinstance(expr.values[0], ast.Constant):
        start = str(expr.values[0].value)  # f"state.{state}"
    elif isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add) and isinstance(expr.left, ast.Constant):
        start = str(expr.left.value)  # "report.nav." + section
    if start is not None and re.match(r"^[a-z][a-z0-9_]*\.", start):
        return [(None, start)]
    return []


def test_the_scan_finds_the_keys_the_code_uses() -> None:
    """The scan itself: it sees the calls of every shape the code uses (else the next test proves nothing)."""
    literal, built = _used()
    for key in ("run.completed", "lock.waiting", "error.no_such_run", "error.db.held", "run.note.sep_line",
                "run.state.held", "demo.feeds", "night.title", "quality.publication"):  # fmt: skip
        assert key in literal, key
    for prefix in ("reason.", "check.", "state.", "night.status."):
        assert prefix in built, prefix


def test_every_key_the_code_names_exists() -> None:
    literal, built = _used()
    keys = catalogue()
    missing = {key: where for key, where in literal.items() if key not in keys}
    assert not missing, missing
    empty = {prefix: where for prefix, where in built.items() if not any(k.startswith(prefix) for k in keys)}
    assert not empty, empty


def _reason_codes() -> set[str]:
    """Every reason code a quarantine row can carry, from the code that gives it."""
    from etl.harmonize import REASONS
    from etl.harmonize.columns import INCONSISTENT, ROW_ISSUE_REASONS
    from etl.harmonize.context import VALUE_TOO_LONG
    from etl.harmonize.dedupe import DUPLICATE_CONFLICT
    from etl.harmonize.identity import INVALID_PATIENT_CODE, MISSING_PATIENT_CODE
    from etl.harmonize.registry import INVALID_RECORD, REQUIRED_MISSING
    from etl.load import UNKNOWN_PATIENT, UNREADABLE_FILE

    codes = {*REASONS, *ROW_ISSUE_REASONS.values(), INCONSISTENT, VALUE_TOO_LONG, DUPLICATE_CONFLICT}
    codes |= {INVALID_PATIENT_CODE, MISSING_PATIENT_CODE, INVALID_RECORD, REQUIRED_MISSING}
    codes |= {UNKNOWN_PATIENT, UNREADABLE_FILE}
    codes |= _record_rule_reasons()
    return codes


def _record_rule_reasons() -> set[str]:
    """The domain rules' reason codes: the second argument of every `RecordRuleError(...)` and
    `_fail(...)` of schemas/ (literals in the rules, read from their source)."""
    codes = set()
    for path in (PROJECT_ROOT / "schemas").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # `_fail(field, reason, message)` hands its own parameter on: not a code of its own
        rules = [f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) and f.name == "_fail"]
        passed = {a.arg for f in rules for a in f.args.args}
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("RecordRuleError", "_fail")
                and len(node.args) >= 2
            ):
                reason = node.args[1]
                if isinstance(reason, ast.Name) and reason.id in passed:
                    continue
                assert isinstance(reason, ast.Constant), f"{path}:{node.lineno}: a reason code is not a literal"
                codes.add(reason.value)
    assert codes, "no domain rule found in schemas/: the scan is out of date"
    return codes


def test_every_quarantine_reason_has_its_text() -> None:
    keys = catalogue()
    codes = _reason_codes()
    assert len(codes) > 30, codes  # the scan found the rules
    missing = sorted(code for code in codes if f"reason.{code}" not in keys)
    assert not missing, missing


def test_every_quality_check_has_its_description() -> None:
    keys = catalogue()
    with (PROJECT_ROOT / "expectations" / "checks.csv").open(encoding="utf-8", newline="") as handle:
        ids = [row["check_id"] for row in csv.DictReader(handle)]
    assert ids
    missing = [check_id for check_id in ids if f"check.{check_id}" not in keys]
    assert not missing, missing


def test_every_run_and_batch_state_has_its_text() -> None:
    from schemas.quality import PUBLICATION_STATUSES
    from schemas.tables import RUN_STATUSES

    keys = catalogue()
    states = {*RUN_STATUSES, *PUBLICATION_STATUSES}
    missing = sorted(s for s in states if f"state.{s}" not in keys)
    assert not missing, missing
    for status in PUBLICATION_STATUSES:  # `hsct quality --run` and the demo say a batch's state
        assert f"quality.publication.{status}" in keys and f"quality.gate.{status}" in keys
        assert f"run.state.{status}" in keys


def _mentioned() -> tuple[set[str], set[str]]:
    """Every string of etl/**/*.py that reads as a key, wherever it stands (`Y_LABEL = {"km": "report.axis.os"}`),
    and every literal start of a string built from one: more than `_used`, to tell a key nothing names."""
    literal, built = _used()
    keys, starts = set(literal), set(built)
    for path in sorted(ETL.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Constant, ast.JoinedStr, ast.BinOp)):
                for key, prefix in _keys_in(node):
                    keys |= {key} if key else set()
                    starts |= {prefix} if prefix else set()
    return keys, starts


def test_no_message_is_unused() -> None:
    """A text no code names is dead weight a translator keeps up to date (or a typo of a used key)."""
    keys, starts = _mentioned()
    unused = [
        key
        for key in catalogue()
        if key not in keys and not any(key.startswith(p) for p in starts) and key not in UNUSED_ALLOWED
    ]
    assert not unused, unused


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_a_nested_message_is_said_in_the_same_language(lang: str) -> None:
    from etl.messages import Message, text

    hint = Message("error.db.hint_server")
    said = text("error.db.no_schema", lang, where="db", hint=hint)  # type: ignore[arg-type]
    assert text("error.db.hint_server", lang) in said  # type: ignore[arg-type]


# Where an error may still be raised with an English-only text, and why.
ENGLISH_ONLY_ERRORS = {
    "etl/audit/": "the audit's rule files (study/audit_rules.yaml) and their authors, the study team",
    "etl/analysis/": "the reproduction spec (study/reproduction.yaml) and its authors, the study team",
    "etl/extract/": "the extract stage's own checks; what it finds in the data goes through reason.*",
    "etl/fhir/writers.py": "an export format the command line's --format choice never lets through",
}
SAID_TO_DATA_MANAGERS = {"etl/analysis/views.py"}  # within those folders: `hsct report` on a database without its views


def test_no_error_of_a_command_is_raised_in_english_only() -> None:
    """An HsctError (and its kin) is raised by key, `InputError.of("error.x", ...)`, or with a text
    rendered by `text(key, lang, ...)`: never with an English string of its own."""
    import etl.db.lock  # noqa: F401  (its RunLockedError)
    from etl.errors import HsctError

    def family(cls: type) -> set[str]:
        return {cls.__name__}.union(*(family(sub) for sub in cls.__subclasses__()))

    errors = family(HsctError)
    english = []
    for path in sorted(ETL.rglob("*.py")):
        where = str(path.relative_to(PROJECT_ROOT))
        if any(where.startswith(prefix) for prefix in ENGLISH_ONLY_ERRORS) and where not in SAID_TO_DATA_MANAGERS:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in errors and node.args:
                message = node.args[0]
                if isinstance(message, (ast.JoinedStr, ast.BinOp)) or (
                    isinstance(message, ast.Constant) and isinstance(message.value, str)
                ):
                    english.append(f"{where}:{node.lineno}")
    assert not english, english
