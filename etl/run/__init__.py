"""The runner: the night's stages in order, under the lock, in one transaction (module docstrings say how).

    run_night(engine, source, wait=False, progress=None, today=None, docs_dir=None) -> RunSummary
                                                     etl.run.nightly: a folder of feeds, gated by the checks
    publish_run(engine, run_id, decided_by=..., note=...) -> PublishResult
                                                     etl.run.publish: a held batch, replayed from the raw layer
    load_night(conn, run_id, feeds, pool, say, clock, ...) -> LoadedNight
                                                     etl.run.stages: extract+harmonize, load, raw checks

Errors: HsctError subclasses (etl.errors) — InputError (4) a file that cannot be
used, RunLockedError (5) another run holds the lock, DatabaseError (3); anything
else is a bug. The runner only orders the stages and keeps the books (`etl_run`,
`batch_publication`, the run log); each stage is a package of its own.
Nothing is imported here, so that `hsct --help` stays light.
"""
