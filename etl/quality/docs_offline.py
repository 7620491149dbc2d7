"""Data Docs that render with no network: the CDN assets served from the docs folder, the run named.

GX Core 1.x writes pages that load Bootstrap, jQuery, Font Awesome, bootstrap-table and more from
CDNs and a logo from an S3 bucket; on a hospital network without internet they render blank.
`make_offline` copies the assets vendored in `etl/quality/docs_assets/` (taken from the npm registry;
their README lists versions and licences) to `<docs>/static/vendor/`, and rewrites every page GX
wrote: each external URL of the table below becomes the relative path of its local copy, the
navigation links to greatexpectations.io become plain text, the vega scripts (charts: no check type
of `etl.quality.suites` draws one) are dropped. A URL not in the table raises `OfflineDocsError`
naming it, so that a GX upgrade which loads something new fails the tests instead of going online.

It also names the run: the page title and a heading in the navigation bar of the index and of every
validation page say which hsct run (`run 2`) the results are from.
"""

from __future__ import annotations

import html
import os
import re
import shutil
from pathlib import Path

ASSETS = Path(__file__).with_name("docs_assets")
VENDOR = Path("static") / "vendor"  # inside the docs folder
GX_LOGO = Path("static") / "images" / "logo-long.png"  # GX copies its own logo into every docs folder
FAVICON = Path("static") / "images" / "favicon.ico"  # GX's validation pages link it one folder short
OWN_STYLES = "hsct/data-docs.css"  # under docs_assets/: hsct's few rules (failing values' table spacing)

VENDORED: dict[str, str] = {  # URL in GX's pages -> file under docs_assets/ (and <docs>/static/vendor/)
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap/bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap/bootstrap.min.js",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.js/popper.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": (
        "bootstrap-datepicker/bootstrap-datepicker.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": (
        "bootstrap-datepicker/bootstrap-datepicker.min.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "fontawesome/css/all.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "bootstrap-table/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "bootstrap-table/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js": (
        "bootstrap-table/bootstrap-table-filter-control.min.js"
    ),
    # GX asks for 1.19.0's stylesheet beside 1.19.1's script; the two differ only in the version comment
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css": (
        "bootstrap-table/bootstrap-table-filter-control.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css": (
        "bootstrap-table/bootstrap-table-filter-control.min.css"
    ),
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": (
        "bootstrap-dark/bootstrap-prefers-dark.min.css"
    ),
}
CHART_SCRIPTS = frozenset(  # vega draws GX's charts: no check of ours has one; a page that draws one raises
    {
        "https://cdn.jsdelivr.net/npm/vega@5",
        "https://cdn.jsdelivr.net/npm/vega-lite@5",
        "https://cdn.jsdelivr.net/npm/vega-embed@6",
    }
)
LOGO = re.compile(
    r"https://great-expectations-web-assets\.s3\.us-east-2\.amazonaws\.com/logo-long\.png(\?d=[0-9TZ.]+)?"
)
CSS_URLS: dict[str, str] = {  # url(...) in GX's styles -> the CSS value put in its place
    # the dark-mode logo (white letters): dropped, the navigation bar keeps its text
    "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/full_logo_dark.png": "none",
}
NEWSLETTER = (
    "https://greatexpectations.io/newsletter?utm_source=datadocs&utm_medium=product&utm_campaign=newsletter"
    "&utm_content=form"
)
LINKS = frozenset({"https://greatexpectations.io", NEWSLETTER})  # navigation only: the link text stays, unlinked
NEWSLETTER_PARAGRAPH = re.compile(r"<p>[^<]*<a href=\"" + re.escape(NEWSLETTER) + r"\">[^<]*</a></p>\s*")

