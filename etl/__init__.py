"""hsct: harmonization and FHIR export pipeline of a pediatric transplant registry.

The package reads as the pipeline: `extract` (feeds → raw rows), `harmonize`
(raw rows → canonical records through `mappings/`), `load` (records → the
normalized schema), `quality`, `fhir`, `analysis`, `report`; `synth` makes
the synthetic cohort and its feeds; `db` holds the engine and migrations glue.
"""

__version__ = "0.1.0"
