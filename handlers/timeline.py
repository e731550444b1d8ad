"""Incident-channel chat, key marks, `/incident note` and `/incident timeline`.

The message, reaction and pin listeners must be registered before the catch-all event listener:
Bolt runs only the first listener that matches.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.errors import InputError
from bot.i18n import N_, Texts
from bot.models import Incident, TimelineEntry
from bot.services import Services
from bot.slack.gateway import escape
from bot.slack.mrkdwn import plain
from bot.time.formatting import when
from bot.time.parsing import TimeParseError, parse_note
from bot.time.zones import offset_change
from bot.timeline.capture import PIN, Capture, ChatMessage, person_message
from bot.timeline.render import describe, mentioned, names_for, people_in
from handlers.context import CommandContext, Reply, Subcommand
from handlers.payloads import InnerMessage, MessageEvent, PinEvent, ReactionEvent, payload

# The word after `note` that puts the note in the customer post too.
PUBLIC_WORDS = ("public", "pubblica", "pubblico")
MAX_BLOCKS = 50
SECTION_CHARS = 3000
# A page stays far below Slack's 40,000-character message limit and readable at a glance.
PAGE_CHARS = 12_000
LINE_CHARS = 1_000


async def note(ctx: CommandContext) -> Reply:
    incident, services = ctx.require_incident(), ctx.services
    t = services.texts
    first, _, rest = ctx.args.partition(" ")
    public = first.lower() in PUBLIC_WORDS
    typed = rest.strip() if public else ctx.args
    if not typed:
        raise InputError(t._("Say what happened."), t._("`/incident note 10:40 deploy started`"))
    now = services.clock.now()
    try:
        timed = parse_note(typed, now=now, tz=incident.timezone)
    except TimeParseError as exc:
        examples = ", ".join(f"`{e}`" for e in exc.examples)
        raise InputError(
            t._("{refusal} Nothing was recorded.").format(refusal=exc.text(t)),
            t._("Times I read at the start of a note: {examples}, or `now`.").format(
                examples=examples
            ),
        ) from None
    at = timed.at or now
    data: dict[str, object] = {"time_text": timed.time_text} if timed.time_text else {}
    if public:
        data["public"] = True
    await services.incidents.note(incident, timed.text, actor=ctx.user_id, at=at, data=data)
    names = await names_for(services.people, mentioned(timed.text))
    shown = plain(timed.text, names)
    noted = (
        t._("Noted {time}, for customers too: {text}") if public else t._("Noted {time}: {text}")
    )
    noted = noted.format(time=when(t, at, incident.timezone, now, "at"), text=shown)
    return Reply(noted, in_channel=True)


async def timeline(ctx: CommandContext) -> Reply:
    incident, services = ctx.require_incident(), ctx.services
    t = services.texts
    wanted = ctx.args or "1"
    if not (wanted.isascii() and wanted.isdigit()) or int(wanted) < 1:
        raise InputError(
            t._("`{page}` is not a page number.").format(page=wanted[:20]),
            t._("`/incident timeline 2`"),
        )
    entries = await services.timeline.entries(incident.id, key_only=True, include_deleted=False)
    if not entries:
        return Reply(
            t._(
                "{incident} has no key moments yet. React with :{reaction}: or pin a message"
                " to mark one; `/incident note` adds one."
            ).format(incident=incident.number, reaction=services.settings.key_reaction)
        )
    names = await names_for(services.people, people_in(entries))
    now = services.clock.now()
    first = min([incident.declared_at, *(e.occurred_at for e in entries)])
    marked = offset_change(ZoneInfo(incident.timezone), first, incident.resolved_at or now)
    lines = [_line(t, e, names, incident, now, marked is not None) for e in entries]
    pages = paginate(lines)
    page, of = min(int(wanted), len(pages)), len(pages)
    title = t._("{incident} key timeline").format(incident=incident.number)
    blocks: list[Block] = [HeaderBlock(text=title)]
    blocks += [SectionBlock(text=MarkdownTextObject(text=s)) for s in pages[page - 1]]
    footer = t._("Times in {tz}. Page {page} of {pages}.").format(
        tz=incident.timezone, page=page, pages=of
    )
    if page < of:
        next_ = t._("`/incident timeline {page}` shows the next.").format(page=page + 1)
        footer = f"{footer} {next_}"
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=footer)]))
    for block in blocks:
        block.validate_json()
    text = t._("{title}, page {page} of {pages}").format(title=title, page=page, pages=of)
    return Reply(text, [b.to_dict() for b in blocks])


def _line(
    t: Texts,
    entry: TimelineEntry,
    names: Mapping[str, str],
    incident: Incident,
    now: datetime,
    marked: bool,
) -> str:
    """One mrkdwn line that never pings: names instead of mentions, markup re-escaped."""
    who = f" · {escape(names.get(entry.actor, entry.actor))}" if entry.actor else ""
    line = f"*{when(t, entry.occurred_at, incident.timezone, now, marked=marked)}*{who} · "
    if entry.is_public:  # in the customer post too
        line += ":loudspeaker: "
    line += plain(describe(entry, t), names)
    return line if len(line) <= LINE_CHARS else line[: LINE_CHARS - 1] + "…"


def paginate(lines: list[str]) -> list[list[str]]:
    """Lines packed into sections of at most 3,000 characters, sections into pages.

    A page holds the header and footer blocks plus at most 48 sections (Slack allows 50
    blocks) and `PAGE_CHARS` characters.
    """
    sections: list[str] = []
    for line in lines:
        if sections and len(sections[-1]) + 1 + len(line) <= SECTION_CHARS:
            sections[-1] += "\n" + line
        else:
            sections.append(line)
    pages: list[list[str]] = []
    for section in sections:
        page = pages[-1] if pages else []
        if page and len(page) < MAX_BLOCKS - 2 and sum(map(len, page)) + len(section) <= PAGE_CHARS:
            page.append(section)
        else:
            pages.append([section])
    return pages


SUBCOMMANDS = [
    Subcommand(
        "note",
        N_("note [public] [time] text"),
        N_("/incident note 10:40 deploy started"),
        N_(
            "add a key moment at the time given (10:40, ieri alle 14:30, 5 min ago) or now;"
            " internal unless `public` puts it in the customer post too"
        ),
        note,
        aliases=("nota",),
    ),
    Subcommand(
        "timeline",
        N_("timeline [page]"),
        N_("/incident timeline"),
        N_("show the key moments"),
        timeline,
        aliases=("cronologia",),
    ),
]


def chat_message(msg: InnerMessage | None) -> ChatMessage | None:
    """A person's message from a validated message object (the backfill reads history dicts)."""
    if msg is None:
        return None
    return person_message(
        ts=msg.ts,
        user=msg.user,
        text=msg.text,
        subtype=msg.subtype,
        bot_id=msg.bot_id,
        thread_ts=msg.thread_ts,
        files=msg.files or (),
        edited=msg.edited,
        reactions=msg.reactions or (),
    )


