"""List the night's files: feed from the name prefix, format from the extension.

Only top-level entries are considered; subfolders (such as the `truth/` the
synthetic generator writes) are reported as ignored and never entered. An entry
named like a feed file that must not be read is refused (reported, never
opened): a symbolic link to a file outside the night's folder (a night's data
comes from the folder the export system filled, never from elsewhere on the
machine), and anything that is not a regular file (a pipe would block the run).
"""

from __future__ import annotations

from pathlib import Path

from etl.errors import InputError
from etl.extract.model import Discovery, Feed, FeedFile, Format, IgnoredFile

FEED_PREFIXES: tuple[Feed, ...] = ("registry_ru", "registry_en", "labs")
FORMATS: dict[str, Format] = {".csv": "csv", ".xlsx": "xlsx"}


def feed_of(name: str) -> Feed | None:
    """The feed a file name belongs to (case-insensitive prefix), or None."""
    lowered = name.casefold()
    for prefix in FEED_PREFIXES:
        if lowered.startswith(prefix):
            return prefix
    return None


def _classify(path: Path, root: Path) -> FeedFile | IgnoredFile:
    feed = feed_of(path.name)
    if path.is_symlink() and feed is not None:
        target = path.resolve()
        if not target.is_relative_to(root):
            return IgnoredFile(path, "a link to a file outside the night's folder: refused, not read", refused=True)
    if path.is_dir():
        return IgnoredFile(path, "a folder: only the top-level files of the night are read")
    if not path.is_file():
        return IgnoredFile(
            path, "not a regular file (a pipe, a device or a broken link): not read", refused=feed is not None
        )
    fmt = FORMATS.get(path.suffix.casefold())
    if feed is None:
        return IgnoredFile(path, f"name does not start with {', '.join(FEED_PREFIXES)}")
    if fmt is None:
        suffix = path.suffix or "no extension"
        return IgnoredFile(path, f"{feed} file with {suffix}: only .csv and .xlsx are read")
    return FeedFile(path, feed, fmt)


def scan(folder: Path | str) -> Discovery:
    """Feed files and ignored entries of `folder`, each sorted by file name."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"{root}: not a folder; give the folder that holds the night's files")
    entries = sorted(root.iterdir(), key=lambda p: (p.name.casefold(), p.name))
    files: list[FeedFile] = []
    ignored: list[IgnoredFile] = []
    real_root = root.resolve()
    for entry in entries:
        found = _classify(entry, real_root)
        if isinstance(found, FeedFile):
            files.append(found)
        else:
            ignored.append(found)
    return Discovery(files=files, ignored=ignored)


def discover(folder: Path | str) -> list[FeedFile]:
    """The night's feed files in `folder`, sorted by file name."""
    return scan(folder).files
