"""Replay a scenario through the real bot at virtual time, and check each step did its job.

Each step sets the manual clock, first letting due reminders fire on the way, then acts in the
room (signed requests through the sandbox driver), waits for the bot's background work and
looks at what appeared. A step fails when the bot refused it, answered with an error status,
or did not show what the scenario expects.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiohttp
import httpx
from sqlalchemy import func, select

from bot.changes.webhook import SECRET_ENV as CHANGES_SECRET
from bot.demo.chatlog import Entry
from bot.demo.pager import DemoPager
from bot.demo.platform import DeployPlatform
from bot.demo.room import ANNOUNCE, Room, input_elements
from bot.demo.scenario import (
    AcknowledgeStep,
    AppStep,
    ClickStep,
    CommandStep,
    DeployStep,
    MessageStep,
    PinStep,
    ReactStep,
    Scenario,
    StatusPageStep,
    Step,
    SubmitStep,
)
from bot.plumbing.signing import sign
from bot.sandbox.driver import DriverError, DriverReply, find_element
from bot.sandbox.state import BOT_USER_ID
from bot.sandbox.workspace import Workspace
from bot.store import tables
from bot.time.clock import ManualClock

# How the bot starts a refusal or an error; a question with buttons is not one.
REFUSALS = (":warning:", ":x:", ":no_entry:")


@dataclass
class StepResult:
    index: int
    step: Step
    summary: str
    problems: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # printed after the step's chat lines

    @property
    def ok(self) -> bool:
        return not self.problems


def settings_for(
    scenario: Scenario,
    language: str,
    platform: DeployPlatform | None,
    pager: DemoPager | None = None,
) -> dict[str, Any]:
    """The bot's settings for a run: everything from the scenario, nothing from local config."""
    config = scenario.config
    targets = {
        name: platform.target(name) if kind == "platform" and platform else {"provider": kind}
        for name, kind in config.maintenance.items()
    }
    optional: dict[str, Any] = (
        {"nudge_minutes": config.nudge_minutes} if config.nudge_minutes else {}
    )
    if pager is not None:
        optional["paging"] = pager.settings()
    features = [f.model_dump() for f in config.features]
    for feature in features:
        check = config.checks.get(feature["name"])
        if check is not None and platform is not None:
            feature["check"] = {"url": platform.app_url(feature["name"]), **check.model_dump()}
    return optional | {
        "timezone": scenario.timezone,
        "language": language,
        "announce_channel": ANNOUNCE,
        "features": features,
        "maintenance": {"targets": targets},
        "permissions": {},
        "responders": [scenario.person(name).id for name in config.responders],
        "responders_group": None,
        "commitment": config.commitment,
        "changes": {
            "sources": {
                name: {"provider": kind, "service": name} for name, kind in config.changes.items()
            }
        },
        "status_page": config.status_page.model_dump(),
    }


def refused(entry: Entry) -> bool:
    """A bot answer that says no or reports a failure (and asks nothing)."""
    lines = entry.text.splitlines()
    if not entry.by_bot or entry.buttons or not lines:
        return False
    return lines[0].startswith(REFUSALS) or any(line.startswith(":x:") for line in lines)


