"""`/incident feature ...` over real HTTP with the sandbox, replaying the outage report's day."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.errors import InputError
from bot.sandbox.cast import GIULIA, INCIDENTS, MARCO
from bot.sandbox.stack import SandboxStack
from bot.time import durations
from bot.time.clock import ManualClock
from bot.timeline.export import export
from handlers.features import split_name_time
from handlers.views.close import CLOSE_BUTTON

from .helpers import recorded, status_message, status_updates

CPH = ZoneInfo("Europe/Copenhagen")


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 4, day, hour, minute, tzinfo=CPH)


@pytest.mark.parametrize(
    ("typed", "name", "at"),
    [
        ("Quotes at 10:40", "Quotes", local(30, 10, 40)),
        ("Purchases at yesterday 14:00", "Purchases", local(29, 14)),
        ("Acquisti alle 13:41", "Acquisti", local(30, 13, 41)),
        ("Acquisti ieri alle 14:30", "Acquisti", local(29, 14, 30)),
        ("Bulk export at 10:40", "Bulk export", local(30, 10, 40)),
        ("Look at me at 9", "Look at me", local(30, 9)),
        ("Look at me", "Look at me", None),
        # A time with its own "at" is read whole.
        ("Quotes at last night at 11", "Quotes", local(29, 23)),
        ("Purchases at this morning at 7", "Purchases", local(30, 7)),
        # Without "at": a time that cannot be part of a name is split off the end.
        ("Acquisti ieri 14:00", "Acquisti", local(29, 14)),
        ("Purchases yesterday 2pm", "Purchases", local(29, 14)),
        ("Offerte mezz'ora fa", "Offerte", local(30, 16, 30)),
        ("Bulk export 2", "Bulk export 2", None),
        ("Quotes", "Quotes", None),
    ],
)
def test_name_and_time_split_on_the_first_at_whose_rest_is_a_time(
    typed: str, name: str, at: datetime | None
) -> None:
    assert split_name_time(typed, now=local(30, 17), tz="Europe/Copenhagen") == (name, at)


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("Quotes at 18:00", "future"),
        ("Q at 25:00", "valid"),
        ("Q at 1<!here>", "1&lt;!here&gt;"),
        ("Acquisti ieri 25:00", "valid"),
        ("Acquisti 18:00", "future"),
        # The day before the keyword goes with the time, even when the time is refused.
        ("Acquisti domani alle 10", "future"),
        ("Quotes tomorrow at 9", "future"),
    ],
)
def test_a_refused_time_is_reported_not_read_as_a_name(typed: str, says: str) -> None:
    with pytest.raises(InputError, match=says):
        split_name_time(typed, now=local(30, 17), tz="Europe/Copenhagen")


async def test_the_outage_day(stack: SandboxStack, channel: str, clock: ManualClock) -> None:
    assert stack.services is not None
    steps = [
        (local(30, 10, 42), "feature down Quotes at 10:40", "*Quotes* down since 10:40"),
        (local(30, 13, 41), "feature down acquisti at yesterday 14:00", "since 14:00 on 29 Apr"),
        (local(30, 14, 30), "feature up Purchases", "restored at 14:30, down 24 h 30 min."),
        (local(30, 17, 30), "feature up offerte", "*Quotes* restored at 17:30, down 6 h 50 min."),
    ]
    for when, typed, says in steps:
        clock.set(when)
        updates = status_updates(stack, channel)
        reply = (await stack.run(channel, typed)).body
        assert reply["response_type"] == "in_channel"
        assert says in reply["text"]
        assert status_updates(stack, channel) == updates + 1  # the board, re-rendered in place
        if when == local(30, 13, 41):
            incident = await stack.services.incidents.get(1)
            announcement = next(
                m for m in stack.sandbox.messages(INCIDENTS) if m.ts == incident.announce_ts
            )
            assert "Purchases down 23 h 41 min · Quotes down 3 h 1 min" in str(announcement.blocks)

    # Feature changes leave the topic as it was: Slack would post a notice for each setting.
    notices = stack.sandbox.messages(channel, include_system=True)
    topic_notices = [m for m in notices if m.subtype == "channel_topic"]
    assert len(topic_notices) == 1

    quotes = ":large_green_circle: *Quotes* restored at 17:30 · down 6 h 50 min"
    purchases = ":large_green_circle: *Purchases* restored at 14:30 · down 24 h 30 min"
    listed = (await stack.run(channel, "feature list", user=GIULIA)).body
    assert "response_type" not in listed
    assert listed["text"] == f"*Features in INC-1*\n{purchases}\n{quotes}"
    assert f"*Features*\n{purchases}\n{quotes}" in status_message(stack, channel)

    entries = [e for e in await stack.services.timeline.entries(1) if e.kind == "feature"]
    assert [(e.data["feature"], e.data["state"], e.data["backdated"]) for e in entries] == [
        ("Purchases", "down", True),
        ("Quotes", "down", True),
        ("Purchases", "up", False),
        ("Quotes", "up", False),
    ]
    assert entries[0].recorded_at == local(30, 13, 41)
    assert entries[0].actor == MARCO
    for feature, expected in (("Quotes", "6 h 50 min"), ("Purchases", "24 h 30 min")):
        down, up = (e.occurred_at for e in entries if e.data["feature"] == feature)
        assert durations.short(durations.total([(down, up)], clock.now())) == expected

    # the timeline export opens with the same numbers as the status message
    incident = await stack.services.incidents.by_channel(channel)
    assert incident is not None
    impact = await stack.services.board.section_lines(incident)
    exported = await export(stack.services.timeline, stack.services.people, incident, "md", impact)
    assert "**Quotes** restored at 17:30 · down 6 h 50 min" in exported
    assert "**Purchases** restored at 14:30 · down 24 h 30 min" in exported


async def test_a_feature_out_twice_says_its_figure_is_a_total(
    stack: SandboxStack, channel: str, clock: ManualClock
) -> None:
    clock.set(local(30, 12))
    await stack.run(channel, "feature down Quotes at 10:40")
    first = (await stack.run(channel, "feature up Quotes at 11:00")).body["text"]
    assert first.endswith("restored at 11:00, down 20 min.")
    await stack.run(channel, "feature down Quotes at 11:30")
    again = (await stack.run(channel, "feature up Quotes at 11:45")).body["text"]
    assert again.endswith("restored at 11:45, down 35 min in all.")


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("feature down Quots", "Did you mean Quotes?"),
        ("feature up Purchases", "*Purchases* is not marked down"),
        ("feature down offerte", "*Quotes* is already down, since 10:40"),
        ("feature up Quotes at 10:30", "it cannot be back up at 10:30"),
        ("feature down Purchases at 12:00", "12:00 is in the future"),
        ("feature sideways Quotes", "is not a feature state"),
        ("feature down", "Which feature?"),
        ("feature down Purchases at noon", 'I can\'t read "noon" as a time.'),
        # A day without its time is neither part of the name nor "now" (issue 30, item 1).
        (
            "feature down Purchases yesterday",
            "When, yesterday? Write the time: `/incident feature down Purchases yesterday at",
        ),
        ("feature up Quotes this morning", "When, this morning? Write the time:"),
    ],
)
async def test_refusals_are_ephemeral_and_change_nothing(
    stack: SandboxStack, channel: str, clock: ManualClock, typed: str, says: str
) -> None:
    assert stack.services is not None
    await stack.run(channel, "feature down Quotes")
    clock.set(local(30, 11))
    before, updates = await recorded(stack.services), len(stack.sandbox.calls_to("chat.update"))
    reply = (await stack.run(channel, typed)).body
    assert "response_type" not in reply
    assert reply["text"].startswith(":warning:")
    assert says in reply["text"]
    assert stack.sandbox.ephemerals(MARCO, channel)[-1].text == reply["text"]
    assert await recorded(stack.services) == before
    assert len(stack.sandbox.calls_to("chat.update")) == updates


async def test_resolve_guard_restore_and_resolve(
    stack: SandboxStack, channel: str, clock: ManualClock
) -> None:
    assert stack.services is not None
    assert stack.driver is not None
    await stack.run(channel, "feature down Quotes")
    clock.set(local(30, 17, 30))
    question = (await stack.run(channel, "resolve")).body
    assert "Quotes is still down" in question["text"]
    buttons = [e["action_id"] for e in question["blocks"][-1]["elements"]]
    assert buttons == ["features_restore_and_resolve", "incident_resolve_confirm", "dismiss"]

    ephemeral = stack.sandbox.ephemerals(MARCO, channel)[-1]
    clicked = await stack.driver.click(
        MARCO, "features_restore_and_resolve", channel_id=channel, message_ts=ephemeral.ts
    )
    assert clicked.ok
    await stack.idle()
    incident = await stack.services.incidents.get(1)
    assert incident.status.value == "resolved"
    (quotes,) = await stack.services.features.statuses(incident)
    assert quotes.state.value == "up"
    assert quotes.down == timedelta(hours=6, minutes=50)
    said = stack.sandbox.messages(channel)[-1]
    assert "*Quotes* restored at 17:30" in said.text
    assert "resolved INC-1" in said.text
    # as after a plain resolve: the way on is the close button
    assert CLOSE_BUTTON in str(said.blocks)
    assert "Close and draft" in str(said.blocks)
    assert ":large_green_circle: *Quotes* restored at 17:30" in status_message(stack, channel)


async def test_a_time_typed_without_at_is_read_not_taken_as_the_name(
    stack: SandboxStack, channel: str, clock: ManualClock
) -> None:
    assert stack.services is not None
    clock.set(local(30, 13, 41))
    reply = (await stack.run(channel, "feature down Purchases yesterday 2pm")).body
    assert reply["response_type"] == "in_channel"
    assert "*Purchases* down since 14:00 on 29 Apr" in reply["text"]
    refused = (await stack.run(channel, "feature down Quotes 25:00")).body
    assert "response_type" not in refused
    assert "not a valid time of day" in refused["text"]
    [interval] = await stack.services.features.intervals(1)
    assert (interval.feature, interval.started_at) == ("Purchases", local(29, 14))


async def test_close_guard_names_the_features_and_restores_then_closes(
    stack: SandboxStack, channel: str, clock: ManualClock
) -> None:
    assert stack.services is not None
    assert stack.driver is not None
    await stack.run(channel, "feature down Quotes at 10:40")
    await stack.run(channel, "feature degraded Purchases")
    clock.set(local(30, 17, 30))
    question = (await stack.run(channel, "close")).body
    assert "INC-1 is not resolved and still open:" in question["text"]
    assert "Quotes is still down" in question["text"]
    assert "Purchases is still degraded" in question["text"]
    assert "`/incident feature up NAME at HH:MM`" in question["text"]
    buttons = [e["action_id"] for e in question["blocks"][-1]["elements"]]
    assert buttons == ["features_restore_and_close", "incident_close_confirm", "dismiss"]
    assert stack.sandbox.latest_view(MARCO) is None
    assert (await stack.services.incidents.get(1)).status.value == "investigating"

    ephemeral = stack.sandbox.ephemerals(MARCO, channel)[-1]
    clicked = await stack.driver.click(
        MARCO, "features_restore_and_close", channel_id=channel, message_ts=ephemeral.ts
    )
    assert clicked.ok
    await stack.idle()
    incident = await stack.services.incidents.get(1)
    assert incident.status.value == "resolved"
    assert {s.state.value for s in await stack.services.features.statuses(incident)} == {"up"}
    assert "*Quotes*, *Purchases* restored at 17:30" in stack.sandbox.messages(channel)[-1].text
    view = stack.sandbox.latest_view(MARCO)  # the close form, opened by the click
    assert view is not None
    confirmed = {"no_followups": {"value": ["yes"]}}
    assert (await stack.driver.submit_view(MARCO, view.id, confirmed)).ok
    await stack.idle()
    assert (await stack.services.incidents.get(1)).status.value == "closed"


async def test_close_anyway_keeps_the_feature_down_and_cancel_keeps_it_open(
    stack: SandboxStack, channel: str, clock: ManualClock
) -> None:
    assert stack.services is not None
    assert stack.driver is not None
    await stack.run(channel, "feature down Quotes at 10:40")
    await stack.run(channel, "close")
    ephemeral = stack.sandbox.ephemerals(MARCO, channel)[-1]
    await stack.driver.click(MARCO, "dismiss", channel_id=channel, message_ts=ephemeral.ts)
    await stack.idle()
    assert stack.sandbox.latest_view(MARCO) is None
    assert (await stack.services.incidents.get(1)).is_open

    await stack.run(channel, "close")
    ephemeral = stack.sandbox.ephemerals(MARCO, channel)[-1]
    await stack.driver.click(
        MARCO, "incident_close_confirm", channel_id=channel, message_ts=ephemeral.ts
    )
    await stack.idle()
    view = stack.sandbox.latest_view(MARCO)
    assert view is not None
    await stack.driver.submit_view(MARCO, view.id, {"no_followups": {"value": ["yes"]}})
    await stack.idle()
    incident = await stack.services.incidents.get(1)
    assert incident.status.value == "closed"
    (quotes,) = await stack.services.features.statuses(incident)
    assert quotes.state.value == "down"  # kept, as chosen: the record and drafts say so


async def test_resolve_anyway_keeps_the_feature_down_in_the_record(
    stack: SandboxStack, channel: str, clock: ManualClock
) -> None:
    assert stack.services is not None
    assert stack.driver is not None
    await stack.run(channel, "feature degraded Quotes at 10:40")
    clock.set(local(30, 12))
    await stack.run(channel, "resolve")
    ephemeral = stack.sandbox.ephemerals(MARCO, channel)[-1]
    await stack.driver.click(
        MARCO, "incident_resolve_confirm", channel_id=channel, message_ts=ephemeral.ts
    )
    await stack.idle()
    # The question is gone and the resolution is said in the channel, for everyone.
    assert ephemeral.ts not in [e.ts for e in stack.sandbox.ephemerals(MARCO, channel)]
    assert any("resolved INC-1 after" in (m.text or "") for m in stack.sandbox.messages(channel))
    clock.set(local(30, 15))
    incident = await stack.services.incidents.get(1)
    assert incident.status.value == "resolved"
    (quotes,) = await stack.services.features.statuses(incident)
    assert quotes.state.value == "degraded"
    assert quotes.degraded == timedelta(hours=1, minutes=20)
    assert "*Quotes* degraded since 10:40 · degraded 1 h 20 min" in status_message(stack, channel)


async def test_without_features_out_resolve_offers_no_restore(
    stack: SandboxStack, channel: str
) -> None:
    reply = (await stack.run(channel, "resolve")).body
    assert reply["response_type"] == "in_channel"
    assert "resolved INC-1" in reply["text"]


async def test_features_chosen_in_the_declare_modal_are_down_from_the_declaration(
    stack: SandboxStack, clock: ManualClock
) -> None:
    assert stack.services is not None
    assert stack.driver is not None
    await stack.driver.command(GIULIA, INCIDENTS, "declare")
    view = stack.sandbox.latest_view(GIULIA)
    assert view is not None
    await stack.driver.submit_view(
        GIULIA, view.id, {"title": {"value": "Offerte vuote"}, "features": {"value": ["Quotes"]}}
    )
    await stack.idle()
    incident = await stack.services.incidents.get(1)
    assert incident.channel_id
    (quotes,) = await stack.services.features.statuses(incident)
    assert quotes.since == incident.declared_at
    assert quotes.state.value == "down"
    assert ":red_circle: *Quotes* down since 10:40" in status_message(stack, incident.channel_id)
