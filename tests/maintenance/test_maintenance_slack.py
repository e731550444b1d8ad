"""`/incident maintenance` end to end: signed Slack requests in, the fake Heroku out, all HTTP."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web

from bot.models import EntryKind, Incident, TimelineEntry
from bot.sandbox.cast import GIULIA, LUCA, MARCO
from bot.sandbox.stack import SandboxStack
from handlers.maintenance import CONFIRM_ON

from .conftest import FakeHeroku, StackFactory

pytestmark = pytest.mark.transports("http", "socket")

# Marco declares at 10:45 Copenhagen; the channel holds the bot and Marco.
TITLE = "Offerte giù dopo il deploy"
DATA_KEYS = {
    "outcome",
    "target",
    "provider",
    "enabled",
    "ok",
    "dry_run",
    "error",
    "attempts",
    "duration_seconds",
}


async def command(stack: SandboxStack, incident: Incident, text: str, user: str = MARCO) -> str:
    """Run `/incident <text>` in the incident channel; the ephemeral answer's text, if any."""
    before = len(stack.sandbox.ephemerals(user, incident.channel_id))
    await stack.run(incident.channel_id, text, user=user)
    answers = stack.sandbox.ephemerals(user, incident.channel_id)[before:]
    return "\n".join(a.text for a in answers)


async def confirm_on(stack: SandboxStack, incident: Incident, text: str = "maintenance on") -> str:
    question = await command(stack, incident, text)
    prompt = stack.sandbox.ephemerals(MARCO, incident.channel_id)[-1]
    reply = await stack.driver.click(
        MARCO, CONFIRM_ON, channel_id=incident.channel_id, message_ts=prompt.ts
    )
    assert reply.ok
    assert reply.within_deadline
    await stack.idle()
    return question


def said(stack: SandboxStack, incident: Incident) -> list[str]:
    return [m.text for m in stack.sandbox.messages(incident.channel_id)]


def board(stack: SandboxStack, incident: Incident) -> str:
    status = stack.sandbox.state.channels[incident.channel_id].message(incident.status_ts)
    return json.dumps(status.blocks, ensure_ascii=False)


async def attempts(stack: SandboxStack, incident: Incident) -> list[TimelineEntry]:
    entries = await stack.services.timeline.entries(incident.id)
    return [e for e in entries if e.kind is EntryKind.maintenance]


def heroku_error(status: int, id_: str, message: str) -> web.Response:
    return web.json_response({"id": id_, "message": message}, status=status)


async def test_on_after_confirm_then_off_open_and_close_a_window(
    stack: SandboxStack, heroku: FakeHeroku
) -> None:
    incident = await stack.declare(TITLE)
    start = stack.clock.now()

    question = await command(stack, incident, "maintenance on")
    assert "*web* (heroku)" in question
    assert "Customers will see" in question
    assert heroku.seen == []  # asking is not doing

    prompt = stack.sandbox.ephemerals(MARCO, incident.channel_id)[-1]
    await stack.driver.click(
        MARCO, CONFIRM_ON, channel_id=incident.channel_id, message_ts=prompt.ts
    )
    await stack.idle()

    assert [(s.method, s.path) for s in heroku.seen] == [
        ("PATCH", "/apps/acme-web"),
        ("GET", "/apps/acme-web"),
    ]
    assert json.loads(heroku.seen[0].body) == {"maintenance": True}
    assert heroku.apps["acme-web"] is True
    assert stack.sandbox.ephemerals(MARCO, incident.channel_id) == []  # the prompt is gone
    assert any("maintenance *on* for *web* (heroku)… done in" in t for t in said(stack, incident))
    assert "App offline (maintenance on web) since 10:45 — 0 min" in board(stack, incident)

    stack.clock.advance(timedelta(hours=2, minutes=30))
    assert await command(stack, incident, "maintenance off") == ""  # acts at once

    assert json.loads(heroku.requests("PATCH")[-1].body) == {"maintenance": False}
    assert heroku.apps["acme-web"] is False
    [window] = await stack.services.maintenance.windows(incident.id)
    assert (window.target, window.provider, window.dry_run) == ("web", "heroku", False)
    assert window.started_at == start
    assert window.ended_at == start + timedelta(hours=2, minutes=30)
    assert "App offline" not in board(stack, incident)
    assert "Maintenance on web: 10:45–13:15 (2 h 30 min)" in board(stack, incident)

    on, off = await attempts(stack, incident)
    assert on.data["enabled"] is True
    assert off.data["enabled"] is False
    assert on.is_key
    assert off.is_key
    assert on.actor == off.actor == MARCO
    assert on.data["ok"]
    assert on.data["attempts"] == 1
    assert on.data["outcome"] == "succeeded"
    assert set(on.data) == DATA_KEYS


