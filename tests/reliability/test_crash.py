"""Killed mid-stream, restarted, backfilled: every message is in the timeline exactly once.

`outagebot run` is a real process on a SQLite file; messages exist in the sandbox (as they do
in Slack) whether or not their event reached the bot.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
from pathlib import Path

import httpx
import pytest
from botprocess import SandboxThread, bot_process, eventually

from bot.sandbox.cast import INCIDENTS, MARCO, PEOPLE
from bot.sandbox.driver import SlackDriver
from bot.sandbox.stack import SIGNING_SECRET

# Seconds per test (crashes a bot subprocess mid-stream): not in the inner loop.
pytestmark = pytest.mark.slow

MESSAGES = 240


def recorded(database: Path) -> list[tuple[str, str, int]]:
    with sqlite3.connect(database) as conn:
        return conn.execute(
            "SELECT channel_id, ts, count(*) FROM timeline_entries WHERE kind = 'message'"
            " GROUP BY channel_id, ts"
        ).fetchall()


async def stream(driver: SlackDriver, channels: list[str], start: int, stop: int) -> int:
    """Post messages ten at a time; returns how many deliveries the bot did not answer."""
    failed = 0

    async def one(i: int) -> None:
        nonlocal failed
        try:
            await driver.message(PEOPLE[i % 3], channels[i % 2], f"message {i}")
        except httpx.HTTPError:
            failed += 1  # stored in Slack, event lost: the backfill must find it

    for first in range(start, stop, 10):
        await asyncio.gather(*(one(i) for i in range(first, min(first + 10, stop))))
    return failed


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["sigkill", "sigterm"])
def test_a_crash_mid_stream_loses_and_duplicates_nothing(
    tmp_path: Path, sig: signal.Signals
) -> None:
    database = tmp_path / "bot.db"
    with SandboxThread() as box:
        sandbox = box.sandbox
        with bot_process(box, tmp_path) as bot:
            driver = SlackDriver(sandbox, bot.request_url, signing_secret=SIGNING_SECRET)
            for title in ("Quotes down", "Purchases down"):
                assert box.run(driver.command(MARCO, INCIDENTS, f"declare {title}")).ok

            def both() -> list[str]:
                found = [
                    sandbox.channel_by_name(n)
                    for n in ("inc-1-quotes-down", "inc-2-purchases-down")
                ]
                return [c.id for c in found if c] if all(found) else []

            channels = eventually(both)
            assert len(channels) == 2
            for channel in channels:  # the others join the incident channels
                for user in PEOPLE:
                    if user not in sandbox.state.channels[channel].members:
                        sandbox.state.channels[channel].members.append(user)

            async def kill_mid_stream() -> int:
                failed = await stream(driver, channels, 0, MESSAGES // 2)
                second = asyncio.ensure_future(
                    stream(driver, channels, MESSAGES // 2, MESSAGES * 3 // 4)
                )
                await asyncio.sleep(0.02)  # not waiting for anything: the signal lands mid-batch
                assert bot.proc is not None
                bot.proc.send_signal(sig)
                await bot.proc.wait()
                return failed + await second

            lost_deliveries = box.run(kill_mid_stream())
            stopped_log = bot.log_path.read_text()
        with bot_process(box, tmp_path) as bot:
            driver = SlackDriver(sandbox, bot.request_url, signing_secret=SIGNING_SECRET)
            box.run(stream(driver, channels, MESSAGES * 3 // 4, MESSAGES))
            rows = eventually(lambda: len(recorded(database)) >= MESSAGES and recorded(database))
        box.run(driver.aclose())

    assert lost_deliveries > 0, "some deliveries really failed while the bot was down"
    human = {(c, m.ts) for c in channels for m in sandbox.messages(c) if m.user in PEOPLE}
    assert len(human) == MESSAGES
    assert {(c, ts) for c, ts, _n in rows} == human, "every message recorded"
    assert all(n == 1 for _c, _ts, n in rows), "none recorded twice"
    print(f"{sig.name}: {MESSAGES} messages, {lost_deliveries} deliveries failed, 0 lost, 0 twice")
    if sig == signal.SIGTERM:
        assert "Traceback" not in stopped_log
