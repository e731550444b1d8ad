"""The status page under a crowd: 50 readers refreshing `/status` and `summary.json` while the
bot ingests message events, as customers do during an outage."""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.report import Row

READERS = 50
# Each reader waits this long between its requests (a browser tab refreshing ten times a
# second): with no pause, 50 readers measure only their own queue (latency = 50 / throughput).
THINK = 0.1
PATHS = ("/status", "/status/api/v2/summary.json")
CONFIG = """\
[[features]]
name = "Quotes"
public = true
public_name = "Preventivi"

[[features]]
name = "Purchases"
public = true

[status_page]
enabled = true
auto_components = true
title = "Bench status"
"""


def config(folder: Path) -> Path:
    path = folder / "outagebot.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


async def read_until(
    base_url: str, done: asyncio.Event, readers: int = READERS, think: float = THINK
) -> dict[str, Any]:
    """Each reader alternates the two paths until `done`; latencies per path, in ms."""
    latencies: dict[str, list[float]] = {path: [] for path in PATHS}
    statuses: dict[int, int] = {}
    connector = aiohttp.TCPConnector(limit=readers)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def reader(n: int) -> None:
            turn = n
            while not done.is_set():
                path = PATHS[turn % len(PATHS)]
                turn += 1
                started = time.perf_counter()
                async with http.get(base_url + path) as response:
                    await response.read()
                latencies[path].append(1000 * (time.perf_counter() - started))
                statuses[response.status] = statuses.get(response.status, 0) + 1
                if think:
                    await asyncio.sleep(think)  # pacing a simulated reader, not waiting on work

        started = time.perf_counter()
        await asyncio.gather(*(reader(n) for n in range(readers)))
        seconds = time.perf_counter() - started
    return {"ms": latencies, "seconds": seconds, "statuses": statuses}


def percentile(values: list[float], share: float) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[int(share * 100) - 1]


def rows(result: dict[str, Any], ingested: float) -> list[Row]:
    out = []
    for path in PATHS:
        ms = result["ms"][path]
        p99 = percentile(ms, 0.99)
        name = path.rsplit("/", 1)[-1]
        out += [
            Row(
                "status page",
                f"{name} requests/s ({READERS} readers, {THINK:g} s apart)",
                len(ms) / result["seconds"],
                None,
            ),
            Row("status page", f"{name} p50 ms", percentile(ms, 0.50), None),
            Row("status page", f"{name} p99 ms", p99, None, "<50", p99 < 50),
        ]
    bad = sum(n for status, n in result["statuses"].items() if status != 200)
    out += [
        Row("status page", "answers other than 200", bad, None, "0", bad == 0),
        Row("status page", "events/s ingested meanwhile", ingested, None),
    ]
    return out
