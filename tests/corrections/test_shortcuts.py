"""The typed shortcuts (a feature already down or up, typed again with a time), the *Correct
time* message shortcut, and the form's paging and filter under Slack's 100-block limit."""

from __future__ import annotations

from datetime import timedelta

from bot.models import Incident
from bot.sandbox.cast import GIULIA, MARCO
from bot.sandbox.stack import SandboxStack
from handlers.views.correct import CONFIRM, FILTER

from .conftest import facts, local, submit_open_form


async def confirm_last_prompt(stack: SandboxStack, channel: str, user: str = MARCO) -> None:
    assert stack.driver is not None
    prompt = stack.sandbox.ephemerals(user, channel)[-1]
    reply = await stack.driver.click(user, CONFIRM, channel_id=channel, message_ts=prompt.ts)
    assert reply.ok
    await stack.idle()


async def test_feature_down_again_moves_its_start_after_confirmation(
    stack: SandboxStack,
) -> None:
    incident = await stack.declare("Purchases gone")
    channel = incident.channel_id or ""
    stack.clock.set(local(30, 13, 41))
    await stack.run(channel, "feature down Acquisti at yesterday 14:00", user=GIULIA)
    before = await facts(stack, incident)
    answer = await stack.run(channel, "feature down Acquisti at yesterday 13:58", user=GIULIA)
    question = answer.body["text"]
    assert "*Purchases* is already recorded down since 29 Apr 14:00." in question
    assert "29 Apr 14:00 -> 29 Apr 13:58" in question
    assert await facts(stack, incident) == before  # nothing changed before the click
    await confirm_last_prompt(stack, channel, GIULIA)
    assert (await facts(stack, incident))["Purchases:start"].value == local(29, 13, 58)
    said = [m.text or "" for m in stack.sandbox.messages(channel)]
    assert any("corrected the record: Purchases: down since 29 Apr 13:58" in t for t in said)
    listed = (await stack.run(channel, "feature list")).body["text"]
    assert "down 23 h 43 min" in listed  # 29/04 13:58 -> 30/04 13:41
    assert stack.driver is not None
    await stack.driver.open_home(GIULIA)  # App Home lists what is still out, corrected
    await stack.idle()
    home = stack.driver.latest_view(GIULIA, type="home")
    assert home is not None
    assert "Purchases down 23 h 43 min" in str(home.view["blocks"])
    assert "23 h 41 min" not in str(home.view["blocks"])  # as typed: 29/04 14:00


async def test_feature_up_again_moves_its_end(stack: SandboxStack, day: Incident) -> None:
    channel = day.channel_id or ""
    answer = await stack.run(channel, "feature up Offerte at 17:25")
    assert "17:30 -> 17:25" in answer.body["text"]
    await confirm_last_prompt(stack, channel)
    assert (await facts(stack, day))["Quotes:end"].value == local(30, 17, 25)
    listed = (await stack.run(channel, "feature list")).body["text"]
    assert "down 6 h 45 min" in listed


async def test_a_correction_that_would_be_refused_is_refused_before_it_is_asked(
    stack: SandboxStack, day: Incident
) -> None:
    channel = day.channel_id or ""
    before = await facts(stack, day)
    answer = await stack.run(channel, "feature up Offerte at 10:30")
    assert "The end (10:30) must come after the start (10:40)." in answer.body["text"]
    assert "Correct the record" not in answer.body["text"]
    assert not stack.sandbox.ephemerals(MARCO, channel)[-1].blocks  # no button to press
    assert await facts(stack, day) == before


async def test_the_same_time_again_is_still_refused(stack: SandboxStack) -> None:
    incident = await stack.declare("Quotes gone")
    channel = incident.channel_id or ""
    await stack.run(channel, "feature down Quotes at 10:40")
    answer = await stack.run(channel, "feature down Quotes at 10:40")
    assert "already down, since 10:40" in answer.body["text"]


async def test_correct_time_on_a_key_message_opens_the_form_at_it(
    stack: SandboxStack, day: Incident
) -> None:
    assert stack.driver is not None
    channel = day.channel_id or ""
    ts = await stack.driver.message(MARCO, channel, "Trovato: il deploy di ieri")
    await stack.driver.pin(MARCO, channel, ts)
    await stack.idle()
    reply = await stack.driver.message_shortcut(MARCO, "correct_time", channel, ts)
    assert reply.ok
    view = stack.driver.latest_view(MARCO)
    assert view is not None
    entry = await stack.services.corrections.entry_of(channel, ts)
    assert f"t|entry:{entry}:time" in {b.get("block_id") for b in view.view["blocks"]}
    reply = await submit_open_form(stack, {f"entry:{entry}:time": local(30, 13, 40)}, "late")
    assert not reply.text.strip()
    entries = await stack.services.timeline.entries(day.id)
    assert next(e for e in entries if e.id == entry).occurred_at == local(30, 13, 40)


async def test_correct_time_on_plain_chat_says_what_to_do(
    stack: SandboxStack, day: Incident
) -> None:
    assert stack.driver is not None
    channel = day.channel_id or ""
    ts = await stack.driver.message(MARCO, channel, "qualcuno guarda i log?")
    await stack.idle()
    await stack.driver.message_shortcut(MARCO, "correct_time", channel, ts)
    await stack.idle()
    assert stack.driver.latest_view(MARCO) is None
    said = [e.text or "" for e in stack.sandbox.ephemerals(MARCO, channel)]
    assert any("mark it key first" in text for text in said)


async def test_a_long_incident_pages_its_facts(stack: SandboxStack) -> None:
    assert stack.driver is not None
    incident = await stack.declare("A long day")
    channel = incident.channel_id or ""
    stack.clock.advance(timedelta(hours=3))
    for minute in range(45):
        await stack.run(channel, f"note 11:{minute:02d} step {minute}")
    await stack.run(channel, "correct")
    view = stack.driver.latest_view(MARCO)
    assert view is not None
    first = view.view["blocks"]
    assert len(first) <= 100
    assert "Page 1 of" in str(first)
    shown = str(first)
    view_id, pages = view.id, [first]
    while "correct_page_next" in str(pages[-1]):
        await stack.driver.click(MARCO, "correct_page_next", view_id=view_id)
        await stack.idle()
        following = stack.driver.latest_view(MARCO)
        assert following is not None
        view_id = following.id
        pages.append(following.view["blocks"])
    assert len(pages) == 3
    assert all(len(blocks) <= 100 for blocks in pages)
    assert "Page 3 of 3" in str(pages[-1])
    assert "step 44" not in shown
    for minute in range(45):  # every note on exactly one page
        assert sum(f"step {minute}'" in str(blocks) for blocks in pages) == 1
    second = stack.driver.latest_view(MARCO)
    assert second is not None
    # The filter narrows the form to the features (none here).
    await stack.driver.click(MARCO, FILTER, "feature", view_id=second.id)
    await stack.idle()
    features = stack.driver.latest_view(MARCO)
    assert features is not None
    assert "Nothing of this kind is recorded." in str(features.view["blocks"])
