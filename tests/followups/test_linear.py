"""Follow-ups exported to Linear (GraphQL on loopback, checked against its schema) and synced."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.followups.models import FollowUpStatus
from bot.sandbox.stack import SandboxStack
from bot.time.clock import ManualClock

from .conftest import GIULIA, close_with_seed_actions, declare, exported, run, said, webhook_url
from .fake_jira import EMAIL, TOKEN, FakeJira
from .fake_linear import API_KEY, TEAM_ID, USERS, FakeLinear, rate_limited

SECRET = "linear-webhook-SECRET-7"


@pytest.fixture
async def linear() -> AsyncIterator[FakeLinear]:
    async with FakeLinear() as fake:
        yield fake


def settings(linear: FakeLinear, **extra: Any) -> dict[str, Any]:
    table = {"team_id": TEAM_ID, "api_url": f"{linear.url}/graphql", **extra}
    return {"timezone": "Europe/Copenhagen", "followups": {"tracker": "linear", "linear": table}}


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINEAR_API_KEY", API_KEY)
    monkeypatch.setenv("OUTAGEBOT_LINEAR_WEBHOOK_SECRET", SECRET)


@pytest.fixture
async def linear_stack(
    tmp_path: Path, clock: ManualClock, linear: FakeLinear
) -> AsyncIterator[SandboxStack]:
    async with SandboxStack.sqlite(tmp_path, clock=clock, settings=settings(linear)) as stack:
        yield stack


async def test_the_seed_days_followups_become_linear_issues(
    tmp_path: Path, clock: ManualClock, linear: FakeLinear
) -> None:
    config = settings(linear, auto_export=True)
    async with SandboxStack.sqlite(tmp_path, clock=clock, settings=config) as stack:
        channel, refs = await close_with_seed_actions(stack)
    assert sorted(refs, key=str) == ["ENG-1", "ENG-2"]
    creates = [op for op in linear.operations() if "issueCreate" in op["query"]]
    inputs = {op["variables"]["input"]["title"]: op["variables"]["input"] for op in creates}
    first = inputs["Migliorare le procedure manuali per questi cambiamenti"]
    second = inputs["Implementare controlli automatici sul deploy"]
    assert first["teamId"] == TEAM_ID
    assert first["dueDate"] == "2025-05-07"
    assert "dueDate" not in second
    assert first["assigneeId"] == USERS["marco@sandbox.example"]
    assert second["assigneeId"] == USERS["giulia@sandbox.example"]
    assert f"app_redirect?channel={channel}" in first["description"]
    assert first["id"] in linear.issues  # the id chosen before the call
    lookups = [op["variables"] for op in linear.operations() if "users(" in op["query"]]
    assert sorted(v["email"] for v in lookups) == sorted(USERS)
    assert all(seen.headers["Authorization"] == API_KEY for seen in linear.seen)
    assert "is now <https://linear.app/acme/issue/ENG-1|ENG-1>" in "\n".join(said(stack, channel))


async def test_completed_in_linear_marks_done_within_one_poll(
    linear_stack: SandboxStack, linear: FakeLinear, clock: ManualClock
) -> None:
    channel = await exported(linear_stack, "Linear")
    assert linear_stack.services is not None
    linear.by_identifier("ENG-1").state = "started"
    linear.by_identifier("ENG-1").assignee_id = USERS["giulia@sandbox.example"]
    clock.advance(timedelta(minutes=15))
    await linear_stack.services.schedules.run_due()
    followup = await linear_stack.services.followups.get(1, 1)
    assert followup.is_open
    assert followup.owner == GIULIA  # assigned in Linear

    linear.by_identifier("ENG-1").state = "completed"
    clock.advance(timedelta(minutes=15))
    await linear_stack.services.schedules.run_due()
    await linear_stack.idle()
    followup = await linear_stack.services.followups.get(1, 1)
    assert followup.status is FollowUpStatus.done
    text = said(linear_stack, channel)[-1]
    assert "ENG-1 was closed on Linear: follow-up #1 of INC-1 is done" in text


def delivery(linear: FakeLinear, identifier: str, at_ms: int) -> bytes:
    """Linear's `Issue` `update` webhook body for the issue as it is now."""
    body = {
        "action": "update",
        "type": "Issue",
        "data": linear.by_identifier(identifier).json(),
        "url": f"https://linear.app/acme/issue/{identifier}",
        "webhookTimestamp": at_ms,
    }
    return json.dumps(body).encode()


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    mac = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"Linear-Signature": mac, "Linear-Event": "Issue", "Content-Type": "application/json"}


