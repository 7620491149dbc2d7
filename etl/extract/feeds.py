"""What a feed's files may hold, as `mappings/feeds.yaml` states it (encodings, usual delimiter,
decimal mark); see that file for the meaning of each key."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import yaml

from etl.extract.model import Feed
from etl.paths import MAPPINGS_DIR

FEEDS_YAML = MAPPINGS_DIR / "feeds.yaml"
ENCODING_NAMES = {"utf-8": "utf-8", "windows-1251": "cp1251"}  # the contract's names -> Python's codecs
DecimalMark = Literal[",", ".", "evidence"]
DECIMAL_MARKS: tuple[DecimalMark, ...] = (",", ".", "evidence")


@dataclass(frozen=True)
class FeedText:
    """One feed's text rules: allowed encodings (Python codec names), usual delimiter, decimal mark."""

    encodings: tuple[str, ...]
    delimiter: str
    decimal: DecimalMark

    @property
    def eight_bit(self) -> str | None:
        """The 8-bit code page the feed may be written in (Windows-1251), or None."""
        return next((e for e in self.encodings if e != "utf-8"), None)


@cache
def feed_text(feed: Feed, path: Path = FEEDS_YAML) -> FeedText:
    """The rules of one feed; raises KeyError naming the file when the feed is not described."""
    with path.open(encoding="utf-8") as handle:
        spec = (yaml.safe_load(handle) or {}).get(feed)
    if spec is None:
        raise KeyError(f"{path}: no entry for feed {feed!r}")
    encodings = tuple(ENCODING_NAMES[str(e).lower()] for e in spec.get("encodings", ["utf-8"]))
    decimal = str(spec.get("decimal", "evidence"))
    if decimal not in DECIMAL_MARKS:
        raise ValueError(f"{path}: feed {feed}: decimal must be ',', '.' or evidence, not {decimal!r}")
    return FeedText(encodings, str(spec.get("delimiter", ",")), decimal)
