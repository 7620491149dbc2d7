"""Harmonize stage: raw feed cells -> canonical keys and typed values, through `mappings/`.

    harmonize_table(table, vocab, today) -> RegistryRows | LabRows   the stage: one read table harmonized
    load_vocabulary(folder=MAPPINGS_DIR) -> Vocabulary     the indexed mapping files (cached)
    load_catalogue(folder=MAPPINGS_DIR) -> Catalogue       the field catalogue: cell -> record field -> column
    Vocabulary.header_index(feed).match(header) -> field | None
    lookup(values, domain) -> Lookup(keys, unmapped, notes, normalized)
    parse_<kind>(values, ...) -> ParseResult(values, errors, messages[, extras])
    parse_field(values, spec, **context)                   by a catalogue spec (`SourceField.spec`)
    check_mappings(folder) -> list[Problem]                `hsct mappings check`
    find_unmapped(source, folder) -> UnmappedReport        `hsct mappings unmapped`

Reason codes of rejected cells: `REASONS` (documented in mappings/README.md).
"""

from etl.harmonize.catalogue import Catalogue, CatalogueError, load_catalogue
from etl.harmonize.check import check_mappings
from etl.harmonize.labs import LabRows
from etl.harmonize.normalize import compact, normalize_series, normalize_text
from etl.harmonize.parse import (
    PARSERS,
    REASONS,
    CodeResult,
    ComparatorResult,
    DayResult,
    DoseListResult,
    LabValueResult,
    MrdResult,
    ParseResult,
    parse_boolean,
    parse_code,
    parse_comparator,
    parse_date,
    parse_datetime,
    parse_day,
    parse_decimal,
    parse_dose_list,
    parse_field,
    parse_grade,
    parse_lab_value,
    parse_mrd,
    parse_percent,
    parse_text,
)
from etl.harmonize.registry import RegistryRows
from etl.harmonize.table import harmonize_table
from etl.harmonize.unmapped import UnmappedReport, find_unmapped
from etl.harmonize.vocab import Lookup, MappingError, Vocabulary, load_vocabulary, lookup, not_recorded_mask

__all__ = [
    "PARSERS",
    "REASONS",
    "Catalogue",
    "CatalogueError",
    "CodeResult",
    "ComparatorResult",
    "DayResult",
    "DoseListResult",
    "LabRows",
    "LabValueResult",
    "Lookup",
    "MappingError",
    "MrdResult",
    "ParseResult",
    "RegistryRows",
    "UnmappedReport",
    "Vocabulary",
    "check_mappings",
    "compact",
    "find_unmapped",
    "harmonize_table",
    "load_catalogue",
    "load_vocabulary",
    "lookup",
    "normalize_series",
    "normalize_text",
    "not_recorded_mask",
    "parse_boolean",
    "parse_code",
    "parse_comparator",
    "parse_date",
    "parse_datetime",
    "parse_day",
    "parse_decimal",
    "parse_dose_list",
    "parse_field",
    "parse_grade",
    "parse_lab_value",
    "parse_mrd",
    "parse_percent",
    "parse_text",
]
