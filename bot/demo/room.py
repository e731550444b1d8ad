"""People acting in the sandbox Slack, each action also written to the chat log.

The demo's replay and the console both act through a `Room`: it knows where the incident is
(the newest incident's channel; #incidents for declaring), joins a person to a channel before
they speak there, as a person would, and sends the signed requests through the driver.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from bot.demo.chatlog import ChatLog, Entry
from bot.models import Incident
from bot.sandbox.driver import DriverError, DriverReply, SlackDriver
from bot.sandbox.stack import SandboxStack
from bot.sandbox.state import BOT_USER_ID, Channel, File, User, View
from bot.sandbox.workspace import Workspace

ANNOUNCE = "incidents"


def room_log(stack: SandboxStack, timezone: str, language: str) -> ChatLog:
    """A chat log of the rooms; the announcement's thread (a copy of each change) is left out."""
    announce = stack.sandbox.channel_by_name(ANNOUNCE)
    quiet = frozenset({announce.id} if announce else ())
    return ChatLog(stack.sandbox, timezone, language, quiet_threads=quiet)


def latest_incident(incidents: Iterable[Incident]) -> Incident | None:
    return max(incidents, key=lambda i: i.id, default=None)


class Room:
    def __init__(self, stack: SandboxStack, log: ChatLog) -> None:
        self.stack, self.log = stack, log

    @property
    def driver(self) -> SlackDriver:
        assert self.stack.driver is not None, "start the stack first"
        return self.stack.driver

    def add_person(self, user_id: str, name: str, real_name: str = "") -> User:
        """A person in the workspace (named `name`) and in #incidents."""
        sandbox = self.stack.sandbox
        user = sandbox.state.users.get(user_id) or sandbox.add_user(
            name.lower(), real_name or name, id=user_id
        )
        user.display_name = name
        user.real_name = real_name or user.real_name
        announce = sandbox.channel_by_name(ANNOUNCE)
        if announce is not None and user_id not in announce.members:
            announce.members.append(user_id)
        return user

    async def incident(self) -> Incident | None:
        assert self.stack.services is not None
        return latest_incident(await self.stack.services.incidents.list())

    async def channel(
        self, user: str, name: str | None = None, *, declare: bool = False
    ) -> Channel:
        """Where an action happens: `name`, else the newest incident's channel, else (and for
        declaring) #incidents."""
        sandbox = self.stack.sandbox
        incident = None if name or declare else await self.incident()
        if incident is not None and incident.channel_id in sandbox.state.channels:
            channel: Channel | None = sandbox.state.channels[incident.channel_id]
        else:
            channel = sandbox.channel_by_name(name or ANNOUNCE)
        if channel is None:
            raise DriverError(f"there is no channel #{name}")
        await self.join(user, channel.id)
        return channel

    async def join(self, user: str, channel_id: str) -> None:
        if user not in self.stack.sandbox.state.channels[channel_id].members:
            await self.driver.join(user, channel_id)

    def _now(self) -> datetime:
        return self.stack.clock.now()

    def quote(self, channel_id: str, ts: str) -> str:
        message = self.stack.sandbox.state.channels[channel_id].message(ts)
        text = " ".join(self.log.readable(message.text if message else "").split())
        return f"“{text[:60]}{'…' if len(text) > 60 else ''}”"

    async def command(self, user: str, text: str, channel_name: str | None = None) -> DriverReply:
        text = text.strip()
        channel = await self.channel(user, channel_name, declare=text.startswith("declare"))
        self.log.act(self._now(), channel.id, user, f"/incident {text}", said=True)
        return await self.driver.command(user, channel.id, text)

    async def message(
        self,
        user: str,
        text: str,
        channel_name: str | None = None,
        thread: tuple[str, str] | None = None,
    ) -> tuple[str, str, DriverReply | None]:
        """Post (in the thread of `(channel id, ts)` when given): channel id, ts, bot's answer."""
        if thread is not None:
            channel_id, thread_ts = thread
            await self.join(user, channel_id)
        else:
            channel_id, thread_ts = (await self.channel(user, channel_name)).id, None
        self.driver.last_reply = None  # stays None when the bot is not in the channel
        ts = await self.driver.message(user, channel_id, text, thread_ts=thread_ts)
        return channel_id, ts, self.driver.last_reply

    async def react(self, user: str, channel_id: str, ts: str, emoji: str) -> DriverReply | None:
        await self.join(user, channel_id)
        emoji = emoji.strip(":")
        quoted = self.quote(channel_id, ts)
        self.log.act(self._now(), channel_id, user, f"reacted :{emoji}: to {quoted}", said=False)
        return await self.driver.react(user, channel_id, ts, emoji)

    async def pin(self, user: str, channel_id: str, ts: str) -> DriverReply | None:
        await self.join(user, channel_id)
        self.log.act(
            self._now(), channel_id, user, f"pinned {self.quote(channel_id, ts)}", said=False
        )
        return await self.driver.pin(user, channel_id, ts)

    async def click(
        self, user: str, channel_id: str, ts: str, button: dict[str, Any], value: str | None = None
    ) -> DriverReply:
        label = str((button.get("text") or {}).get("text") or button.get("action_id"))
        self.log.act(self._now(), channel_id, user, f"pressed [{label}]", said=False)
        action_id = str(button.get("action_id"))
        return await self.driver.click(user, action_id, value, channel_id=channel_id, message_ts=ts)

    async def submit(self, user: str, view: View, values: dict[str, dict[str, Any]]) -> DriverReply:
        """Submit a modal; a form that answers with errors raises DriverError naming them."""
        title = str((view.view.get("title") or {}).get("text", "form"))
        channel = await self.channel(user)
        filled = ", ".join(values) or "nothing filled in"
        self.log.act(self._now(), channel.id, user, f"submitted “{title}” ({filled})", said=False)
        reply = await self.driver.submit_view(user, view.id, values)
        body = reply.json if isinstance(reply.json, dict) else {}
        if body.get("response_action") == "errors":
            labels = {
                str(b.get("block_id")): str((b.get("label") or {}).get("text", b.get("block_id")))
                for b in view.view.get("blocks", [])
            }
            errors = dict(body.get("errors") or {})
            said = "; ".join(f"{labels.get(k, k)}: {why}" for k, why in errors.items())
            raise DriverError(f"the form refused it: {said}")
        return reply

    async def settle(self) -> list[Entry]:
        """Wait for the bot's background work; what appeared since the last look."""
        await self.stack.idle()
        return self.log.collect()


def input_elements(view: View) -> dict[str, dict[str, Any]]:
    """A modal's input elements by block id."""
    return {
        str(block.get("block_id")): block["element"]
        for block in view.view.get("blocks", [])
        if block.get("type") == "input" and isinstance(block.get("element"), dict)
    }


def bot_uploads(state: Workspace) -> list[File]:
    """Files the bot uploaded and shared (the drafts), oldest first."""
    return [
        f
        for f in state.files.values()
        if f.user == BOT_USER_ID and f.content is not None and f.channels
    ]
