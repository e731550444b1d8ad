"""`outagebot run` as a real process, with the sandbox Slack running in a thread beside it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

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
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=30)

    def __enter__(self) -> SandboxThread:
        self._thread.start()
        self.run(self.sandbox.start())
        return self

    def __exit__(self, *exc: object) -> None:
        self.run(self.sandbox.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def bot_process(
    api_url: str, database: Path, log: Path, **env: str
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """Start `outagebot run` in HTTP mode; yields the process and its events URL."""
    port = free_port()
    full_env = {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-sandbox",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api_url,
        "OUTAGEBOT_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        **env,
    }
    full_env.pop("SLACK_APP_TOKEN", None)
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run", "--host", "127.0.0.1", "--port", str(port)],
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"bot did not start: {log.read_text()[-2000:]}")
        time.sleep(0.05)  # polling another process's port: nothing to await
    try:
        yield process, f"{base}/slack/events"
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=20)
