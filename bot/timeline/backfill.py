"""Recover what the bot missed while it was down or disconnected.

Bolt acknowledges an event before a crash can lose it, and a Socket Mode reconnect leaves a
gap, so at start-up and after a reconnect every open incident's channel is read back from
Slack. The whole top-level history is read (an incident channel is small): a first reply to
an older message shows only as that message's `latest_reply`, and top-level edits, deletions
and key reactions are visible there too. Threads with activity since the last captured `ts`
are read in full, pins from `pins.list`. Recording is insert-or-ignore on (channel, ts), so
nothing is doubled.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from bot.incidents.service import Incidents
from bot.models import EntryKind, Incident, TimelineEntry
from bot.slack.gateway import SlackWeb
from bot.slack.ts import ts_instant, ts_key
from bot.timeline.capture import PIN, Capture, read_message
from bot.timeline.service import Timeline

log = logging.getLogger(__name__)


class Backfill:
    def __init__(
        self, capture: Capture, timeline: Timeline, incidents: Incidents, slack: SlackWeb
    ) -> None:
        self.capture, self.timeline = capture, timeline
        self.incidents, self.slack = incidents, slack

    async def backfill_open_incidents(self) -> int:
        """Backfill every open incident; one that fails is logged and the others still run."""
        recorded = 0
        for incident in await self.incidents.list(open_only=True):
            if not incident.channel_id:
                continue
            try:
                recorded += await self.backfill_incident(incident)
            except Exception:
                log.exception("backfill of %s failed", incident.number)
        return recorded

    async def backfill_incident(self, incident: Incident) -> int:
        """Record what Slack shows and the timeline lacks; returns how many messages were new."""
        channel = incident.channel_id
        assert channel is not None
        known = {
            e.ts: e
            for e in await self.timeline.entries(incident.id)
            if e.kind is EntryKind.message and e.channel_id == channel and e.ts
        }
        since = max((ts_key(ts) for ts in known), default=Decimal(0))
        pinned = await self.slack.pinned(channel)
        recorded, seen, threads = 0, set[str](), list[str]()
        async for raw in self.slack.history(channel):
            recorded += await self._seen(incident, raw, known, pinned, seen)
            if raw.get("reply_count") and ts_key(str(raw.get("latest_reply") or 0)) > since:
                threads.append(str(raw["ts"]))
        newest = max((ts_key(ts) for ts in seen), default=Decimal(0))
        for parent in threads:
            async for raw in self.slack.replies(channel, parent):
                if raw.get("ts") != parent:  # every page starts with the parent
                    recorded += await self._seen(incident, raw, known, pinned, seen)
        for ts, entry in known.items():
            if ts in seen or entry.deleted:
                continue
            if entry.thread_ts is not None:  # a reply in a quiet thread: only its pin is known
                held = {PIN} & set(entry.data.get("marks", []))
                await self.capture.sync_marks(channel, ts, held, {PIN} if ts in pinned else set())
            elif ts_key(ts) < newest:
                # The history, read to its end, lacks it: deleted meanwhile. One newer than all
                # the history returned may just not be listed yet, so that one is left alone.
                await self.timeline.mark_deleted(channel, ts)
        if recorded:
            log.info("backfill recorded %d missed messages in %s", recorded, incident.number)
        return recorded

    async def _seen(
        self,
        incident: Incident,
        raw: dict[str, Any],
        known: dict[str, TimelineEntry],
        pinned: set[str],
        seen: set[str],
    ) -> int:
        """Record, revise, delete or re-mark one message Slack showed; 1 when it was new."""
        channel, ts = str(incident.channel_id), str(raw.get("ts"))
        seen.add(ts)
        entry = known.get(ts)
        if raw.get("subtype") == "tombstone":  # a deleted parent that still has replies
            if entry is not None and not entry.deleted:
                await self.timeline.mark_deleted(channel, ts)
            return 0
        msg = read_message(raw)
        if msg is None:
            return 0
        if entry is None:
            new = await self.capture.message(channel, msg, incident)
        else:
            new = False
            if msg.edited_ts and msg.text != entry.text:
                await self.timeline.revise_message(
                    channel,
                    ts,
                    msg.text,
                    edit_ts=msg.edited_ts,
                    edited_at=ts_instant(msg.edited_ts),
                )
        held = set(entry.data.get("marks", [])) if entry else set()
        await self.capture.sync_marks(
            channel, ts, held, self.capture.shown_marks(msg, ts in pinned)
        )
        return int(new)
