"""Tell a CSV file's delimiter by deterministic rules.

A first line `sep=X` (Excel's delimiter hint) names it. Else `;`, `,` or a tab,
whichever splits the sample's records into the most common width most consistently, with more
than one column (quoted fields and decimal commas in `;` files do not mislead it, title lines
above the header do not count); then the one giving more columns; then the feed's usual one.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from itertools import islice

from etl.extract.sniff import SAMPLE_CHARS

DELIMITERS = (";", ",", "\t")
# A record of nothing but these is blank whichever delimiter is tried.
BLANK_CHARS = " \t\r\n;,"
SAMPLE_RECORDS = 1000
SEP_HINT = re.compile(r"^sep=(.)$", re.IGNORECASE)


def sep_hint(text: str) -> str | None:
    """Excel's delimiter hint: the X of a first line `sep=X`, else None (the line is not data)."""
    first = re.split(r"\r\n|\r|\n", text[:16], maxsplit=1)[0]
    match = SEP_HINT.match(first)
    return match.group(1) if match else None


def detect_delimiter(text: str, default: str) -> str:
    """`;`, `,` or a tab for this CSV text; `default` (the feed's usual one) breaks ties."""
    sample = text[:SAMPLE_CHARS]
    truncated = len(text) > len(sample)
    return max(DELIMITERS, key=lambda d: _score(sample, d, truncated, default))


def _score(sample: str, delimiter: str, truncated: bool, default: str) -> tuple[bool, float, int, bool]:
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
    try:
        records = [r for r in islice(reader, SAMPLE_RECORDS + 1) if any(c.strip(BLANK_CHARS) for c in r)]
    except csv.Error:
        return (False, 0.0, 0, delimiter == default)
    if truncated and len(records) > 1:
        records.pop()  # the sample may have cut the last record
    if not records:
        return (False, 0.0, 0, delimiter == default)
    widths = Counter(len(r) for r in records)
    # the most common width (the widest among equals): title lines above the header do not set it
    width, count = max(widths.items(), key=lambda wc: (wc[1], wc[0]))
    consistency = count / len(records)
    return (width > 1, consistency, width, delimiter == default)
