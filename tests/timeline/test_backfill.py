"""Nothing lost while the bot is down: what Slack shows at start-up is recorded, once."""

from __future__ import annotations

from datetime import timedelta

from bot.models import Incident
from bot.sandbox import payloads
from bot.sandbox.cast import GIULIA, LUCA, MARCO
from bot.sandbox.stack import SandboxStack
from bot.sandbox.state import BOT_USER_ID, Channel, Message
from bot.timeline.capture import CONFIRM_REACTION

from .helpers import messages, running


def message(channel: Channel, ts: str) -> Message:
    found = channel.message(ts)
    assert found is not None
    return found


async def test_messages_posted_while_down_are_recorded_once_at_start(
    stack: SandboxStack, incident: Incident
) -> None:
    driver, _ = running(stack)
    channel_id = incident.channel_id
    assert channel_id
    clock, ws = stack.clock, stack.sandbox.state
    channel = ws.channels[channel_id]
    seen = [await driver.message(GIULIA, channel_id, f"before {i}") for i in range(4)]
    thread = await driver.message(MARCO, channel_id, "thread before", thread_ts=seen[0])
    await stack.idle()

    await stack.stop_bot()
    clock.advance(timedelta(minutes=5))

    def post(user: str, text: str, thread_ts: str | None = None) -> str:
        clock.advance(timedelta(seconds=20))
        return ws.post(channel, now=clock.now(), user=user, text=text, thread_ts=thread_ts).ts

    down = [post(LUCA, "down 1"), post(MARCO, "down 2 <@U02GIULIA>")]
    down.append(post(GIULIA, "first reply to an old message", thread_ts=seen[1]))
    down.append(post(LUCA, "late reply in an old thread", thread_ts=seen[0]))
    down.append(post(MARCO, "reply in a new thread", thread_ts=down[0]))
    ws.post_as_bot(channel, now=clock.now(), text="a bot's post")
    ws.edit(channel, message(channel, seen[2]), by=GIULIA, now=clock.now(), text="before 2, fixed")
    ws.delete(channel, message(channel, seen[3]))
    ws.add_reaction(message(channel, seen[1]), "pushpin", LUCA)
    ws.pin(channel, message(channel, down[1]), by=LUCA, now=clock.now())

    await stack.start_bot()
    await stack.idle()
    entries = {e.ts: e for e in await messages(stack, incident)}
    assert set(entries) == {*seen, thread, *down}
    assert entries[seen[2]].text == "before 2, fixed"
    assert [r.text for r in entries[seen[2]].revisions] == ["before 2"]
    assert entries[seen[3]].deleted
    assert entries[seen[3]].text == "before 3"
    assert entries[down[2]].thread_ts == seen[1]
    assert entries[down[4]].thread_ts == down[0]
    assert entries[seen[1]].data["marks"] == [f"reaction:{LUCA}"]
    assert entries[down[1]].data["marks"] == ["pin"]
    assert {ts for ts, e in entries.items() if e.is_key} == {seen[1], down[1]}
    for ts in (seen[1], down[1]):
        assert message(channel, ts).reactions[CONFIRM_REACTION] == [BOT_USER_ID]

    # Slack delivering one of them late, and a backfill after a reconnect, change nothing.
    driver, services = running(stack)
    late = payloads.message_event(channel=channel_id, user=LUCA, text="down 1", ts=down[0])
    assert (await driver.send_event(late)).ok
    assert await services.backfill.backfill_open_incidents() == 0
    await stack.restart_bot()
    await stack.idle()
    after = await messages(stack, incident)
    assert [e.model_dump() for e in after] == [e.model_dump() for e in entries.values()]


async def test_marks_removed_while_down_are_removed(
    stack: SandboxStack, incident: Incident
) -> None:
    driver, _ = running(stack)
    channel_id = incident.channel_id
    assert channel_id
    channel = stack.sandbox.state.channels[channel_id]
    ts = await driver.message(GIULIA, channel_id, "deploy started")
    await driver.react(MARCO, channel_id, ts, "pushpin")
    await driver.pin(MARCO, channel_id, ts)
    await stack.idle()
    await stack.stop_bot()
    stack.sandbox.state.remove_reaction(message(channel, ts), "pushpin", MARCO)
    stack.sandbox.state.unpin(channel, message(channel, ts))
    await stack.start_bot()
    await stack.idle()
    [entry] = await messages(stack, incident)
    assert not entry.is_key
    assert entry.data["marks"] == []
    assert CONFIRM_REACTION not in message(channel, ts).reactions