async def test_500_then_200_succeeds_after_a_retry(stack: SandboxStack, heroku: FakeHeroku) -> None:
    incident = await stack.declare(TITLE)
    heroku.answer("PATCH", heroku_error(500, "internal_server_error", "Internal server error."))

    await confirm_on(stack, incident)

    assert len(heroku.requests("PATCH")) == 2
    assert heroku.apps["acme-web"] is True
    [entry] = await attempts(stack, incident)
    assert entry.data["ok"]
    assert entry.data["attempts"] == 2
    assert len(await stack.services.maintenance.windows(incident.id)) == 1


async def test_422_fails_at_once_with_herokus_message(
    stack: SandboxStack, heroku: FakeHeroku
) -> None:
    incident = await stack.declare(TITLE)
    message = "Maintenance mode cannot be enabled while a release is running."
    heroku.answer("PATCH", heroku_error(422, "invalid_params", message))

    await confirm_on(stack, incident)

    assert len(heroku.requests("PATCH")) == 1
    assert heroku.requests("GET") == []
    report = said(stack, incident)[-1]
    assert f":x: failed: 422 from Heroku: {message} (invalid_params)" in report
    [entry] = await attempts(stack, incident)
    assert not entry.data["ok"]
    assert not entry.is_key
    assert entry.data["outcome"] == "failed"
    assert message in entry.data["error"]
    assert entry.data["attempts"] == 1
    assert await stack.services.maintenance.windows(incident.id) == []
    assert "App offline" not in board(stack, incident)


async def test_ok_that_reads_back_the_old_state_is_a_failure(
    stack: SandboxStack, heroku: FakeHeroku
) -> None:
    incident = await stack.declare(TITLE)
    heroku.stale = True

    await confirm_on(stack, incident)

    assert "still reports maintenance=false" in said(stack, incident)[-1]
    [entry] = await attempts(stack, incident)
    assert not entry.data["ok"]
    assert "still reports" in entry.data["error"]
    assert await stack.services.maintenance.windows(incident.id) == []


async def test_people_outside_the_channel_are_refused_and_recorded(
    stack: SandboxStack, heroku: FakeHeroku
) -> None:
    incident = await stack.declare(TITLE)

    answer = await command(stack, incident, "maintenance on", user=GIULIA)
    off = await command(stack, incident, "maintenance off", user=GIULIA)

    assert "can't turn maintenance on" in answer
    assert "members of the incident channel" in answer
    assert "can't turn maintenance off" in off
    assert stack.sandbox.ephemerals(GIULIA)[0].blocks is None  # no Confirm button
    assert heroku.seen == []
    refused = await attempts(stack, incident)
    assert [(e.actor, e.data["enabled"], e.data["outcome"]) for e in refused] == [
        (GIULIA, True, "refused"),
        (GIULIA, False, "refused"),
    ]
    assert not any(e.is_key or e.data["ok"] for e in refused)


async def test_configured_users_and_groups_decide(
    make_stack: StackFactory, heroku: FakeHeroku
) -> None:
    stack = await make_stack(permissions={"maintenance": ["S0ONCALL"]})  # Marco and Giulia
    incident = await stack.declare(TITLE)

    refused = await command(stack, incident, "maintenance on", user=LUCA)
    asked = await command(stack, incident, "maintenance on", user=GIULIA)  # not in the channel

    assert "`[permissions] maintenance`" in refused
    assert "Turn maintenance *on*" in asked
    assert heroku.seen == []
    [entry] = await attempts(stack, incident)
    assert entry.actor == LUCA
    assert entry.data["outcome"] == "refused"