EXTERNAL = r"(?:[a-zA-Z][a-zA-Z0-9+.-]*:)?//"  # a scheme with an authority, or protocol-relative
RESOURCE_TAG = re.compile(r"<(?P<name>script|link|img)\b(?P<attrs>[^>]*)>(?P<close>[ \t]*</script>\n?)?", re.I)
URL_ATTR = re.compile(r"\b(?P<attr>src|href)=\"(?P<url>[^\"]*)\"")
SRI_ATTR = re.compile(r"\s+(?:integrity|crossorigin)=\"[^\"]*\"")
ANCHOR = re.compile(r"<a\s+href=\"(?P<url>https?://[^\"]*)\"[^>]*>(?P<text>.*?)</a>", re.S | re.I)
STYLE_BLOCK = re.compile(r"<style\b[^>]*>.*?</style>|\bstyle=\"[^\"]*\"", re.S | re.I)
CSS_URL = re.compile(r"url\(\s*(?P<q>['\"]?)(?P<url>[^'\")]*)(?P=q)\s*\)")
TAG = re.compile(r"<[a-zA-Z][^>]*>")
ANY_URL_ATTR = re.compile(
    r"\b(?:src|href|srcset|poster|data|action|formaction|background|xlink:href)\s*=\s*[\"']?\s*(?P<url>"
    + EXTERNAL
    + r"[^\"'\s>]*)",
    re.I,
)
SCRIPT_BODY = re.compile(r"<script\b[^>]*>(?P<body>.*?)</script>", re.S | re.I)
IMPORT = re.compile(r"@import\s+(?:url\()?\s*['\"]?(?P<url>" + EXTERNAL + r"[^'\")\s;]*)", re.I)
HTTP = re.compile(r"https?://[^\s\"'<>)]+")
TITLE = re.compile(r"<title>.*?</title>", re.S)
BRAND = re.compile(r"<div class=\"float-left navbar-brand[^\"]*\">.*?</div>", re.S)
RUN_HEADING = re.compile(r"<span id=\"hsct-run\"[^>]*>.*?</span>", re.S)
HEAD_END = re.compile(r"</head>", re.I)


class OfflineDocsError(RuntimeError):
    """A Data Docs page would load something from the network that the offline table does not know."""


def _relative(page: Path, target: Path) -> str:
    """`target` (a path in the docs folder) as a URL relative to `page`."""
    return Path(os.path.relpath(target, page.parent)).as_posix()


def run_label(run_name: str) -> str:
    """What a reader sees of a GX run name: `run-2` -> `run 2`."""
    return run_name.replace("-", " ")


def copy_assets(docs: Path) -> None:
    """The vendored assets (with their licences and README) into `<docs>/static/vendor/`.

    Files are copied without their mode bits, so that the process's umask decides who may read them
    (as for every other file hsct writes)."""
    for source in sorted(ASSETS.rglob("*")):
        if source.is_file() and "__pycache__" not in source.parts:
            target = docs / VENDOR / source.relative_to(ASSETS)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)


def _resource_tags(text: str, page: Path, docs: Path) -> str:
    """`<script src>`, `<link href>`, `<img src>`: the table's URLs to local files, the chart scripts dropped."""

    def tag(match: re.Match[str]) -> str:
        attr = URL_ATTR.search(match["attrs"])
        if attr is None:
            return match[0]
        url = attr["url"]
        if url in CHART_SCRIPTS:
            return ""
        if url.endswith(FAVICON.as_posix()) and not re.match(EXTERNAL, url):
            local = _relative(page, docs / FAVICON)
        elif url in VENDORED:
            local = _relative(page, docs / VENDOR / VENDORED[url])
        elif LOGO.fullmatch(url):
            local = _relative(page, docs / GX_LOGO)
        else:
            return match[0]  # local already, or unknown: the final scan names it
        if local == url:
            return match[0]
        attrs = match["attrs"].replace(attr[0], f'{attr["attr"]}="{html.escape(local)}"', 1)
        attrs = SRI_ATTR.sub("", attrs)  # SRI needs CORS, which pages opened from file:// cannot do
        return f"<{match['name']}{attrs}>{match['close'] or ''}"

    return RESOURCE_TAG.sub(tag, text)


def _styles(text: str) -> str:
    """`url(...)` in `<style>` blocks and `style` attributes: the table's URLs replaced."""

    def url(match: re.Match[str]) -> str:
        return CSS_URLS.get(match["url"], match[0])

    return STYLE_BLOCK.sub(lambda block: CSS_URL.sub(url, block[0]), text)


def _own_styles(text: str, page: Path, docs: Path) -> str:
    """hsct's stylesheet linked last in the head (once), so that its rules win over the vendored ones."""
    href = _relative(page, docs / VENDOR / OWN_STYLES)
    if f'href="{href}"' in text:
        return text
    return HEAD_END.sub(lambda end: f'<link rel="stylesheet" href="{html.escape(href)}"/>\n' + end[0], text, count=1)


def _links(text: str) -> str:
    """Navigation to greatexpectations.io: the newsletter paragraph dropped, other links made plain text."""
    text = NEWSLETTER_PARAGRAPH.sub("", text)
    return ANCHOR.sub(lambda a: a["text"] if a["url"] in LINKS else a[0], text)


