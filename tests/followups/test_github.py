"""Follow-ups exported to GitHub Issues (a REST server on loopback) and synced back."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from bot.followups.github import marker
from bot.followups.models import FollowUpStatus
from bot.followups.render import EXPORT_BUTTON
from bot.models import EntryKind
from bot.sandbox.stack import SandboxStack
from bot.store import migrate
from bot.store.database import Database
from bot.time.clock import ManualClock

from .conftest import declare, exported, run, said
from .fake_github import TOKEN, FakeGithub, rate_limited

WEBHOOK_SECRET = "gh-webhook-SECRET-0123"


@pytest.fixture
async def github(clock: ManualClock) -> AsyncIterator[FakeGithub]:
    async with FakeGithub(clock.now) as fake:
        yield fake


def settings(github: FakeGithub, **extra: Any) -> dict[str, Any]:
    config = {
        "repo": "acme/web",
        "token_env": "GITHUB_TOKEN",
        "api_url": github.url,
        "labels": ["incident-followup"],
        "webhook_secret_env": "GITHUB_WEBHOOK_SECRET",
        **extra,
    }
    return {"timezone": "Europe/Copenhagen", "followups": {"github": config}}


@pytest.fixture
async def gh_stack(
    tmp_path: Path, clock: ManualClock, github: FakeGithub, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[SandboxStack]:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_WEBHOOK_SECRET", WEBHOOK_SECRET)
    async with SandboxStack.sqlite(tmp_path, clock=clock, settings=settings(github)) as stack:
        yield stack


async def test_export_creates_one_issue_and_shows_its_link(
    gh_stack: SandboxStack, github: FakeGithub
) -> None:
    incident = await declare(gh_stack)
    channel = incident.channel_id or ""
    await run(gh_stack, channel, "followup add Check the tool version @giulia by friday")
    added = gh_stack.sandbox.messages(channel)[-1]
    assert gh_stack.driver is not None
    assert gh_stack.services is not None
    # Two presses of Export at once: one issue.
    for _ in range(2):
        await gh_stack.driver.click(
            "U01MARCO", EXPORT_BUTTON, channel_id=channel, message_ts=added.ts
        )
    await gh_stack.idle()
    [post] = github.requests("POST")
    assert post.path == "/repos/acme/web/issues"
    sent = json.loads(post.body)
    assert sent["title"] == "Check the tool version"
    assert sent["labels"] == ["incident-followup"]
    assert "From INC-1: Offerte sparite dopo il deploy" in sent["body"]
    assert f"app_redirect?channel={channel}" in sent["body"]
    assert "Owner: Giulia (Slack)" in sent["body"]
    assert "Due: 2025-05-02" in sent["body"]
    assert TOKEN not in said(gh_stack, channel)[-1]
    assert (
        "Follow-up #1 of INC-1 is now <https://github.com/acme/web/issues/1|acme/web#1>"
        in (said(gh_stack, channel)[-1])
    )
    followup = await gh_stack.services.followups.get(incident.id, 1)
    assert followup.tracker_ref == "acme/web#1"
    listed = await run(gh_stack, channel, "followup list")
    assert "<https://github.com/acme/web/issues/1|acme/web#1>" in listed
    assert "already exported" in await run(gh_stack, channel, "followup export 1")


async def test_poll_uses_etags_and_a_closed_issue_marks_done(
    gh_stack: SandboxStack, github: FakeGithub, clock: ManualClock
) -> None:
    incident = await declare(gh_stack)
    channel = incident.channel_id or ""
    await run(gh_stack, channel, "followup add Check the tool version")
    await run(gh_stack, channel, "followup export 1")
    assert gh_stack.services is not None
    etag = github.issues[1].etag

    clock.advance(timedelta(minutes=15))
    await gh_stack.services.schedules.run_due()
    [get] = github.requests("GET")
    assert get.path == "/repos/acme/web/issues/1"
    assert get.headers["If-None-Match"] == etag  # answered 304: nothing changes
    assert (await gh_stack.services.followups.get(incident.id, 1)).is_open

    github.issues[1].state = "closed"
    clock.advance(timedelta(minutes=15))
    await gh_stack.services.schedules.run_due()
    await gh_stack.idle()
    assert len(github.requests("GET")) == 2
    followup = await gh_stack.services.followups.get(incident.id, 1)
    assert followup.status is FollowUpStatus.done
    assert followup.closed_by == "github"
    assert (
        "acme/web#1 was closed on GitHub: follow-up #1 of INC-1 is done"
        in said(gh_stack, channel)[-1]
    )
    # Closed on GitHub: still read for a while (a conditional GET, 304 while nothing changes)
    # so a reopening there comes back; the follow-up stays done meanwhile.
    clock.advance(timedelta(minutes=15))
    await gh_stack.services.schedules.run_due()
    later = github.requests("GET")[2]
    assert later.headers["If-None-Match"]
    assert (await gh_stack.services.followups.get(incident.id, 1)).status is FollowUpStatus.done


async def test_rate_limits_pause_every_call_until_the_reset(
    gh_stack: SandboxStack, github: FakeGithub, clock: ManualClock
) -> None:
    incident = await declare(gh_stack)
    channel = incident.channel_id or ""
    await run(gh_stack, channel, "followup add First")
    await run(gh_stack, channel, "followup add Second")
    assert gh_stack.services is not None
    reset = int((clock.now() + timedelta(minutes=10)).timestamp())
    github.script.append(
        rate_limited(403, **{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)})
    )
    await run(gh_stack, channel, "followup export 1")
    assert (
        "was not exported to GitHub: 403 from GitHub: API rate limit exceeded"
        in said(gh_stack, channel)[-1]
    )
    entries = await gh_stack.services.timeline.entries(incident.id)
    assert any(e.kind is EntryKind.error and "not exported" in e.text for e in entries)
    assert (await gh_stack.services.followups.get(incident.id, 1)).tracker_ref is None

    # Before the reset nothing is sent at all.
    await run(gh_stack, channel, "followup export 2")
    assert len(github.seen) == 1
    assert "rate limit: waiting until" in said(gh_stack, channel)[-1]

    clock.advance(timedelta(minutes=10))
    github.script.append(rate_limited(429, **{"Retry-After": "120"}))
    await run(gh_stack, channel, "followup export 1")
    assert len(github.seen) == 2
    clock.advance(timedelta(seconds=119))
    await run(gh_stack, channel, "followup export 1")
    assert len(github.seen) == 2
    clock.advance(timedelta(seconds=1))
    await run(gh_stack, channel, "followup export 1")
    assert len(github.requests("POST")) == 3
    assert (await gh_stack.services.followups.get(incident.id, 1)).tracker_ref == "acme/web#1"


async def test_a_timeout_during_create_leaves_one_issue(
    tmp_path: Path, clock: ManualClock, github: FakeGithub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GitHub makes the issue but its answer never comes: the lookup finds it by the marker in
    its body, not an older issue that carries the same marker (a previous install's INC-1)."""
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    stale = github.add("Check the tool version", f"Old\n\n{marker('INC-1-followup-1')}")
    stale.created_at -= timedelta(days=30)  # made long ago, commented on today
    github.hang_creates = True
    config = settings(github, timeout_seconds=1.5)
    async with SandboxStack.sqlite(tmp_path, clock=clock, settings=config) as stack:
        channel = await exported(stack, "GitHub")
        assert stack.services is not None
        assert (await stack.services.followups.get(1, 1)).tracker_ref == "acme/web#2"
        linked = "is now <https://github.com/acme/web/issues/2|acme/web#2>"
        assert linked in said(stack, channel)[-1]
        assert "already exported" in await run(stack, channel, "followup export 1")
    assert len(github.requests("POST")) == 1
    assert sorted(github.issues) == [1, 2]
    assert marker("INC-1-followup-1") in github.issues[2].body
    assert github.issues[2].labels == ["incident-followup"]  # no label of its own
    [lookup] = [s for s in github.requests("GET") if s.path == "/repos/acme/web/issues"]
    query = {key: value[0] for key, value in parse_qs(lookup.query).items()}
    assert query["state"] == "all"
    assert query["since"] == "2025-04-30T08:35:00Z"  # the follow-up was written at 08:40 UTC
    assert query["per_page"] == "100"


