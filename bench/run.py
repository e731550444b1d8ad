"""One benchmark run: outagebot and the floor as processes, the load from a third, a table.

The sandbox (Slack's Web API for the bot) runs in this process; during the load the bot calls
it only to resolve the few people's names once.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench import changes as bench_changes
from bench import checks as bench_checks
from bench import load, statuspage
from bench.drafts import time_chart, time_drafts
from bench.report import Row
from bench.similar import time_lookups
from bot.sandbox import SlackDriver, SlackSandbox
from bot.sandbox.process import BotProcess
from bot.store import tables
from bot.store.database import Database

ANNOUNCE = "C0INCIDENTS"
# Slack's usual round trip is 100-300 ms; at this latency the declare row counts round trips.
LATENCY = 0.1
READY_CALLS = ("conversations.invite", "pins.add")
CHECKOUT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Options:
    events: int
    connections: int
    channels: int
    repeated: float
    commands: int
    entries: int
    features: int
    seed: int
    database_url: str | None  # an empty database; None: a SQLite file in the work folder


async def declare(sandbox: SlackSandbox, bot: BotProcess, db: Database, count: int) -> list[str]:
    """Declare `count` incidents through the bot; their channels once set up."""
    async with SlackDriver(sandbox, bot.request_url) as driver:
        for n in range(1, count + 1):
            reply = await driver.command(load.PEOPLE[0], ANNOUNCE, f"declare Bench outage {n}")
            if not reply.ok:
                raise RuntimeError(f"declare answered {reply.status}: {bot.log_tail()}")
    i = tables.incidents
    ready = select(i.c.channel_id).where(i.c.status_ts.is_not(None)).order_by(i.c.id)
    for _ in range(600):
        async with db.connect() as conn:
            channels = list((await conn.execute(ready)).scalars())
        if len(channels) == count:
            return channels
        await asyncio.sleep(0.1)
    raise TimeoutError(f"incident set-up did not finish: {bot.log_tail()}")


async def declare_to_ready(
    sandbox: SlackSandbox, bot: BotProcess, db: Database, count: int = 3
) -> float:
    """Median seconds from `/incident declare` to a ready channel, with `LATENCY` on every Web
    API call: invites sent, status message pinned, announcement posted.

    The end is read from the sandbox's own answer times, so how often this side looks does
    not change the figure.
    """
    i = tables.incidents
    timings: list[float] = []
    sandbox.faults.latency = LATENCY
    try:
        async with SlackDriver(sandbox, bot.request_url) as driver:
            for n in range(count):
                first_call = len(sandbox.calls)
                started = time.monotonic()
                reply = await driver.command(load.PEOPLE[0], ANNOUNCE, f"declare Ready check {n}")
                if not reply.ok:
                    raise RuntimeError(f"declare answered {reply.status}: {bot.log_tail()}")
                ready = select(i.c.channel_id, i.c.announce_channel_id).where(
                    i.c.title == f"Ready check {n}", i.c.announce_ts.is_not(None)
                )
                for _ in range(1000):
                    async with db.connect() as conn:
                        row = (await conn.execute(ready)).first()
                    calls = sandbox.calls[first_call:]
                    done = row is not None and all(
                        any(c.method == m and c.answered_at for c in calls) for m in READY_CALLS
                    )
                    if done:
                        break
                    await asyncio.sleep(0.02)  # polls another process's database
                else:
                    raise TimeoutError(f"declare {n} was never ready: {bot.log_tail()}")
                assert row is not None
                wanted = {
                    ("conversations.invite", row.channel_id),
                    ("pins.add", row.channel_id),
                    ("chat.postMessage", row.announce_channel_id),
                }
                ends = [
                    c.answered_at
                    for c in calls
                    if c.answered_at and (c.method, c.params.get("channel")) in wanted
                ]
                timings.append(max(ends) - started)
    finally:
        sandbox.faults.latency = 0.0
    return statistics.median(timings)


async def recorded(db: Database) -> tuple[int, int]:
    """Message entries in the timeline: rows, and distinct (channel, ts)."""
    t = tables.timeline_entries
    messages = select(t.c.channel_id, t.c.ts).where(t.c.kind == "message")
    distinct = select(func.count()).select_from(messages.distinct().subquery())
    rows = select(func.count()).select_from(messages.subquery())
    async with db.connect() as conn:
        return (await conn.execute(rows)).scalar_one(), (await conn.execute(distinct)).scalar_one()


async def count_notes(db: Database) -> int:
    t = tables.timeline_entries
    async with db.connect() as conn:
        query = select(func.count()).where(t.c.kind == "note")
        return int((await conn.execute(query)).scalar_one())


def failures(result: dict[str, Any]) -> int:
    return sum(n for status, n in result["statuses"].items() if status != "200")


async def read_status_page(
    opts: Options, folder: Path, sandbox: SlackSandbox, bot: BotProcess, channels: list[str]
) -> list[Row]:
    """Readers on the status page (Quotes down) while a second batch of events is ingested."""
    async with SlackDriver(sandbox, bot.request_url) as driver:
        await driver.command(load.PEOPLE[0], channels[0], "feature down Quotes")
    events = load.message_events(
        folder / "events-status.jsonl",
        channels,
        opts.events // 2,
        repeated=0,
        seed=opts.seed + 1,
        prefix="EvPAGE",
    )
    done = asyncio.Event()
    reading = asyncio.create_task(statuspage.read_until(bot.base_url, done))
    try:
        ingest = await load.send(bot.request_url, sandbox.signing_secret, events, opts.connections)
    finally:
        done.set()
    return statuspage.rows(await reading, events.distinct / ingest["seconds"])


async def run(opts: Options, folder: Path) -> list[Row]:
    url = opts.database_url or f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    db = Database(url)
    async with SlackSandbox() as sandbox:
        secret = sandbox.signing_secret

        def process(**kwargs: Any) -> BotProcess:
            return BotProcess(
                folder, database_url=url, api_url=sandbox.api_url, signing_secret=secret, **kwargs
            )

        bot = process(env={"OUTAGEBOT_CONFIG": str(statuspage.config(folder))})
        first_start = await bot.start()
        try:
            channels = await declare(sandbox, bot, db, opts.channels)
            events = load.message_events(
                folder / "events.jsonl",
                channels,
                opts.events,
                repeated=opts.repeated,
                seed=opts.seed,
            )
            notes = await load.commands(folder / "notes.jsonl", sandbox, channels[0], opts.commands)
            cpu = bot.cpu_seconds()
            ingest = await load.send(bot.request_url, secret, events, opts.connections)
            cpu = bot.cpu_seconds() - cpu
            rss = bot.peak_rss_mb()
            rows_, distinct = await recorded(db)
            typed = await load.send(bot.request_url, secret, notes, opts.commands)
            noted = await count_notes(db)
            ready = await declare_to_ready(sandbox, bot, db)
            page = await read_status_page(opts, folder, sandbox, bot, channels)
        finally:
            await bot.stop()
        restart = await bot.start()
        await bot.stop()

        # The floor runs from this checkout (`bench` is no installed package).
        floor = process(module="bench.floor", env={"PYTHONPATH": str(CHECKOUT)})
        await floor.start()
        try:
            floor_cpu = floor.cpu_seconds()
            floor_ingest = await load.send(floor.request_url, secret, events, opts.connections)
            floor_cpu = floor.cpu_seconds() - floor_cpu
            floor_typed = await load.send(floor.request_url, secret, notes, opts.commands)
        finally:
            await floor.stop()
    await db.dispose()
    drafts, _chars = time_drafts(opts.entries, opts.features)
    chart = time_chart(opts.entries, opts.features)
    (folder / "changes").mkdir(exist_ok=True)
    changes = await bench_changes.run(folder / "changes")
    (folder / "checks").mkdir(exist_ok=True)
    checks = await bench_checks.run(folder / "checks")
    lookups = await time_lookups(folder)

    rate, floor_rate = (
        events.distinct / ingest["seconds"],
        events.distinct / floor_ingest["seconds"],
    )
    ms, floor_ms = ingest["ms"], floor_ingest["ms"]
    label = f"{opts.events:,} events, {opts.connections} conn"
    return [
        Row("ingest", f"events/s ({label})", rate, floor_rate, "≥1,000 or ≥0.66×floor",
            rate >= min(1000, 0.66 * floor_rate)),
        Row("ingest", "deliveries/s (retries too)", events.deliveries / ingest["seconds"],
            events.deliveries / floor_ingest["seconds"]),
        Row("ingest", "CPU ms per delivery", 1000 * cpu / events.deliveries,
            1000 * floor_cpu / events.deliveries),
        Row("ingest", "ack p50 ms", ms["p50"], floor_ms["p50"]),
        Row("ingest", "ack p95 ms", ms["p95"], floor_ms["p95"]),
        Row("ingest", "ack p99 ms", ms["p99"], floor_ms["p99"], "<100", ms["p99"] < 100),
        Row("ingest", "answers other than 200", failures(ingest), failures(floor_ingest), "0",
            failures(ingest) == 0),
        Row("ingest", "events lost", events.distinct - distinct, None, "0",
            distinct == events.distinct),
        Row("ingest", "events duplicated", rows_ - distinct, None, "0", rows_ == distinct),
        Row("ingest", f"peak RSS MB ({opts.events:,} events)", rss, None,
            "<200 at 100,000", rss < 200),
        Row("commands", f"ack p50 ms ({opts.commands} at once)", typed["ms"]["p50"],
            floor_typed["ms"]["p50"]),
        Row("commands", "ack p99 ms", typed["ms"]["p99"], floor_typed["ms"]["p99"], "<100",
            typed["ms"]["p99"] < 100),
        Row("commands", "notes not recorded", opts.commands - noted, None, "0",
            noted == opts.commands and failures(typed) == 0),
        Row("declare", f"s to a ready channel ({1000 * LATENCY:.0f} ms per Web API call)", ready,
            None, "≤0.5", ready <= 0.5),
        Row("drafts", f"s, both ({opts.entries:,} entries, {opts.features} features)", drafts,
            None, "<1", drafts < 1),
        Row("drafts", "s, the impact chart (PNG, same incident)", chart, None, "<1", chart < 1),
        Row("similar", "lookup p50 ms (1,000 closed, SQLite)", lookups["p50"], None, "<50",
            lookups["p50"] < 50),
        Row("similar", "lookup p95 ms", lookups["p95"], None, "<50", lookups["p95"] < 50),
        Row("similar", "lookup CPU ms (median)", lookups["cpu"]),
        Row("start-up", "s to /healthz 200, empty database", first_start, None, "<2",
            first_start < 2),
        Row("start-up", f"s, restart ({distinct:,} entries)", restart, None, "<2", restart < 2),
        *changes,
        *checks,
        *page,
    ]  # fmt: skip
