"""Servers on loopback for the demo and the tests: `LoopbackServer` serves the subclass's app on
a free port while in `async with`; `LoopbackApi`, a third-party HTTP API's stand-in, records
every request, then answers it with the subclass's `respond`."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any, Self

from aiohttp import web

from bot.sandbox.running import Running


@dataclass
class Seen:
    """One request as the server got it; `at` is `time.monotonic()` on arrival."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float = 0.0
    query: str = ""  # the query string, undecoded

    @property
    def json(self) -> Any:
        """The body parsed as JSON, None when it is empty."""
        return json.loads(self.body) if self.body else None


class LoopbackServer(Running):
    def __init__(self) -> None:
        self.url = ""
        self._runner: web.AppRunner | None = None

    def app(self) -> web.Application:
        raise NotImplementedError

    async def start(self) -> Self:
        runner = web.AppRunner(self.app(), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        self._runner = runner
        self.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


class LoopbackApi(LoopbackServer):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[Seen] = []
        self._stopping = asyncio.Event()

    async def until_stopped(self) -> None:
        """Hold an answer until the server stops: a call whose answer never comes (timeout)."""
        await self._stopping.wait()

    async def stop(self) -> None:
        self._stopping.set()
        await super().stop()

    def requests(self, method: str) -> list[Seen]:
        return [seen for seen in self.seen if seen.method == method]

    async def respond(self, request: web.Request, body: bytes) -> web.StreamResponse:
        raise NotImplementedError

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        at = time.monotonic()
        body = await request.read()
        seen = Seen(request.method, request.path, dict(request.headers), body, at)
        seen.query = request.query_string
        self.seen.append(seen)
        return await self.respond(request, body)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        return app
