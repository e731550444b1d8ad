"""The load: prepared Slack requests, signed as they are sent, over N keep-alive connections.

A process of its own (`python -m bench.loadgen`), so the load and the bot never share an
interpreter. Reads one JSON request a line (`body`, optional `headers`, `later`: seconds added
to the signing timestamp, as a retry Slack signs anew); prints one JSON object with counts,
seconds and ack latencies.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from array import array
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp

from bot.sandbox import payloads


async def send(url: str, secret: str, requests: Path, connections: int) -> dict[str, Any]:
    queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(maxsize=connections * 8)
    latencies = array("d")
    statuses: Counter[int] = Counter()

    async def feed() -> None:
        with requests.open(encoding="utf-8") as lines:
            for line in lines:
                await queue.put(json.loads(line))
        for _ in range(connections):
            await queue.put(None)

    async def work(http: aiohttp.ClientSession) -> None:
        while (request := await queue.get()) is not None:
            body = request["body"].encode()
            headers = payloads.sign(body, secret, int(time.time()) + request.get("later", 0))
            headers.update(request.get("headers", {}))
            started = time.perf_counter()
            try:
                async with http.post(url, data=body, headers=headers) as response:
                    await response.read()
                    statuses[response.status] += 1
            except aiohttp.ClientError:
                statuses[0] += 1  # no answer at all
            latencies.append(time.perf_counter() - started)

    connector = aiohttp.TCPConnector(limit=connections)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        started = time.perf_counter()
        await asyncio.gather(feed(), *(work(http) for _ in range(connections)))
        seconds = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "sent": len(latencies),
        "statuses": dict(statuses),
        "seconds": seconds,
        "ms": {
            "p50": cuts[49] * 1000,
            "p95": cuts[94] * 1000,
            "p99": cuts[98] * 1000,
            "max": max(latencies) * 1000,
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.loadgen", description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--requests", type=Path, required=True)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    result = asyncio.run(send(args.url, args.secret, args.requests, args.connections))
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
