"""Every `# type: ignore` in etl/ and schemas/ names its error codes and says why on the same line.

Issue 17, item 4: the strict type check ([tool.mypy] in pyproject.toml) is only worth its name if each
silenced error is one a reader can judge: `# type: ignore[arg-type]  # GX's expectation kwargs are untyped`.
A bare `# type: ignore`, or one without a reason after it, fails this test.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECKED = ("etl", "schemas")
IGNORE = re.compile(r"#\s*type:\s*ignore\b(?P<codes>\[[^\]]*\])?(?P<rest>.*)$")
REASON = re.compile(r"^\s*#\s*\S")



def reasonless(source: str) -> list[int]:
    """The line numbers of `source` whose `# type: ignore` comment lacks `[codes]` or a `# reason` after it.

    Only real comments count (tokenize): the words inside a string or a docstring are not a pragma."""
    lines = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type != tokenize.COMMENT:
            continue
        found = IGNORE.search(token.string)
        if found and not (found["codes"] and REASON.match(found["rest"])):
            lines.append(token.start[0])
    return lines


def _offenders() -> dict[str, list[int]]:
    found = {}
    for top in CHECKED:
        for path in sorted((ROOT / top).rglob("*.py")):
            lines = reasonless(path.read_text(encoding="utf-8"))
            if lines:
                found[path.relative_to(ROOT).as_posix()] = lines
    return found


def test_reasonless_ignores_are_found() -> None:
    source = (
        "a = f(x)  # type: ignore\n"
        "b = f(x)  # type: ignore[arg-type]\n"
        "c = f(x)  # type: ignore[arg-type]  #\n"
        "d = f(x)  # type: ignore[arg-type]  # GX's expectation kwargs are untyped\n"
        "e = f(x)  # type:ignore[misc,  union-attr]  # click types it a ClassVar\n"
        's = "# type: ignore"\n'
        "t = f(x)  # noqa: E501  # type: ignore\n"
    )
    assert reasonless(source) == [1, 2, 3, 7]


def test_every_type_ignore_has_a_reason() -> None:
    offenders = _offenders()
    assert not offenders, "a `# type: ignore[code]  # reason` is needed at: " + "; ".join(
        f"{path} line {', '.join(map(str, lines))}" for path, lines in offenders.items()
    )
