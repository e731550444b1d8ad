"""The full timeline of an incident as JSON (re-readable) or Markdown (for people).

Both carry every entry, deleted ones included, with earlier texts and key marks. JSON is the
`TimelineEntry` list itself, so reading it back gives what the database holds; Markdown renders
Slack markup as names and inert text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import TypeAdapter

from bot.i18n import texts
from bot.models import EntryKind, Incident, TimelineEntry
from bot.slack.mrkdwn import escape_markdown, to_inert_markdown
from bot.slack.people import People
from bot.slack.ts import ts_instant
from bot.timeline.capture import PIN, REACTION
from bot.timeline.render import describe, names_for, people_in
from bot.timeline.service import Timeline

Format = Literal["md", "json"]
# A file for the team's records and tools, written in English like the rest of its headings.
EXPORT_LANGUAGE = "en"
ENTRIES = TypeAdapter(list[TimelineEntry])


async def named_entries(
    timeline: Timeline, people: People, incident: Incident
) -> tuple[list[TimelineEntry], Mapping[str, str]]:
    """Every entry with its author's display name, and the names of everyone mentioned."""
    entries = await timeline.entries(incident.id)
    names = await names_for(people, people_in(entries))
    named = [
        e.model_copy(update={"actor_name": names.get(e.actor, e.actor)}) if e.actor else e
        for e in entries
    ]
    return named, names


async def export(
    timeline: Timeline,
    people: People,
    incident: Incident,
    fmt: Format,
    impact: Sequence[str] = (),
) -> str:
    """The full timeline; Markdown opens with `impact`, the status message's own lines."""
    entries, names = await named_entries(timeline, people, incident)
    if fmt == "json":
        return ENTRIES.dump_json(entries, indent=2).decode() + "\n"
    return markdown(incident, entries, names, impact)


def read_json(text: str | bytes) -> list[TimelineEntry]:
    return ENTRIES.validate_json(text)


def markdown(
    incident: Incident,
    entries: list[TimelineEntry],
    names: Mapping[str, str],
    impact: Sequence[str] = (),
) -> str:
    tz = ZoneInfo(incident.timezone)
    key = sum(e.is_key and not e.deleted for e in entries)
    deleted = sum(e.deleted for e in entries)
    out = [
        f"# {incident.number} · {escape_markdown(incident.title)} — timeline",
        "",
        f"Times in {incident.timezone}. {len(entries)} entries, {key} key (★), {deleted} deleted.",
    ]
    if impact:
        # Slack's *bold* is Markdown's **bold**; the numbers are the status message's own.
        out += ["", "## Impact", ""] + [f"- {line.replace('*', '**')}" for line in impact]
    day = None
    for entry in entries:
        local = entry.occurred_at.astimezone(tz)
        if local.date() != day:
            day = local.date()
            out += ["", f"## {local:%A %d %B %Y}", ""]
        out.append(_entry(entry, names, tz))
    return "\n".join(out) + "\n"


def _entry(entry: TimelineEntry, names: Mapping[str, str], tz: ZoneInfo) -> str:
    def text(raw: str) -> str:
        return to_inert_markdown(raw, names=names, audience="internal").replace("\n", "\n  ")

    head = [f"**{_clock(entry.occurred_at, tz)}**", "★" if entry.is_key else ""]
    if entry.actor:
        head.append(f"{escape_markdown(entry.actor_name or entry.actor)} —")
    line = f"- {' '.join(p for p in head if p)} {text(describe(entry, texts(EXPORT_LANGUAGE)))}"
    details = ["note"] if entry.kind is EntryKind.note else []
    if entry.thread_ts:
        details.append(f"reply in the thread of {_ts_clock(entry.thread_ts, tz)}")
    if files := entry.data.get("files"):
        details.append("files: " + ", ".join(escape_markdown(str(f)) for f in files))
    if entry.kind is EntryKind.note and entry.recorded_at != entry.occurred_at:
        details.append(f"noted at {_clock(entry.recorded_at, tz)}")
    if marks := entry.data.get("marks"):
        details.append("key by " + ", ".join(_mark(str(m), names) for m in marks))
    if entry.deleted:
        details.append("deleted in Slack")
    if details:
        line += f" _({'; '.join(details)})_"
    for revision in entry.revisions:
        line += (
            f"\n  - before the edit at {_clock(revision.replaced_at, tz)}: {text(revision.text)}"
        )
    return line


def _mark(mark: str, names: Mapping[str, str]) -> str:
    if mark == PIN:
        return "a pin"
    user = mark.removeprefix(REACTION)
    return escape_markdown(f"{names.get(user, user)}'s reaction")


def _clock(instant: datetime, tz: ZoneInfo) -> str:
    return instant.astimezone(tz).strftime("%H:%M:%S")


def _ts_clock(ts: str, tz: ZoneInfo) -> str:
    return _clock(ts_instant(ts), tz)
