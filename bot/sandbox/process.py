"""`outagebot run` as a child process in HTTP mode, the way an operator runs one replica.

The replica tests and the benchmarks need the real process (its own interpreter, event loop and
database engine), not the in-process stack: this starts it against a Web API (usually a
`SlackSandbox`), waits for `/healthz`, and stops it as a service manager would (SIGTERM).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import aiohttp

from bot.sandbox.state import BOT_TOKEN

# Variables of the parent that would change what the child is: it gets only the ones given.
_OWN = ("SLACK_", "OUTAGEBOT_")


def free_port() -> int:
    """A loopback port nobody listens on now (the child binds it a moment later)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class BotProcess:
    def __init__(
        self,
        folder: Path,
        *,
        database_url: str,
        api_url: str,
        signing_secret: str,
        bot_token: str = BOT_TOKEN,
        env: Mapping[str, str] | None = None,
        port: int | None = None,
        module: str = "bot.cli",
    ) -> None:
        """`folder` is the working directory (no stray `.env`) and holds the log file."""
        self.folder, self.module = folder, module
        self.port = port or free_port()
        self.log_path = folder / f"bot-{self.port}.log"
        inherited = {k: v for k, v in os.environ.items() if not k.startswith(_OWN)}
        self.env = {
            **inherited,
            "SLACK_BOT_TOKEN": bot_token,
            "SLACK_SIGNING_SECRET": signing_secret,
            "SLACK_API_URL": api_url,
            "OUTAGEBOT_DATABASE_URL": database_url,
            **(env or {}),
        }
        self.proc: asyncio.subprocess.Process | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def request_url(self) -> str:
        return f"{self.base_url}/slack/events"

    async def start(self, patience: float = 30.0) -> float:
        """Start and wait until `/healthz` answers 200; returns the seconds that took."""
        started = time.perf_counter()
        command = [sys.executable, "-m", self.module, "run", "--host", "127.0.0.1"]
        with self.log_path.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                *command,
                "--port",
                str(self.port),
                cwd=self.folder,
                env=self.env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        await self._wait_healthy(started + patience)
        return time.perf_counter() - started

    async def _wait_healthy(self, deadline: float) -> None:
        assert self.proc is not None
        async with aiohttp.ClientSession() as http:
            while time.perf_counter() < deadline:
                if self.proc.returncode is not None:
                    raise RuntimeError(f"bot exited ({self.proc.returncode}): {self.log_tail()}")
                try:
                    async with http.get(f"{self.base_url}/healthz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.02)
        await self.stop()
        raise TimeoutError(f"bot not healthy in time: {self.log_tail()}")

    def peak_rss_mb(self) -> float:
        """The child's peak resident memory (VmHWM), read from /proc while it runs."""
        assert self.proc is not None
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
        return int(line.split()[1]) / 1024

    def cpu_seconds(self) -> float:
        """User and system CPU the child has used so far, from /proc."""
        assert self.proc is not None
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    async def stop(self, grace: float = 15.0) -> int | None:
        """SIGTERM (in-flight work finishes), then SIGKILL if it takes too long."""
        if self.proc is None or self.proc.returncode is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.proc.wait(), grace)
        except TimeoutError:
            self.proc.kill()
            return await self.proc.wait()
