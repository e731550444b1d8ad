"""`outagebot export`: the full timeline, edits and marks kept, as JSON that reads back equal to
the database and as Markdown people can read."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.models import Incident, Severity, TimelineEntry
from bot.sandbox.cast import GIULIA, LUCA, MARCO
from bot.sandbox.stack import SandboxStack
from bot.services import Services
from bot.store import tables
from bot.timeline.export import export, read_json

from .helpers import CHANNEL, PINGS, record, running


async def from_database(services: Services, incident: Incident) -> list[TimelineEntry]:
    """The entries and the cached display names, read straight from the tables."""
    async with services.db.connect() as conn:
        rows = await conn.execute(select(tables.users.c.user_id, tables.users.c.display_name))
        names = dict(rows.tuples().all())
    return [
        e.model_copy(update={"actor_name": names[e.actor]}) if e.actor else e
        for e in await services.timeline.entries(incident.id)
    ]


async def test_json_reads_back_equal_and_markdown_is_readable(
    stack: SandboxStack, incident: Incident
) -> None:
    driver, services = running(stack)
    channel = incident.channel_id
    assert channel
    stack.clock.advance(timedelta(minutes=30))
    first = await driver.message(GIULIA, channel, "Quotes empty for <@U03LUCA> <!here>")
    await driver.edit(GIULIA, channel, first, "Quotes *empty* since the deploy")
    await driver.react(LUCA, channel, first, "pushpin")
    reply = await driver.message(
        LUCA, channel, "see <https://x.example/log|the log>", first, files=[("trace.log", "x")]
    )
    await driver.pin(MARCO, channel, reply)
    gone = await driver.message(MARCO, channel, "wrong channel, sorry")
    await driver.delete(MARCO, channel, gone)
    await driver.command(MARCO, channel, "note 10:10 deploy started")
    await stack.idle()

    text = await export(services.timeline, services.people, incident, "json")
    assert read_json(text) == await from_database(services, incident)

    md = await export(services.timeline, services.people, incident, "md")
    assert not any(ping in md for ping in PINGS)
    assert "## Wednesday 29 April 2026" in md
    assert (
        "**10:30:00** ★ Giulia — Quotes *empty* since the deploy _(key by Luca's reaction)_" in md
    )
    assert "  - before the edit at 10:30:00: Quotes empty for Luca" in md
    assert "[the log](https://x.example/log)" in md
    assert "files: trace.log" in md
    assert "key by a pin" in md
    assert "reply in the thread of 10:30:00" in md
    assert "wrong channel, sorry _(deleted in Slack)_" in md
    assert "**10:10:00** ★ Marco — deploy started _(note; noted at 10:30:00)_" in md


@pytest.mark.slow
def test_the_command_line_writes_both_formats(
    tmp_path: Path,
    database_for: Callable[[Path], str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = database_for(tmp_path)
    monkeypatch.setenv("OUTAGEBOT_DATABASE_URL", url)
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api/")  # never reached: names cached

    async def seed() -> list[TimelineEntry]:
        from bot.config import Settings
        from bot.services import build_services

        services = build_services(Settings(database_url=url))
        await services.start()
        incident = await services.incidents.declare(
            "Purchases broken", severity=Severity.sev1, declared_by=MARCO
        )
        incident = await services.incidents.save_slack_refs(incident.id, channel_id=CHANNEL)
        await record(services, incident, text="<@U02GIULIA> look")
        async with services.db.begin() as conn:
            for user, name in ((MARCO, "Marco"), (GIULIA, "Giulia")):
                await conn.execute(
                    tables.users.insert().values(
                        user_id=user, display_name=name, fetched_at=services.clock.now()
                    )
                )
        entries = await from_database(services, incident)
        await services.stop()
        return entries

    entries = asyncio.run(seed())
    out = tmp_path / "inc-1.json"
    assert main(["export", "INC-1", "--format", "json", "--out", str(out)]) == 0
    assert read_json(out.read_text()) == entries
    assert not (tmp_path / "INC-1-impact.svg").exists()  # JSON is for machines: no picture
    assert main(["export", "INC-1", "--out", str(tmp_path / "inc-1.md")]) == 0
    svg = (tmp_path / "INC-1-impact.svg").read_text()  # the chart beside the Markdown
    assert svg.startswith("<?xml")
    assert "<svg" in svg
    assert main(["export", "1"]) == 0
    assert "Marco — Giulia look" in capsys.readouterr().out
    assert main(["export", "INC-9"]) == 2
    assert "no incident INC-9" in capsys.readouterr().err
