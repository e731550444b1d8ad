"""Switchable failures of the sandbox's Web API, so tests can prove the bot survives Slack.

A rule names a method (or `*` for every Web API method), a fault, and how often it fires:
the next N calls (`times`), a share of calls drawn from a seeded `random.Random` (`share`,
repeatable run after run: each method draws from its own sequence, so calls made concurrently
in any order meet the same faults), both (a share, at most N times) or, with neither, every call.
`latency` delays every Web API call alike, without counting as a fault.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RateLimit:
    """HTTP 429 with `Retry-After`, as Slack answers over a rate tier."""

    retry_after: int = 1
    kind: str = "rate_limit"


@dataclass(frozen=True)
class ServerError:
    """An HTTP 5xx from Slack's edge."""

    status: int = 500
    kind: str = "server_error"


@dataclass(frozen=True)
class Slow:
    """Answer normally, but only after `seconds` (a slow Slack, or a 3 s ack deadline test)."""

    seconds: float
    kind: str = "slow"


@dataclass(frozen=True)
class ApiError:
    """HTTP 200 with `{"ok": false, "error": code}`: Slack refusing the call."""

    error: str
    kind: str = "error"


Fault = RateLimit | ServerError | Slow | ApiError


def rate_limit(retry_after: int = 1) -> RateLimit:
    return RateLimit(retry_after)


def server_error(status: int = 500) -> ServerError:
    return ServerError(status)


def slow(seconds: float) -> Slow:
    return Slow(seconds)


def error(code: str) -> ApiError:
    return ApiError(code)


@dataclass
class FaultRule:
    method: str
    fault: Fault
    times: int | None = None
    share: float | None = None
    seed: int = 0
    fired: int = 0
    _draws: dict[str, random.Random] = field(default_factory=dict)

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times

    def applies_to(self, method: str) -> bool:
        # `*` is for the Web API only; the upload URL and response_url are named explicitly.
        if self.method == "*":
            return "." in method
        return self.method == method

    def fires(self, method: str) -> bool:
        if self.exhausted:
            return False
        if self.share is not None and self._draw(method) >= self.share:
            return False
        self.fired += 1
        return True

    def _draw(self, method: str) -> float:
        if method not in self._draws:
            self._draws[method] = random.Random(self.seed ^ zlib.crc32(method.encode()))
        return self._draws[method].random()


class Faults:
    """The rule list; `pick(method)` decides, per call, which fault (if any) happens."""

    UPLOAD = "upload_url"
    RESPONSE_URL = "response_url"

    def __init__(self, seed: int = 0) -> None:
        self._seed = seed
        self.rules: list[FaultRule] = []
        # Seconds every Web API call waits before its answer, on top of any fault: Slack's
        # ordinary round trip (100-300 ms), so a benchmark counts sequential calls in time.
        self.latency = 0.0

    def add(
        self,
        method: str,
        fault: Fault,
        *,
        times: int | None = None,
        share: float | None = None,
        seed: int | None = None,
    ) -> FaultRule:
        if times is not None and times < 1:
            raise ValueError("times must be at least 1")
        if share is not None and not 0 < share <= 1:
            raise ValueError("share must be in (0, 1]")
        rule = FaultRule(
            method=method,
            fault=fault,
            times=times,
            share=share,
            seed=self._seed if seed is None else seed,
        )
        self.rules.append(rule)
        return rule

    def clear(self, method: str | None = None) -> None:
        self.rules = [r for r in self.rules if method is not None and r.method != method]

    def pick(self, method: str) -> Fault | None:
        """The fault for this call, consuming a `times` slot or a random draw."""
        for rule in self.rules:
            if rule.applies_to(method) and rule.fires(method):
                if rule.exhausted:
                    self.rules.remove(rule)
                return rule.fault
        return None
