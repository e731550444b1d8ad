"""Follow-ups exported to Jira Cloud (REST v3 on loopback) and kept in step with it."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from bot.config import ConfigError, load_settings
from bot.followups.models import FollowUpStatus
from bot.models import EntryKind
from bot.sandbox.stack import SandboxStack
from bot.time.clock import ManualClock

from .conftest import GIULIA, close_with_seed_actions, declare, exported, run, said, webhook_url
from .fake_jira import ACCOUNTS, EMAIL, TOKEN, FakeJira, jira_error, rate_limited

SECRET = "jira-webhook-SECRET-42"


@pytest.fixture
async def jira() -> AsyncIterator[FakeJira]:
    async with FakeJira() as fake:
        yield fake


def settings(jira: FakeJira, **extra: Any) -> dict[str, Any]:
    table = {"url": jira.url, "project": "OPS", "issue_type": "Task", **extra}
    return {"timezone": "Europe/Copenhagen", "followups": {"tracker": "jira", "jira": table}}


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIRA_EMAIL", EMAIL)
    monkeypatch.setenv("JIRA_API_TOKEN", TOKEN)
    monkeypatch.setenv("OUTAGEBOT_JIRA_WEBHOOK_SECRET", SECRET)


@pytest.fixture
async def jira_stack(
    tmp_path: Path, clock: ManualClock, jira: FakeJira
) -> AsyncIterator[SandboxStack]:
    async with SandboxStack.sqlite(tmp_path, clock=clock, settings=settings(jira)) as stack:
        yield stack


async def test_the_seed_days_followups_become_jira_issues(
    tmp_path: Path, clock: ManualClock, jira: FakeJira
) -> None:
    config = settings(jira, auto_export=True)
    async with SandboxStack.sqlite(tmp_path, clock=clock, settings=config) as stack:
        channel, refs = await close_with_seed_actions(stack)
    assert sorted(refs, key=str) == ["OPS-1", "OPS-2"]
    by_summary = {i.summary: i for i in jira.issues.values()}
    first = by_summary["Migliorare le procedure manuali per questi cambiamenti"]
    second = by_summary["Implementare controlli automatici sul deploy"]
    assert (first.duedate, second.duedate) == ("2025-05-07", None)
    assert first.assignee == ACCOUNTS["marco@sandbox.example"]
    assert second.assignee == ACCOUNTS["giulia@sandbox.example"]
    assert first.labels == ["incident", "INC-1", "INC-1-followup-1"]
    # The description is an ADF doc whose channel line carries a link mark.
    link = f"https://slack.com/app_redirect?channel={channel}"
    marked = [
        node
        for paragraph in first.description["content"]
        for node in paragraph["content"]
        if node.get("marks") == [{"type": "link", "attrs": {"href": link}}]
    ]
    assert [node["text"] for node in marked] == [link]
    searched = [s.path for s in jira.requests("GET")]
    assert searched == ["/rest/api/3/user/search"] * 2
    said_now = "\n".join(said(stack, channel))
    for issue in jira.issues.values():
        assert f"is now <{jira.url}/browse/{issue.key}|{issue.key}>" in said_now


async def test_the_internal_postmortem_links_each_action_item_to_its_issue(
    jira_stack: SandboxStack, jira: FakeJira
) -> None:
    await exported(jira_stack, "Jira")
    services = jira_stack.services
    assert services is not None
    facts = await services.postmortems.facts(await services.incidents.get(1), online=False)
    internal = services.postmortems.render(facts, "internal", "en")
    items = internal.split("## Action items")[1].split("\n## ")[0]
    assert f"· open · [OPS-1]({jira.url}/browse/OPS-1)" in items
    customer = services.postmortems.render(facts, "customer", "en")
    assert "OPS-1" not in customer


async def test_done_in_jira_marks_done_within_one_poll(
    jira_stack: SandboxStack, jira: FakeJira, clock: ManualClock
) -> None:
    channel = await exported(jira_stack, "Jira")
    assert jira_stack.services is not None
    jira.issue(1).category = "indeterminate"
    clock.advance(timedelta(minutes=15))
    await jira_stack.services.schedules.run_due()
    [search] = [s for s in jira.requests("GET") if s.path == "/rest/api/3/search/jql"]
    query = parse_qs(search.query)
    assert query["jql"] == ["key = OPS-1"]
    assert query["fields"] == ["status,duedate,labels,assignee"]
    followup = await jira_stack.services.followups.get(1, 1)
    assert followup.is_open  # in progress is not done

    jira.issue(1).category = "done"
    clock.advance(timedelta(minutes=15))
    await jira_stack.services.schedules.run_due()
    await jira_stack.idle()
    followup = await jira_stack.services.followups.get(1, 1)
    assert followup.status is FollowUpStatus.done
    assert followup.closed_by == "jira"
    assert (
        "OPS-1 was closed on Jira: follow-up #1 of INC-1 is done" in said(jira_stack, channel)[-1]
    )


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    mac = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature": f"sha256={mac}", "Content-Type": "application/json"}


def event(jira: FakeJira, n: int) -> bytes:
    """Jira's `jira:issue_updated` delivery for OPS-n as it is now."""
    body = {"webhookEvent": "jira:issue_updated", "issue": jira.issue(n).json(jira.url)}
    return json.dumps(body).encode()


