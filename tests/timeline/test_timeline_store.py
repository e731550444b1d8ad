"""The timeline's message records on a real database: once per ts, edits, marks, deletions."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.models import EntryKind, Incident, TimelineEntry
from bot.sandbox.cast import GIULIA, MARCO
from bot.services import Services
from bot.slack.ts import ts_instant
from bot.timeline.capture import read_message
from handlers.timeline import MAX_BLOCKS, SECTION_CHARS, paginate

from .helpers import CHANNEL, TS, incident_in, record


async def only_message(services: Services, incident: Incident) -> TimelineEntry:
    [entry] = [
        e for e in await services.timeline.entries(incident.id) if e.kind is EntryKind.message
    ]
    return entry


def test_ts_is_an_exact_instant() -> None:
    assert ts_instant("1777449660.000001") == datetime(2026, 4, 29, 8, 1, 0, 1, tzinfo=UTC)
    assert ts_instant("1777449660.9") == datetime(2026, 4, 29, 8, 1, 0, 900000, tzinfo=UTC)


def test_read_message_keeps_people_and_drops_bots_and_notices() -> None:
    person = {"type": "message", "user": MARCO, "ts": TS, "text": "x", "thread_ts": TS}
    parent = read_message(person)
    assert parent is not None
    assert parent.thread_ts is None
    reply = read_message({**person, "thread_ts": "1777449600.000000"})
    assert reply is not None
    assert reply.thread_ts == "1777449600.000000"
    files = read_message({**person, "subtype": "file_share", "files": [{"name": "a.log"}]})
    assert files is not None
    assert files.data() == {"files": ["a.log"]}
    assert read_message({**person, "bot_id": "B1"}) is None
    assert read_message({**person, "subtype": "channel_join"}) is None
    assert read_message({**person, "subtype": "tombstone"}) is None
    assert read_message({"type": "message", "ts": TS, "text": "webhook"}) is None


async def test_a_message_is_recorded_once(services: Services) -> None:
    incident = await incident_in(services)
    assert await record(services, incident)
    assert not await record(services, incident, text="same ts, other delivery")
    entry = await only_message(services, incident)
    assert entry.text == "hi"
    assert entry.occurred_at == ts_instant(TS)
    assert not entry.is_key


async def test_edits_keep_each_earlier_text_once_and_in_order(services: Services) -> None:
    incident = await incident_in(services)
    await record(services, incident, text="v1")
    first, second = "1777449700.000000", "1777449800.000000"
    revise = services.timeline.revise_message
    assert await revise(CHANNEL, TS, "v2", edit_ts=first, edited_at=ts_instant(first))
    assert not await revise(CHANNEL, TS, "v2", edit_ts=first, edited_at=ts_instant(first))
    assert await revise(CHANNEL, TS, "v3", edit_ts=second, edited_at=ts_instant(second))
    # A late retry of the first edit must not bring its text back.
    assert not await revise(CHANNEL, TS, "v2", edit_ts=first, edited_at=ts_instant(first))
    assert not await revise(CHANNEL, "1.0", "lost", edit_ts=second, edited_at=ts_instant(second))
    entry = await only_message(services, incident)
    assert entry.text == "v3"
    assert [(r.text, r.replaced_at) for r in entry.revisions] == [
        ("v1", ts_instant(first)),
        ("v2", ts_instant(second)),
    ]


async def test_a_message_stays_key_while_anyone_marks_it(services: Services) -> None:
    incident = await incident_in(services)
    await record(services, incident)
    mark = services.timeline.mark
    assert await mark(CHANNEL, TS, add={"pin"}) == (False, True)
    assert await mark(CHANNEL, TS, add={f"reaction:{GIULIA}"}) == (True, True)
    assert await mark(CHANNEL, TS, remove={"pin"}) == (True, True)
    assert (await only_message(services, incident)).data["marks"] == [f"reaction:{GIULIA}"]
    assert await mark(CHANNEL, TS, remove={f"reaction:{GIULIA}"}) == (True, False)
    assert await mark(CHANNEL, "1.0", add={"pin"}) is None
    assert not (await only_message(services, incident)).is_key


async def test_deleted_messages_are_kept_and_marked(services: Services) -> None:
    incident = await incident_in(services)
    await record(services, incident)
    assert await services.timeline.mark_deleted(CHANNEL, TS)
    assert not await services.timeline.mark_deleted(CHANNEL, TS)
    entry = await only_message(services, incident)
    assert entry.deleted
    assert entry.text == "hi"
    shown = await services.timeline.entries(incident.id, include_deleted=False)
    assert all(e.kind is not EntryKind.message for e in shown)


def test_pages_stay_within_block_kit_limits() -> None:
    lines = [f"*10:{i % 60:02d}* · Marco · " + "x" * (i % 900) for i in range(2000)]
    pages = paginate(lines)
    assert "\n".join(s for page in pages for s in page).split("\n") == lines
    assert all(1 <= len(page) <= MAX_BLOCKS - 2 for page in pages)
    assert all(len(section) <= SECTION_CHARS for page in pages for section in page)
    assert paginate(["one"]) == [["one"]]


async def test_concurrent_marks_are_all_kept(services: Services) -> None:
    incident = await incident_in(services)
    await record(services, incident)
    users = [f"U{i:03d}" for i in range(20)]
    await asyncio.gather(
        *(services.timeline.mark(CHANNEL, TS, add={f"reaction:{u}"}) for u in users)
    )
    entry = await only_message(services, incident)
    assert entry.data["marks"] == sorted(f"reaction:{u}" for u in users)
