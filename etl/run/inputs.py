"""What a run judges rows with: one sha-256 over the code, mappings, checks and migrations.

A night may leave a file unread only when the live batch read it with the same
(etl.load.unchanged); so any change to how rows are read, harmonized, loaded or
checked — an edited synonym, a new check, an upgraded hsct, a new migration —
makes the next night read every file again, as a first load would. The text
files of these folders are hashed, by path relative to the project and content,
in path order; compiled caches are not.
"""

from __future__ import annotations

import hashlib

from etl.paths import EXPECTATIONS_DIR, MAPPINGS_DIR, MIGRATIONS_DIR, PROJECT_ROOT

FOLDERS = (PROJECT_ROOT / "etl", PROJECT_ROOT / "schemas", MIGRATIONS_DIR, MAPPINGS_DIR, EXPECTATIONS_DIR)
SUFFIXES = frozenset({".py", ".yaml", ".yml", ".csv", ".json", ".ini", ".toml"})


def inputs_sha256() -> str:
    """The sha-256 (hex) of every text file of FOLDERS with a suffix of SUFFIXES (about 40 ms;
    read at every run, so that a mapping edited between two runs of one process counts)."""
    digest = hashlib.sha256()
    paths = sorted(p for folder in FOLDERS for p in folder.rglob("*") if p.is_file() and p.suffix in SUFFIXES)
    for path in paths:
        digest.update(path.relative_to(PROJECT_ROOT).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
