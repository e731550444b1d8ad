"""`report`, `export` and `postmortem` anywhere: `--db`, one line for a missing or empty
database (never a traceback, never a file left behind), `export --lang`."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import Settings
from bot.models import Severity
from bot.services import build_services
from bot.time.clock import ManualClock

READS = [["report"], ["export", "INC-1"], ["postmortem", "INC-1"]]


def outagebot(folder: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The command line in `folder`, with no database configured unless `env` names one."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OUTAGEBOT_", "SLACK_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=folder,
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
    return result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("command", READS)
def test_a_fresh_folder_gets_one_line_and_no_database_file(
    tmp_path: Path, command: list[str]
) -> None:
    said = one_line(outagebot(tmp_path, *command))
    assert "outagebot: no database at outagebot.db: pass --db PATH_OR_URL" in said
    missing = tmp_path / "elsewhere.db"
    said = one_line(outagebot(tmp_path, *command, "--db", str(missing)))
    assert f"no database at {missing}" in said
    assert list(tmp_path.iterdir()) == []  # nothing created


@pytest.mark.slow
def test_an_empty_or_unreachable_database_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "empty.db").touch()
    said = one_line(outagebot(tmp_path, "report", "--db", "empty.db"))
    assert f"the database at {tmp_path / 'empty.db'} holds no outagebot data" in said
    url = "postgresql+asyncpg://bot:hunter2@127.0.0.1:9/outagebot"
    said = one_line(outagebot(tmp_path, "export", "1", "--db", url))
    assert "cannot read the database at postgresql+asyncpg://bot:***@127.0.0.1:9/outagebot" in said
    assert "hunter2" not in said


def recorded(path: Path) -> None:
    """A database holding INC-1 with a public and an internal note, made by the services."""

    async def make() -> None:
        clock = ManualClock(datetime(2025, 4, 30, 8, 40, tzinfo=UTC))
        settings = Settings(database_url=f"sqlite+aiosqlite:///{path}", timezone="Europe/Rome")
        services = build_services(settings, clock)
        services.schedule_tick = 0
        await services.start()
        try:
            incident = await services.incidents.declare(
                "Quotes gone", severity=Severity.sev2, declared_by="U01MARCO"
            )
            at = clock.now()
            for text, data in [("Fix live", {"public": True}), ("worker restarted", {})]:
                await services.incidents.note(incident, text, actor="U01MARCO", at=at, data=data)
        finally:
            await services.stop()

    asyncio.run(make())


@pytest.mark.slow
def test_db_wins_over_the_environment_and_export_takes_lang(tmp_path: Path) -> None:
    recorded(tmp_path / "team.db")
    wrong = {"OUTAGEBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'nope.db'}"}
    italian = outagebot(tmp_path, "export", "INC-1", "--db", "team.db", "--lang", "it", **wrong)
    assert italian.returncode == 0, italian.stderr
    assert "# INC-1 · Quotes gone — cronologia" in italian.stdout
    assert "Orari in Europe/Rome. 3 voci" in italian.stdout
    assert "## mercoledì 30 aprile 2025" in italian.stdout
    assert "Fix live _(nota; pubblica)_" in italian.stdout
    english = outagebot(tmp_path, "export", "1", "--db", str(tmp_path / "team.db"))
    assert "Times in Europe/Rome. 3 entries" in english.stdout
    assert "worker restarted _(note)_" in english.stdout
    customer = outagebot(tmp_path, "postmortem", "INC-1", "--db", "team.db")
    assert customer.returncode == 0, customer.stderr
    assert "Fix live" in customer.stdout
    assert "worker restarted" not in customer.stdout
    report = outagebot(tmp_path, "report", "--since", "2025-01-01", "--db", "team.db")
    assert report.returncode == 0, report.stderr
    assert not (tmp_path / "nope.db").exists()


@pytest.mark.slow
def test_an_output_path_that_cannot_be_written_is_one_line(tmp_path: Path) -> None:
    recorded(tmp_path / "team.db")
    (tmp_path / "a-file").write_text("")
    for command, path in [
        (["export", "INC-1", "--out", "missing/x.md"], "missing/"),
        (["postmortem", "INC-1", "--chart", "missing/x.png"], "missing/x.png"),
        (["report", "--format", "png", "--out", "a-file"], "a-file"),
    ]:
        result = outagebot(tmp_path, *command, "--db", "team.db")
        assert result.returncode == 2
        assert "Traceback" not in result.stderr
        said = result.stderr.splitlines()[-1]
        assert said.startswith("outagebot: cannot write "), said
        assert path in said