async def reaction(capture: Capture, event: ReactionEvent, on: bool) -> None:
    item = event.item
    mark = capture.reaction_mark(event.reaction, event.user)
    if item.type != "message" or mark is None or not item.channel or not item.ts:
        return
    await capture.set_mark(item.channel, item.ts, mark, on)


async def pin(capture: Capture, event: PinEvent, on: bool) -> None:
    item = event.item
    channel = event.channel_id or item.channel or ""
    msg = chat_message(item.message)
    if item.type != "message" or msg is None:
        return
    await capture.message(channel, msg)  # a pin also saves a message whose event was lost
    await capture.set_mark(channel, msg.ts, PIN, on)


async def message(capture: Capture, event: MessageEvent) -> None:
    """A message posted, edited (`message_changed`) or deleted (`message_deleted`)."""
    channel, previous = event.channel, chat_message(event.previous_message)
    if event.subtype == "message_changed":
        changed = event.message or InnerMessage()
        if changed.subtype == "tombstone":  # a parent with replies was deleted
            await capture.deleted(channel, changed.ts or "", previous)
        elif (msg := chat_message(changed)) is not None:
            await capture.edited(channel, msg, previous)
    elif event.subtype == "message_deleted":
        await capture.deleted(channel, event.deleted_ts or "", previous)
    elif (msg := chat_message(event)) is not None:
        await capture.message(channel, msg)


def register(app: AsyncApp, services: Services) -> None:
    capture = services.capture

    @app.event("message")
    async def on_message(context: AsyncBoltContext) -> None:
        await message(capture, payload(context, MessageEvent))

    @app.event("reaction_added")
    async def on_reaction_added(context: AsyncBoltContext) -> None:
        await reaction(capture, payload(context, ReactionEvent), True)

    @app.event("reaction_removed")
    async def on_reaction_removed(context: AsyncBoltContext) -> None:
        await reaction(capture, payload(context, ReactionEvent), False)

    @app.event("pin_added")
    async def on_pin_added(context: AsyncBoltContext) -> None:
        await pin(capture, payload(context, PinEvent), True)

    @app.event("pin_removed")
    async def on_pin_removed(context: AsyncBoltContext) -> None:
        await pin(capture, payload(context, PinEvent), False)
