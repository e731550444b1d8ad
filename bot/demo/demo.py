"""`outagebot demo`: a whole incident day, replayed through the real bot in seconds.

The sandbox Slack and the Bolt app run on loopback ports; a manual clock set to the scenario's
day moves from step to step. The chat log is printed as it happens; the drafts the bot uploaded
and the timeline export are written to the output folder, next to the run's SQLite database
(so `outagebot export` and `postmortem` can be pointed at it afterwards).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path

from bot.demo.chatlog import ChatLog
from bot.demo.pager import DemoPager
from bot.demo.platform import DeployPlatform
from bot.demo.room import Room, bot_uploads, latest_incident, room_log
from bot.demo.runner import Replay, StepResult, settings_for
from bot.demo.scenario import DEFAULT_SCENARIO, Scenario, ScenarioError, load_scenario
from bot.sandbox.stack import SandboxStack
from bot.sandbox.texts import bot_texts
from bot.time.clock import ManualClock
from bot.timeline.export import export

Echo = Callable[[str], None]


@dataclass
class DemoOutcome:
    results: list[StepResult]
    written: list[Path] = field(default_factory=list)
    customer_draft: str | None = None
    # What the bot put in Slack (messages, ephemerals, views, topics), for language checks.
    bot_texts: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[StepResult]:
        return [r for r in self.results if not r.ok]


async def _write_outputs(stack: SandboxStack, out: Path) -> list[Path]:
    """The files the bot uploaded (the drafts) and each incident's timeline, in `out`."""
    written = []
    for file in bot_uploads(stack.sandbox.state):
        path = out / Path(file.name).name
        path.write_bytes(file.content or b"")  # a later version (v2 after a correction) wins
        if path not in written:
            written.append(path)
    services = stack.services
    assert services is not None
    for incident in await services.incidents.list():
        for fmt in ("md", "json"):
            path = out / f"{incident.number}-timeline.{fmt}"
            impact = await services.board.section_lines(incident)
            path.write_text(await export(services.timeline, services.people, incident, fmt, impact))
            written.append(path)
    return written


async def _pinned(stack: SandboxStack, log: ChatLog) -> list[str]:
    """The incident's pinned posts as they stand at the end: the live status board."""
    assert stack.services is not None
    incident = latest_incident(await stack.services.incidents.list())
    channel = stack.sandbox.state.channels.get(incident.channel_id or "") if incident else None
    if channel is None:
        return []
    lines = []
    for ts in channel.pins:
        message = channel.message(ts)
        if message is not None and message.bot_id:
            lines.append(f"\n📌 Pinned in #{channel.name}, at the end of the day:")
            text = log.shown(message.text, message.blocks)
            lines += ["   " + line for line in text.splitlines()]
    return lines


def _problem_lines(result: StepResult) -> list[str]:
    return [f"   ✗ steps[{result.index}] ({result.summary}): {p}" for p in result.problems]


def _fresh_database(out: Path) -> Path:
    """The run's SQLite file in `out`, emptied: every run starts at INC-1."""
    out.mkdir(parents=True, exist_ok=True)
    database = out / "outagebot.db"
    database.unlink(missing_ok=True)
    return database


async def run_demo(
    scenario: Scenario,
    out: Path,
    language: str | None = None,
    echo: Echo = print,
    database_url: str | None = None,
) -> DemoOutcome:
    """Replay on `database_url` (an empty database) or, by default, a fresh SQLite file."""
    if database_url is None:
        database_url = f"sqlite+aiosqlite:///{await asyncio.to_thread(_fresh_database, out)}"
    clock = ManualClock(scenario.instant(scenario.steps[0]))
    echo(f"{scenario.title} — {scenario.timezone}")
    async with AsyncExitStack() as running:
        platform = None
        if "platform" in scenario.config.maintenance.values() or scenario.config.checks:
            platform = await running.enter_async_context(DeployPlatform())
        pager = None
        if (paging := scenario.config.paging) is not None:
            person = scenario.person(paging.oncall)
            pager = await running.enter_async_context(DemoPager(clock.now, paging, person))
        settings = settings_for(scenario, language or scenario.language, platform, pager)
        stack = SandboxStack(database_url, clock=clock, settings=settings)
        await running.enter_async_context(stack)
        if stack.status_url and stack.services is not None:
            url = stack.status_url
            echo("🌐 " + stack.services.texts._("Status page: {url}").format(url=url))
        log = room_log(stack, scenario.timezone, scenario.language)
        replay = Replay(scenario, Room(stack, log), clock, platform, pager)
        replay.add_people()

        def show(result: StepResult) -> None:
            for line in [*log.render_new(), *result.lines, *_problem_lines(result)]:
                echo(line)

        outcome = DemoOutcome(await replay.run(show))
        for line in await _pinned(stack, log):
            echo(line)
        outcome.written = await _write_outputs(stack, out)
        outcome.bot_texts = bot_texts(stack.sandbox.calls, stack.sandbox.state)
    _report(outcome, out, echo)
    return outcome


def _report(outcome: DemoOutcome, out: Path, echo: Echo) -> None:
    echo(f"\nWritten to {out}:")
    for path in outcome.written:
        echo(f"  {path}")
    customer = next((p for p in outcome.written if "customer" in p.name), None)
    if customer is None:
        echo("  (no drafts: the bot uploaded none)")
    else:
        outcome.customer_draft = customer.read_text(encoding="utf-8")
        echo(f"\n──── {customer.name} ────\n{outcome.customer_draft.rstrip()}\n────")
    if outcome.failed:
        failed, steps = len(outcome.failed), len(outcome.results)
        echo(f"\n{failed} of {steps} steps did not do what the scenario expects:")
        for result in outcome.failed:
            for line in _problem_lines(result):
                echo(line)
    else:
        echo(f"\nAll {len(outcome.results)} steps did what the scenario expects.")


def quiet_logs() -> None:
    """Requests and access lines would drown the chat log; keep warnings unless asked."""
    if "OUTAGEBOT_LOG_LEVEL" not in os.environ:
        logging.getLogger().setLevel(logging.WARNING)


def main(scenario: str | None, out: str, language: str | None) -> int:
    """The CLI entry: 0 when every step did what it should, 1 when not, 2 for a bad file."""
    quiet_logs()
    path = Path(scenario) if scenario else DEFAULT_SCENARIO
    try:
        loaded = load_scenario(path)
    except ScenarioError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    started = time.monotonic()
    outcome = asyncio.run(run_demo(loaded, Path(out), language))
    print(f"({len(outcome.results)} steps replayed in {time.monotonic() - started:.1f} s)")
    return 1 if outcome.failed else 0
