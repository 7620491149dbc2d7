"""The data manager's views: what a night did, readable without SQL, in Russian and English, offline.

    write_night_page(conn, run_id, out_dir, lang, docs_path=None) -> Path
        one static HTML page per run, `<out_dir>/night-<run_id>.html` (0600; the folder 0700 when
        created): the run and its batch status, what to do next (the exact commands), the files with
        their counts, the deletions, the quarantine by reason with the original rows, the merge
        conflicts, the failed checks (blocking first) and the link to the Data Docs. Both languages are
        in the page, `lang` shown first; no server, no network (inline CSS and script only).
    default_pages_dir(url) -> Path      `night-pages/` beside an SQLite file, else ./night-pages
    page_path(out_dir, run_id) -> Path  where write_night_page writes run_id's page
    read_night(conn, run_id) -> Night   the rows the page shows (one query per section)

Texts come from `mappings/messages.csv` (`night.*`, `reason.*`, `check.*`) through `etl.messages`.
"""

from etl.console.night_data import Night, read_night
from etl.console.night_page import PAGES_FOLDER, default_pages_dir, page_path, write_night_page

__all__ = ["PAGES_FOLDER", "Night", "default_pages_dir", "page_path", "read_night", "write_night_page"]
