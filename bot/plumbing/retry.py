"""How hard to retry a remote call: attempts, exponential backoff with jitter, `Retry-After`.

Neutral ground: the deploy platforms' HTTP client and the Socket Mode reconnect loop both use
it, and neither should have to import the other's domain to get it.
"""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

MAX_ATTEMPTS = 3


class HasHeaders(Protocol):
    """An HTTP response, as far as `Retry-After` goes (httpx, aiohttp)."""

    @property
    def headers(self) -> Mapping[str, str]: ...


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try; `sleep` and `backoff_base` are injectable so tests run in milliseconds."""

    attempts: int = MAX_ATTEMPTS
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    retry_after_cap: float = 30.0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    def __post_init__(self) -> None:
        if not 1 <= self.attempts <= MAX_ATTEMPTS:
            raise ValueError(f"attempts must be between 1 and {MAX_ATTEMPTS}")

    def backoff(self, failed_attempts: int) -> float:
        """Exponential with jitter, so retries from several bots don't arrive in lockstep."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (failed_attempts - 1))
        return float(ceiling * random.uniform(0.5, 1.0))

    def retry_after(self, response: HasHeaders) -> float | None:
        """The server's `Retry-After` in seconds, capped; None when absent or an HTTP-date."""
        try:
            seconds = float(response.headers.get("Retry-After", ""))
        except ValueError:
            return None
        if math.isnan(seconds):
            return None
        return min(max(seconds, 0.0), self.retry_after_cap)