async def test_webhook_is_verified_and_canceled_drops_at_once(
    linear_stack: SandboxStack, linear: FakeLinear, clock: ManualClock
) -> None:
    channel = await exported(linear_stack, "Linear")
    assert linear_stack.services is not None
    url = webhook_url(linear_stack, "/linear")
    now_ms = int(clock.now().timestamp() * 1000)
    linear.by_identifier("ENG-1").state = "canceled"
    async with httpx.AsyncClient() as client:
        fresh = delivery(linear, "ENG-1", now_ms)
        forged = await client.post(url, content=fresh, headers=signed(fresh, "guessed"))
        stale = delivery(linear, "ENG-1", now_ms - 61_000)  # a replay, signed correctly
        replayed = await client.post(url, content=stale, headers=signed(stale))
        assert (forged.status_code, replayed.status_code) == (401, 401)
        assert (await linear_stack.services.followups.get(1, 1)).is_open
        answer = await client.post(url, content=fresh, headers=signed(fresh))
        assert answer.status_code == 204
    await linear_stack.idle()
    followup = await linear_stack.services.followups.get(1, 1)
    assert followup.status is FollowUpStatus.not_doing
    text = said(linear_stack, channel)[-1]
    assert "ENG-1 was canceled in Linear: follow-up #1 of INC-1 is dropped" in text


async def test_a_timeout_during_create_leaves_one_issue(
    tmp_path: Path, clock: ManualClock, linear: FakeLinear
) -> None:
    linear.hang_creates = True
    config = settings(linear, timeout_seconds=1.5)
    async with SandboxStack.sqlite(tmp_path, clock=clock, settings=config) as stack:
        channel = await exported(stack, "Linear")
        assert stack.services is not None
        assert (await stack.services.followups.get(1, 1)).tracker_ref == "ENG-1"
        assert "already exported" in await run(stack, channel, "followup export 1")
    assert len(linear.issues) == 1
    [create] = [op for op in linear.operations() if "issueCreate" in op["query"]]
    [lookup] = [op for op in linear.operations() if "issues(filter" in op["query"]]
    assert lookup["variables"]["id"] == create["variables"]["input"]["id"]


async def test_graphql_errors_and_rate_limits_are_shown_and_honoured(
    tmp_path: Path, clock: ManualClock, linear: FakeLinear
) -> None:
    config = settings(linear)
    config["followups"]["linear"]["team_id"] = "not-our-team"
    async with SandboxStack.sqlite(tmp_path, clock=clock, settings=config) as stack:
        incident = await declare(stack)
        channel = incident.channel_id or ""
        await run(stack, channel, "followup add First")
        await run(stack, channel, "followup export 1")
        assert (
            "not exported to Linear: 400 from Linear: Entity not found: Team"
            in (said(stack, channel)[-1])
        )
        reset = clock.now() + timedelta(minutes=3)
        linear.script.append(rate_limited(int(reset.timestamp() * 1000)))
        await run(stack, channel, "followup export 1")
        assert "400 from Linear: Rate limit exceeded" in said(stack, channel)[-1]
        sent = len(linear.seen)
        clock.advance(timedelta(minutes=2))
        await run(stack, channel, "followup export 1")
        assert len(linear.seen) == sent
        assert "Linear's rate limit: waiting until" in said(stack, channel)[-1]


