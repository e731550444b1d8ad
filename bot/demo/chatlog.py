"""What a person in the incident room sees, as a chat log with local times.

`ChatLog` watches the sandbox: after each step it collects the messages, thread replies,
ephemerals and file uploads that appeared, and renders them the way Slack would show them to
a reader (names instead of ids, Block Kit as text, ephemerals marked). The demo and the
console print the same log.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date

from bot.demo.blockkit import blocks_text, buttons
from bot.sandbox.server import SlackSandbox
from bot.sandbox.state import BOT_USER_ID, Channel, Ephemeral, Message, ts_to_datetime
from bot.slack.mrkdwn import to_markdown

_CHANNEL_REF = re.compile(r"<#([CGD][A-Z0-9]+)>")


@dataclass(frozen=True)
class Entry:
    """One line (or block) of the log: something said, shown or done at a moment."""

    at: datetime
    channel_id: str
    author: str
    text: str
    only_for: str | None = None  # an ephemeral: the one person who sees it
    in_thread: bool = False
    files: tuple[str, ...] = ()
    said: bool = True  # False for actions: "Marco pressed [Confirm]"
    number: int | None = None  # people's messages, for the console's `:pin N`
    by_bot: bool = False
    buttons: tuple[str, ...] = ()  # labels of the buttons it offers
    ts: str = ""  # the message's or ephemeral's ts; empty for actions


class ChatLog:
    def __init__(
        self,
        sandbox: SlackSandbox,
        timezone: str,
        language: str,
        *,
        quiet_threads: frozenset[str] = frozenset(),
    ) -> None:
        self.sandbox = sandbox
        # Channels whose threads are left out: the announcement's thread repeats each change.
        self.quiet_threads = quiet_threads
        self.zone = ZoneInfo(timezone)
        self.language = language
        self.entries: list[Entry] = []
        # People's messages in order: the console pins "message N" by this list.
        self.numbered: list[Message] = []
        self._seen_messages: set[tuple[str, str]] = set()
        self._seen_ephemerals: set[tuple[str, str]] = set()
        self._printed = 0
        self._day: str | None = None
        self._channel: str | None = None
        self.skip_existing()

    # --- names ----------------------------------------------------------------------------

    def name(self, user_id: str | None) -> str:
        user = self.sandbox.state.users.get(user_id or "")
        if user is None:
            return user_id or "?"
        return user.name if user.is_bot else user.display_name or user.real_name or user.name

    def channel_label(self, channel_id: str) -> str:
        channel = self.sandbox.state.channels.get(channel_id)
        if channel is None:
            return channel_id
        return f"DM with {self.name(channel.im_user)}" if channel.is_im else f"#{channel.name}"

    def readable(self, text: str) -> str:
        """Slack markup as a reader sees it: `@Marco`, `#inc-1-quotes`, links, no pings."""
        channels = self.sandbox.state.channels

        def labelled(match: re.Match[str]) -> str:
            channel = channels.get(match[1])
            return f"<#{match[1]}|{channel.name}>" if channel else match[0]

        names = {uid: f"@{self.name(uid)}" for uid in self.sandbox.state.users}
        return to_markdown(_CHANNEL_REF.sub(labelled, text), names=names, audience="internal")

    def shown(self, text: str, blocks: list[dict[str, Any]] | None) -> str:
        """A bot post's visible text: its blocks when it has them, else its text."""
        rendered = blocks_text(blocks, self.readable) if blocks else ""
        return rendered or self.readable(text)

    # --- collecting -----------------------------------------------------------------------

    def skip_existing(self) -> None:
        """Treat everything already in the sandbox as seen (the seeded workspace)."""
        list(self._new_messages())
        list(self._new_ephemerals())

    def act(self, at: datetime, channel_id: str, user_id: str, text: str, *, said: bool) -> None:
        """Record what a person did that is not a message: a command, a click, a reaction."""
        self.entries.append(Entry(at, channel_id, self.name(user_id), text, said=said))

    def collect(self) -> list[Entry]:
        """The messages and ephemerals that appeared since the last call, oldest first."""
        found = [(m.ts, self._message_entry(m)) for m in self._new_messages()]
        found += [(e.ts, self._ephemeral_entry(e)) for e in self._new_ephemerals()]
        new = [entry for _, entry in sorted(found, key=lambda pair: float(pair[0]))]
        self.entries.extend(new)
        return new

    def _new_messages(self) -> Iterator[Message]:
        for channel in list(self.sandbox.state.channels.values()):
            for message in channel.messages:
                key = (channel.id, message.ts)
                if key not in self._seen_messages:
                    self._seen_messages.add(key)
                    quiet = message.is_reply and channel.id in self.quiet_threads
                    if not message.is_system and not quiet:
                        yield message

    def _new_ephemerals(self) -> Iterator[Ephemeral]:
        for ephemeral in self.sandbox.state.ephemerals:
            # Keyed by content too: a replaced ephemeral is news to the person who sees it.
            key = (ephemeral.ts, ephemeral.text + json.dumps(ephemeral.blocks, sort_keys=True))
            if key not in self._seen_ephemerals:
                self._seen_ephemerals.add(key)
                yield ephemeral

    def _message_entry(self, message: Message) -> Entry:
        files = self.sandbox.state.files
        names = tuple(files[f].name for f in message.files if f in files)
        by_bot = message.bot_id is not None or message.user == BOT_USER_ID
        number = None
        if not by_bot:
            self.numbered.append(message)
            number = len(self.numbered)
        text = self.shown(message.text, message.blocks) if by_bot else self.readable(message.text)
        return Entry(
            ts_to_datetime(message.ts),
            message.channel,
            self.name(message.user),
            text,
            in_thread=message.is_reply,
            files=names,
            number=number,
            by_bot=by_bot,
            buttons=_labels(message.blocks),
            ts=message.ts,
        )

    def _ephemeral_entry(self, ephemeral: Ephemeral) -> Entry:
        return Entry(
            ts_to_datetime(ephemeral.ts),
            ephemeral.channel,
            self.name(BOT_USER_ID),
            self.shown(ephemeral.text, ephemeral.blocks),
            only_for=self.name(ephemeral.user),
            in_thread=ephemeral.thread_ts is not None,
            by_bot=True,
            buttons=_labels(ephemeral.blocks),
            ts=ephemeral.ts,
        )

    def message_channel(self, number: int) -> tuple[Channel, Message] | None:
        """The N-th person's message (1-based) and its channel, if it still exists."""
        if not 1 <= number <= len(self.numbered):
            return None
        message = self.numbered[number - 1]
        channel = self.sandbox.state.channels.get(message.channel)
        if channel is None or channel.message(message.ts) is None:
            return None
        return channel, message

    # --- rendering ------------------------------------------------------------------------

    def render_new(self, *, numbers: bool = False) -> list[str]:
        """Lines for the entries not printed yet, with day and channel headings as needed."""
        lines: list[str] = []
        for entry in self.entries[self._printed :]:
            local = entry.at.astimezone(self.zone)
            day = format_date(local.date(), format="full", locale=self.language)
            if day != self._day:
                self._day, self._channel = day, None
                lines.append(f"\n=== {day} ===")
            channel = self.channel_label(entry.channel_id)
            if channel != self._channel:
                self._channel = channel
                lines.append(f"\n── {channel} ──")
            lines.extend(self._entry_lines(entry, f"{local:%H:%M}", numbers=numbers))
        self._printed = len(self.entries)
        return lines

    @staticmethod
    def _entry_lines(entry: Entry, clock: str, *, numbers: bool) -> list[str]:
        prefix = f"{clock} " + ("  ↳ " if entry.in_thread else "")
        if numbers and entry.number is not None:
            prefix += f"[{entry.number}] "
        who = entry.author + (f" (only visible to {entry.only_for})" if entry.only_for else "")
        first, *rest = entry.text.splitlines() or [""]
        head = f"{prefix}{who}: {first}" if entry.said else f"{prefix}{who} {first}"
        indent = " " * (len(clock) + 3)
        body = [indent + line for line in rest]
        body += [f"{indent}📎 {name}" for name in entry.files]
        return [head.rstrip(), *(line.rstrip() for line in body)]


def _labels(blocks: list[dict[str, Any]] | None) -> tuple[str, ...]:
    return tuple(str((b.get("text") or {}).get("text", "")) for b in buttons(blocks or []))
