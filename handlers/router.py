"""The `/incident` slash command: split the text, find the subcommand, answer within 3 s.

Listeners run before Bolt answers Slack (process_before_response), so handlers do their
database work inline and hand Slack-heavy work to background tasks.
"""

from __future__ import annotations

import difflib
import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.errors import InputError
from bot.i18n import Texts
from bot.plumbing import logs
from bot.services import Services
from handlers.context import CommandContext, Reply, Subcommand
from handlers.errors import slack_refusal

log = logging.getLogger(__name__)

COMMAND = "/incident"
OUTSIDE = {"declare", "list", "help"}
HELP = ("help", "aiuto")


def help_line(t: Texts, sub: Subcommand) -> str:
    """One subcommand in `help`: usage, summary and example in the workspace's language, then
    the other names it answers to (`declare` under `dichiara`), since they work in every
    language; never the name the usage already shows."""
    usage = t._(sub.usage)
    line = t._("• `{usage}` — {summary}. Example: `{example}`").format(
        usage=usage, summary=t._(sub.summary), example=t._(sub.example)
    )
    shown = usage.split(" ", 1)[0]
    others = [name for name in (sub.name, *sub.aliases) if name != shown]
    if not others:
        return line
    names = ", ".join(f"`{name}`" for name in others)
    return f"{line} · " + t._("Also: {names}.").format(names=names)


def help_reply(t: Texts, subcommands: list[Subcommand]) -> Reply:
    lines = [t._("*`/incident` subcommands*"), *(help_line(t, sub) for sub in subcommands)]
    names = ", ".join(f"`{name}`" for name in HELP[1:])
    lines.append(t._("• `help` — this list. Also: {names}.").format(names=names))
    return Reply("\n".join(lines))


class Router:
    def __init__(self, services: Services, subcommands: list[Subcommand]) -> None:
        self.services = services
        self.subcommands = subcommands
        self.by_name = {n: s for s in subcommands for n in (s.name, *s.aliases)}

    async def dispatch(self, body: dict[str, Any]) -> Reply:
        text = str(body.get("text") or "").strip()
        name, _, args = text.partition(" ")
        name = name.lower()
        if not name or name in HELP:
            return help_reply(self.services.texts, self.subcommands)
        sub = self.by_name.get(name)
        if sub is None:
            t = self.services.texts
            close = difflib.get_close_matches(name, [*self.by_name, *HELP], n=1)
            hint = t._("Did you mean `/incident {name}`?").format(name=close[0]) if close else ""
            raise InputError(
                t._("`{name}` is not an /incident subcommand.").format(name=name[:40]),
                " ".join([hint, t._("`/incident help` lists them all.")]).strip(),
            )
        ctx = CommandContext(
            services=self.services,
            user_id=str(body.get("user_id") or ""),
            channel_id=str(body.get("channel_id") or ""),
            args=args.strip(),
            trigger_id=body.get("trigger_id"),
            response_url=body.get("response_url"),
        )
        ctx.incident = await self.services.incidents.by_channel(ctx.channel_id)
        if ctx.incident is not None:
            logs.incident.set(ctx.incident.number)
        if sub.needs_incident and ctx.incident is None:
            return await self._elsewhere(sub)
        return await sub.handler(ctx)

    async def _elsewhere(self, sub: Subcommand) -> Reply:
        t = self.services.texts
        open_ = await self.services.incidents.list(open_only=True)
        where = [f"<#{i.channel_id}>" for i in open_ if i.channel_id]
        if where:
            # One English form for both; Italian says "Incidente aperto" for one.
            hint = t.ngettext(
                "Open incidents: {channels}.", "Open incidents: {channels}.", len(where)
            ).format(channels=", ".join(where))
        else:
            hint = t._("There is no open incident.")
        only = t._("`/incident {name}` works only inside an incident channel.").format(
            name=sub.name
        )
        declare = t._("Declare one with `/incident declare <title>`.")
        return Reply(f"{only} {hint}\n{declare}")


def register(app: AsyncApp, router: Router) -> None:
    @app.command(COMMAND)
    async def incident_command(ack: AsyncAck, body: dict[str, Any]) -> None:
        try:
            reply = await router.dispatch(body)
        except InputError as exc:
            reply = Reply(f":warning: {exc}")
        except Exception as exc:
            # Raising after ack would leave Slack without an answer (Bolt quirk): say it here.
            said = slack_refusal(router.services, exc)
            if said is None:
                log.exception("/incident %s failed", str(body.get("text", ""))[:80])
                said = router.services.texts._(
                    ":x: Something went wrong handling that command; it is in the bot's log."
                )
            reply = Reply(said)
        await ack(**reply.ack_kwargs())
