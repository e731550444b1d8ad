"""Sync tests (hypothesis, signals) around `BotProcess`, with the sandbox on its own thread."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot.sandbox.process import BotProcess
from bot.sandbox.server import SlackSandbox
from bot.sandbox.stack import SIGNING_SECRET


def eventually(check: Callable[[], Any], timeout: float = 30.0) -> Any:
    """Poll a condition on another process's work (nothing to await across processes)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.05)


class SandboxThread:
    """A SlackSandbox on its own event loop, so sync tests (hypothesis) can use it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.sandbox = SlackSandbox(signing_secret=SIGNING_SECRET)
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=60)

    def __enter__(self) -> SandboxThread:
        self._thread.start()
        self.run(self.sandbox.start())
        return self

    def __exit__(self, *exc: object) -> None:
        self.run(self.sandbox.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)


@contextmanager
def bot_process(box: SandboxThread, folder: Path, **env: str) -> Iterator[BotProcess]:
    """`outagebot run` in HTTP mode on the SQLite file `folder/bot.db`, started and stopped
    (SIGTERM) on the sandbox thread's loop."""
    bot = BotProcess(
        folder,
        database_url=f"sqlite+aiosqlite:///{folder / 'bot.db'}",
        api_url=box.sandbox.api_url,
        signing_secret=SIGNING_SECRET,
        env=env,
    )
    box.run(bot.start())
    try:
        yield bot
    finally:
        box.run(bot.stop())
