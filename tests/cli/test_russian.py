"""The commands' errors and the demo's progress in Russian, the data managers' first language.

An error raised below the command line carries its message key (etl.errors); the `hsct` group says
it in the command's language (`--lang`, $HSCT_LANG, hsct.toml, the locale), in English when the
error is made (`str(exc)`, logs). Each test runs the real CLI or the stage that speaks.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from sqlalchemy import Engine

from etl.cli import main
from etl.db import make_engine
from etl.db.lock import RunLockedError, run_lock
from etl.errors import EXIT_INPUT, EXIT_INTERNAL, EXIT_NO_DATABASE, NoDatabaseError
from etl.messages import speaker
from tests.cli.helpers import hsct, invoke


def test_a_missing_database_is_refused_in_russian_naming_the_upgrade(tmp_path: Path) -> None:
    db = tmp_path / "absent.db"
    out = hsct("--lang", "ru", "quality", "--db", str(db), code=EXIT_NO_DATABASE)
    assert "базы данных по пути" in out and "файл не существует" in out
    assert f"`hsct db upgrade --db {db}`" in out and "hsct run --source ПАПКА" in out
    assert "no database at" not in out
    assert not db.exists()


def test_the_language_comes_from_the_environment_too(tmp_path: Path) -> None:
    db = tmp_path / "absent.db"
    out = hsct("export", "fhir", "--out", str(tmp_path / "out"), "--db", str(db), code=EXIT_NO_DATABASE,
               env={"HSCT_LANG": "ru"})  # fmt: skip
    assert "базы данных по пути" in out and "hsct db upgrade" in out
    english = hsct("export", "fhir", "--out", str(tmp_path / "out"), "--db", str(db), code=EXIT_NO_DATABASE)
    assert "no database at" in english and "hsct db upgrade" in english


def test_an_unreadable_configuration_is_refused_in_the_language_asked(tmp_path: Path) -> None:
    """hsct.toml is where the language may come from: its own error falls back to --lang, $HSCT_LANG, the locale."""
    missing = tmp_path / "nowhere.toml"
    out = hsct("--lang", "ru", "runs", "--db", str(tmp_path / "x.db"), code=EXIT_INPUT,
               env={"HSCT_CONFIG": str(missing)})  # fmt: skip
    assert f"$HSCT_CONFIG={missing}: такого файла нет" in out
    broken = tmp_path / "hsct.toml"
    broken.write_text("language = [\n", encoding="utf-8")
    out = hsct("runs", "--db", str(tmp_path / "x.db"), code=EXIT_INPUT,
               env={"HSCT_CONFIG": str(broken), "HSCT_LANG": "ru"})  # fmt: skip
    assert f"{broken}: не читается как TOML" in out and "исправьте файл" in out


def test_an_internal_error_is_one_russian_line_naming_its_log(tmp_path: Path) -> None:
    @click.command("boom")
    def boom() -> None:
        raise RuntimeError("boom")

    main.add_command(boom)
    try:
        result = invoke("--lang", "ru", "boom", env={"HSCT_DEBUG": None})
    finally:
        main.commands.pop("boom")
    assert result.exit_code == EXIT_INTERNAL, result.output
    assert "внутренняя ошибка (RuntimeError: boom)" in result.output and "Traceback" not in result.output
    log = re.search(r"Отправьте (\S+) команде", result.output)
    assert log is not None, result.output
    assert "RuntimeError: boom" in Path(log.group(1)).read_text(encoding="utf-8")
    Path(log.group(1)).unlink()


def test_a_held_lock_is_refused_in_russian(tmp_path: Path) -> None:
    engine: Engine = make_engine(f"sqlite:///{tmp_path / 'hsct.db'}")
    try:
        with run_lock(engine), pytest.raises(RunLockedError) as refused, run_lock(engine):
            pass
    finally:
        engine.dispose()
    error = refused.value
    assert str(error).startswith("another hsct run holds ") and "--wait" in str(error)  # English when made
    error.render("ru")
    assert error.message.startswith(f"другой запуск hsct занял {tmp_path / 'hsct.db.lock'} (pid ")
    assert "--wait" in error.message


def test_an_error_by_key_keeps_its_english_text_until_rendered(tmp_path: Path) -> None:
    error = NoDatabaseError.of("error.db.not_sqlite", path=tmp_path)
    assert str(error) == f"{tmp_path} is not an SQLite database (check --db)"
    error.render("ru")
    assert str(error) == f"{tmp_path} — не база данных SQLite (проверьте --db)"
    assert error.exit_code == EXIT_NO_DATABASE


def test_the_demo_tells_its_progress_in_russian(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`hsct --lang ru demo`, its first step alone and the generator stubbed (tests/demo runs the whole
    demo, in English)."""
    import etl.demo

    monkeypatch.setattr(etl.demo, "generate", lambda folder, inject_errors: {"patients": 55, "injected": 11})
    monkeypatch.setattr(etl.demo, "STEPS", [etl.demo.step_generate])
    out = hsct("--lang", "ru", "demo", "--workdir", str(tmp_path))
    assert out.splitlines() == [
        "создание синтетических выгрузок исследуемой когорты ...",
        f"синтетические выгрузки (пациентов: 55, внесённых ошибок: 11): {tmp_path / 'feeds'}",
        f"  эталонные данные и перечень внесённых ошибок: {tmp_path / 'feeds' / 'truth'}",
    ]


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_every_demo_line_is_said_in_both_languages(lang: str) -> None:
    """The lines of the steps this file does not run (their keys and placeholders: tests/test_messages.py)."""
    from etl.messages import Message

    lines: list[str] = []
    say = speaker(lang, lines.append)  # type: ignore[arg-type]
    say("demo.run", run=1, rows_in=10, loaded=8, merged=1, quarantined=1, path="hsct.db")
    say("demo.quality", state=Message("run.state.held"), path="index.html")
    say("demo.report", decisions="study/decisions.yaml", path="report.html")
    assert "{" not in "".join(lines)
    assert ("задержана проверкой качества (held)" in lines[1]) == (lang == "ru")
    assert ("data quality: held by the quality gate" in lines[1]) == (lang == "en")
