"""synth: the synthetic study cohort and its nightly feeds.

Public API: `generate(out, seed, patients, inject_errors)` writes one night's
folder (feeds at the top, `truth/` beside them) and returns a summary.
Modules: `study_spec` (the study as data), `cohort` (the engine), `records`
(canonical rows), `labs`, `messy`/`registry`/`night`/`labs_feed` (the feeds),
`inject` (bad input and its manifest), `bulk` (large cohorts, vectorized).
"""

from etl.synth.generate import NIGHT, generate

__all__ = ["NIGHT", "generate"]
