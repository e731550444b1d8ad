"""Change events under a slow deploy API: `python -m bench.changes`.

A loopback Heroku answers every releases request after `delay` seconds. Slash commands that
make the bot read it (`feature down`) must still be acknowledged at once: the read happens
after the ack. Also times the pure suspect rule on a large history.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp import web

from bench.report import Row, table
from bot.changes.models import ChangeEvent
from bot.changes.suspects import Impact, suspects
from bot.sandbox.stack import SandboxStack
from bot.time.clock import ManualClock

TOKEN = "bench-heroku-token"
START = datetime(2025, 4, 30, 8, 40, tzinfo=UTC)


@asynccontextmanager
async def slow_heroku(delay: float, releases: int) -> AsyncIterator[str]:
    body = [
        {
            "id": str(uuid.uuid4()),
            "version": n,
            "status": "succeeded",
            "description": f"Deploy {n}",
            "created_at": (START - timedelta(minutes=10 * (releases - n))).isoformat(),
            "user": {"email": "dev@example.com"},
            "current": n == releases,
        }
        for n in range(releases, 0, -1)
    ]

    async def releases_(_request: web.Request) -> web.Response:
        await asyncio.sleep(delay)
        return web.json_response(body, status=206)

    app = web.Application()
    app.router.add_get("/apps/acme-web/releases", releases_)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


async def time_acks(folder: Path, delay: float, commands: int) -> tuple[list[float], float]:
    """Ack times of `feature down` (ms) and seconds until the last suspects message."""
    os.environ["BENCH_HEROKU_TOKEN"] = TOKEN  # read by name, as in production
    async with slow_heroku(delay, 20) as url:
        source = {"provider": "heroku", "app": "acme-web", "token_env": "BENCH_HEROKU_TOKEN"}
        settings = {
            "features": [{"name": f"Feature{n}"} for n in range(commands)],
            "changes": {"sources": {"web": {**source, "api_url": url}}},
        }
        clock = ManualClock(START)
        async with SandboxStack.sqlite(folder, clock=clock, settings=settings) as stack:
            await stack.driver.command("U01MARCO", "C0INCIDENTS", "declare Bench")
            await stack.idle()
            channel = (await stack.services.incidents.get(1)).channel_id or ""
            acks: list[float] = []
            began = time.perf_counter()
            for n in range(commands):
                reply = await stack.driver.command("U01MARCO", channel, f"feature down Feature{n}")
                acks.append(reply.elapsed * 1000)
            await stack.idle()
            return acks, time.perf_counter() - began


def time_rule(changes: int, impacts: int) -> float:
    history = [
        ChangeEvent(
            id=n,
            source="web",
            service=f"s{n % 7}",
            version=f"v{n}",
            deployed_at=START - timedelta(minutes=n),
            external_id=str(n),
            recorded_at=START,
        )
        for n in range(changes)
    ]
    hits = [Impact(f"F{n}", START - timedelta(minutes=3 * n)) for n in range(impacts)]
    began = time.perf_counter()
    suspects(history, hits, timedelta(hours=48))
    return time.perf_counter() - began


async def run(folder: Path, delay: float = 2.0, commands: int = 20) -> list[Row]:
    acks, total = await time_acks(folder, delay, commands)
    p99 = statistics.quantiles(acks, n=100, method="inclusive")[98] if len(acks) > 1 else acks[0]
    rule = time_rule(10_000, 50)
    label = f"{commands} feature down, Heroku answering in {delay:g} s"
    return [
        Row("changes", f"ack p50 ms ({label})", statistics.median(acks)),
        Row("changes", "ack max ms", max(acks), None, "<1000 (never waits for Heroku)",
            max(acks) < 1000),
        Row("changes", "ack p99 ms", p99),
        Row("changes", "s until every suspects message", total),
        Row("changes", "s, suspect rule (10,000 changes, 50 impacts)", rule, None, "<1",
            rule < 1),
    ]  # fmt: skip


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="outagebot-bench-changes-") as folder:
        print(table(asyncio.run(run(Path(folder)))))


if __name__ == "__main__":
    main()
