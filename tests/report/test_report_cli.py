"""`hsct report` end to end: a night loaded by `hsct run`, one statistics.json entry per published id, same bytes."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import Engine

from etl.audit import DEFAULT_PUBLISHED
from etl.audit.model import Catalog
from etl.cli import main
from etl.errors import EXIT_NO_DATABASE
from etl.report import write_report
from tests.analysis.cohort import load_records, small_cohort, sqlite_and_postgresql

NIGHT = Path(__file__).parents[1] / "data" / "night_small"
STATUSES = {"reproduced", "differs", "not computable"}
REASONS = {"cohort choice", "published inconsistency", "defect"}


def hsct(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_report_of_a_night_has_one_entry_per_published_id(db_url: str, tmp_path: Path) -> None:
    hsct("run", "--source", str(NIGHT), "--db", db_url)
    out = tmp_path / "report"
    printed = hsct("report", "--out", str(out), "--db", db_url)  # real data: no cohort's decisions by default
    assert printed.strip().splitlines()[-1] == str(out / "report.html")
    assert "decisions applied: none" in printed
    stats = json.loads((out / "statistics.json").read_text(encoding="utf-8"))
    assert {s["decisions"] for s in stats} == {None}
    assert not any(s["reason"] == "cohort choice" for s in stats)
    assert [s["id"] for s in stats] == list(Catalog.load(DEFAULT_PUBLISHED).entries)
    for s in stats:
        assert {"id", "published", "computed", "status", "note"} <= set(s)
        assert s["status"] in STATUSES
        assert (s["reason"] in REASONS) == (s["status"] == "differs"), s
        assert s["note"], s
    by_id = {s["id"]: s for s in stats}
    # three patients: two InO+ (first and third rows) and one InO-, read from the views
    assert by_id["t1.ino_pos.n"]["computed"] == 2 and by_id["t1.ino_pos.n"]["percent"]["computed"] == 200 / 3
    assert by_id["t1.ino_pos.n"]["status"] == "differs" and by_id["t1.ino_pos.n"]["reason"] == "defect"
    assert by_id["m.ino_pos.ino_dose_d1"]["status"] == "reproduced"  # 0.8 mg/m2 on day 1, as printed
    html = (out / "report.html").read_text(encoding="utf-8")
    for number in (1, 2, 3, 4):
        assert f'id="table{number}"' in html
    for number in (1, 2, 3):
        for lang in ("ru", "en"):
            assert f'src="figure{number}.{lang}.png"' in html
            assert (out / f"figure{number}.{lang}.png").stat().st_size > 10_000
    assert '<span class="l-ru" lang="ru">Таблица 1</span><span class="l-en" lang="en">Table 1</span>' in html
    assert (out / "audit.txt").read_text(encoding="utf-8").startswith("Consistency audit")


def test_the_same_data_gives_the_same_bytes_on_sqlite_and_postgresql(tmp_path: Path, pg_admin: Engine | None) -> None:
    with sqlite_and_postgresql(tmp_path, pg_admin) as engines:
        outs = []
        for i, engine in enumerate(engines):
            load_records(engine, small_cohort())
            outs.append(write_report(engine, tmp_path / f"out{i}", decisions=None))
        again = write_report(engines[0], tmp_path / "again", decisions=None)
    names = sorted(p.name for p in (tmp_path / "out0").iterdir())
    figures = [f"figure{n}.{lang}.png" for n in (1, 2, 3) for lang in ("en", "ru")]
    assert names == ["audit.txt", *figures, "report.html", "statistics.json"]
    for name in names:
        first = (tmp_path / "out0" / name).read_bytes()
        assert first == (tmp_path / "out1" / name).read_bytes(), name
        assert first == (tmp_path / "again" / name).read_bytes(), name
    assert [r.to_dict() for r in outs[0].results] == [r.to_dict() for r in again.results]


def test_report_without_the_views_says_to_migrate(empty_db_url: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["report", "--out", str(tmp_path / "r"), "--db", empty_db_url])
    assert result.exit_code == EXIT_NO_DATABASE, result.output
    assert "hsct db upgrade" in result.output
    assert not (tmp_path / "r").exists() and not (tmp_path / "hsct.db").exists()
