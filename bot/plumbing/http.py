"""Retrying HTTP calls to the outside world: deploy platforms, GitHub, Atlassian Statuspage.

They are called mid-outage, when platforms are often flaky themselves:
transient failures (connection errors, timeouts, 429, 5xx) are retried with backoff, anything
else fails at once so the channel learns the real reason quickly. Redirects are never followed:
a bearer token must not travel to wherever a 3xx points, least of all over plain http.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from types import TracebackType
from typing import Any, Self

import httpx
from pydantic import SecretStr

from bot.plumbing.retry import RetryPolicy

log = logging.getLogger(__name__)

__all__ = ["CallFailed", "HttpSession", "Reply", "excerpt"]

CONNECT_TIMEOUT = 5.0


def _user_agent() -> str:
    try:
        return f"outagebot/{version('outagebot')}"
    except PackageNotFoundError:
        return "outagebot/unknown"


USER_AGENT = _user_agent()


class CallFailed(Exception):
    """A remote call that did not succeed; `str()` is the human-readable reason.

    A rate-limited answer (403/429) carries when to try again: `retry_after` seconds
    (`Retry-After`) or the instant `reset_at` (`X-RateLimit-Reset` with none remaining).
    """

    def __init__(
        self,
        message: str,
        *,
        attempts: int = 0,
        status: int | None = None,
        retry_after: float | None = None,
        reset_at: datetime | None = None,
    ) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.status = status
        self.retry_after = retry_after
        self.reset_at = reset_at

    @property
    def rate_limited(self) -> bool:
        return self.retry_after is not None or self.reset_at is not None


def rate_limit_hint(response: httpx.Response) -> tuple[float | None, datetime | None]:
    """GitHub-style limits: `Retry-After` seconds, or the reset instant when none remain."""
    if response.status_code not in (403, 429):
        return None, None
    try:
        retry_after = float(response.headers.get("Retry-After", ""))
    except ValueError:
        retry_after = None
    if retry_after is not None and not math.isnan(retry_after):
        return max(retry_after, 0.0), None
    if response.headers.get("X-RateLimit-Remaining") == "0":
        try:
            reset = int(response.headers.get("X-RateLimit-Reset", ""))
        except ValueError:
            return None, None
        return None, datetime.fromtimestamp(reset, UTC)
    return None, None


def redact(text: str, secrets: Iterable[SecretStr]) -> str:
    for secret in secrets:
        if value := secret.get_secret_value():
            text = text.replace(value, "[redacted]")
    return text


def error_body(response: httpx.Response) -> dict[str, Any]:
    """The body as a JSON object, where APIs explain a failure; empty when it is not one."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def excerpt(response: httpx.Response, limit: int = 160) -> str:
    """A one-line view of a body, for messages about answers we could not use."""
    text = " ".join(response.text.split())
    if not text:
        return "(empty body)"
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Reply:
    response: httpx.Response
    attempts: int
    service: str

    @property
    def status(self) -> int:
        return self.response.status_code

    def json_object(self) -> dict[str, Any]:
        """The body as a JSON object; an HTML page from a proxy or a wrong URL is a failure."""
        data: dict[str, Any] = self._json(dict, "object")
        return data

    def json_list(self) -> list[Any]:
        """The body as a JSON list; anything else is a failure naming the service."""
        data: list[Any] = self._json(list, "list")
        return data

    def _json(self, kind: type, name: str) -> Any:
        try:
            data = self.response.json()
        except ValueError:
            data = None
        if not isinstance(data, kind):
            raise CallFailed(
                f"{self.service} answered {self.status} with a body that is not a JSON {name}: "
                f"{excerpt(self.response)}",
                attempts=self.attempts,
                status=self.status,
            )
        return data


