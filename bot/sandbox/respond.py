"""The response_url endpoint (`POST /respond/{token}`) that Bolt's `respond()` posts to.

A response_url answers the user who acted: ephemerally by default, in the channel with
`response_type: in_channel`, or by replacing/deleting the message the user acted on. Like
Slack, a URL works at most 5 times within 30 minutes.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from bot.sandbox.api import ApiContext, Call, raw_fault
from bot.sandbox.faults import Faults
from bot.sandbox.state import BLOCKS_ONLY_TEXT, BOT_ID, BOT_USER_ID, ResponseTarget
from bot.sandbox.workspace import RESPONSE_URL_LIFETIME_SECONDS, RESPONSE_URL_MAX_USES


def _text(status: int, text: str) -> web.Response:
    return web.Response(status=status, text=text, content_type="text/html")


class ResponseUrlEndpoint:
    def __init__(self, ctx: ApiContext, faults: Faults, calls: list[Call]) -> None:
        self.ctx = ctx
        self.faults = faults
        self.calls = calls

    async def handle(self, request: web.Request) -> web.Response:
        call = Call(method=Faults.RESPONSE_URL, params={})
        self.calls.append(call)
        body = await self._body(request)
        if body is None:
            call.error = "invalid_payload"
            return _text(400, "invalid_payload")
        call.params = {**body, "response_url_token": request.match_info["token"]}
        faulted = await raw_fault(self.faults, Faults.RESPONSE_URL, call)
        if faulted is not None:
            return faulted
        target = self.ctx.workspace.responses.get(request.match_info["token"])
        error = self._refusal(target)
        if target is None or error:
            call.error = error or "no_service"
            return _text(404, call.error)
        target.uses += 1
        error = self._apply(target, body)
        if error:
            call.error = error
            return _text(404 if error.endswith("not_found") else 400, error)
        return _text(200, "ok")

    @staticmethod
    async def _body(request: web.Request) -> dict[str, Any] | None:
        try:
            if request.content_type == "application/x-www-form-urlencoded":
                form = await request.post()
                body = json.loads(str(form.get("payload", "")))
            else:
                body = json.loads(await request.read())
        except (json.JSONDecodeError, UnicodeDecodeError):
            return None
        return body if isinstance(body, dict) else None

    def _refusal(self, target: ResponseTarget | None) -> str | None:
        if target is None:
            return "no_service"
        age = (self.ctx.now() - target.issued).total_seconds()
        if age > RESPONSE_URL_LIFETIME_SECONDS:
            return "expired_url"
        if target.uses >= RESPONSE_URL_MAX_USES:
            return "used_url"
        return None

    def _apply(self, target: ResponseTarget, body: dict[str, Any]) -> str | None:
        ws, now = self.ctx.workspace, self.ctx.now()
        channel = ws.channels.get(target.channel)
        if channel is None:
            return "channel_not_found"
        text = body.get("text") or ""
        blocks = body.get("blocks")
        if body.get("delete_original"):
            return self._delete_original(target)
        if not text and not blocks:
            return "no_text"
        if body.get("replace_original") and target.message_ts:
            if target.is_ephemeral:
                ephemeral = ws.ephemeral(target.message_ts)
                if ephemeral is None:
                    return "message_not_found"
                ephemeral.text, ephemeral.blocks = text or BLOCKS_ONLY_TEXT, blocks
                return None
            message = channel.message(target.message_ts)
            if message is None or message.bot_id != BOT_ID:
                return "message_not_found"
            ws.edit(channel, message, by=BOT_USER_ID, now=now, text=text, blocks=blocks)
            return None
        thread_ts = body.get("thread_ts") or target.thread_ts
        if body.get("response_type") == "in_channel":
            ws.post_as_bot(channel, now=now, text=text, blocks=blocks, thread_ts=thread_ts)
            return None
        ephemeral = ws.add_ephemeral(
            channel,
            target.user,
            now=now,
            text=text or BLOCKS_ONLY_TEXT,
            blocks=blocks,
            source="response_url",
            thread_ts=thread_ts,
        )
        if target.message_ts is None:
            # A later replace_original on a slash command's URL replaces this answer.
            target.message_ts, target.is_ephemeral = ephemeral.ts, True
        return None

    def _delete_original(self, target: ResponseTarget) -> str | None:
        ws = self.ctx.workspace
        if not target.message_ts:
            return "message_not_found"
        if target.is_ephemeral:
            ephemeral = ws.ephemeral(target.message_ts)
            if ephemeral is None:
                return "message_not_found"
            ws.ephemerals.remove(ephemeral)
            return None
        channel = ws.channels[target.channel]
        message = channel.message(target.message_ts)
        if message is None or message.bot_id != BOT_ID:
            return "message_not_found"
        ws.delete(channel, message)
        return None