@pytest.mark.slow
async def test_the_timeline_holds_every_attempt_and_dry_runs_say_so(
    make_stack: StackFactory, heroku: FakeHeroku, heroku_target: dict[str, Any]
) -> None:
    targets = {"web": heroku_target, "preview": {"provider": "dryrun"}}
    stack = await make_stack(maintenance={"targets": targets, "backoff_seconds": 0.01})
    incident = await stack.declare(TITLE)

    ambiguous = await command(stack, incident, "maintenance on")
    await command(stack, incident, "maintenance on web", user=GIULIA)
    heroku.answer("PATCH", heroku_error(422, "invalid_params", "Not now."))
    await confirm_on(stack, incident, "maintenance on web")
    await confirm_on(stack, incident, "maintenance on web")
    dry_question = await confirm_on(stack, incident, "maintenance on preview")

    assert "Say which maintenance target: preview, web." in ambiguous
    assert "DRY RUN — nothing will change" in dry_question
    assert "DRY RUN — nothing will change" in said(stack, incident)[-1]
    assert len(heroku.requests("PATCH")) == 2  # refused and dry run sent nothing
    outcomes = [
        (e.data["target"], e.data["outcome"], e.data["ok"], e.data["dry_run"])
        for e in await attempts(stack, incident)
    ]
    assert outcomes == [
        ("web", "refused", False, False),
        ("web", "failed", False, False),
        ("web", "succeeded", True, False),
        ("preview", "succeeded", True, True),
    ]
    windows = await stack.services.maintenance.windows(incident.id)
    assert [(w.target, w.dry_run) for w in windows] == [("web", False), ("preview", True)]
    assert "DRY RUN: maintenance on preview (nothing changed) since 10:45" in board(stack, incident)


async def test_a_reminder_says_for_how_long_until_maintenance_is_off(
    stack: SandboxStack, heroku: FakeHeroku
) -> None:
    incident = await stack.declare(TITLE)
    await confirm_on(stack, incident)
    schedules = stack.services.schedules

    stack.clock.advance(timedelta(minutes=29))
    assert await schedules.run_due() == 0
    stack.clock.advance(timedelta(minutes=1))
    assert await schedules.run_due() == 1
    assert await schedules.run_due() == 0  # once

    reminder = said(stack, incident)[-1]
    assert "Maintenance has been *on* for *web* (heroku) for 30 min, since 10:45" in reminder

    await command(stack, incident, "maintenance off")
    stack.clock.advance(timedelta(hours=2))
    assert await schedules.run_due() == 0


async def test_resolving_while_on_asks_first(stack: SandboxStack, heroku: FakeHeroku) -> None:
    incident = await stack.declare(TITLE)
    await confirm_on(stack, incident)

    answer = await command(stack, incident, "resolve")

    assert "Resolve INC-1 anyway?" in answer
    assert "maintenance is still on for web" in answer
    assert (await stack.services.incidents.get(incident.id)).is_open


async def test_closing_while_on_names_it_and_offers_only_to_go_on_or_cancel(
    stack: SandboxStack, heroku: FakeHeroku
) -> None:
    incident = await stack.declare(TITLE)
    await confirm_on(stack, incident)

    await command(stack, incident, "close")

    prompt = stack.sandbox.ephemerals(MARCO, incident.channel_id)[-1]
    assert "INC-1 is not resolved and still open: maintenance is still on for web" in prompt.text
    assert "Close it anyway?" in prompt.text
    buttons = [e["action_id"] for e in prompt.blocks[-1]["elements"]]
    assert buttons == ["incident_close_confirm", "dismiss"]
    assert stack.driver.latest_view(MARCO) is None  # no close form without an answer
    assert (await stack.services.incidents.get(incident.id)).is_open


