"""One probe against real HTTP servers on loopback: every fault is a failure with its reason,
never a crash, and a probe is one request (no retry, no redirect unless asked)."""

from __future__ import annotations

import socket
import time

import httpx
import pytest
from aiohttp import web

from bot.checks.config import CheckConfig
from bot.checks.messages import reason_text
from bot.checks.probe import probe
from bot.i18n import texts

from .conftest import PATH, SMOKE_TOKEN, FakeApp

ENV = {"SMOKE_AUTH": f"Bearer {SMOKE_TOKEN}"}


def config(url: str, **overrides) -> CheckConfig:
    return CheckConfig.model_validate(
        {
            "url": url,
            "headers_env": {"Authorization": "SMOKE_AUTH"},
            "expect_text": "purchases",
            # Generous: a loaded CI machine must not turn a plain answer into a timeout.
            "timeout_seconds": 5,
            **overrides,
        }
    )


async def run(check: CheckConfig, env: dict[str, str] = ENV):
    async with httpx.AsyncClient() as client:
        return await probe(client, check, env)


async def test_a_working_endpoint_passes_with_its_latency(fake_app: FakeApp) -> None:
    outcome = await run(config(fake_app.url + PATH))

    assert (outcome.ok, outcome.status_code, outcome.reason) == (True, 200, "")
    assert 0 <= outcome.latency_ms < 5000
    [seen] = fake_app.requests("GET")
    assert seen.headers["Authorization"] == f"Bearer {SMOKE_TOKEN}"
    assert seen.headers["User-Agent"].startswith("outagebot/")


@pytest.mark.parametrize("method", ["HEAD", "POST"])
async def test_head_and_post_checks_ask_with_their_method(fake_app: FakeApp, method: str) -> None:
    check = config(fake_app.url + PATH, method=method, expect_text=None)

    outcome = await run(check)

    assert (outcome.ok, outcome.status_code) == (True, 200)
    assert [r.path for r in fake_app.requests(method)] == [PATH]
    assert fake_app.requests("GET") == []
    fake_app.broken = True
    assert (await run(check)).reason == "status:500"


async def test_a_5xx_fails_once_without_a_retry(fake_app: FakeApp) -> None:
    fake_app.broken = True

    outcome = await run(config(fake_app.url + PATH))

    assert (outcome.ok, outcome.status_code, outcome.reason) == (False, 500, "status:500")
    assert len(fake_app.requests("GET")) == 1
    assert reason_text(texts("en"), outcome.reason) == "HTTP 500"


async def test_a_slow_answer_times_out_at_the_configured_time(fake_app: FakeApp) -> None:
    fake_app.slow = 10.0
    started = time.monotonic()

    outcome = await run(config(fake_app.url + PATH, timeout_seconds=0.5))

    assert (outcome.ok, outcome.reason) == (False, "timeout")
    assert time.monotonic() - started < 5.0
    assert reason_text(texts("it"), outcome.reason, 0.5) == "nessuna risposta entro 0,5 s"
    assert reason_text(texts("en"), outcome.reason, 10) == "timed out after 10 s"


async def test_a_refused_connection_fails_with_its_reason() -> None:
    with socket.socket() as free:  # a port nothing listens on
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]

    outcome = await run(config(f"http://127.0.0.1:{port}{PATH}"))

    assert (outcome.ok, outcome.status_code, outcome.reason) == (False, None, "refused")


async def test_a_host_that_does_not_resolve_fails_with_its_reason() -> None:
    outcome = await run(config("https://purchases.outagebot-test.invalid/api"))

    assert (outcome.ok, outcome.reason) == (False, "dns")


async def test_a_body_without_the_expected_text_fails(fake_app: FakeApp) -> None:
    fake_app.body = '{"items": []}'

    outcome = await run(config(fake_app.url + PATH))

    assert (outcome.ok, outcome.status_code, outcome.reason) == (False, 200, "text")


async def test_a_missing_header_variable_fails_before_any_request(fake_app: FakeApp) -> None:
    outcome = await run(config(fake_app.url + PATH), env={})

    assert (outcome.ok, outcome.reason) == (False, "env:SMOKE_AUTH")
    assert fake_app.seen == []


class Redirecting(FakeApp):
    async def default(self, request: web.Request, body: bytes) -> web.StreamResponse:
        if request.path == "/old":
            raise web.HTTPFound(PATH)
        return await super().default(request, body)


@pytest.mark.parametrize("follow", [False, True])
async def test_redirects_are_followed_only_when_asked(follow: bool) -> None:
    async with Redirecting() as app:
        outcome = await run(config(app.url + "/old", follow_redirects=follow))

    if follow:
        assert (outcome.ok, outcome.status_code) == (True, 200)
    else:
        assert (outcome.ok, outcome.reason) == (False, "status:302")
