"""Background work that outlives a Slack request but not the process.

Listeners ack Slack first and hand slow work (Web API calls, deploy APIs) to `BackgroundTasks`.
Tracking the tasks lets a clean shutdown finish in-flight work and lets tests and the demo await
`idle()` instead of sleeping.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)

Explain = Callable[[BaseException], str | None]


def _unexplained(exc: BaseException) -> str | None:
    return None


class BackgroundTasks:
    def __init__(self, explain: Explain = _unexplained) -> None:
        """`explain` turns an expected remote failure (a Slack refusal) into one log line;
        anything it does not explain is logged with its traceback, as a bug."""
        self._explain = explain
        self._tasks: set[asyncio.Task[Any]] = set()
        self._idle = asyncio.Event()
        self._idle.set()

    def spawn(
        self, coro: Coroutine[Any, Any, Any], *, name: str | None = None
    ) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        self._idle.clear()
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        exc = None if task.cancelled() else task.exception()
        if exc is not None:
            if line := self._explain(exc):
                log.error("background task %s failed: %s", task.get_name(), line)
            else:
                log.error("background task %s failed", task.get_name(), exc_info=exc)
        if not self._tasks:
            self._idle.set()

    async def idle(self) -> None:
        """Wait until no background work is left, including work spawned while waiting."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        await self._idle.wait()
