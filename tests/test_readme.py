"""Every `/incident` example in the README works against the sandbox, in README order."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.sandbox.stack import SandboxStack
from bot.time.clock import ManualClock

# The outage report's day, late morning, Europe/Copenhagen.
MORNING = datetime(2025, 4, 30, 11, 0, tzinfo=ZoneInfo("Europe/Copenhagen"))
README = Path(__file__).resolve().parents[1] / "README.md"
EXAMPLE = re.compile(r"`/incident ([^`]+)`")


def examples() -> list[str]:
    table = README.read_text().split("## `/incident` reference", 1)[1].split("\n## ", 1)[0]
    return [
        m.group(1)
        for line in table.splitlines()
        if line.startswith("| `")
        for m in [EXAMPLE.search(line)]
        if m
    ]


def test_the_readme_has_an_example_for_every_subcommand() -> None:
    names = {text.split()[0] for text in examples()}
    assert {
        "declare",
        "status",
        "severity",
        "lead",
        "rename",
        "note",
        "feature",
        "maintenance",
        "timeline",
        "resolve",
        "reopen",
        "close",
        "postmortem",
        "list",
        "help",
    } <= names


async def test_every_readme_example_runs(tmp_path: Path) -> None:
    settings = {
        "timezone": "Europe/Copenhagen",
        "features": [{"name": "Quotes", "aliases": ["Offerte"]}],
        "maintenance": {"targets": {"web": {"provider": "dryrun"}}},
    }
    clock = ManualClock(MORNING)
    async with SandboxStack.sqlite(tmp_path, clock=clock, settings=settings) as stack:
        channel = "C0INCIDENTS"
        for text in examples():
            reply = await stack.driver.command("U01MARCO", channel, text)
            await stack.idle()
            assert reply.status == 200, text
            assert ":warning:" not in reply.text, (text, reply.text)
            assert "went wrong" not in reply.text, (text, reply.text)
            if text.startswith("declare"):
                incident = await stack.services.incidents.get(1)
                assert incident.channel_id
                channel = incident.channel_id
            if text == "resolve":  # asked first (Quotes is down): answered as a person would
                prompt = stack.sandbox.ephemerals("U01MARCO", channel)[-1]
                click = await stack.driver.click(
                    "U01MARCO",
                    "incident_resolve_confirm",
                    "1",
                    channel_id=channel,
                    message_ts=prompt.ts,
                )
                assert click.ok
                await stack.idle()
                assert (await stack.services.incidents.get(1)).status.value == "resolved"
