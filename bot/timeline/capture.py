"""Incident-channel chat into the timeline: each message once, edits kept, deletions marked.

Events and `conversations.history` / `conversations.replies` describe a message with the same
object, so `person_message` reads both: the event listeners pass their validated model's fields,
the backfill a history dict through `read_message`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.incidents.service import Incidents
from bot.models import PUBLIC_MARK, Incident
from bot.plumbing.tasks import BackgroundTasks
from bot.slack.gateway import SlackWeb, error_code
from bot.slack.people import People
from bot.slack.ts import ts_instant
from bot.timeline.service import Timeline

# The bot's own reaction on a message it has marked key: people see the mark was taken.
CONFIRM_REACTION = "white_check_mark"
PIN = "pin"
REACTION = "reaction:"
# Subtypes that are a person writing; the others are Slack's notices (joins, topic, tombstone).
_HUMAN_SUBTYPES = {None, "file_share", "thread_broadcast", "me_message"}


@dataclass(frozen=True)
class ChatMessage:
    """A person's message as the timeline needs it."""

    ts: str
    user: str
    text: str
    thread_ts: str | None = None
    files: tuple[str, ...] = ()
    edited_ts: str | None = None
    reactions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def data(self) -> dict[str, Any]:
        return {"files": list(self.files)} if self.files else {}


def read_message(raw: Mapping[str, Any]) -> ChatMessage | None:
    """A person's message from Slack's message object (`conversations.history`, replies)."""
    return person_message(
        ts=raw.get("ts"),
        user=raw.get("user"),
        text=raw.get("text"),
        subtype=raw.get("subtype"),
        bot_id=raw.get("bot_id"),
        thread_ts=raw.get("thread_ts"),
        files=raw.get("files") or (),
        edited=raw.get("edited"),
        reactions=raw.get("reactions") or (),
    )


def person_message(
    *,
    ts: str | None,
    user: str | None,
    text: str | None,
    subtype: str | None = None,
    bot_id: str | None = None,
    thread_ts: str | None = None,
    files: Iterable[Any] = (),
    edited: Mapping[str, Any] | None = None,
    reactions: Iterable[Any] = (),
) -> ChatMessage | None:
    """A person's message from a Slack message's fields; None for bots, apps and notices.

    The one reading of a message: `read_message` passes a history dict's fields, the event
    listeners their validated model's, so live and backfilled messages are recorded alike.
    The `str()` calls keep history dicts (not validated) from putting other types in the record.
    """
    if subtype not in _HUMAN_SUBTYPES or bot_id or not user or not ts:
        return None
    return ChatMessage(
        ts=str(ts),
        user=str(user),
        text=str(text or ""),
        # A thread's parent carries its own ts as thread_ts once it has replies: not a reply.
        thread_ts=str(thread_ts) if thread_ts and thread_ts != ts else None,
        files=tuple(
            str(f.get("name") or f.get("title") or f.get("id"))
            for f in files
            if isinstance(f, Mapping)
        ),
        edited_ts=str((edited or {}).get("ts") or "") or None,
        reactions={
            str(r.get("name")): tuple(str(u) for u in r.get("users") or ()) for r in reactions
        },
    )