async def test_on_while_on_is_refused_and_records_nothing(
    stack: SandboxStack, heroku: FakeHeroku
) -> None:
    incident = await stack.declare(TITLE)
    await confirm_on(stack, incident)  # at 10:45
    stack.clock.advance(timedelta(minutes=20))
    before = len(await attempts(stack, incident))

    answer = await command(stack, incident, "maintenance on web")

    assert "Maintenance is already on for *web* since 10:45" in answer
    assert "`/incident maintenance off web` ends it" in answer
    prompt = stack.sandbox.ephemerals(MARCO, incident.channel_id)[-1]
    assert not prompt.blocks  # nothing to confirm
    assert len(await attempts(stack, incident)) == before
    assert len(heroku.requests("PATCH")) == 1


async def test_off_after_off_is_refused_but_off_never_on_here_goes_ahead(
    stack: SandboxStack, heroku: FakeHeroku
) -> None:
    incident = await stack.declare(TITLE)
    # Switched on by hand on the platform, before the incident: off goes through.
    heroku.apps["acme-web"] = True
    await command(stack, incident, "maintenance off web")
    assert heroku.apps["acme-web"] is False
    await confirm_on(stack, incident)
    stack.clock.advance(timedelta(minutes=20))
    await command(stack, incident, "maintenance off web")  # at 11:05
    before = len(await attempts(stack, incident))
    patches = len(heroku.requests("PATCH"))
    stack.clock.advance(timedelta(minutes=5))

    answer = await command(stack, incident, "maintenance off web")

    assert "Maintenance is already off for *web* since 11:05" in answer
    assert "`/incident maintenance status` shows what the platform says" in answer
    assert len(await attempts(stack, incident)) == before
    assert len(heroku.requests("PATCH")) == patches


async def test_a_question_answered_after_maintenance_went_on_switches_nothing(
    stack: SandboxStack, heroku: FakeHeroku
) -> None:
    incident = await stack.declare(TITLE)
    await command(stack, incident, "maintenance on")  # asked, not answered yet
    first = stack.sandbox.ephemerals(MARCO, incident.channel_id)[-1]
    await confirm_on(stack, incident)
    await stack.driver.click(MARCO, CONFIRM_ON, channel_id=incident.channel_id, message_ts=first.ts)
    await stack.idle()
    assert len(heroku.requests("PATCH")) == 1
    assert len(await stack.services.maintenance.windows(incident.id)) == 1


async def test_a_typo_in_the_target_keeps_the_action_typed(
    stack: SandboxStack, heroku: FakeHeroku
) -> None:
    incident = await stack.declare(TITLE)
    answer = await command(stack, incident, "maintenance off wbe")
    assert "No maintenance target named 'wbe'; try: web." in answer
    assert "`/incident maintenance off web`" in answer
    assert "maintenance on" not in answer


async def test_status_shows_the_record_and_the_live_state(
    stack: SandboxStack, heroku: FakeHeroku
) -> None:
    incident = await stack.declare(TITLE)
    await confirm_on(stack, incident)
    heroku.apps["acme-web"] = False  # someone switched it off in Heroku's dashboard
    stack.clock.advance(timedelta(minutes=5))

    answer = await command(stack, incident, "maintenance status")

    assert (
        "*web* (heroku): :construction: App offline (maintenance on web) since 10:45 — 5 min"
        in (answer)
    )
    assert "*Maintenance, live*\n• *web*: off :warning: differs from the record" in answer


async def test_a_double_click_switches_once(stack: SandboxStack, heroku: FakeHeroku) -> None:
    incident = await stack.declare(TITLE)
    heroku.delay = 0.05
    await command(stack, incident, "maintenance on")
    prompt = stack.sandbox.ephemerals(MARCO, incident.channel_id)[-1]

    clicks = [
        stack.driver.click(MARCO, CONFIRM_ON, channel_id=incident.channel_id, message_ts=prompt.ts)
        for _ in range(2)
    ]
    await asyncio.gather(*clicks)
    await stack.idle()

    assert len(heroku.requests("PATCH")) == 1
    assert len(await attempts(stack, incident)) == 1
