"""One probe of one feature's check: a single HTTP request, never retried, never raising.

Whatever goes wrong (no such host, refused, timed out, TLS, 5xx, a body without the expected
text) is a failed `Outcome` with a short reason code; `messages.reason_text` words it. Latency
is wall time measured with the monotonic clock: the domain clock may stand still in tests.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import httpx

from bot.checks.config import CheckConfig
from bot.plumbing.http import USER_AGENT

# The most of a body read when looking for `expect_text`.
BODY_LIMIT = 1024 * 1024


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None
    latency_ms: int
    # "" when ok; else status:<code>, timeout, refused, dns, tls, text, env:<NAME>, error:<kind>
    reason: str = ""


def _failure(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, socket.gaierror):
            return "dns"
        if isinstance(cause, ssl.SSLError):
            return "tls"
        if isinstance(cause, ConnectionRefusedError):
            return "refused"
        cause = cause.__cause__ or cause.__context__
    if isinstance(exc, httpx.ConnectError):
        text = str(exc).lower()
        if "name or service" in text or "nodename" in text or "resolve" in text:
            return "dns"
        if "refused" in text:
            return "refused"
        return "connect"
    return f"error:{type(exc).__name__}"[:60]


async def probe(
    client: httpx.AsyncClient, check: CheckConfig, environ: Mapping[str, str]
) -> Outcome:
    headers = {"User-Agent": USER_AGENT}
    for header, name in check.headers_env.items():
        value = environ.get(name)
        if not value:
            return Outcome(False, None, 0, f"env:{name}")
        headers[header] = value
    started = time.monotonic()

    def took() -> int:
        return round((time.monotonic() - started) * 1000)

    try:
        async with asyncio.timeout(check.timeout_seconds):
            return await _ask(client, check, headers, took)
    except TimeoutError:
        return Outcome(False, None, took(), "timeout")


async def _ask(
    client: httpx.AsyncClient,
    check: CheckConfig,
    headers: dict[str, str],
    took: Callable[[], int],
) -> Outcome:
    try:
        request = client.build_request(
            check.method,
            check.url,
            headers=headers,
            timeout=httpx.Timeout(check.timeout_seconds),
        )
        response = await client.send(request, stream=True, follow_redirects=check.follow_redirects)
        try:
            body = b""
            if check.expect_text is not None and response.status_code in check.expect_status:
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) >= BODY_LIMIT:
                        break
        finally:
            await response.aclose()
    except httpx.HTTPError as exc:
        return Outcome(False, None, took(), _failure(exc))
    status = response.status_code
    if status not in check.expect_status:
        return Outcome(False, status, took(), f"status:{status}")
    if check.expect_text is not None and check.expect_text not in body.decode(errors="replace"):
        return Outcome(False, status, took(), "text")
    return Outcome(True, status, took())