async def test_polling_reads_a_closed_issue_for_a_while_but_not_one_closed_in_slack(
    jira_stack: SandboxStack, jira: FakeJira, clock: ManualClock
) -> None:
    channel = await exported(jira_stack, "Jira")
    assert jira_stack.services is not None
    await run(jira_stack, channel, "followup add Second")
    await run(jira_stack, channel, "followup export 2")

    def searches() -> int:
        return len([s for s in jira.requests("GET") if s.path == "/rest/api/3/search/jql"])

    # #1 done in Jira, then reopened there: both come back by polling alone.
    jira.issue(1).category = "done"
    # #2 done in Slack: its issue stays open in Jira, which is no reopening.
    await run(jira_stack, channel, "followup done 2")
    clock.advance(timedelta(minutes=15))
    await jira_stack.services.schedules.run_due()
    await jira_stack.idle()
    assert (await jira_stack.services.followups.get(1, 1)).status is FollowUpStatus.done
    assert (await jira_stack.services.followups.get(1, 2)).status is FollowUpStatus.done
    jira.issue(1).category = "indeterminate"
    clock.advance(timedelta(minutes=15))
    await jira_stack.services.schedules.run_due()
    await jira_stack.idle()
    assert (await jira_stack.services.followups.get(1, 1)).is_open
    assert (await jira_stack.services.followups.get(1, 2)).status is FollowUpStatus.done
    lines = said(jira_stack, channel)
    assert "OPS-1 was reopened in Jira: follow-up #1 of INC-1 is open again" in lines[-1]
    assert not [line for line in lines if "OPS-2 was reopened" in line]

    # Closed in Jira and left so: read for 30 days, then no more.
    jira.issue(1).category = "done"
    clock.advance(timedelta(minutes=15))
    await jira_stack.services.schedules.run_due()
    clock.advance(timedelta(days=31))
    await jira_stack.services.schedules.run_due()
    before = searches()
    clock.advance(timedelta(hours=1))
    await jira_stack.services.schedules.run_due()
    assert searches() == before


async def test_webhook_done_reopened_and_due_day_at_once(
    jira_stack: SandboxStack, jira: FakeJira
) -> None:
    channel = await exported(jira_stack, "Jira")
    assert jira_stack.services is not None
    url = webhook_url(jira_stack, "/jira")
    jira.issue(1).category = "done"
    body = event(jira, 1)
    async with httpx.AsyncClient() as client:
        forged = await client.post(url, content=body, headers=signed(body, "guessed"))
        assert forged.status_code == 401
        assert (await jira_stack.services.followups.get(1, 1)).is_open
        for _ in range(2):  # Jira redelivers
            assert (await client.post(url, content=body, headers=signed(body))).status_code == 204
        await jira_stack.idle()
        assert (await jira_stack.services.followups.get(1, 1)).status is FollowUpStatus.done
        assert len([t for t in said(jira_stack, channel) if "was closed on Jira" in t]) == 1

        jira.issue(1).category = "indeterminate"
        jira.issue(1).duedate = "2025-05-09"
        body = event(jira, 1)
        assert (await client.post(url, content=body, headers=signed(body))).status_code == 204
    await jira_stack.idle()
    followup = await jira_stack.services.followups.get(1, 1)
    assert followup.is_open
    assert followup.due_on == date(2025, 5, 9)
    lines = said(jira_stack, channel)
    assert "OPS-1 was reopened in Jira: follow-up #1 of INC-1 is open again" in lines[-2]
    assert "OPS-1 is now due Fri 9 May in Jira" in lines[-1]
    assert jira.issue(1).updates == []  # a change that came from Jira is not sent back


async def test_an_assignee_changed_in_jira_becomes_the_owner(
    jira_stack: SandboxStack, jira: FakeJira
) -> None:
    channel = await exported(jira_stack, "Jira")
    assert jira_stack.services is not None
    jira.issue(1).assignee = ACCOUNTS["giulia@sandbox.example"]
    body = event(jira, 1)
    async with httpx.AsyncClient() as client:
        url = webhook_url(jira_stack, "/jira")
        assert (await client.post(url, content=body, headers=signed(body))).status_code == 204
    await jira_stack.idle()
    assert (await jira_stack.services.followups.get(1, 1)).owner == GIULIA
    text = said(jira_stack, channel)[-1]
    assert "OPS-1 is now assigned to <@U02GIULIA> in Jira: so is follow-up #1 of INC-1" in text
    assert jira.issue(1).updates == []


async def test_due_day_and_owner_changed_in_slack_reach_the_issue(
    jira_stack: SandboxStack, jira: FakeJira
) -> None:
    channel = await exported(jira_stack, "Jira")
    await run(jira_stack, channel, "followup due 1 2025-05-12")
    await run(jira_stack, channel, "followup owner 1 @giulia")
    assert jira.issue(1).updates[0] == {"duedate": "2025-05-12"}
    assert jira.issue(1).updates[1]["assignee"] == {"accountId": ACCOUNTS["giulia@sandbox.example"]}
    assert jira.issue(1).duedate == "2025-05-12"


