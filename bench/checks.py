"""Feature checks beside slash commands: `python -m bench.checks`.

100 features each have a check due every minute against a loopback app that answers in 50 ms
(a tenth of them failing with 500, so signals are raised and posted too). The virtual clock
moves a minute every `round_seconds` of wall time, so all 100 checks run again and again while
`/incident note` is typed; the acks are timed against the same commands with no check running.
Quiet and busy stretches alternate, so the machine's own load drifts into both alike. A check
runs in the background (the schedule loop, bounded concurrency): the ack p99 must not move
beyond noise.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from bench.report import Row, table
from bot.sandbox.stack import SandboxStack
from bot.store import tables
from bot.time.clock import ManualClock

START = datetime(2025, 4, 30, 8, 40, tzinfo=UTC)
TOKEN_ENV = "BENCH_SMOKE_AUTH"
STRETCHES = 5


@asynccontextmanager
async def app(delay: float) -> AsyncIterator[str]:
    """`GET /f/{n}`: 200 after `delay`, 500 for every tenth feature."""

    async def feature(request: web.Request) -> web.Response:
        await asyncio.sleep(delay)
        if int(request.match_info["n"]) % 10 == 0:
            return web.json_response({"error": "boom"}, status=500)
        return web.json_response({"ok": True})

    server = web.Application()
    server.router.add_get("/f/{n}", feature)
    runner = web.AppRunner(server, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[98]


async def time_notes(stack: SandboxStack, channel: str, commands: int) -> list[float]:
    assert stack.driver is not None
    acks = []
    for n in range(commands):
        reply = await stack.driver.command("U01MARCO", channel, f"note bench {n}")
        assert reply.ok, reply.text
        acks.append(reply.elapsed * 1000)
    return acks


async def checking(
    stack: SandboxStack, clock: ManualClock, busy: asyncio.Event, round_seconds: float
) -> None:
    """While `busy` is set, advance a virtual minute per round and run every due check."""
    assert stack.services is not None
    while True:
        await busy.wait()
        clock.advance(timedelta(minutes=1))
        await stack.services.schedules.run_due()
        await asyncio.sleep(round_seconds)


async def measure(
    folder: Path, checks: int, commands: int, round_seconds: float, delay: float
) -> dict[str, Any]:
    os.environ[TOKEN_ENV] = "Bearer bench"
    async with app(delay) as url:
        features = [
            {
                "name": f"Feature{n}",
                "check": {
                    "url": f"{url}/f/{n}",
                    "headers_env": {"Authorization": TOKEN_ENV},
                    "every_minutes": 1,
                    "after_deploy_minutes": [],
                    "timeout_seconds": 5,
                },
            }
            for n in range(checks)
        ]
        clock = ManualClock(START)
        async with SandboxStack.sqlite(
            folder, clock=clock, settings={"features": features}
        ) as stack:
            assert stack.services is not None
            incident = await stack.declare("Bench")
            channel = incident.channel_id or ""
            await time_notes(stack, channel, 20)  # warm-up
            busy = asyncio.Event()
            loop = asyncio.create_task(checking(stack, clock, busy, round_seconds))
            quiet_acks: list[float] = []
            busy_acks: list[float] = []
            seconds = 0.0
            for _ in range(STRETCHES):
                busy.clear()
                await stack.idle()  # the last round's probes are done: really quiet
                quiet_acks += await time_notes(stack, channel, commands // STRETCHES)
                busy.set()
                began = time.perf_counter()
                busy_acks += await time_notes(stack, channel, commands // STRETCHES)
                seconds += time.perf_counter() - began
            loop.cancel()
            busy.clear()
            await stack.idle()
            probes = len(await _results(stack))
    return {"quiet": quiet_acks, "busy": busy_acks, "probes": probes, "seconds": seconds}


async def _results(stack: SandboxStack) -> list[Any]:
    assert stack.services is not None
    async with stack.services.db.connect() as conn:
        return list(await conn.execute(tables.check_results.select()))


async def run(
    folder: Path,
    checks: int = 100,
    commands: int = 200,
    round_seconds: float = 1.0,
    delay: float = 0.05,
) -> list[Row]:
    found = await measure(folder, checks, commands, round_seconds, delay)
    quiet, busy = found["quiet"], found["busy"]
    limit = p99(quiet) * 1.5 + 25
    label = f"{checks} checks a virtual minute, a minute every {round_seconds:g} s"
    return [
        Row("checks", "ack p50 ms, no checks", statistics.median(quiet)),
        Row("checks", "ack p99 ms, no checks", p99(quiet)),
        Row("checks", f"ack p50 ms ({label})", statistics.median(busy)),
        Row("checks", "ack p99 ms, checks running", p99(busy), p99(quiet),
            "<1.5x quiet p99 + 25 ms", p99(busy) < limit),
        Row("checks", "probes run while typing", found["probes"]),
        Row("checks", "probes a second", found["probes"] / found["seconds"]),
    ]  # fmt: skip


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="outagebot-bench-checks-") as folder:
        print(table(asyncio.run(run(Path(folder)))))


if __name__ == "__main__":
    main()