def external_urls(text: str) -> list[str]:
    """Every URL the page would fetch or link to outside the docs folder (empty when it works offline)."""
    found = [m["url"] for tag in TAG.finditer(text) for m in ANY_URL_ATTR.finditer(tag[0])]
    for block in STYLE_BLOCK.finditer(text):
        found += [m["url"] for m in CSS_URL.finditer(block[0]) if re.match(EXTERNAL, m["url"])]
        found += [m["url"] for m in IMPORT.finditer(block[0])]
    for script in SCRIPT_BODY.finditer(text):
        found += HTTP.findall(script["body"])
    return list(dict.fromkeys(found))


def _named(text: str, label: str, title: str) -> str:
    """The page's title and a heading in its navigation bar name the run (again on a rebuild: replaced)."""
    text = TITLE.sub(lambda _: f"<title>{html.escape(title)}</title>", text, count=1)
    heading = f'<span id="hsct-run" class="navbar-text h5 mb-0 ml-3 text-nowrap">{html.escape(label)}</span>'
    if RUN_HEADING.search(text):
        return RUN_HEADING.sub(lambda _: heading, text, count=1)
    if BRAND.search(text):
        return BRAND.sub(lambda brand: brand[0] + heading, text, count=1)
    return re.sub(r"<body>", lambda body: body[0] + heading, text, count=1)


def _page_run(relative: Path, run_name: str | None) -> tuple[str, str] | None:
    """(run name, what the page shows) of the index (the run given) or of a validation page (from its path:
    validations/<suite, a folder per dot>/<run name>/<run time>/<batch>.html); None for other pages."""
    parts = relative.parts
    if relative == Path("index.html"):
        return (run_name, "Data Docs") if run_name else None
    if parts[0] != "validations" or len(parts) < 5 or parts[-3] == "__none__":
        return None
    return parts[-3], ".".join(parts[1:-3])


def rewrite_page(page: Path, docs: Path, run_name: str | None = None) -> str:
    """The text of one page, made offline (see the module's docstring); raises on an unknown external URL."""
    text = page.read_text(encoding="utf-8")
    text = _own_styles(_links(_styles(_resource_tags(text, page, docs))), page, docs)
    unknown = external_urls(text)
    if unknown:
        raise OfflineDocsError(
            f"Data Docs page {page.relative_to(docs)} loads {', '.join(unknown)}, which etl/quality/docs_offline.py "
            "does not serve locally; vendor it (etl/quality/docs_assets/) and add it to the URL table"
        )
    if "vegaEmbed(" in text:
        raise OfflineDocsError(
            f"Data Docs page {page.relative_to(docs)} draws a vega chart; vendor vega, vega-lite and vega-embed "
            "(etl/quality/docs_assets/) and serve them instead of dropping them"
        )
    named = _page_run(page.relative_to(docs), run_name)
    if named:
        label = f"hsct {run_label(named[0])}"
        text = _named(text, label, f"{label} · {named[1]}" + ("" if named[1] == "Data Docs" else " · Data Docs"))
    return text


MTIME_SLACK = 2.0  # seconds: file systems that keep coarse modification times


def make_offline(docs: Path, run_name: str | None = None, since: float | None = None) -> None:
    """Make the Data Docs in `docs` render with no network; `run_name` (GX's, `run-2`) names the index's run.

    With `since` (a `time.time()` taken before GX built the docs) only the files GX wrote from then
    on are read: a docs folder kept for a year holds thousands of earlier nights' pages, done when
    they were written. A folder that has no vendored assets yet (its pages were written before the
    docs were made offline) is done whole. Every page is checked before any is written: an unknown
    external URL raises `OfflineDocsError` and leaves the pages as GX wrote them.
    """
    docs = docs.resolve()
    if not (docs / VENDOR).is_dir():
        since = None

    def fresh(path: Path) -> bool:
        return since is None or path.stat().st_mtime >= since - MTIME_SLACK

    pages = sorted(p for p in docs.rglob("*.html") if VENDOR not in p.relative_to(docs).parents and fresh(p))
    styles = sorted(p for p in (docs / "static" / "styles").glob("*.css") if fresh(p))
    texts = {page: rewrite_page(page, docs, run_name) for page in pages}
    for sheet in styles:  # GX's own stylesheets (not linked by its pages today): the same url() table
        text = CSS_URL.sub(lambda m: CSS_URLS.get(m["url"], m[0]), sheet.read_text(encoding="utf-8"))
        unknown = [m["url"] for m in CSS_URL.finditer(text) if re.match(EXTERNAL, m["url"])]
        unknown += [m["url"] for m in IMPORT.finditer(text)]
        if unknown:
            raise OfflineDocsError(f"Data Docs stylesheet {sheet.relative_to(docs)} loads {', '.join(unknown)}")
        texts[sheet] = text
    copy_assets(docs)
    for path, text in texts.items():
        path.write_text(text, encoding="utf-8")