async def test_a_create_lost_on_its_way_is_not_mistaken_for_an_older_issue(
    tmp_path: Path, clock: ManualClock, github: FakeGithub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The create times out and GitHub made nothing; an issue from a previous install carries
    the same marker and was updated today: it is not taken, Export works again."""
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    stale = github.add("Check the tool version", f"Old\n\n{marker('INC-1-followup-1')}")
    stale.created_at -= timedelta(days=30)
    github.lose_creates = True
    config = settings(github, timeout_seconds=1.5)
    async with SandboxStack.sqlite(tmp_path, clock=clock, settings=config) as stack:
        channel = await exported(stack, "GitHub")
        assert "Follow-up #1 of INC-1 was not exported to GitHub" in said(stack, channel)[-1]
        assert stack.services is not None
        assert (await stack.services.followups.get(1, 1)).tracker_ref is None
        github.lose_creates = False
        await run(stack, channel, "followup export 1")
        linked = "is now <https://github.com/acme/web/issues/2|acme/web#2>"
        assert linked in said(stack, channel)[-1]
    assert len(github.requests("POST")) == 2
    assert sorted(github.issues) == [1, 2]


async def test_an_unknown_outcome_is_found_on_a_later_page_by_the_next_poll(
    tmp_path: Path, clock: ManualClock, github: FakeGithub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The create times out and the lookup fails too; meanwhile the issue is closed, a pull
    request quotes its body and 120 issues are opened: the next poll pages to it, once."""
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    github.hang_creates, github.list_down = True, True
    config = settings(github, timeout_seconds=1.5)
    async with SandboxStack.sqlite(tmp_path, clock=clock, settings=config) as stack:
        channel = await exported(stack, "GitHub")
        assert "the next poll looks for it instead of creating another" in said(stack, channel)[-1]
        github.list_down = False
        clock.advance(timedelta(minutes=1))
        github.issues[1].state = "closed"
        github.add("Pin the tool version", github.issues[1].body, pull_request=True)
        for n in range(120):
            github.add(f"Unrelated {n}")
        clock.advance(timedelta(minutes=4))
        assert stack.services is not None
        await stack.services.schedules.run_due()
        await stack.idle()
        assert (await stack.services.followups.get(1, 1)).tracker_ref == "acme/web#1"
        linked = "is now <https://github.com/acme/web/issues/1|acme/web#1>"
        assert linked in said(stack, channel)[-1]
    assert len(github.requests("POST")) == 1
    pages = [s for s in github.requests("GET") if s.path == "/repos/acme/web/issues"]
    assert [parse_qs(s.query).get("page") for s in pages] == [None, None, ["2"]]


def signed(body: bytes, secret: str = WEBHOOK_SECRET) -> dict[str, str]:
    mac = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {
        "X-Hub-Signature-256": f"sha256={mac}",
        "X-GitHub-Event": "issues",
        "Content-Type": "application/json",
    }


async def test_signed_webhook_marks_done_once(gh_stack: SandboxStack, github: FakeGithub) -> None:
    incident = await declare(gh_stack)
    channel = incident.channel_id or ""
    await run(gh_stack, channel, "followup add Check the tool version")
    await run(gh_stack, channel, "followup export 1")
    assert gh_stack.services is not None
    url = gh_stack.health_url.removesuffix("/healthz") + "/github"
    event = {
        "action": "closed",
        "issue": {"number": 1, "state": "closed"},
        "repository": {"full_name": "acme/web"},
    }
    body = json.dumps(event).encode()
    async with httpx.AsyncClient() as client:
        forged = await client.post(url, content=body, headers=signed(body, "wrong"))
        assert forged.status_code == 401
        assert (await gh_stack.services.followups.get(incident.id, 1)).is_open
        for _ in range(2):  # GitHub redelivers
            answer = await client.post(url, content=body, headers=signed(body))
            assert answer.status_code == 204
    await gh_stack.idle()
    assert (await gh_stack.services.followups.get(incident.id, 1)).status is FollowUpStatus.done
    closed = [t for t in said(gh_stack, channel) if "was closed on GitHub" in t]
    assert len(closed) == 1


async def test_auto_export_of_close_form_items(
    tmp_path: Path, clock: ManualClock, github: FakeGithub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    config = settings(github, auto_export=True)
    async with SandboxStack.sqlite(tmp_path, clock=clock, settings=config) as stack:
        incident = await declare(stack)
        channel = incident.channel_id or ""
        await run(stack, channel, "followup add Alert on empty quotes")
        await run(stack, channel, "status resolved")
        await run(stack, channel, "close")
        assert stack.driver is not None
        view = stack.driver.latest_view("U01MARCO")
        assert view is not None
        lines = "- Check the tool version @giulia\n- Add a smoke test"
        await stack.driver.submit_view(
            "U01MARCO", view.id, {"action_items": {"value": {"value": lines}}}
        )
        await stack.idle()
    titles = [json.loads(s.body)["title"] for s in github.requests("POST")]
    assert sorted(titles) == ["Add a smoke test", "Alert on empty quotes", "Check the tool version"]


async def test_issues_exported_before_other_trackers_stay_githubs(tmp_path: Path) -> None:
    """Migration 0006: a follow-up exported when GitHub was the only tracker keeps syncing."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    await migrate.upgrade(db, "0005")
    async with db.begin() as conn:
        await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        for ref in ("acme/web#7", None):
            await conn.exec_driver_sql(
                "INSERT INTO followups (incident_id, seq, text, status, tracker_ref, source,"
                " created_by, created_at) VALUES (1, ?, 'Fix', 'open', ?, 'command', 'U1',"
                " '2025-04-30 10:40:00')",
                (2 if ref else 1, ref),
            )
    await migrate.upgrade(db)
    async with db.connect() as conn:
        rows = await conn.exec_driver_sql("SELECT tracker_ref, tracker FROM followups ORDER BY seq")
        assert [tuple(row) for row in rows] == [(None, None), ("acme/web#7", "github")]
    await db.dispose()
