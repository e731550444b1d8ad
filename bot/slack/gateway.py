"""Slack Web API operations the services need, with Slack's rules applied once.

Wraps slack_sdk's `AsyncWebClient` (no Bolt here): channel names that Slack accepts, suffixes on
`name_taken`, idempotent invites and pins, and text that never pings. This is the one gateway:
nothing else in `bot/` or `handlers/` calls the client, so rate limits, pagination (slack_sdk's
own cursor iteration) and the error codes that mean "already done" are handled in one place.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.time.clock import Clock

CHANNEL_NAME_MAX = 80
TOPIC_MAX = 250
_NAME_TAKEN_TRIES = 20
PAGE_SIZE = 200


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


async def _tolerating(call: Any, *done: str) -> AsyncSlackResponse | None:
    """Await a Web API call; an error code in `done` means the wanted state already holds.

    The one place where "already pinned / already in channel / no reaction" become success,
    so every caller gets idempotent operations without its own try/except.
    """
    try:
        response: AsyncSlackResponse = await call
    except SlackApiError as exc:
        if error_code(exc) in done:
            return None
        raise
    return response


async def _items(first: AsyncSlackResponse, key: str) -> AsyncIterator[dict[str, Any]]:
    """Every element of `key` over all pages, with slack_sdk's own cursor iteration."""
    async for page in first:
        for item in page.get(key) or []:
            yield item


class SlackProbe:
    """Slack's reachability as last seen, for `/healthz`: a reader never waits on Slack.

    Reading the state starts a probe (`auth.test`) in the background when the last one began
    `every` ago or more and none is in flight; every reader shares that one probe and gets the
    last known answer at once, with its age.
    """

    def __init__(
        self,
        slack: SlackWeb,
        clock: Clock,
        spawn: Callable[[Coroutine[Any, Any, None]], object],
        every: timedelta = timedelta(seconds=30),
    ) -> None:
        self.slack, self.clock, self.spawn, self.every = slack, clock, spawn, every
        self._state = "unknown"
        self._checked: datetime | None = None  # when the last answer came
        self._started: datetime | None = None  # when the last probe began
        self._probing = False

    def state(self) -> tuple[str, float | None]:
        """The last known state and how many seconds old it is (None: no answer yet)."""
        now = self.clock.now()
        if not self._probing and (self._started is None or now - self._started >= self.every):
            self._probing, self._started = True, now
            self.spawn(self._probe())
        age = None if self._checked is None else (now - self._checked).total_seconds()
        return self._state, age

    async def _probe(self) -> None:
        try:
            self._state = await self.slack.reachable()
            self._checked = self.clock.now()
        finally:
            self._probing = False