async def test_three_trackers_the_default_and_a_named_one(
    tmp_path: Path,
    clock: ManualClock,
    linear: FakeLinear,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JIRA_EMAIL", EMAIL)
    monkeypatch.setenv("JIRA_API_TOKEN", TOKEN)
    async with FakeJira() as jira:
        config = settings(linear)
        config["followups"]["tracker"] = "jira"
        config["followups"]["jira"] = {"url": jira.url, "project": "OPS"}
        config["followups"]["github"] = {"repo": "acme/web"}
        async with SandboxStack.sqlite(tmp_path, clock=clock, settings=config) as stack:
            incident = await declare(stack)
            channel = incident.channel_id or ""
            await run(stack, channel, "followup add First")
            assert stack.sandbox.messages(channel)[-1].blocks[-1]["elements"][0]["text"][
                "text"
            ] == ("Export to Jira")
            await run(stack, channel, "followup add Second")
            assert "Exporting follow-up #1 to Jira" in await run(
                stack, channel, "followup export 1"
            )
            answer = await run(stack, channel, "followup export 2 linear")
            assert "Exporting follow-up #2 to Linear" in answer
            refused = await run(stack, channel, "followup export 2 trello")
            assert "`trello` is not a configured tracker" in refused
            assert "`jira`, `github`, `linear`" in refused
            assert stack.services is not None
            refs = [f.tracker_ref for f in await stack.services.followups.for_incident(incident.id)]
        assert refs == ["OPS-1", "ENG-1"]
        assert list(jira.issues) == ["OPS-1"]


async def test_due_day_changed_in_slack_reaches_the_issue_and_a_bad_key_is_named(
    linear_stack: SandboxStack, linear: FakeLinear, monkeypatch: pytest.MonkeyPatch
) -> None:
    channel = await exported(linear_stack, "Linear")
    await run(linear_stack, channel, "followup due 1 2025-05-12")
    assert linear.by_identifier("ENG-1").due_date == "2025-05-12"
    [update] = [op for op in linear.operations() if "issueUpdate" in op["query"]]
    assert update["variables"] == {"id": "ENG-1", "input": {"dueDate": "2025-05-12"}}

    monkeypatch.setenv("LINEAR_API_KEY", "lin_api_revoked")
    await run(linear_stack, channel, "followup due 1 2025-05-13")
    text = said(linear_stack, channel)[-1]
    assert "ENG-1 was not updated in Linear: 401 from Linear: Authentication required" in text
    assert "Check the credentials in LINEAR_API_KEY" in text
    assert "lin_api_revoked" not in text


async def test_owner_changed_in_slack_reaches_the_issue_and_a_reopening_comes_back(
    linear_stack: SandboxStack, linear: FakeLinear, clock: ManualClock
) -> None:
    channel = await exported(linear_stack, "Linear")
    await run(linear_stack, channel, "followup owner 1 @giulia")
    assert linear.by_identifier("ENG-1").assignee_id == USERS["giulia@sandbox.example"]
    [update] = [op for op in linear.operations() if "issueUpdate" in op["query"]]
    assert update["variables"]["input"]["assigneeId"] == USERS["giulia@sandbox.example"]

    assert linear_stack.services is not None
    linear.by_identifier("ENG-1").state = "completed"
    clock.advance(timedelta(minutes=15))
    await linear_stack.services.schedules.run_due()
    await linear_stack.idle()
    assert (await linear_stack.services.followups.get(1, 1)).status is FollowUpStatus.done

    linear.by_identifier("ENG-1").state = "started"  # reopened in Linear
    clock.advance(timedelta(minutes=15))
    await linear_stack.services.schedules.run_due()
    await linear_stack.idle()
    assert (await linear_stack.services.followups.get(1, 1)).is_open
    assert (
        "ENG-1 was reopened in Linear: follow-up #1 of INC-1 is open again"
        in said(linear_stack, channel)[-1]
    )
