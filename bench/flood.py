"""`python -m bench.flood`: signed commands acked while unsigned 1 MB bodies flood the bot.

The bot runs as its own process (`outagebot run`, HTTP mode, SQLite); a second process posts
unsigned ~1 MB form bodies to `/slack/events` over `--flooders` connections for at most
`--seconds` (or `--bodies` in all); meanwhile a third (bench.loadgen) sends `--commands`
signed `/incident note` commands, a few at a time, and measures their acks. The same commands
are sent first without the flood, for comparison. Loopback only, bounded in count and time.
Prints the ack p50/p99 with and without the flood, what the flood got back, and the longest
line of the bot's log.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp

from bench import load
from bench.run import declare
from bot.sandbox import SlackSandbox
from bot.sandbox.process import BotProcess
from bot.store.database import Database

BODY = 1024 * 1024 - 4096  # just under the bot's limit: read, checked, refused


async def flood(url: str, connections: int, seconds: float, bodies: int) -> dict[str, Any]:
    """Post unsigned bodies until `seconds` pass or `bodies` were sent; what came back."""
    body = b"token=x&command=%2Fincident&text=" + b"A" * (BODY - 40)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": str(int(time.time())),
        "X-Slack-Signature": "v0=" + "0" * 64,
    }
    statuses: Counter[int] = Counter()
    deadline = time.monotonic() + seconds
    left = [bodies]

    async def work(http: aiohttp.ClientSession) -> None:
        while time.monotonic() < deadline and left[0] > 0:
            left[0] -= 1
            try:
                async with http.post(url, data=body, headers=headers) as response:
                    await response.read()
                    statuses[response.status] += 1
            except aiohttp.ClientError:
                statuses[0] += 1

    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=30)
    ) as http:
        await asyncio.gather(*(work(http) for _ in range(connections)))
    return {"sent": sum(statuses.values()), "statuses": dict(statuses)}


async def run(folder: Path, flooders: int, seconds: float, bodies: int, commands: int) -> str:
    url = f"sqlite+aiosqlite:///{folder / 'flood.db'}"
    db = Database(url)
    async with SlackSandbox() as sandbox:
        secret = sandbox.signing_secret
        bot = BotProcess(folder, database_url=url, api_url=sandbox.api_url, signing_secret=secret)
        await bot.start()
        try:
            [channel] = await declare(sandbox, bot, db, 1)
            quiet_notes = await load.commands(folder / "quiet.jsonl", sandbox, channel, commands)
            notes = await load.commands(folder / "notes.jsonl", sandbox, channel, commands)
            quiet = await load.send(bot.request_url, secret, quiet_notes, 4)
            flooder = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bench.flood",
                "--flood",
                bot.request_url,
                "--flooders",
                str(flooders),
                "--seconds",
                str(seconds),
                "--bodies",
                str(bodies),
                stdout=asyncio.subprocess.PIPE,
            )
            await asyncio.sleep(0.5)  # the flood is under way
            flooded = await load.send(bot.request_url, secret, notes, 4)
            out, _ = await flooder.communicate()
            refused = json.loads(out)
        finally:
            await bot.stop()
    await db.dispose()
    longest = max(len(line) for line in bot.log_path.read_text(errors="replace").splitlines())
    q, f = quiet["ms"], flooded["ms"]
    return "\n".join(
        [
            f"signed /incident note acks ({commands}, 4 at a time):",
            f"  quiet:   p50 {q['p50']:.1f} ms, p99 {q['p99']:.1f} ms,"
            f" statuses {quiet['statuses']}",
            f"  flooded: p50 {f['p50']:.1f} ms, p99 {f['p99']:.1f} ms,"
            f" statuses {flooded['statuses']}",
            f"flood: {refused['sent']} unsigned ~1 MB bodies over {flooders} connections,"
            f" answers {refused['statuses']}",
            f"longest bot log line: {longest} characters",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.flood", description=__doc__)
    parser.add_argument("--flooders", type=int, default=16, help="flood connections")
    parser.add_argument("--seconds", type=float, default=8.0, help="the flood's longest run")
    parser.add_argument("--bodies", type=int, default=2000, help="the flood's most bodies")
    parser.add_argument("--commands", type=int, default=100, help="signed commands timed")
    parser.add_argument("--flood", metavar="URL", help=argparse.SUPPRESS)  # the flood process
    args = parser.parse_args()
    if args.flood:
        result = asyncio.run(flood(args.flood, args.flooders, args.seconds, args.bodies))
        json.dump(result, sys.stdout)
        return
    with tempfile.TemporaryDirectory(prefix="outagebot-flood-") as folder:
        print(
            asyncio.run(run(Path(folder), args.flooders, args.seconds, args.bodies, args.commands))
        )


if __name__ == "__main__":
    main()
