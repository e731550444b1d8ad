"""views.*: one-use trigger_ids, view ids and hashes, modal stacks and Home tabs."""

from __future__ import annotations

from datetime import timedelta

from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox import SlackSandbox
from bot.time.clock import ManualClock


def modal(title: str = "Declare incident", **extra) -> dict:  # type: ignore[no-untyped-def]
    return {
        "type": "modal",
        "callback_id": "declare",
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Declare"},
        "blocks": [
            {
                "type": "input",
                "block_id": "title",
                "label": {"type": "plain_text", "text": "Title"},
                "element": {"type": "plain_text_input", "action_id": "value"},
            }
        ],
        **extra,
    }


async def test_open_needs_a_fresh_trigger(
    client: AsyncWebClient, sandbox: SlackSandbox, clock: ManualClock, error_of
):
    trigger = sandbox.state.issue_trigger("U01MARCO", now=clock.now())
    opened = await client.views_open(trigger_id=trigger, view=modal(private_metadata="C0INC"))

    view = opened["view"]
    assert view["id"].startswith("V")
    assert view["callback_id"] == "declare"
    assert view["private_metadata"] == "C0INC"
    assert view["state"] == {"values": {}}
    assert sandbox.latest_view("U01MARCO").id == view["id"]
    assert await error_of(client.views_open(trigger_id=trigger, view=modal())) == (
        "exchanged_trigger_id"
    )
    assert await error_of(client.views_open(trigger_id="123.456.nope", view=modal())) == (
        "invalid_trigger_id"
    )
    stale = sandbox.state.issue_trigger("U01MARCO", now=clock.now())
    clock.advance(timedelta(seconds=4))
    assert await error_of(client.views_open(trigger_id=stale, view=modal())) == (
        "expired_trigger_id"
    )


async def test_open_refuses_views_slack_refuses(
    client: AsyncWebClient, sandbox: SlackSandbox, clock: ManualClock, error_of
):
    def trigger() -> str:
        return sandbox.state.issue_trigger("U01MARCO", now=clock.now())

    long_title = client.views_open(trigger_id=trigger(), view=modal("x" * 25))
    assert await error_of(long_title) == "invalid_arguments"
    no_submit = modal()
    del no_submit["submit"]
    assert await error_of(client.views_open(trigger_id=trigger(), view=no_submit)) == (
        "invalid_arguments"
    )
    # The trigger was never spent by the refused calls.
    good = trigger()
    assert (await client.views_open(trigger_id=good, view=modal()))["ok"] is True


async def test_update_by_id_or_external_id_with_hash(
    client: AsyncWebClient, sandbox: SlackSandbox, clock: ManualClock, error_of
):
    trigger = sandbox.state.issue_trigger("U02GIULIA", now=clock.now())
    view = (await client.views_open(trigger_id=trigger, view=modal(external_id="inc-7")))["view"]

    updated = await client.views_update(
        view_id=view["id"], hash=view["hash"], view=modal("Step 2", external_id="inc-7")
    )
    assert updated["view"]["id"] == view["id"]
    assert updated["view"]["title"]["text"] == "Step 2"
    assert updated["view"]["hash"] != view["hash"]
    stale = client.views_update(view_id=view["id"], hash=view["hash"], view=modal("Step 3"))
    assert await error_of(stale) == "hash_conflict"

    by_external = await client.views_update(external_id="inc-7", view=modal("Step 3"))
    assert by_external["view"]["id"] == view["id"]
    assert await error_of(client.views_update(view_id="V404", view=modal())) == "not_found"


async def test_push_on_a_trigger_from_inside_a_modal(
    client: AsyncWebClient, sandbox: SlackSandbox, clock: ManualClock, error_of
):
    ws = sandbox.state
    root = (
        await client.views_open(
            trigger_id=ws.issue_trigger("U01MARCO", now=clock.now()), view=modal()
        )
    )["view"]
    for _ in range(2):
        inside = ws.issue_trigger("U01MARCO", now=clock.now(), view_id=root["id"])
        pushed = (await client.views_push(trigger_id=inside, view=modal("More")))["view"]
        assert pushed["root_view_id"] == root["id"]
    inside = ws.issue_trigger("U01MARCO", now=clock.now(), view_id=root["id"])
    assert await error_of(client.views_push(trigger_id=inside, view=modal())) == (
        "push_limit_reached"
    )


async def test_publish_home_keeps_one_view_per_user(client: AsyncWebClient, error_of):
    home = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "0"}}],
    }
    first = await client.views_publish(user_id="U03LUCA", view=home)
    second = await client.views_publish(user_id="U03LUCA", view=home)
    assert first["view"]["type"] == "home"
    assert second["view"]["id"] == first["view"]["id"]
    assert await error_of(client.views_publish(user_id="U404", view=home)) == "user_not_found"
    assert await error_of(client.views_publish(user_id="U03LUCA", view=modal())) == (
        "invalid_arguments"
    )
