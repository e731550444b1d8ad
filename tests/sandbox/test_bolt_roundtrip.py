"""A real Bolt AsyncApp in HTTP mode accepts the driver's requests and talks to the sandbox.

This is the proof that payloads, signatures, trigger_ids and response_urls fit together the
way the bot will use them: nothing here is mocked.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from slack_bolt.async_app import AsyncApp

from bot.sandbox import SlackDriver, SlackSandbox, payloads

MODAL = {
    "type": "modal",
    "callback_id": "declare",
    "title": {"type": "plain_text", "text": "Declare"},
    "submit": {"type": "plain_text", "text": "Go"},
    "blocks": [
        {
            "type": "input",
            "block_id": "title",
            "label": {"type": "plain_text", "text": "Title"},
            "element": {"type": "plain_text_input", "action_id": "value"},
        }
    ],
}


class Seen:
    """What the listeners saw, with a way to wait for a listener that runs after the ack."""

    def __init__(self) -> None:
        self.items: dict[str, Any] = {}
        self._events: dict[str, asyncio.Event] = {}

    def put(self, key: str, value: Any) -> None:
        self.items[key] = value
        self._events.setdefault(key, asyncio.Event()).set()

    async def wait(self, key: str) -> Any:
        await asyncio.wait_for(self._events.setdefault(key, asyncio.Event()).wait(), 3)
        return self.items[key]


@pytest.fixture
async def bolt(sandbox: SlackSandbox) -> AsyncIterator[tuple[SlackDriver, Seen]]:
    seen = Seen()
    app = AsyncApp(client=sandbox.web_client(), signing_secret=sandbox.signing_secret)

    @app.command("/incident")
    async def incident(ack, body, client, respond) -> None:  # type: ignore[no-untyped-def]
        await ack()
        await respond(f"Declaring: {body['text']}")
        await client.views_open(trigger_id=body["trigger_id"], view=MODAL)
        seen.put("command", body)

    @app.view("declare")
    async def declared(ack, view, client) -> None:  # type: ignore[no-untyped-def]
        await ack()
        title = view["state"]["values"]["title"]["value"]["value"]
        posted = await client.chat_postMessage(
            channel="C0INCIDENTS",
            text=f"Incident: {title}",
            blocks=[
                {
                    "type": "actions",
                    "block_id": "b",
                    "elements": [
                        {
                            "type": "button",
                            "action_id": "resolve",
                            "text": {"type": "plain_text", "text": "Resolve"},
                            "value": title,
                        }
                    ],
                }
            ],
        )
        seen.put("view", posted["ts"])

    @app.action("resolve")
    async def resolve(ack, action, respond) -> None:  # type: ignore[no-untyped-def]
        await ack()
        await respond(replace_original=True, text=f"Resolved: {action['value']}")
        seen.put("action", action)

    @app.message("")
    async def on_message(message) -> None:  # type: ignore[no-untyped-def]
        seen.put("message", message)

    runner = web.AppRunner(app.web_app(path="/slack/events"))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    async with SlackDriver(sandbox, f"http://{host}:{port}/slack/events") as driver:
        yield driver, seen
    await runner.cleanup()


async def test_bolt_handles_a_whole_declare_flow(bolt, sandbox: SlackSandbox):
    driver, seen = bolt

    reply = await driver.command("U01MARCO", "C0INCIDENTS", "declare")
    assert reply.status == 200
    await seen.wait("command")
    assert [e.text for e in sandbox.ephemerals(user_id="U01MARCO")] == ["Declaring: declare"]
    view = driver.latest_view("U01MARCO")
    assert view is not None
    assert view.callback_id == "declare"

    assert (await driver.submit_view("U01MARCO", view.id, {"title": {"value": "Quotes"}})).ok
    ts = await seen.wait("view")
    assert driver.latest_view("U01MARCO") is None
    assert sandbox.messages("C0INCIDENTS")[-1].text == "Incident: Quotes"

    assert (await driver.click("U02GIULIA", "resolve", channel_id="C0INCIDENTS", message_ts=ts)).ok
    assert (await seen.wait("action"))["value"] == "Quotes"
    assert sandbox.messages("C0INCIDENTS")[-1].text == "Resolved: Quotes"

    await driver.message("U03LUCA", "C0INCIDENTS", "Acquisti anche")
    assert (await seen.wait("message"))["text"] == "Acquisti anche"
    # Bolt authorized itself once through the sandbox's auth.test.
    assert len(sandbox.calls_to("auth.test")) == 1


async def test_bolt_answers_url_verification(bolt):
    driver, _ = bolt

    reply = await driver.deliver(
        payloads.url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
    )
    assert reply.status == 200
    assert reply.json == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}
