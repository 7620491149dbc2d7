"""How text that comes from outside (file names, cells, headers) is shown on a terminal or in a log.

A file name may hold a newline or other control characters (a name typed in a
file manager, a script's mistake); printed as it is, it breaks the summary's
lines and can fake output. `printable` writes every control character as its
Python escape (`\\n`, `\\x1b`), leaving every letter, Cyrillic included, as it is.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def printable(text: object) -> str:
    """`text` with its control characters escaped (`a\\nb` -> `a\\\\nb`)."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(text))
