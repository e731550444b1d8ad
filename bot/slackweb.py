"""Slack Web API operations the services need, with Slack's rules applied once.

Wraps slack_sdk's `AsyncWebClient` (no Bolt here): channel names that Slack accepts, suffixes on
`name_taken`, idempotent invites and pins, and text that never pings.
"""

from __future__ import annotations

import re
import time
import unicodedata
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

CHANNEL_NAME_MAX = 80
TOPIC_MAX = 250
_NAME_TAKEN_TRIES = 20


def build_client(token: str, base_url: str, *, retries: int = 3) -> AsyncWebClient:
    """A client that retries 429 (honouring Retry-After), 5xx and connection errors."""
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        timeout=15,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=retries),
            AsyncRateLimitErrorRetryHandler(max_retry_count=retries),
            AsyncServerErrorRetryHandler(max_retry_count=retries),
        ],
    )


def slugify(text: str) -> str:
    """Fold accents and keep a-z, 0-9 and single dashes: "Offerte giù" -> "offerte-giu"."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")


def channel_name(number: int, title: str, suffix: int = 0) -> str:
    head = f"inc-{number}"
    tail = f"-{suffix + 1}" if suffix else ""
    slug = slugify(title)[: CHANNEL_NAME_MAX - len(head) - len(tail) - 1].strip("-")
    return f"{head}-{slug}{tail}" if slug else f"{head}{tail}"


def error_code(exc: SlackApiError) -> str:
    """Slack's error code, or the HTTP status when the body was not Slack's JSON (a 500)."""
    data = getattr(exc.response, "data", None)
    if isinstance(data, dict):
        return str(data.get("error", "unknown_error"))
    return f"HTTP {getattr(exc.response, 'status_code', '?')}"


class SlackWeb:
    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._bot_user_id: str | None = None
        self._reachable: tuple[float, str] | None = None

    async def reachable(self, max_age: float = 30.0) -> str:
        """`ok` or why not, from an `auth.test` at most every `max_age` seconds (health checks)."""
        now = time.monotonic()
        if self._reachable is None or now - self._reachable[0] > max_age:
            try:
                await self.client.auth_test()
                state = "ok"
            except SlackApiError as exc:
                state = error_code(exc)
            except Exception as exc:
                state = f"unreachable ({type(exc).__name__})"
            self._reachable = (now, state)
        return self._reachable[1]

    async def bot_user_id(self) -> str:
        if self._bot_user_id is None:
            auth = await self.client.auth_test()
            self._bot_user_id = str(auth["user_id"])
        return self._bot_user_id

    async def create_channel(self, number: int, title: str) -> tuple[str, str]:
        """Create `inc-<n>-<slug>`, adding a suffix while Slack answers `name_taken`."""
        for suffix in range(_NAME_TAKEN_TRIES):
            name = channel_name(number, title, suffix)
            try:
                resp = await self.client.conversations_create(name=name, is_private=False)
            except SlackApiError as exc:
                if error_code(exc) == "name_taken":
                    continue
                raise
            return str(resp["channel"]["id"]), name
        raise RuntimeError(f"no free channel name for INC-{number} after {_NAME_TAKEN_TRIES} tries")

    async def invite(self, channel: str, user_ids: list[str]) -> None:
        users = [u for u in dict.fromkeys(user_ids) if u]
        if not users:
            return
        try:
            await self.client.conversations_invite(channel=channel, users=",".join(users))
        except SlackApiError as exc:
            if error_code(exc) != "already_in_channel":
                raise

    async def group_members(self, group_id: str) -> list[str]:
        resp = await self.client.usergroups_users_list(usergroup=group_id)
        return [str(u) for u in resp.get("users", [])]

    async def set_topic(self, channel: str, topic: str) -> None:
        """Set the topic unless it already reads so: Slack posts a notice in the channel on
        every topic change, and `conversations.setTopic` is rate-limited tightly (tier 2)."""
        topic = topic[:TOPIC_MAX]
        info = await self.client.conversations_info(channel=channel)
        if (info.get("channel") or {}).get("topic", {}).get("value") != topic:
            await self.client.conversations_setTopic(channel=channel, topic=topic)

    async def post(
        self,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
    ) -> str:
        resp = await self.client.chat_postMessage(
            channel=channel,
            text=text,
            blocks=blocks,
            thread_ts=thread_ts,
            unfurl_links=False,
            unfurl_media=False,
        )
        return str(resp["ts"])

    async def update(
        self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        await self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)

    async def ephemeral(
        self, channel: str, user: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        await self.client.chat_postEphemeral(channel=channel, user=user, text=text, blocks=blocks)

    async def pin(self, channel: str, ts: str) -> None:
        try:
            await self.client.pins_add(channel=channel, timestamp=ts)
        except SlackApiError as exc:
            if error_code(exc) != "already_pinned":
                raise

    async def react(self, channel: str, ts: str, name: str) -> None:
        try:
            await self.client.reactions_add(channel=channel, timestamp=ts, name=name)
        except SlackApiError as exc:
            if error_code(exc) != "already_reacted":
                raise

    async def find_channel(self, name: str) -> str | None:
        """The id of the public channel called `name` (or `#name`), if there is one."""
        wanted = name.lstrip("#")
        cursor: str | None = None
        while True:
            resp = await self.client.conversations_list(
                exclude_archived=True, limit=200, cursor=cursor, types="public_channel"
            )
            for channel in resp.get("channels", []):
                if channel.get("name") == wanted or channel.get("id") == wanted:
                    return str(channel["id"])
            cursor = (resp.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None

    async def join(self, channel: str) -> None:
        await self.client.conversations_join(channel=channel)

    async def permalink(self, channel: str, ts: str) -> str:
        resp = await self.client.chat_getPermalink(channel=channel, message_ts=ts)
        return str(resp["permalink"])

    async def archive(self, channel: str) -> None:
        try:
            await self.client.conversations_archive(channel=channel)
        except SlackApiError as exc:
            if error_code(exc) != "already_archived":
                raise

    async def user_name(self, user_id: str) -> str:
        resp = await self.client.users_info(user=user_id)
        user = resp["user"]
        profile = user.get("profile") or {}
        return str(profile.get("display_name") or profile.get("real_name") or user.get("name"))

    async def open_view(self, trigger_id: str, view: dict[str, Any]) -> None:
        await self.client.views_open(trigger_id=trigger_id, view=view)

    async def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        await self.client.views_publish(user_id=user_id, view=view)

    async def upload(self, channel: str, filename: str, content: str, comment: str) -> None:
        await self.client.files_upload_v2(
            channel=channel,
            filename=filename,
            title=filename,
            content=content,
            initial_comment=comment,
        )


def escape(text: str) -> str:
    """Slack's control-character escaping: typed text can never become a mention or link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