class Capture:
    def __init__(
        self,
        timeline: Timeline,
        incidents: Incidents,
        people: People,
        slack: SlackWeb,
        tasks: BackgroundTasks,
        *,
        key_reaction: str,
        public_reaction: str = "loudspeaker",
        confirm_reaction: str = CONFIRM_REACTION,
    ) -> None:
        self.timeline, self.incidents, self.people = timeline, incidents, people
        self.slack, self.tasks = slack, tasks
        self.key_reaction, self.confirm_reaction = key_reaction.strip(":"), confirm_reaction
        self.public_reaction = public_reaction.strip(":")
        self._named: set[str] = set()
        # A channel, once an incident's, stays that incident's: asked of the database once.
        self._incident_of: dict[str, int] = {}

    async def _incident_id(self, channel_id: str) -> int | None:
        if channel_id not in self._incident_of:
            incident = await self.incidents.by_channel(channel_id)
            if incident is None:
                return None
            self._incident_of[channel_id] = incident.id
        return self._incident_of[channel_id]

    async def message(
        self, channel_id: str, msg: ChatMessage, incident: Incident | None = None
    ) -> bool:
        """Record a message in an incident channel; returns whether it was new."""
        incident_id = incident.id if incident else await self._incident_id(channel_id)
        if incident_id is None:
            return False
        new = await self.timeline.record_message(
            incident_id,
            channel_id=channel_id,
            ts=msg.ts,
            occurred_at=ts_instant(msg.ts),
            actor=msg.user,
            text=msg.text,
            thread_ts=msg.thread_ts,
            data=msg.data(),
        )
        if msg.user not in self._named:
            # Names are looked up when shown; fetching one early keeps that fast.
            self._named.add(msg.user)
            self.tasks.spawn(self.people.name(msg.user), name=f"name-{msg.user}")
        return new

    async def edited(
        self, channel_id: str, msg: ChatMessage, previous: ChatMessage | None = None
    ) -> None:
        """Keep the text being replaced; a message first seen edited is recorded as it was."""
        await self.message(channel_id, previous or msg)
        if msg.edited_ts:
            await self.timeline.revise_message(
                channel_id,
                msg.ts,
                msg.text,
                edit_ts=msg.edited_ts,
                edited_at=ts_instant(msg.edited_ts),
            )

    async def deleted(self, channel_id: str, ts: str, previous: ChatMessage | None = None) -> None:
        """Mark deleted; a message deleted before it was seen is recorded first, then marked."""
        if previous is not None:
            await self.message(channel_id, previous)
        await self.timeline.mark_deleted(channel_id, ts)

    async def _mark(
        self,
        channel_id: str,
        ts: str,
        *,
        add: frozenset[str] = frozenset(),
        remove: frozenset[str] = frozenset(),
    ) -> None:
        """Apply key marks; the bot's own reaction shows a message becoming key or not."""
        changed = await self.timeline.mark(channel_id, ts, add=add, remove=remove)
        if changed is None or changed[0] == changed[1]:
            return
        self.tasks.spawn(self._confirm(channel_id, ts, changed[1]), name=f"confirm-key-{ts}")

    def reaction_mark(self, reaction: str, user: str) -> str | None:
        """The mark a reaction makes: key (:pushpin:), public and key (:loudspeaker:), or none."""
        name = reaction.split("::")[0]  # skin tones: "x::skin-tone-2"
        if name == self.key_reaction:
            return REACTION + user
        if name == self.public_reaction:
            return PUBLIC_MARK + user
        return None

    async def set_mark(self, channel_id: str, ts: str, mark: str, on: bool) -> None:
        one, none = frozenset({mark}), frozenset[str]()
        await self._mark(channel_id, ts, add=one if on else none, remove=none if on else one)

    async def sync_marks(self, channel_id: str, ts: str, held: set[str], shown: set[str]) -> None:
        """Make the marks held on an entry match what Slack shows (after missed events)."""
        if held != shown:
            await self._mark(
                channel_id, ts, add=frozenset(shown - held), remove=frozenset(held - shown)
            )

    def shown_marks(self, msg: ChatMessage, pinned: bool) -> set[str]:
        """The marks Slack shows on a message: its key and public reactions and its pin."""
        marks = {REACTION + user for user in msg.reactions.get(self.key_reaction, ())}
        marks |= {PUBLIC_MARK + user for user in msg.reactions.get(self.public_reaction, ())}
        return marks | {PIN} if pinned else marks

    async def _confirm(self, channel_id: str, ts: str, on: bool) -> None:
        try:
            if on:
                await self.slack.react(channel_id, ts, self.confirm_reaction)
            else:
                # Deleted meanwhile, or taken off by hand: the gateway counts both as done.
                await self.slack.unreact(channel_id, ts, self.confirm_reaction)
        except SlackApiError as exc:
            # Deleted meanwhile: nothing left to confirm on.
            if error_code(exc) != "message_not_found":
                raise