class Replay:
    """Plays one scenario's steps in a room on a manual clock."""

    def __init__(
        self,
        scenario: Scenario,
        room: Room,
        clock: ManualClock,
        platform: DeployPlatform | None = None,
        pager: DemoPager | None = None,
    ) -> None:
        self.scenario, self.room, self.clock = scenario, room, clock
        self.platform, self.pager = platform, pager
        self.labels: dict[str, tuple[str, str]] = {}  # label -> (channel id, ts)

    def add_people(self) -> None:
        for person in self.scenario.people:
            self.room.add_person(person.id, person.name, person.real_name)

    async def run(self, on_step: Callable[[StepResult], None] | None = None) -> list[StepResult]:
        results = []
        for index, step in enumerate(self.scenario.steps):
            result = await self.step(index, step)
            results.append(result)
            if on_step is not None:
                on_step(result)
        return results

    async def step(self, index: int, step: Step) -> StepResult:
        instant = self.scenario.instant(step)
        await self._due_until(instant)
        self.clock.set(instant)
        user = self.scenario.person(step.by).id
        result = StepResult(index, step, f"{step.at:%H:%M} {step.by}: {_describe(step)}")
        if isinstance(step, StatusPageStep):
            return await self._look(step, result)
        if isinstance(step, AppStep):
            assert self.platform is not None  # started for every scenario with checks
            self.platform.broken[step.app.feature] = step.app.broken
            return result
        try:
            reply = await self._perform(step, user)
        except DriverError as exc:
            result.problems.append(str(exc))
            reply = None
        if reply is not None and not reply.ok:
            result.problems.append(f"the bot answered HTTP {reply.status}")
        result.problems += _check(step, await self.room.settle())
        return result

    async def _due_until(self, instant: datetime) -> None:
        """Move the clock through each due reminder and check before `instant`, letting it
        fire; stops when a due item is not taken (no handler for it)."""
        services = self.room.stack.services
        assert services is not None
        while True:
            due = await self._next_due()
            if due is None or due > instant:
                return
            self.clock.set(max(due, self.clock.now()))
            await services.schedules.run_due()
            await self.room.settle()
            after = await self._next_due()
            if after is not None and after <= due:
                return

    async def _next_due(self) -> datetime | None:
        services = self.room.stack.services
        assert services is not None
        async with services.db.connect() as conn:
            found = [
                (await conn.execute(select(func.min(column)))).scalar()
                for column in (tables.schedules.c.due_at, tables.check_runs.c.due_at)
            ]
        return min((f for f in found if f is not None), default=None)

    async def _look(self, step: StatusPageStep, result: StepResult) -> StepResult:
        """What a visitor of the status page sees now: summary.json over HTTP, as lines."""
        stack = self.room.stack
        assert stack.services is not None
        t = stack.services.texts
        try:
            summary = await read_summary(stack.status_url)
        except (aiohttp.ClientError, ValueError) as exc:
            result.problems.append(f"the status page did not answer: {exc}")
            return result
        status = summary["status"]
        result.lines = [
            f"{step.at:%H:%M} 🌐 "
            + t._("{person} opens the status page ({moment}): {indicator}, {description}").format(
                person=step.by,
                moment=step.status_page,
                indicator=status["indicator"],
                description=status["description"],
            ),
            *(f"     {c['name']}: {c['status']}" for c in summary["components"]),
        ]
        shown = "\n".join(result.lines)
        result.problems += [
            f"the status page does not show {text!r}"
            for text in step.expect.contains
            if text not in shown
        ]
        return result

    async def _perform(self, step: Step, user: str) -> DriverReply | None:
        room = self.room
        if isinstance(step, CommandStep):
            return await room.command(user, step.text, step.channel)
        if isinstance(step, MessageStep):
            thread = self.labels[step.thread] if step.thread is not None else None
            channel_id, ts, reply = await room.message(user, step.message, step.channel, thread)
            if step.label is not None:
                self.labels[step.label] = (channel_id, ts)
            return reply
        if isinstance(step, ReactStep):
            return await room.react(user, *self.labels[step.react.label], step.react.emoji)
        if isinstance(step, PinStep):
            return await room.pin(user, *self.labels[step.pin])
        if isinstance(step, DeployStep):
            return await self._deploy(step)
        if isinstance(step, AcknowledgeStep):
            if self.pager is None:
                raise DriverError("paging is off in this run")
            return await self.pager.acknowledge_page(
                self.room.stack.health_url.removesuffix("/healthz")
            )
        if isinstance(step, ClickStep):
            found = newest_with_action(room.stack.sandbox.state, user, step.click)
            if found is None:
                raise DriverError(f"{step.by} sees no button {step.click!r}")
            return await room.click(user, *found, value=step.value)
        assert isinstance(step, SubmitStep)
        return await self._submit(step, user)

    async def _deploy(self, step: DeployStep) -> DriverReply:
        """Report the deploy as a CI pipeline would: a signed POST to the bot's /changes."""
        deploy = step.deploy
        body = json.dumps(
            {
                "service": deploy.service,
                "version": deploy.version,
                "description": deploy.description,
                "author": step.by,
                "deployed_at": self.scenario.instant(step).isoformat(),
                "id": f"{deploy.service}-{deploy.version}",
            }
        ).encode()
        secret = os.environ.setdefault(CHANGES_SECRET, secrets.token_hex(16))
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Outagebot-Timestamp": timestamp,
            "X-Outagebot-Signature": sign(secret, timestamp, body),
        }
        url = self.room.stack.health_url.removesuffix("/healthz") + "/changes"
        async with httpx.AsyncClient() as client:
            answer = await client.post(url, content=body, headers=headers)
        return DriverReply(answer.status_code, answer.text)

    async def _submit(self, step: SubmitStep, user: str) -> DriverReply:
        view = self.room.stack.sandbox.latest_view(user)
        if view is None:
            raise DriverError(f"{step.by} has no open form (a command such as close opens it)")
        inputs = input_elements(view)
        unknown = sorted(set(step.submit) - set(inputs))
        if unknown:
            raise DriverError(f"the form has no field {unknown} (fields: {', '.join(inputs)})")
        values = {
            block: {str(inputs[block].get("action_id")): self._people_ids(inputs[block], value)}
            for block, value in step.submit.items()
        }
        return await self.room.submit(user, view, values)

    def _people_ids(self, element: dict[str, Any], value: str | list[str]) -> str | list[str]:
        """People are named in scenarios; a user picker wants their ids."""
        if "users_select" not in str(element.get("type")):
            return value
        ids = {p.name: p.id for p in self.scenario.people}
        if isinstance(value, list):
            return [ids.get(v, v) for v in value]
        return ids.get(value, value)


