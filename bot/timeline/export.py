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

from babel.dates import format_date
from pydantic import TypeAdapter

from bot.i18n import Texts, texts
from bot.models import PUBLIC_MARK, EntryKind, Incident, TimelineEntry
from bot.slack.mrkdwn import escape_markdown, to_inert_markdown
from bot.slack.people import People
from bot.slack.ts import ts_instant
from bot.timeline.capture import PIN, REACTION
from bot.timeline.render import describe, names_for, people_in
from bot.timeline.service import Timeline

Format = Literal["md", "json"]
# A file for the team's records and tools: English unless another language is asked for.
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
    *,
    language: str | None = None,
) -> str:
    """The full timeline; Markdown opens with `impact`, the status message's own lines, and
    reads in `language` (English by default)."""
    entries, names = await named_entries(timeline, people, incident)
    if fmt == "json":
        return ENTRIES.dump_json(entries, indent=2).decode() + "\n"
    return markdown(incident, entries, names, impact, texts(language or EXPORT_LANGUAGE))


def read_json(text: str | bytes) -> list[TimelineEntry]:
    return ENTRIES.validate_json(text)


def markdown(
    incident: Incident,
    entries: list[TimelineEntry],
    names: Mapping[str, str],
    impact: Sequence[str] = (),
    t: Texts | None = None,
) -> str:
    t = t or texts(EXPORT_LANGUAGE)
    tz = ZoneInfo(incident.timezone)
    key = sum(e.is_key and not e.deleted for e in entries)
    deleted = sum(e.deleted for e in entries)
    counts = t._("Times in {tz}. {entries}, {key} key (★), {deleted} deleted.").format(
        tz=incident.timezone,
        entries=t.ngettext("{n} entry", "{n} entries", len(entries)).format(n=len(entries)),
        key=key,
        deleted=deleted,
    )
    title = t._("{incident} · {title} — timeline").format(
        incident=incident.number, title=escape_markdown(incident.title)
    )
    out = [f"# {title}", "", counts]
    if impact:
        # Slack's *bold* is Markdown's **bold**; the numbers are the status message's own.
        out += ["", "## " + t._("Impact"), ""]
        out += [f"- {line.replace('*', '**')}" for line in impact]
    day = None
    for entry in entries:
        local = entry.occurred_at.astimezone(tz)
        if local.date() != day:
            day = local.date()
            out += ["", f"## {format_date(day, 'EEEE dd MMMM y', locale=t.locale)}", ""]
        out.append(_entry(t, entry, names, tz))
    return "\n".join(out) + "\n"


def _entry(t: Texts, entry: TimelineEntry, names: Mapping[str, str], tz: ZoneInfo) -> str:
    def text(raw: str) -> str:
        return to_inert_markdown(raw, names=names, audience="internal").replace("\n", "\n  ")

    head = [f"**{_clock(entry.occurred_at, tz)}**", "★" if entry.is_key else ""]
    if entry.actor:
        head.append(f"{escape_markdown(entry.actor_name or entry.actor)} —")
    line = f"- {' '.join(p for p in head if p)} {text(describe(entry, t))}"
    details = [t.pgettext("export", "note")] if entry.kind is EntryKind.note else []
    if entry.is_public:
        details.append(t.pgettext("export", "public"))
    if entry.thread_ts:
        details.append(
            t._("reply in the thread of {time}").format(time=_ts_clock(entry.thread_ts, tz))
        )
    if files := entry.data.get("files"):
        shown = ", ".join(escape_markdown(str(f)) for f in files)
        details.append(t._("files: {files}").format(files=shown))
    if entry.kind is EntryKind.note and entry.recorded_at != entry.occurred_at:
        details.append(t._("noted at {time}").format(time=_clock(entry.recorded_at, tz)))
    if marks := entry.data.get("marks"):
        by = ", ".join(_mark(t, str(m), names) for m in marks)
        details.append(t._("key by {marks}").format(marks=by))
    if entry.deleted:
        details.append(t._("deleted in Slack"))
    if details:
        line += f" _({'; '.join(details)})_"
    for revision in entry.revisions:
        before = t._("before the edit at {time}: {text}").format(
            time=_clock(revision.replaced_at, tz), text=text(revision.text)
        )
        line += f"\n  - {before}"
    return line


def _mark(t: Texts, mark: str, names: Mapping[str, str]) -> str:
    if mark == PIN:
        return t._("a pin")
    user = mark.removeprefix(REACTION).removeprefix(PUBLIC_MARK)
    return escape_markdown(t._("{name}'s reaction").format(name=names.get(user, user)))


def _clock(instant: datetime, tz: ZoneInfo) -> str:
    return instant.astimezone(tz).strftime("%H:%M:%S")


def _ts_clock(ts: str, tz: ZoneInfo) -> str:
    return _clock(ts_instant(ts), tz)
