"""The providers against the loopback APIs: what is sent, and each refusal as the API words it."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from aiohttp import web

from bot.models import Severity
from bot.paging.config import PagingSettings
from bot.paging.models import PageOut, Target
from bot.paging.opsgenie import Opsgenie
from bot.paging.pagerduty import PagerDuty
from bot.plumbing.http import CallFailed
from bot.plumbing.retry import RetryPolicy

from .conftest import API_TOKEN, GENIE_KEY, ROUTING_KEY, SCHEDULE, FakeOpsgenie, FakePagerDuty

NOW = datetime(2025, 4, 30, 8, 40, tzinfo=UTC)
FAST = RetryPolicy(backoff_base=0.01)


def out(key: str = "outagebot-INC-7", severity: Severity = Severity.sev1) -> PageOut:
    return PageOut(key, "INC-7 (sev1): Quotes gone", severity, NOW, "https://slack.example/c")


def pd(fake: FakePagerDuty, **env: str) -> PagerDuty:
    settings = PagingSettings(
        provider="pagerduty", schedules=[SCHEDULE], events_url=fake.url, api_url=fake.url
    )
    environ = {"PAGERDUTY_ROUTING_KEY": ROUTING_KEY, "PAGERDUTY_API_TOKEN": API_TOKEN, **env}
    return PagerDuty(settings, environ=environ, policy=FAST)


async def test_the_fake_answers_bad_events_and_a_wrong_accept_as_pagerduty_does(
    pagerduty: FakePagerDuty,
) -> None:
    async with httpx.AsyncClient(base_url=pagerduty.url) as http:
        missing = await http.post("/v2/enqueue", json={"event_action": "trigger"})
        severity = await http.post(
            "/v2/enqueue",
            json={
                "routing_key": ROUTING_KEY,
                "event_action": "trigger",
                "payload": {"summary": "s", "source": "x", "severity": "sev1"},
            },
        )
        accept = await http.get(
            "/oncalls",
            params={"schedule_ids[]": SCHEDULE},
            headers={"Authorization": f"Token token={API_TOKEN}", "Accept": "application/json"},
        )
    assert missing.status_code == 400
    assert missing.json() == {
        "status": "invalid event",
        "message": "Event object is invalid",
        "errors": ["'routing_key' is missing or blank"],
    }
    assert severity.status_code == 400
    assert "'payload.severity' is invalid" in severity.json()["errors"][0]
    assert accept.status_code == 406
    assert accept.json()["error"]["message"] == "Not Acceptable"
    pagerduty.problems.clear()


async def test_pagerduty_trigger_body_and_refusals(pagerduty: FakePagerDuty) -> None:
    await pd(pagerduty).trigger(out())
    [event] = pagerduty.enqueued()
    assert set(event) == {"routing_key", "event_action", "dedup_key", "payload", "links", "client"}
    assert event["payload"]["severity"] == "critical"
    assert event["payload"]["timestamp"] == "2025-04-30T08:40:00+00:00"
    assert event["payload"]["source"] == "outagebot"

    with pytest.raises(CallFailed) as unset:
        await pd(pagerduty, PAGERDUTY_ROUTING_KEY="").trigger(out())
    assert "PAGERDUTY_ROUTING_KEY is not set" in str(unset.value)
    assert len(pagerduty.enqueued()) == 1  # nothing sent without a key

    with pytest.raises(CallFailed) as short:
        await pd(pagerduty, PAGERDUTY_ROUTING_KEY="abc").trigger(out())
    assert str(short.value) == (
        "400 from PagerDuty: Event object is invalid: Length of 'routing_key' is incorrect"
        " (should be 32 characters)"
    )

    with pytest.raises(CallFailed) as token:
        await pd(pagerduty, PAGERDUTY_API_TOKEN="wrong").oncall(SCHEDULE, NOW)
    assert str(token.value) == "401 from PagerDuty: Authentication failed"
    pagerduty.problems.clear()


async def test_a_429_waits_for_retry_after_then_sends_the_same_event(
    pagerduty: FakePagerDuty,
) -> None:
    waited: list[float] = []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)

    throttled = web.json_response({"status": "throttle"}, status=429, headers={"Retry-After": "7"})
    pagerduty.answer(throttled)
    pager = pd(pagerduty)
    pager.policy = RetryPolicy(backoff_base=0.01, sleep=sleep)
    await pager.trigger(out())
    assert waited == [7.0]
    first, second = pagerduty.requests("POST")
    assert first.body == second.body
    assert pagerduty.alerts["outagebot-INC-7"].triggers == 1


async def test_opsgenie_user_page_and_its_refusal(opsgenie: FakeOpsgenie) -> None:
    settings = PagingSettings(provider="opsgenie", schedules=["Primary"], api_url=opsgenie.url)
    pager = Opsgenie(settings, environ={"OPSGENIE_API_KEY": GENIE_KEY}, policy=FAST)
    user_page = PageOut(
        "outagebot-INC-7-U02GIULIA",
        "INC-7 (sev3): Slow",
        Severity.sev3,
        NOW,
        "https://slack.example/c",
        target=Target("user", "U02GIULIA"),
        email="giulia@sandbox.example",
    )
    await pager.trigger(user_page)
    [create] = opsgenie.requests("POST")
    assert create.json["responders"] == [{"username": "giulia@sandbox.example", "type": "user"}]
    assert create.json["priority"] == "P3"

    bad = Opsgenie(settings, environ={"OPSGENIE_API_KEY": "nope"}, policy=FAST)
    with pytest.raises(CallFailed) as refused:
        await bad.trigger(out())
    assert str(refused.value) == "401 from Opsgenie: Key format is not valid!"