def _describe_exception(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


@dataclass(frozen=True)
class _Transient:
    """A failed try worth repeating: timeout, connection, 429 or 5xx."""

    problem: str
    status: int | None = None
    response: httpx.Response | None = None
    delay: float | None = None  # what the server asked for (Retry-After), else our backoff


class HttpSession:
    """One client for one provider call: own connections, no redirects, a deadline per attempt.

    httpx timeouts bound each network operation, not the whole request, so a server trickling
    bytes could outlast them; `asyncio.timeout` enforces `timeout` for every attempt as a whole.
    """

    def __init__(
        self,
        service: str,
        *,
        timeout: float,
        policy: RetryPolicy,
        secrets: Iterable[SecretStr] = (),
        describe: Callable[[httpx.Response], str] = excerpt,
        transport: httpx.AsyncBaseTransport | None = None,
        rate_hint: Callable[
            [httpx.Response], tuple[float | None, datetime | None]
        ] = rate_limit_hint,
    ) -> None:
        self._service = service
        self._rate_hint = rate_hint
        self._timeout = timeout
        self._policy = policy
        self._secrets = tuple(secrets)
        self._describe = describe
        self._client = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(CONNECT_TIMEOUT, timeout)),
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT},
        )

    async def __aenter__(self) -> Self:
        await self._client.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._client.__aexit__(exc_type, exc, tb)

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str],
        content: bytes | None = None,
    ) -> Reply:
        """Send one request, retrying the identical bytes (same headers, same keys) if transient."""
        request = self._client.build_request(method, url, headers=headers, content=content)
        attempt = 0
        while True:
            attempt += 1
            outcome = await self._attempt(request, attempt)
            if isinstance(outcome, Reply):
                return outcome
            if attempt >= self._policy.attempts:
                problem = outcome.problem
                if attempt > 1:
                    problem += f" (after {attempt} attempts)"
                raise self._failed(problem, attempt, outcome.status, outcome.response)
            delay = outcome.delay if outcome.delay is not None else self._policy.backoff(attempt)
            log.warning("%s; retrying in %.2f s", redact(outcome.problem, self._secrets), delay)
            await self._policy.sleep(delay)

    async def _attempt(self, request: httpx.Request, attempt: int) -> Reply | _Transient:
        """One try: the reply, or what went wrong that is worth another try; raises when not."""
        try:
            async with asyncio.timeout(self._timeout):
                response = await self._client.send(request)
        except (TimeoutError, httpx.TimeoutException):
            return _Transient(f"{self._service} did not answer within {self._timeout:g} s")
        except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            return _Transient(f"could not reach {self._service}: {_describe_exception(exc)}")
        except httpx.RequestError as exc:
            raise self._failed(
                f"request to {self._service} failed: {_describe_exception(exc)}", attempt
            ) from None
        status = response.status_code
        # 304: a conditional GET (If-None-Match) found nothing new; not a redirect.
        if status < 300 or status == 304:
            return Reply(response, attempt, self._service)
        if status < 400:
            raise self._failed(self._redirect_message(response), attempt, status)
        problem = f"{status} from {self._service}: {self._describe(response)}"
        if status == 429:
            return _Transient(problem, status, response, self._policy.retry_after(response))
        if status < 500:
            raise self._failed(problem, attempt, status, response)
        return _Transient(problem, status, response)

    def _redirect_message(self, response: httpx.Response) -> str:
        location = response.headers.get("Location")
        if not location:
            return f"{self._service} answered {response.status_code} (a redirect, not followed)"
        plain = " (plain http!)" if location.lower().startswith("http://") else ""
        return (
            f"{self._service} answered {response.status_code} redirecting to {location}{plain}; "
            "redirects are not followed, check the configured URL"
        )

    def _failed(
        self,
        message: str,
        attempts: int,
        status: int | None = None,
        response: httpx.Response | None = None,
    ) -> CallFailed:
        retry_after, reset_at = self._rate_hint(response) if response is not None else (None, None)
        return CallFailed(
            redact(message, self._secrets),
            attempts=attempts,
            status=status,
            retry_after=retry_after,
            reset_at=reset_at,
        )
