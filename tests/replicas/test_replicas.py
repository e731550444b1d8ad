"""Two `outagebot run` processes on one PostgreSQL database, behind one Slack, in HTTP mode
and in Socket Mode.

Slack's deliveries are spread across both replicas, and every event also reaches the other one
at the same moment as Slack's retry, so the two race on every event. Each message must be
recorded once, and each due nudge and maintenance reminder posted once, although both replicas'
schedule loops poll the same rows.
"""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot.sandbox import DriverReply, SlackDriver, SlackSandbox, payloads
from bot.sandbox.cast import INCIDENTS, MARCO
from bot.sandbox.process import BotProcess
from bot.sandbox.server import SIGNING_SECRET
from bot.sandbox.state import APP_TOKEN
from bot.store import tables
from bot.store.database import Database

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("OUTAGEBOT_TEST_DATABASE_URL"),
        reason="replicas share a PostgreSQL database: set OUTAGEBOT_TEST_DATABASE_URL "
        "(CI's second pass does)",
    ),
    # Two bot subprocesses on one database: left out of the inner loop, `-m "not slow"`.
    pytest.mark.slow,
]

MESSAGES = 60
LATE_RETRIES = 15
ROUNDS = 3
# Both replicas look for due work this often: many chances to collide within a round.
TICK = 0.05


