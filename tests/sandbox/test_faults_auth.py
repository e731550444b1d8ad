"""Tokens, request encodings and switchable faults, seen from slack_sdk's side."""

from __future__ import annotations

import json
import time

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox import SlackSandbox, error, rate_limit, server_error, slow
from bot.sandbox.faults import Faults


async def test_tokens(sandbox: SlackSandbox, error_of):
    wrong = AsyncWebClient(token="xoxb-stolen", base_url=sandbox.api_url)
    assert await error_of(wrong.auth_test()) == "invalid_auth"
    assert await error_of(AsyncWebClient(base_url=sandbox.api_url).auth_test()) == "not_authed"

    app = AsyncWebClient(token="xapp-sandbox", base_url=sandbox.api_url)
    assert await error_of(app.chat_postMessage(channel="C0INCIDENTS", text="x")) == (
        "not_allowed_token_type"
    )
    opened = await app.apps_connections_open(app_token="xapp-sandbox")
    assert opened["url"].startswith("ws://127.0.0.1:")
    bot = AsyncWebClient(token="xoxb-sandbox", base_url=sandbox.api_url)
    assert await error_of(bot.apps_connections_open(app_token="xoxb-sandbox")) == (
        "not_allowed_token_type"
    )
    assert await error_of(bot.api_call("chat.teleport")) == "unknown_method"


async def test_form_and_json_bodies_are_both_understood(sandbox: SlackSandbox):
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "form blocks"}}]
    async with aiohttp.ClientSession() as http:
        form = {"token": "xoxb-sandbox", "channel": "C0INCIDENTS", "blocks": json.dumps(blocks)}
        async with http.post(sandbox.api_url + "chat.postMessage", data=form) as response:
            body = await response.json()
            assert response.headers["X-Slack-Req-Id"]
        assert body["ok"] is True
        assert body["message"]["blocks"] == blocks
        headers = {"Authorization": "Bearer xoxb-sandbox"}
        payload = {"channel": "C0INCIDENTS", "text": "json"}
        url = sandbox.api_url + "chat.postMessage"
        async with http.post(url, json=payload, headers=headers) as response:
            assert (await response.json())["message"]["text"] == "json"
    assert [m.text for m in sandbox.messages("C0INCIDENTS")][-1] == "json"
    assert sandbox.calls_to("chat.postMessage")[0].params["channel"] == "C0INCIDENTS"
    assert "token" not in sandbox.calls_to("chat.postMessage")[0].params


async def test_rate_limit_is_retried_by_the_handler(sandbox: SlackSandbox):
    sandbox.faults.add("chat.postMessage", rate_limit(retry_after=0), times=1)
    client = AsyncWebClient(
        token="xoxb-sandbox",
        base_url=sandbox.api_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )

    response = await client.chat_postMessage(channel="C0INCIDENTS", text="after 429")

    assert response["ok"] is True
    assert [c.fault for c in sandbox.calls_to("chat.postMessage")] == ["rate_limit", None]
    assert len(sandbox.messages("C0INCIDENTS")) == 1


async def test_rate_limit_without_handler_raises_429(sandbox: SlackSandbox, client):
    sandbox.faults.add("chat.postMessage", rate_limit(retry_after=7), times=1)
    with pytest.raises(SlackApiError) as info:
        await client.chat_postMessage(channel="C0INCIDENTS", text="x")
    assert info.value.response.status_code == 429
    assert info.value.response.headers["Retry-After"] == "7"
    assert info.value.response["error"] == "ratelimited"
    assert sandbox.messages("C0INCIDENTS") == []
    # times=1: the next call goes through.
    assert (await client.chat_postMessage(channel="C0INCIDENTS", text="x"))["ok"] is True


async def test_server_error_is_retried_by_the_handler(sandbox: SlackSandbox, client):
    sandbox.faults.add("*", server_error(500), times=1)
    with pytest.raises(SlackApiError) as info:
        await client.auth_test()
    assert info.value.response.status_code == 500

    sandbox.faults.add("conversations.info", server_error(503), times=1)
    retrying = AsyncWebClient(
        token="xoxb-sandbox",
        base_url=sandbox.api_url,
        retry_handlers=[
            AsyncServerErrorRetryHandler(
                max_retry_count=1, interval_calculator=FixedValueRetryIntervalCalculator(0.01)
            )
        ],
    )
    info_response = await retrying.conversations_info(channel="C0INCIDENTS")
    assert info_response["channel"]["name"] == "incidents"
    assert [c.fault for c in sandbox.calls_to("conversations.info")] == ["server_error", None]


def draws(share: float, *, seed: int, n: int) -> list[bool]:
    """Which of n calls a share rule would fault, computed without any server."""
    faults = Faults()
    faults.add("chat.postMessage", error("fatal_error"), share=share, seed=seed)
    return [faults.pick("chat.postMessage") is not None for _ in range(n)]


def test_share_faults_repeat_with_the_seed():
    first, again = draws(0.3, seed=7, n=40), draws(0.3, seed=7, n=40)
    other = draws(0.3, seed=8, n=40)
    assert first == again
    assert first != other
    assert 4 <= sum(first) <= 20  # roughly 30 %, never all or nothing


async def test_share_faults_through_http_are_repeatable(sandbox: SlackSandbox, client):
    sandbox.faults.add("chat.postMessage", error("fatal_error"), share=0.5, seed=3)
    results, errors = [], set()
    for i in range(12):
        try:
            await client.chat_postMessage(channel="C0INCIDENTS", text=str(i))
            results.append(True)
        except SlackApiError as exc:
            errors.add(exc.response["error"])
            results.append(False)
    assert errors == {"fatal_error"}
    expected = [not fired for fired in draws(0.5, seed=3, n=12)]
    assert results == expected
    assert len(sandbox.messages("C0INCIDENTS")) == sum(results)


async def test_slow_fault_delays_then_answers(sandbox: SlackSandbox, client):
    sandbox.faults.add("auth.test", slow(0.3), times=1)
    started = time.monotonic()
    response = await client.auth_test()
    assert time.monotonic() - started >= 0.3
    assert response["user_id"] == "U0BOT"
    sandbox.faults.add("auth.test", error("account_inactive"))
    sandbox.faults.clear()
    assert (await client.auth_test())["ok"] is True