async def read_summary(status_url: str) -> dict[str, Any]:
    """`GET /status/api/v2/summary.json` on the bot's server, as any reader would."""
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{status_url}/api/v2/summary.json", raise_for_status=True) as response,
    ):
        summary: dict[str, Any] = await response.json()
    return summary


def newest_with_action(
    state: Workspace, user: str, action_id: str
) -> tuple[str, str, dict[str, Any]] | None:
    """(channel id, ts, button) of the newest post the user sees that has the action."""
    posts: list[tuple[float, str, str, list[dict[str, Any]]]] = [
        (float(e.ts), e.channel, e.ts, e.blocks or []) for e in state.ephemerals if e.user == user
    ]
    for channel in state.channels.values():
        if user in channel.members:
            posts += [
                (float(m.ts), channel.id, m.ts, m.blocks)
                for m in channel.messages
                if m.user == BOT_USER_ID and m.blocks
            ]
    for _, channel_id, ts, blocks in sorted(posts, key=lambda post: post[0], reverse=True):
        try:
            element, _ = find_element(blocks, action_id)
        except DriverError:
            continue
        return channel_id, ts, element
    return None


def _describe(step: Step) -> str:
    if isinstance(step, CommandStep):
        return f"/incident {step.text}"
    if isinstance(step, MessageStep):
        return f"“{step.message[:50]}”"
    if isinstance(step, ReactStep):
        return f"react :{step.react.emoji.strip(':')}: to {step.react.label}"
    if isinstance(step, PinStep):
        return f"pin {step.pin}"
    if isinstance(step, ClickStep):
        return f"press {step.click}"
    if isinstance(step, DeployStep):
        return f"deploy {step.deploy.version} of {step.deploy.service}"
    if isinstance(step, StatusPageStep):
        return f"status page ({step.status_page})"
    if isinstance(step, AppStep):
        state = "breaks" if step.app.broken else "is fixed"
        return f"the app's {step.app.feature} endpoint {state}"
    if isinstance(step, AcknowledgeStep):
        return "acknowledges the page in PagerDuty"
    return f"submit {', '.join(step.submit)}"


def _check(step: Step, new: list[Entry]) -> list[str]:
    problems = []
    refusals = [e for e in new if refused(e)]
    if refusals and not step.expect.fails:
        problems.append("the bot said: " + " ".join(refusals[0].text.split())[:240])
    if step.expect.fails and not refusals:
        problems.append("the scenario expects the bot to refuse this, and it did not")
    shown = "\n".join(e.text for e in new)
    problems += [
        f"no reply contains {text!r}" for text in step.expect.contains if text not in shown
    ]
    uploaded = [name for e in new for name in e.files]
    problems += [
        f"no file named like {part!r} was uploaded (uploaded: {', '.join(uploaded) or 'none'})"
        for part in step.expect.uploads
        if not any(part in name for name in uploaded)
    ]
    return problems
