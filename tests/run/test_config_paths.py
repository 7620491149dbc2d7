"""hsct.toml's `[paths]` and `[hook]` (issue 15, "Operations"): each path overridden by the environment and the
command line (flag > environment > file > default), relative paths taken from the file's folder, the night's
folder named by date, a site's partners file, and every bad key refused by name."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from etl.config import load_config
from etl.db import resolve_url
from etl.errors import PartnerError
from etl.fhir.partners import PARTNERS_FILE, get_partner, load_partners, partners_file
from tests.run.ops import NIGHT_SMALL, invoke, read_jsonl, toml_string, write_config

TODAY = dt.date.today()


@pytest.fixture
def config_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Write `text` as the configuration in force (named by $HSCT_CONFIG); no $HSCT_DATABASE_URL."""
    monkeypatch.delenv("HSCT_DATABASE_URL", raising=False)
    count = iter(range(100))

    def write(text: str) -> Path:
        path = write_config(tmp_path / "site" / f"hsct-{next(count)}.toml", text)  # a new file: load_config caches
        monkeypatch.setenv("HSCT_CONFIG", str(path))
        return path

    (tmp_path / "site").mkdir()
    return write


def _database(url: str) -> str:
    return str(make_url(url).database)


def test_database_flag_over_environment_over_file_over_default(
    config_here, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert resolve_url() == "sqlite:///hsct.db"  # nothing anywhere: hsct.db in the working folder
    config_here('[paths]\ndatabase = "data/registry.db"\n')
    assert _database(resolve_url()) == str(tmp_path / "site" / "data" / "registry.db")  # from the file's folder
    monkeypatch.setenv("HSCT_DATABASE_URL", str(tmp_path / "env.db"))
    assert _database(resolve_url()) == str(tmp_path / "env.db")
    assert _database(resolve_url(str(tmp_path / "flag.db"))) == str(tmp_path / "flag.db")
    monkeypatch.delenv("HSCT_DATABASE_URL")
    config_here('[paths]\ndatabase = "postgresql://hsct@db.example/registry"\n')
    assert resolve_url() == "postgresql+psycopg://hsct@db.example/registry"


def test_relative_paths_are_taken_from_the_files_folder_and_the_source_from_the_date(config_here, tmp_path) -> None:
    config_here(
        "[paths]\n"
        'source = "nightly/{date:%Y%m%d}"\n'
        'logs = "var/logs"\npages = "/srv/pages"\ndocs = "~/docs"\npartners = "partners.yaml"\n'
    )
    paths = load_config().paths
    site = tmp_path / "site"
    assert paths.night_folder(dt.date(2024, 1, 2)) == site / "nightly" / "20240102"
    assert (paths.logs, paths.pages, paths.partners) == (site / "var/logs", Path("/srv/pages"), site / "partners.yaml")
    assert paths.docs == Path.home() / "docs"
    config_here('[paths]\nsource = "/data/{yesterday:%Y-%m-%d}"\n')
    assert load_config().paths.night_folder(dt.date(2024, 3, 1)) == Path("/data/2024-02-29")


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('[paths]\nsorce = "/data"\n', ("paths.sorce",)),
        ('[paths]\nsource = "/data/{day:%Y}"\n', ("paths.source", "unknown placeholder(s) ['day']")),
        ("[paths]\nlogs = 3\n", ("paths.logs",)),
        ('[hook]\non_held = ""\n', ("hook.on_held", "names no command")),
        ('[hook]\non_failed = "notify \'unclosed"\n', ("hook.on_failed", "cannot be split")),
        ("[hook]\ntimeout_s = 0\n", ("hook.timeout_s",)),
        ('[hook]\non_success = "x"\n', ("hook.on_success",)),
    ],
)
def test_a_bad_key_is_refused_naming_the_file_and_the_key(
    config_here, tmp_path: Path, text: str, named: tuple[str, ...]
) -> None:
    path = config_here(text)
    result = invoke("run", "--source", str(NIGHT_SMALL), "--db", str(tmp_path / "x.db"))
    assert result.exit_code == 4, result.output
    assert str(path) in result.output and all(part in result.output for part in named)
    assert not (tmp_path / "x.db").exists()


def test_hsct_run_takes_its_folders_from_the_file_and_its_options_over_them(config_here, tmp_path: Path) -> None:
    night = tmp_path / "site" / "nightly" / TODAY.strftime("%Y%m%d")
    shutil.copytree(NIGHT_SMALL, night)
    config_here(
        '[paths]\nsource = "nightly/{date:%Y%m%d}"\ndatabase = "registry.db"\nlogs = "run-logs"\npages = "pages"\n'
    )
    result = invoke("run", "--no-docs")  # no --source, no --db: the file's
    assert result.exit_code == 0, result.output
    site = tmp_path / "site"
    assert (site / "registry.db").is_file()
    assert (site / "pages" / "night-1.html").is_file()
    lines = read_jsonl(site / "run-logs" / "run-1.jsonl")
    assert lines[0]["source"] == str(night)

    again = invoke("run", "--no-docs", "--logs", str(tmp_path / "flag-logs"), "--pages", str(tmp_path / "flag-pages"))
    assert again.exit_code == 0, again.output
    assert (tmp_path / "flag-logs" / "run-2.jsonl").is_file() and not (site / "run-logs" / "run-2.jsonl").exists()
    assert (tmp_path / "flag-pages" / "night-2.html").is_file()


def test_without_a_source_anywhere_hsct_run_says_where_to_name_one(config_here, tmp_path: Path) -> None:
    config_here('[night]\nexpected_feeds = "previous"\n')
    result = invoke("run", "--db", str(tmp_path / "x.db"))
    assert result.exit_code == 2, result.output
    assert "give --source FOLDER, or set [paths] source in hsct.toml" in result.output


def test_a_site_names_its_own_partners_file(config_here, tmp_path: Path) -> None:
    assert partners_file() == PARTNERS_FILE and "demo" in load_partners()
    site = tmp_path / "site" / "partners.yaml"
    site.write_text(
        "partners:\n  clinic:\n    base_url: https://fhir.clinic.example/\n    resource_types: [Patient, Condition]\n"
        "    dates: shift\n    secret_env: HSCT_CLINIC_SECRET\n",
        encoding="utf-8",
    )
    config_here(f"[paths]\npartners = {toml_string('partners.yaml')}\n")
    assert partners_file() == site
    assert get_partner("clinic").base_url == "https://fhir.clinic.example"
    assert "demo" in load_partners(PARTNERS_FILE)  # the project's file is still there to name
    config_here('[paths]\npartners = "missing.yaml"\n')
    with pytest.raises(PartnerError, match=r"missing\.yaml: the partners file cannot be read"):
        get_partner("clinic")
