"""FHIR R4 export to partner centers.

Public API:
- `export_fhir(engine, partner, out_dir, fmt, since=None, validate="sample")` — write the
  partner's export (`bundle`: transaction Bundles per patient; `ndjson`: Bulk Data files
  and manifest) and record it;
- `push(engine, partner, ...)` — export the changes since the partner's last acknowledged
  push and send them to its FHIR server;
- `get_partner(name)`, `load_partners()` — partners from mappings/partners.yaml;
- `load_mapping()` — the element mapping, mappings/fhir/*.yaml;
- `validate_resource(resource)` — the fhir.resources R4 models' verdict on one resource.
"""

from etl.fhir.export import ExportResult, export_fhir
from etl.fhir.mapping import load_mapping
from etl.fhir.partners import Partner, get_partner, load_partners
from etl.fhir.validate import validate_resource

__all__ = [
    "ExportResult",
    "Partner",
    "export_fhir",
    "get_partner",
    "load_mapping",
    "load_partners",
    "validate_resource",
]
