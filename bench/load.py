"""The requests the load generator sends: written to a file once, sent to outagebot and floor.

Message events are built with the sandbox's payload builders (Slack's shapes, no sandbox
needed); slash commands go through a `SlackDriver` so the sandbox issues their response URLs
and trigger ids as Slack would.
"""

from __future__ import annotations

import asyncio
import heapq
import json
import random
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.sandbox import DriverReply, SlackDriver, SlackSandbox, payloads

PEOPLE = ("U01MARCO", "U02GIULIA", "U03LUCA")
RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
# How many deliveries later a repeated one comes, at most: Slack retries soon after.
RETRY_WITHIN = 200


@dataclass(frozen=True)
class Requests:
    path: Path
    distinct: int  # distinct events or commands
    deliveries: int  # including the repeated ones


def message_events(
    path: Path,
    channels: list[str],
    count: int,
    *,
    repeated: float,
    seed: int,
    prefix: str = "EvBENCH",
) -> Requests:
    """`count` people's messages spread over `channels`, a share `repeated` of them delivered
    a second time (re-signed, marked as Slack's retry) a little later."""
    rng = random.Random(seed)
    start = int(time.time()) - 3600
    pending: list[tuple[int, str]] = []
    deliveries = 0
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            ts = f"{start + n // 1_000_000}.{n % 1_000_000:06d}"
            event = payloads.message_event(
                channel=channels[n % len(channels)],
                user=PEOPLE[n % len(PEOPLE)],
                text=f"5xx rate on checkout is {n % 97}% now, looking at the deploy log ({n})",
                ts=ts,
            )
            envelope = payloads.event_callback(
                event, event_id=f"{prefix}{n:09d}", event_time=start + n // 1_000_000
            )
            body = payloads.json_body(envelope).decode()
            out.write(json.dumps({"body": body}) + "\n")
            deliveries += 1
            if rng.random() < repeated:
                retry = json.dumps({"body": body, "headers": RETRY, "later": 1})
                heapq.heappush(pending, (n + rng.randint(1, RETRY_WITHIN), retry))
            while pending and pending[0][0] <= n:
                out.write(heapq.heappop(pending)[1] + "\n")
                deliveries += 1
        for _due, retry in sorted(pending):
            out.write(retry + "\n")
            deliveries += 1
    return Requests(path, count, deliveries)


class _Recorder(SlackDriver):
    """A driver that writes down what it would send instead of sending it."""

    def __init__(self, sandbox: SlackSandbox) -> None:
        super().__init__(sandbox, "http://127.0.0.1:9/unused")
        self.bodies: list[str] = []

    async def deliver_raw(self, body: bytes, headers: Mapping[str, str]) -> DriverReply:
        self.bodies.append(body.decode())
        return DriverReply(status=200, text="")


async def commands(path: Path, sandbox: SlackSandbox, channel: str, count: int) -> Requests:
    """`count` different people's `/incident note` commands in an incident channel."""
    recorder = _Recorder(sandbox)
    for n in range(count):
        user = PEOPLE[n % len(PEOPLE)]
        await recorder.command(user, channel, f"note checked replica {n}: lag back to 0")
    await recorder.aclose()
    lines = "".join(json.dumps({"body": b}) + "\n" for b in recorder.bodies)
    await asyncio.to_thread(path.write_text, lines)
    return Requests(path, count, count)


async def send(url: str, secret: str, requests: Requests, connections: int) -> dict[str, Any]:
    """Run the load generator as its own process; its JSON result."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.loadgen",
        "--url",
        url,
        "--secret",
        secret,
        "--requests",
        str(requests.path),
        "--connections",
        str(connections),
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"load generator failed ({process.returncode})")
    result: dict[str, Any] = json.loads(out)
    return result
