"""The mappings as lookup indexes: normalized spelling -> concept key, header -> field.

`load_vocabulary(folder)` reads `mappings/` once (cached per folder) and
refuses broken mappings (`MappingError` lists every problem; `hsct mappings
check` prints them). `lookup(values, domain)` maps a Series; a value no
mapping knows is reported in `unmapped`, never guessed.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from etl.harmonize.mapfiles import HEADERS_FILE, MappingFiles, Problem, ValueFile, read_mapping_files
from etl.harmonize.normalize import compact, normalize_series, normalize_text
from etl.paths import MAPPINGS_DIR
from etl.performance import each_distinct

PATIENT_CODE_FIELD = "registry_code"  # the field whose header identifies a feed file's header row


class MappingError(ValueError):
    """The mapping files are inconsistent; `problems` says where and what."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{len(problems)} problem(s) in the mapping files (run `hsct mappings check`):\n{lines}")


@dataclass
class ValueDomain:
    """One value domain: normalized spelling -> key."""

    name: str
    kind: str
    notes: bool
    index: dict[str, str]
    keys: list[str]  # every key declared, in file order
    sections: dict[str, object] = field(default_factory=dict)

    def section_map(self, name: str) -> dict[str, Any]:
        """The YAML mapping of section `name` (e.g. unit.yaml's `convert`); {} when absent, ValueError
        naming the domain when it is not a mapping."""
        value = self.sections.get(name) or {}
        if not isinstance(value, dict):
            raise ValueError(f"values/{self.name}.yaml: section {name!r} is not a mapping")
        return value

    def section_list(self, name: str) -> list[Any]:
        """The YAML list of section `name` (e.g. mrd_status.yaml's `neutral`); [] when absent."""
        value = self.sections.get(name) or []
        if not isinstance(value, list):
            raise ValueError(f"values/{self.name}.yaml: section {name!r} is not a list")
        return value


@dataclass
class HeaderIndex:
    """One header feed (`registry`, `labs`): compact spelling -> field."""

    name: str
    applies_to: list[str]
    fields: list[str]
    index: dict[str, str]

    def match(self, header: str) -> str | None:
        """The field a header names, or None; see `header_candidates`."""
        for candidate in header_candidates(header):
            hit = self.index.get(candidate)
            if hit is not None:
                return hit
        return None

    def names_patient_code(self, cells: Sequence[str | None]) -> bool:
        """Whether a record holds a header of the patient code (`Код пациента`, `Patient ID`, ...):
        the rule by which the extract stage finds the header row below title lines."""
        return any(cell is not None and self.match(cell) == PATIENT_CODE_FIELD for cell in cells)


_TRAILING_BRACKET = re.compile(r"\s*\([^()]*\)\s*$")


def header_candidates(header: str) -> list[str]:
    """Compact forms to try, in order: the whole header, then without its trailing
    `(...)`, then the parts before each comma, longest first."""
    text = normalize_text(header)
    out = [text]
    stripped = _TRAILING_BRACKET.sub("", text)
    if stripped and stripped != text:
        out.append(stripped)
    positions = [i for i, ch in enumerate(text) if ch == ","]
    out.extend(text[:i] for i in reversed(positions) if text[:i].strip())
    seen: dict[str, None] = {}
    for candidate in out:
        seen.setdefault(candidate.replace(" ", ""), None)
    return list(seen)


@dataclass
class Vocabulary:
    """The mapping files of a folder, indexed: value domains, header spellings per feed, field
    parsers, the spellings of "not recorded" (`load_vocabulary` builds and caches it)."""

    folder: Path
    domains: dict[str, ValueDomain]
    headers: dict[str, HeaderIndex]
    raw_fields: dict[str, str]
    field_types: dict[str, dict[str, dict[str, str]]]
    not_recorded: frozenset[str]  # casefolded and normalized spellings meaning "not recorded"

    def domain(self, name: str) -> ValueDomain:
        try:
            return self.domains[name]
        except KeyError:
            known = ", ".join(sorted(self.domains))
            raise KeyError(f"no value domain {name!r} in {self.folder}/values (known: {known})") from None

    def header_index(self, feed: str) -> HeaderIndex:
        """The header index for a file feed (`registry_ru`, `registry_en`, `labs`) or a header feed name."""
        for index in self.headers.values():
            if feed == index.name or feed in index.applies_to:
                return index
        raise KeyError(f"no header mapping for feed {feed!r} in {self.folder}/{HEADERS_FILE}")

    def header_rule(self, feed: str) -> Callable[[Sequence[str | None]], bool]:
        """The header-row rule of a file feed for `etl.extract.read_file` (see `names_patient_code`)."""
        return self.header_index(feed).names_patient_code

    def field_types_for(self, feed: str) -> dict[str, dict[str, str]]:
        return self.field_types.get(self.header_index(feed).name, {})