def resigned(body: bytes, headers: Mapping[str, str], retry: int, later: int) -> dict[str, str]:
    """Slack's retry: the same body, signed anew `later` seconds on, marked as retry `retry`."""
    stamp = int(headers["X-Slack-Request-Timestamp"]) + later
    signed = payloads.sign(body, SIGNING_SECRET, stamp, content_type=headers["Content-Type"])
    return {**signed, "X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}


class SpreadDriver(SlackDriver):
    """Slack behind a load balancer, retrying: each delivery goes to the next replica and, at
    the same moment, as Slack's retry to the other one."""

    def __init__(self, sandbox: SlackSandbox, replicas: list[SlackDriver]) -> None:
        super().__init__(sandbox, replicas[0].request_url)
        self.replicas = replicas
        self.sent: list[tuple[bytes, dict[str, str]]] = []
        self.replies: list[DriverReply] = []

    async def deliver_raw(self, body: bytes, headers: Mapping[str, str]) -> DriverReply:
        first, second = self.replicas[len(self.sent) % 2], self.replicas[(len(self.sent) + 1) % 2]
        self.sent.append((body, dict(headers)))
        replies = await asyncio.gather(
            first.deliver_raw(body, headers),
            second.deliver_raw(body, resigned(body, headers, retry=1, later=1)),
        )
        self.replies.extend(replies)
        return replies[0]


@pytest.fixture
async def sandbox() -> AsyncIterator[SlackSandbox]:
    async with SlackSandbox() as running:
        yield running


@pytest.fixture
def db_url(tmp_path: Path, database_for: Callable[[Path], str]) -> str:
    return database_for(tmp_path)


@pytest.fixture
async def replicas(
    tmp_path: Path, db_url: str, sandbox: SlackSandbox
) -> AsyncIterator[list[BotProcess]]:
    async for bots in running(tmp_path, db_url, sandbox, {}):
        yield bots


@pytest.fixture
async def socket_replicas(
    tmp_path: Path, db_url: str, sandbox: SlackSandbox
) -> AsyncIterator[list[BotProcess]]:
    async for bots in running(tmp_path, db_url, sandbox, {"SLACK_APP_TOKEN": APP_TOKEN}):
        yield bots


async def running(
    folder: Path, db_url: str, sandbox: SlackSandbox, env: dict[str, str]
) -> AsyncIterator[list[BotProcess]]:
    bots = [
        BotProcess(
            folder,
            database_url=db_url,
            api_url=sandbox.api_url,
            signing_secret=sandbox.signing_secret,
            env={"OUTAGEBOT_SCHEDULE_TICK": str(TICK), **env},
        )
        for _ in range(2)
    ]
    try:
        # Started together: both migrate the empty database at once and must take turns.
        await asyncio.gather(*(bot.start() for bot in bots))
        yield bots
    finally:
        codes = [await bot.stop() for bot in bots]
    assert codes == [0, 0], "\n".join(bot.log_tail() for bot in bots)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    yield database
    await database.dispose()


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def scalar(db: Database, query: object) -> object:
    async with db.connect() as conn:
        return (await conn.execute(query)).scalar_one_or_none()  # type: ignore[call-overload]


async def test_replicas_record_each_event_once_and_remind_once(
    sandbox: SlackSandbox, replicas: list[BotProcess], db: Database
) -> None:
    direct = [SlackDriver(sandbox, bot.request_url) for bot in replicas]
    spread = SpreadDriver(sandbox, direct)
    incidents, entries, schedules = tables.incidents, tables.timeline_entries, tables.schedules

    reply = await direct[0].command(MARCO, INCIDENTS, "declare Quotes gone after the deploy")
    assert reply.ok
    assert "INC-1" in reply.text

    async def set_up() -> bool:
        return (
            await scalar(db, select(incidents.c.status_ts).where(incidents.c.id == 1)) is not None
        )

    await eventually(set_up)
    channel = str(await scalar(db, select(incidents.c.channel_id).where(incidents.c.id == 1)))

    # Chat in the incident channel, ten messages at a time, then some of Slack's late retries.
    for start in range(0, MESSAGES, 10):
        await asyncio.gather(
            *(spread.message(MARCO, channel, f"update {n}") for n in range(start, start + 10))
        )
    rng = random.Random(10)
    for body, headers in rng.sample(spread.sent, LATE_RETRIES):
        retry = resigned(body, headers, retry=2, later=2)
        spread.replies.append(await rng.choice(direct).deliver_raw(body, retry))

    assert len(spread.replies) == 2 * MESSAGES + LATE_RETRIES
    assert all(r.status == 200 and r.within_deadline for r in spread.replies)
    recorded = select(func.count()).where(entries.c.kind == "message")
    assert await scalar(db, recorded) == MESSAGES
    distinct = select(func.count(func.distinct(entries.c.ts))).where(entries.c.kind == "message")
    assert await scalar(db, distinct) == MESSAGES

    # A maintenance window left on, so its reminder is due as often as the nudge.
    now = datetime.now(UTC)
    async with db.begin() as conn:
        await conn.execute(
            tables.maintenance_windows.insert().values(
                incident_id=1, target="web", provider="dryrun", dry_run=True, started_at=now
            )
        )
        await conn.execute(
            schedules.insert().values(incident_id=1, kind="maintenance:web", due_at=now)
        )

    def said(marker: str) -> int:
        return sum(marker in m.text for m in sandbox.messages(channel))

    for round_ in range(1, ROUNDS + 1):
        async with db.begin() as conn:  # an hour of silence has passed, all at once
            now = datetime.now(UTC)
            await conn.execute(update(incidents).values(last_update_at=now - timedelta(hours=1)))
            await conn.execute(update(schedules).values(due_at=now - timedelta(seconds=1)))

        async def both_said(n: int = round_) -> bool:
            return said("no status update") >= n and said("DRY RUN") >= n

        await eventually(both_said)
        await asyncio.sleep(20 * TICK)  # each replica looked many more times meanwhile
        assert (said("no status update"), said("DRY RUN")) == (round_, round_)

    nudges = select(func.count()).where(entries.c.kind == "nudge")
    assert await scalar(db, nudges) == ROUNDS
    for driver in [*direct, spread]:
        await driver.aclose()


async def test_socket_mode_replicas_share_the_deliveries_and_record_each_once(
    sandbox: SlackSandbox, socket_replicas: list[BotProcess], db: Database
) -> None:
    """Each replica opens its own connection; Slack spreads envelopes over both, and an
    envelope sent again (as after a lost ack) may reach the other replica."""
    driver = SlackDriver(sandbox, "", transport="socket")
    assert sandbox.socket.connected == 2
    reply = await driver.command(MARCO, INCIDENTS, "declare Quotes gone after the deploy")
    assert reply.ok
    assert "INC-1" in reply.text
    incidents, entries = tables.incidents, tables.timeline_entries

    async def set_up() -> bool:
        return (
            await scalar(db, select(incidents.c.status_ts).where(incidents.c.id == 1)) is not None
        )

    await eventually(set_up)
    channel = str(await scalar(db, select(incidents.c.channel_id).where(incidents.c.id == 1)))
    for start in range(0, MESSAGES, 10):
        await asyncio.gather(
            *(driver.message(MARCO, channel, f"update {n}") for n in range(start, start + 10))
        )
    messages = [d for d in sandbox.socket.deliveries if d.type == "events_api"]
    for delivery in random.Random(10).sample(messages, LATE_RETRIES):
        assert (await driver.deliver(delivery.payload, retry_num=1, retry_reason="timeout")).ok

    recorded = select(func.count()).where(entries.c.kind == "message")
    assert await scalar(db, recorded) == MESSAGES
    distinct = select(func.count(func.distinct(entries.c.ts))).where(entries.c.kind == "message")
    assert await scalar(db, distinct) == MESSAGES
    deliveries = [d for d in sandbox.socket.deliveries if d.type == "events_api"]
    assert all(d.acked for d in deliveries)
    assert len({d.connection for d in deliveries}) == 2, "both replicas took envelopes"
    await driver.aclose()