class SlackWeb:
    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._bot_user_id: str | None = None

    async def reachable(self) -> str:
        """`ok` or why not, from one `auth.test` (the health probe's question)."""
        try:
            await self.client.auth_test()
        except SlackApiError as exc:
            return error_code(exc)
        except Exception as exc:  # noqa: BLE001 - health reports any failure
            return f"unreachable ({type(exc).__name__})"
        return "ok"

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

    async def invite(self, channel: str, user_ids: Iterable[str]) -> dict[str, str]:
        """Invite everyone Slack can; the users it refused (a stale id...) with its reason.

        `force` makes Slack invite the valid users instead of failing the call for one bad id.
        """
        users = [u for u in dict.fromkeys(user_ids) if u]
        if not users:
            return {}
        try:
            resp = await self.client.conversations_invite(
                channel=channel, users=",".join(users), force=True
            )
            data: object = resp.data
        except SlackApiError as exc:
            data = getattr(exc.response, "data", None)
            listed = isinstance(data, dict) and isinstance(data.get("errors"), list)
            if error_code(exc) != "already_in_channel" and not listed:
                raise
        errors = data.get("errors") if isinstance(data, dict) else None
        return {
            str(e.get("user")): str(e.get("error"))
            for e in (errors if isinstance(errors, list) else [])
            if isinstance(e, dict) and e.get("error") != "already_in_channel"
        }

    async def group_members(self, group_id: str) -> list[str]:
        resp = await self.client.usergroups_users_list(usergroup=group_id)
        users: list[Any] = resp.get("users") or []
        return [str(u) for u in users]

    async def set_topic(self, channel: str, topic: str, *, current: str | None = None) -> None:
        """Set the topic unless it already reads so: Slack posts a notice in the channel on
        every topic change, and `conversations.setTopic` is rate-limited tightly (tier 2).

        `current` is the topic when the caller knows it (a channel it has just created has
        none), which saves the `conversations.info` round trip.
        """
        topic = topic[:TOPIC_MAX]
        if current is None:
            info = await self.client.conversations_info(channel=channel)
            current = (info.get("channel") or {}).get("topic", {}).get("value")
        if current != topic:
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

    async def open_view(self, trigger_id: str, view: dict[str, Any]) -> None:
        """Open a modal; `trigger_id` is valid for 3 s after the click or command."""
        await self.client.views_open(trigger_id=trigger_id, view=view)

    async def update_view(self, view_id: str, view: dict[str, Any]) -> None:
        """Replace an open modal (a page or filter of the correction form)."""
        await self.client.views_update(view_id=view_id, view=view)

    async def pin(self, channel: str, ts: str) -> None:
        await _tolerating(self.client.pins_add(channel=channel, timestamp=ts), "already_pinned")

    async def pinned(self, channel: str) -> set[str]:
        """The `ts` of every pinned message in the channel."""
        resp = await self.client.pins_list(channel=channel)
        items: list[dict[str, Any]] = resp.get("items") or []
        return {str((item.get("message") or {}).get("ts")) for item in items}

    async def react(self, channel: str, ts: str, name: str) -> None:
        await _tolerating(
            self.client.reactions_add(channel=channel, timestamp=ts, name=name), "already_reacted"
        )

    async def unreact(self, channel: str, ts: str, name: str) -> None:
        """Take the bot's reaction off; a message deleted meanwhile or a reaction already
        taken off by hand count as done."""
        await _tolerating(
            self.client.reactions_remove(channel=channel, timestamp=ts, name=name),
            "message_not_found",
            "no_reaction",
        )

    async def find_channel(self, name: str) -> str | None:
        """The id of the public channel called `name` (or `#name`), if there is one."""
        wanted = name.lstrip("#")
        first = await self.client.conversations_list(
            exclude_archived=True, limit=PAGE_SIZE, types="public_channel"
        )
        async for channel in _items(first, "channels"):
            if channel.get("name") == wanted or channel.get("id") == wanted:
                return str(channel["id"])
        return None

    async def find_user(self, name: str) -> str | None:
        """The id of the active user whose handle, display or real name is `name` (any case)."""
        wanted = name.lower()
        async for user in _items(await self.client.users_list(limit=PAGE_SIZE), "members"):
            profile = user.get("profile") or {}
            names = {user.get("name"), profile.get("display_name"), profile.get("real_name")}
            if wanted in {str(n).lower() for n in names if n} and not user.get("deleted"):
                return str(user["id"])
        return None

    async def user_by_email(self, email: str) -> str | None:
        """The user with this email (scope users:read.email); None when there is none."""
        try:
            resp = await self.client.users_lookupByEmail(email=email)
        except SlackApiError as exc:
            if error_code(exc) == "users_not_found":
                return None
            raise
        return str(resp["user"]["id"])

    async def members(self, channel: str) -> set[str]:
        """Everyone in the channel, all pages."""
        first = await self.client.conversations_members(channel=channel, limit=1000)
        return {str(m) async for m in _member_ids(first)}

    async def history(self, channel: str) -> AsyncIterator[dict[str, Any]]:
        """Every message of the channel, newest first, page after page."""
        first = await self.client.conversations_history(channel=channel, limit=PAGE_SIZE)
        async for message in _items(first, "messages"):
            yield message

    async def replies(self, channel: str, ts: str) -> AsyncIterator[dict[str, Any]]:
        """The thread under `ts`; every page starts with the parent."""
        first = await self.client.conversations_replies(channel=channel, ts=ts, limit=PAGE_SIZE)
        async for message in _items(first, "messages"):
            yield message

    async def join(self, channel: str) -> None:
        await self.client.conversations_join(channel=channel)

    async def permalink(self, channel: str, ts: str) -> str:
        resp = await self.client.chat_getPermalink(channel=channel, message_ts=ts)
        return str(resp["permalink"])

    async def archive(self, channel: str) -> None:
        await _tolerating(self.client.conversations_archive(channel=channel), "already_archived")

    async def user_name(self, user_id: str) -> str:
        resp = await self.client.users_info(user=user_id)
        user = resp["user"]
        profile = user.get("profile") or {}
        return str(profile.get("display_name") or profile.get("real_name") or user.get("name"))

    async def user_email(self, user_id: str) -> str | None:
        """The profile's email (scope users:read.email): how trackers find the same person."""
        resp = await self.client.users_info(user=user_id)
        email = (resp["user"].get("profile") or {}).get("email")
        return str(email) if email else None

    async def upload(self, channel: str, files: Mapping[str, str | bytes], comment: str) -> None:
        """Files (filename -> text or bytes) in one message, through `files_upload_v2`
        (getUploadURLExternal, the upload, completeUploadExternal): `files.upload` is retired."""
        await self.client.files_upload_v2(
            channel=channel,
            file_uploads=[
                {"content": content, "filename": name, "title": name}
                for name, content in files.items()
            ],
            initial_comment=comment,
        )

    async def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        await self.client.views_publish(user_id=user_id, view=view)

    async def respond(
        self,
        response_url: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        **options: Any,
    ) -> None:
        """Answer through a command's or click's `response_url` (valid 30 min, 5 uses): not a
        Web API call, but routed here so every message the bot sends leaves from one place."""
        await AsyncWebhookClient(response_url).send(text=text, blocks=blocks, **options)


async def _member_ids(first: AsyncSlackResponse) -> AsyncIterator[str]:
    async for page in first:
        for member in page.get("members") or []:
            yield str(member)


def escape(text: str) -> str:
    """Slack's control-character escaping: typed text can never become a mention or link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