def _domain_spellings(files: MappingFiles, vf: ValueFile, seen: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(key, raw spelling) pairs of a value file, with those of the file it extends."""
    pairs = [(key, s) for key, spellings in vf.concepts.items() for s in spellings]
    parent = vf.extends
    if parent and parent not in seen and parent in files.values:
        pairs = _domain_spellings(files, files.values[parent], (*seen, vf.domain)) + pairs
    return pairs


def _index(
    pairs: list[tuple[str, str]], norm: Callable[[str], str], where: str, problems: list[Problem]
) -> dict[str, str]:
    index: dict[str, str] = {}
    first_spelling: dict[str, str] = {}
    for key, spelling in pairs:
        n = norm(spelling)
        if not n:
            problems.append(Problem(where, f"spelling {spelling!r} of {key!r} is empty after normalization"))
            continue
        if n in index and index[n] != key:
            problems.append(
                Problem(
                    where,
                    f"{spelling!r} (normalized {n!r}) maps to both {index[n]!r} and {key!r}"
                    f" (also spelled {first_spelling[n]!r})",
                )
            )
            continue
        index.setdefault(n, key)
        first_spelling.setdefault(n, spelling)
    return index


def build_vocabulary(files: MappingFiles) -> tuple[Vocabulary, list[Problem]]:
    """Index the files; the problems include those found reading them and every ambiguity."""
    problems = list(files.problems)
    domains: dict[str, ValueDomain] = {}
    for name, vf in files.values.items():
        if vf.extends and vf.extends not in files.values:
            problems.append(Problem(f"values/{name}.yaml", f"extends unknown domain {vf.extends!r}"))
        index = _index(_domain_spellings(files, vf), normalize_text, f"values/{name}.yaml", problems)
        domains[name] = ValueDomain(name, vf.kind, vf.notes, index, list(vf.concepts), vf.sections)
    headers: dict[str, HeaderIndex] = {}
    for name, feed in files.headers.items():
        pairs = [(f, s) for f, spellings in feed.fields.items() for s in spellings]
        index = _index(pairs, compact, f"{HEADERS_FILE} ({name})", problems)
        headers[name] = HeaderIndex(name, feed.applies_to, list(feed.fields), index)
    nr = files.values.get("not_recorded")
    nr_spellings = [s for spellings in nr.concepts.values() for s in spellings] if nr else []
    not_recorded = frozenset({s.strip().casefold() for s in nr_spellings} | {normalize_text(s) for s in nr_spellings})
    vocab = Vocabulary(files.folder, domains, headers, files.raw_fields, files.field_types, not_recorded)
    return vocab, problems


@functools.lru_cache(maxsize=8)
def _load(folder: str) -> Vocabulary:
    vocab, problems = build_vocabulary(read_mapping_files(Path(folder)))
    if problems:
        raise MappingError(problems)
    return vocab


def load_vocabulary(folder: Path = MAPPINGS_DIR) -> Vocabulary:
    """The indexed mappings of a folder (cached); `MappingError` if they are ambiguous or broken."""
    return _load(str(Path(folder).resolve()))


def not_recorded_mask(values: pd.Series, vocab: Vocabulary | None = None) -> pd.Series:
    """True where a cell is not recorded: blank, or a `not_recorded` spelling (`н/д`, `n/a`).

    Decided once per distinct value."""
    vocab = vocab or load_vocabulary()

    def absent(uniques: pd.Series) -> pd.Series:
        text = uniques.astype(str).str.strip().str.casefold()
        return (text == "") | text.isin(vocab.not_recorded)

    return pd.Series(each_distinct(values, absent, missing=True, dtype=bool), index=values.index)


@dataclass
class Lookup:
    """Result of mapping a Series through a domain."""

    keys: pd.Series  # string dtype: the concept key, <NA> where blank or unmapped
    unmapped: pd.Series  # bool: recorded, but no mapping knows the value
    notes: pd.Series  # string dtype: the free-text note kept apart (domains with `notes: true`)
    normalized: pd.Series  # string dtype: the lookup form of each cell


def _split_note(raw: str, domain: ValueDomain) -> tuple[str, str] | None:
    """(key, note) when the start of a raw value is a known spelling followed by a note."""
    best: tuple[int, str, str] | None = None
    for match in re.finditer(r"[\s,;:(\[/]", raw):
        head = raw[: match.start()]
        key = domain.index.get(normalize_text(head))
        if key is not None and (best is None or match.start() > best[0]):
            note = raw[match.start() :].strip(" \t,;:-–—/")
            if (note.startswith("(") and note.endswith(")")) or (note.startswith("[") and note.endswith("]")):
                note = note[1:-1].strip()
            best = (match.start(), key, note)
    return None if best is None else (best[1], best[2])


def lookup(values: pd.Series, domain: str, vocab: Vocabulary | None = None) -> Lookup:
    """Map raw cells to the keys of a domain (each distinct value normalized once)."""
    vocab = vocab or load_vocabulary()
    dom = vocab.domain(domain)
    missing = not_recorded_mask(values, vocab)
    normalized = normalize_series(values.where(~missing))
    keys = normalized.map(dom.index).astype("string")
    notes = pd.Series(pd.NA, index=values.index, dtype="string")
    if dom.notes:
        todo = keys.isna() & normalized.notna()
        raws = values[todo].astype(str)
        split = {raw: _split_note(raw, dom) for raw in pd.unique(raws.to_numpy())}
        found_split = {raw: parts for raw, parts in split.items() if parts is not None}
        hit = raws[raws.isin(list(found_split))]
        if not hit.empty:
            keys.loc[hit.index] = hit.map(lambda r: found_split[r][0])
            notes.loc[hit.index] = hit.map(lambda r: found_split[r][1] or pd.NA)
    unmapped = (keys.isna() & ~missing).astype(bool)
    return Lookup(keys=keys, unmapped=unmapped, notes=notes, normalized=normalized)