async def test_a_timeout_during_create_leaves_one_issue(
    tmp_path: Path, clock: ManualClock, jira: FakeJira
) -> None:
    config = settings(jira, timeout_seconds=1.5)
    jira.hang_creates = True
    async with SandboxStack.sqlite(tmp_path, clock=clock, settings=config) as stack:
        channel = await exported(stack, "Jira")
        assert stack.services is not None
        followup = await stack.services.followups.get(1, 1)
        assert followup.tracker_ref == "OPS-1"
        assert "already exported" in await run(stack, channel, "followup export 1")
        assert "is now <" in said(stack, channel)[-1]
    assert len(jira.requests("POST")) == 1
    assert list(jira.issues) == ["OPS-1"]
    [lookup] = [s for s in jira.requests("GET") if s.path == "/rest/api/3/search/jql"]
    assert parse_qs(lookup.query)["jql"] == ['project = "OPS" AND labels = "INC-1-followup-1"']


async def test_an_unknown_outcome_is_settled_by_the_next_poll(
    tmp_path: Path, clock: ManualClock, jira: FakeJira
) -> None:
    """The create times out and the lookup fails too: the intent stays, nothing is created
    twice, and the next poll finds the issue."""
    config = settings(jira, timeout_seconds=1.5)
    jira.hang_creates = True
    async with SandboxStack.sqlite(tmp_path, clock=clock, settings=config) as stack:
        incident = await declare(stack)
        channel = incident.channel_id or ""
        await run(stack, channel, "followup add Check the tool version")
        jira.search_down = True
        await run(stack, channel, "followup export 1")
        assert "the next poll looks for it instead of creating another" in said(stack, channel)[-1]
        assert "being exported already" in await run(stack, channel, "followup export 1")
        assert stack.services is not None
        jira.search_down = False
        clock.advance(timedelta(minutes=5))
        await stack.services.schedules.run_due()
        await stack.idle()
        assert (await stack.services.followups.get(incident.id, 1)).tracker_ref == "OPS-1"
        assert "is now <" in said(stack, channel)[-1]
    assert len(jira.requests("POST")) == 1


async def test_refusals_are_named_with_what_to_fix(
    jira_stack: SandboxStack, jira: FakeJira, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    incident = await declare(jira_stack)
    channel = incident.channel_id or ""
    await run(jira_stack, channel, "followup add First")
    assert jira_stack.services is not None

    monkeypatch.setenv("JIRA_API_TOKEN", "wrong")
    await run(jira_stack, channel, "followup export 1")
    text = said(jira_stack, channel)[-1]
    assert "was not exported to Jira: 401 from Jira" in text
    assert "Check the credentials in JIRA_EMAIL and JIRA_API_TOKEN" in text
    assert "wrong" not in text
    monkeypatch.setenv("JIRA_API_TOKEN", TOKEN)

    jira.script.append(jira_error(403, "You do not have permission to create issues here."))
    await run(jira_stack, channel, "followup export 1")
    text = said(jira_stack, channel)[-1]
    assert "You do not have permission to create issues here" in text
    assert "may not do this in project OPS" in text

    jira.script.append(jira_error(400, summary="You must specify a summary of the issue."))
    await run(jira_stack, channel, "followup export 1")
    assert "400 from Jira: summary: You must specify a summary" in said(jira_stack, channel)[-1]

    jira.script.append(jira_error(404, "Not found"))
    await run(jira_stack, channel, "followup export 1")
    text = said(jira_stack, channel)[-1]
    assert "404 from Jira" in text
    assert f"Check that project OPS ({jira.url}) exists at the URL in the TOML file." in text

    jira.script.append(rate_limited(120))
    await run(jira_stack, channel, "followup export 1")
    assert "429 from Jira: Rate limit exceeded" in said(jira_stack, channel)[-1]
    sent = len(jira.seen)
    clock.advance(timedelta(seconds=119))
    await run(jira_stack, channel, "followup export 1")
    assert len(jira.seen) == sent  # Retry-After honoured: nothing sent
    assert "Jira's rate limit: waiting until" in said(jira_stack, channel)[-1]
    entries = await jira_stack.services.timeline.entries(incident.id)
    assert len([e for e in entries if e.kind is EntryKind.error]) == 6
    assert (await jira_stack.services.followups.get(incident.id, 1)).tracker_ref is None

    clock.advance(timedelta(seconds=1))
    await run(jira_stack, channel, "followup export 1")
    assert (await jira_stack.services.followups.get(incident.id, 1)).tracker_ref == "OPS-1"


def test_a_default_tracker_needs_its_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "outagebot.toml"
    config.write_text('[followups]\ntracker = "jira"\n[followups.linear]\nteam_id = "T1"\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OUTAGEBOT_CONFIG", str(config))
    with pytest.raises(ConfigError, match=r"needs a \[followups.jira\] table"):
        load_settings()
