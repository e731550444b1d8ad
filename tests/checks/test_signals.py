"""Signals end to end: inside an open incident, flapping, Mute, Not an incident, the schedule,
and due runs claimed once by two replicas."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.checks.config import AlertsSettings
from bot.checks.messages import DECLARE, MARK_DOWN, MARK_UP, MUTE, NOT_INCIDENT
from bot.checks.service import Checks, Source
from bot.config import FeatureConfig
from bot.models import EntryKind, FeatureState
from bot.sandbox.cast import GIULIA, INCIDENTS, MARCO
from bot.sandbox.pagerduty import API_TOKEN, ROUTING_KEY, PdUser, SandboxPagerDuty
from bot.sandbox.stack import SandboxStack
from bot.store import migrate, tables
from bot.store.database import Database
from bot.time.clock import ManualClock
from tests.changes.conftest import TOKEN, FakeHerokuReleases, at
from tests.maintenance.conftest import HerokuSchema, _schema_file

from .conftest import PATH, SMOKE_TOKEN, FakeApp, check, deploy, tick
from .test_found_in_minutes import buttons, signals, texts


def thread(stack: SandboxStack, channel: str, ts: str) -> list:
    return [m for m in stack.sandbox.messages(channel) if m.thread_ts == ts and m.ts != ts]


async def broken_at_1401(stack: SandboxStack, fake_app: FakeApp) -> None:
    """v119 at 14:00, broken: failing probes at 14:01 and 14:03."""
    stack.clock.set(at(14, 0, day=29))
    await deploy(stack, "v119", "2025-04-29T12:00:00Z")
    fake_app.broken = True
    for minute in (1, 3):
        stack.clock.set(at(14, minute, day=29))
        await tick(stack)


async def run_at(stack: SandboxStack, fake_app: FakeApp, *runs: tuple[int, bool]) -> None:
    """Probe at each 14:MM (a check every 2 minutes), the app broken or not."""
    for minute, broken in runs:
        fake_app.broken = broken
        stack.clock.set(at(14, minute))
        await tick(stack)


async def test_inside_an_incident_one_click_marks_down_since_the_first_failure(
    make_stack, fake_app: FakeApp
) -> None:
    stack = await make_stack()
    stack.clock.set(at(13, 50, day=29))
    incident = await stack.declare("Checkout slow")
    assert incident.channel_id

    await broken_at_1401(stack, fake_app)

    assert signals(stack) == []  # not in #incidents: in the incident's channel
    [signal] = signals(stack, incident.channel_id)
    assert buttons(signal) == ["Mark Acquisti down since 14:01"]
    stack.clock.set(at(14, 9, day=29))
    clicks = [
        stack.driver.click(GIULIA, MARK_DOWN, channel_id=incident.channel_id, message_ts=signal.ts)
        for _ in range(2)  # a double click marks once
    ]
    for reply in await asyncio.gather(*clicks):
        assert reply.ok
        assert reply.within_deadline
    await stack.idle()

    [status] = await stack.services.features.statuses(incident)
    assert (status.state, status.since) == (FeatureState.down, at(14, 1, day=29))
    said = [m.text for m in stack.sandbox.messages(incident.channel_id)]
    assert sum("marked *Acquisti* down since 14:01" in t for t in said) == 1
    refused = stack.sandbox.ephemerals(GIULIA, incident.channel_id)[-1].text
    assert "already down" in refused
    [signal] = signals(stack, incident.channel_id)
    assert buttons(signal) == []
    entries = await stack.services.timeline.entries(incident.id)
    assert [e.data["what"] for e in entries if e.kind is EntryKind.signal] == [
        "raised",
        "marked down",
    ]


@pytest.mark.parametrize("action", [MARK_DOWN, MARK_UP])
async def test_mark_buttons_of_a_closed_incident_have_expired(
    make_stack, fake_app: FakeApp, action: str
) -> None:
    stack = await make_stack()
    stack.clock.set(at(13, 50, day=29))
    incident = await stack.declare("Checkout slow")
    channel = incident.channel_id or ""
    await broken_at_1401(stack, fake_app)
    [signal] = signals(stack, channel)
    [value] = [e["value"] for b in signal.blocks if b["type"] == "actions" for e in b["elements"]]
    stack.clock.set(at(14, 5, day=29))
    await stack.close(channel)

    reply = await stack.driver.click(
        GIULIA,
        MARK_DOWN,
        channel_id=channel,
        message_ts=signal.ts,
        action={"action_id": action, "value": value},
    )
    await stack.idle()

    assert reply.ok
    assert await stack.services.features.statuses(incident) == []
    reason = "INC-1 was closed at 14:05; nothing was marked."
    expired = stack.sandbox.state.channels[channel].message(signal.ts)
    assert expired.text == f":hourglass: This button expired: {reason}"
    assert stack.sandbox.ephemerals(GIULIA, channel)[-1].text == f":warning: {reason}"


async def test_two_declare_forms_on_one_signal_declare_one_incident(
    make_stack, fake_app: FakeApp
) -> None:
    stack = await make_stack(every_minutes=2, after_deploy_minutes=[])
    await run_at(stack, fake_app, (0, True), (2, True))
    [signal] = signals(stack)
    views = {}
    for user in (GIULIA, MARCO):  # both open the form before either submits
        await stack.driver.click(user, DECLARE, channel_id=INCIDENTS, message_ts=signal.ts)
        views[user] = stack.driver.latest_view(user)
    kept = {"title": {"value": "Acquisti failing"}, "features": {"value": ["Acquisti"]}}

    stack.clock.set(at(14, 5))
    first = await stack.driver.submit_view(GIULIA, views[GIULIA].id, kept)
    await stack.idle()
    stack.clock.set(at(14, 6))
    second = await stack.driver.submit_view(MARCO, views[MARCO].id, kept)
    await stack.idle()

    assert first.ok
    assert first.json is None  # the form closes
    said = "Giulia already declared INC-1 from this signal at 14:05."
    assert second.json == {"response_action": "errors", "errors": {"title": said}}
    [incident] = await stack.services.incidents.list()
    assert (incident.number, incident.declared_by) == ("INC-1", GIULIA)
    assert incident.channel_id
    [signal] = signals(stack)
    assert f"<@{GIULIA}> declared INC-1." in texts(signal)


async def test_two_declare_forms_submitted_at_once_declare_one_incident(
    make_stack, fake_app: FakeApp
) -> None:
    stack = await make_stack(every_minutes=2, after_deploy_minutes=[])
    await run_at(stack, fake_app, (0, True), (2, True))
    [signal] = signals(stack)
    submits = []
    for user in (GIULIA, MARCO):
        await stack.driver.click(user, DECLARE, channel_id=INCIDENTS, message_ts=signal.ts)
        view = stack.driver.latest_view(user)
        submits.append(stack.driver.submit_view(user, view.id, {"title": {"value": "Down"}}))

    replies = await asyncio.gather(*submits)
    await stack.idle()

    assert all(reply.ok for reply in replies)
    refused = [r.json["errors"]["title"] for r in replies if r.json]
    assert len(refused) == 1
    assert "already declared" in refused[0]
    [incident] = await stack.services.incidents.list()
    assert incident.channel_id


async def test_a_flapping_check_stays_one_signal_with_its_flaps(
    make_stack, fake_app: FakeApp
) -> None:
    stack = await make_stack(every_minutes=2, after_deploy_minutes=[])
    await run_at(stack, fake_app, (0, True), (2, True))
    [signal] = signals(stack)

    # Passes at 14:04, fails again at 14:06, passes at 14:08.
    await run_at(stack, fake_app, (4, False), (6, True), (8, False))

    assert len(signals(stack)) == 1
    replies = [m.text for m in thread(stack, INCIDENTS, signal.ts)]
    assert replies == [
        ":white_check_mark: *Acquisti* passes its check again since 14:04.",
        ":repeat: *Acquisti* fails again at 14:06: still the same signal (1 flap).",
        ":white_check_mark: *Acquisti* passes its check again since 14:08.",
    ]
    # Outside an incident there is nothing to mark up.
    assert all(buttons(m) == [] for m in thread(stack, INCIDENTS, signal.ts))


async def test_mute_silences_the_feature_for_an_hour(make_stack, fake_app: FakeApp) -> None:
    stack = await make_stack(every_minutes=2, after_deploy_minutes=[])
    await run_at(stack, fake_app, (0, True), (2, True))
    [signal] = signals(stack)

    reply = await stack.driver.click(MARCO, MUTE, channel_id=INCIDENTS, message_ts=signal.ts)
    assert reply.ok
    await stack.idle()
    [signal] = signals(stack)
    assert f"<@{MARCO}> muted *Acquisti* until 15:02." in texts(signal)
    assert buttons(signal) == []

    # Fixed, then broken again after the flap window: a new episode, muted.
    await run_at(stack, fake_app, (4, False), (30, True), (32, True))
    assert len(signals(stack)) == 1
    # After the hour, the next episode is posted again.
    for minute, broken in ((10, False), (40, True), (42, True)):
        fake_app.broken = broken
        stack.clock.set(at(15, minute))
        await tick(stack)
    assert len(signals(stack)) == 2


async def test_not_an_incident_records_who_and_why(make_stack, fake_app: FakeApp) -> None:
    stack = await make_stack(every_minutes=2, after_deploy_minutes=[])
    await run_at(stack, fake_app, (0, True), (2, True))
    [signal] = signals(stack)

    await stack.driver.click(GIULIA, NOT_INCIDENT, channel_id=INCIDENTS, message_ts=signal.ts)
    view = stack.driver.latest_view(GIULIA)
    assert view is not None
    empty = await stack.driver.submit_view(GIULIA, view.id, {"why": {"value": "  "}})
    assert empty.json["errors"] == {"why": "Say why, in a few words."}
    reason = "planned migration of the purchases table"
    done = await stack.driver.submit_view(GIULIA, view.id, {"why": {"value": reason}})
    assert done.ok
    await stack.idle()

    [signal] = signals(stack)
    assert f"<@{GIULIA}>: not an incident. {reason}" in texts(signal)
    recorded = await stack.services.checks.latest_signal(Source.check, "check:Acquisti")
    assert recorded is not None
    assert (recorded.decision, recorded.decided_by, recorded.note) == ("dismissed", GIULIA, reason)
    assert await stack.services.incidents.list() == []


async def test_each_due_run_is_claimed_by_one_replica(
    tmp_path, clock, database_for, fake_app: FakeApp
) -> None:
    db = Database(database_for(tmp_path))
    await migrate.upgrade(db)
    feature = FeatureConfig.model_validate(
        {"name": "Acquisti", "check": check(fake_app.url + PATH, every_minutes=5)}
    )
    env = {"SMOKE_AUTH": "Bearer x"}
    replicas = [Checks(db, clock, [feature], AlertsSettings(), environ=env) for _ in range(2)]
    try:
        await replicas[0].plan(poll=True)
        await replicas[1].plan(poll=True)
        claimed = [await r.claim() for r in replicas]
        assert sorted(len(runs) for runs, _poll in claimed) == [0, 1]
        assert sorted(poll for _runs, poll in claimed) == [False, True]
        clock.advance(timedelta(minutes=4))
        assert [len((await r.claim())[0]) for r in replicas] == [0, 0]
        clock.advance(timedelta(minutes=1))
        assert sorted([len((await r.claim())[0]) for r in replicas]) == [0, 1]
    finally:
        await db.dispose()


async def test_incident_checks_lists_each_check_with_its_last_result(
    make_stack, fake_app: FakeApp
) -> None:
    stack = await make_stack()
    stack.clock.set(at(13, 59, day=29))
    await stack.run(INCIDENTS, "checks")
    before = stack.sandbox.ephemerals(MARCO, INCIDENTS)[-1].text
    assert before == "*Checks*, failing first\n• :white_circle: *Acquisti* has not run yet."

    await broken_at_1401(stack, fake_app)
    await stack.run(INCIDENTS, "checks")

    listed = stack.sandbox.ephemerals(MARCO, INCIDENTS)[-1].text
    assert re.fullmatch(
        r"\*Checks\*, failing first\n• :red_circle: \*Acquisti\* failing since 14:01"
        r" \(HTTP 500, \d+ ms\) · last deploy checked: \*v119\* web, deployed at 14:00 by marco",
        listed,
    ), listed


async def test_a_release_polled_with_no_incident_open_is_checked_a_minute_later(
    monkeypatch, start_stack, fake_app: FakeApp, clock
) -> None:
    """Heroku is read every minute (no incident, no webhook): v119 at 14:00 is probed at 14:01."""
    schema = _schema_file()
    assert schema is not None
    monkeypatch.setenv("HEROKU_API_TOKEN", TOKEN)
    monkeypatch.setenv("SMOKE_AUTH", f"Bearer {SMOKE_TOKEN}")
    clock.set(at(13, 59, day=29))
    async with FakeHerokuReleases(HerokuSchema(json.loads(schema.read_text())), clock) as heroku:
        heroku.add(118, at(9, 0, day=28))
        source = {"provider": "heroku", "app": "acme-web", "token_env": "HEROKU_API_TOKEN"}
        stack = await start_stack(
            {
                "features": [
                    {
                        "name": "Acquisti",
                        "services": ["web"],
                        "check": check(f"{fake_app.url}{PATH}", after_deploy_minutes=[1]),
                    }
                ],
                "changes": {
                    "sources": {"web": {**source, "api_url": heroku.url}},
                    "backoff_seconds": 0.01,
                },
            }
        )
        await tick(stack)  # 13:59: v118 is old news, nothing to check
        heroku.add(119, at(14, 0, day=29))
        stack.clock.set(at(14, 0, day=29, second=30))
        await tick(stack)  # the next poll records v119
        stack.clock.set(at(14, 1, day=29))
        await tick(stack)  # a minute after it: probed
        assert heroku.problems == []

    assert len(fake_app.requests("GET")) == 1  # one probe, at 14:01
    [state] = await stack.services.checks.states()
    assert state.deploy is not None
    assert state.deploy.version == "v119"
    assert state.last is not None
    assert state.last.at == at(14, 1, day=29)
    assert len(heroku.requests("GET")) == 2  # 13:59 and 14:00:30, a minute apart


async def test_auto_declare_opens_the_incident_with_the_feature_down_since_the_first_failure(
    make_stack, fake_app: FakeApp
) -> None:
    stack = await make_stack(auto_declare=True)

    await broken_at_1401(stack, fake_app)

    assert signals(stack) == []  # no question asked: declared at once
    [incident] = await stack.services.incidents.list()
    assert incident.title == "Acquisti failing"
    assert incident.declared_at == at(14, 3, day=29)
    assert incident.channel_id
    [status] = await stack.services.features.statuses(incident)
    assert (status.feature, status.state, status.since) == (
        "Acquisti",
        FeatureState.down,
        at(14, 1, day=29),
    )
    said = [m.text for m in stack.sandbox.messages(incident.channel_id)]
    assert any("marked *Acquisti* down since 14:01" in text for text in said)


async def test_auto_declare_makes_the_person_on_call_the_lead(
    make_stack, fake_app: FakeApp, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAGERDUTY_ROUTING_KEY", ROUTING_KEY)
    monkeypatch.setenv("PAGERDUTY_API_TOKEN", API_TOKEN)
    async with SandboxPagerDuty(clock.now) as pagerduty:
        giulia = PdUser("PGIULIA", "Giulia Bianchi", "giulia@sandbox.example")
        pagerduty.on_call("PABC123", giulia, at(8, 0, day=29), at(18, 0, day=29))
        paging = {
            "provider": "pagerduty",
            "schedules": ["PABC123"],
            "auto_page": [],
            "events_url": pagerduty.url,
            "api_url": pagerduty.url,
        }
        stack = await make_stack(auto_declare=True, extra={"paging": paging})

        await broken_at_1401(stack, fake_app)

        [incident] = await stack.services.incidents.list()
        assert incident.lead == GIULIA


async def test_app_home_shows_failing_checks_first(make_stack, fake_app: FakeApp) -> None:
    stack = await make_stack()
    await broken_at_1401(stack, fake_app)

    reply = await stack.driver.open_home(GIULIA)
    assert reply.ok
    await stack.idle()

    home = stack.driver.latest_view(GIULIA, type="home")
    assert home is not None
    header, failing = home.view["blocks"][:2]
    assert header["text"]["text"] == "Failing checks"
    assert failing["text"]["text"].startswith("• :red_circle: *Acquisti* failing since 14:01")
    assert home.view["blocks"][3]["text"]["text"] == "Incidents"


async def test_old_probe_results_are_pruned_but_the_current_run_is_kept_whole(
    make_stack,
) -> None:
    """Passing for two months, failing for the last 40 days: after a tick only the failing run
    is left, and `/incident checks` still says since when it fails."""
    stack = await make_stack()
    start = at(14, 0, day=29) - timedelta(days=100)
    rows = [
        {"feature": "Acquisti", "at": start + timedelta(days=day), "ok": day < 60, "reason": ""}
        for day in range(100)
    ]
    async with stack.services.db.begin() as conn:
        await conn.execute(tables.check_results.insert(), rows)
    stack.clock.set(start + timedelta(days=100))

    await tick(stack)

    async with stack.services.db.connect() as conn:
        left = (await conn.execute(select(tables.check_results.c.ok))).scalars().all()
    assert left == [False] * 40  # the 60 passing days (older than the flip) are gone
    [state] = [s for s in await stack.services.checks.states() if s.feature == "Acquisti"]
    assert state.since == start + timedelta(days=60)
