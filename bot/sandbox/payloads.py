"""Request bodies exactly as Slack sends them to a bot, and their signatures.

Pure functions: ids, times and URLs are arguments, so a test can build any request (a
retry, a replay, a stale signature) without a sandbox. The shapes follow Slack's documented
payloads: slash commands and interactivity are form-encoded (interactivity as one `payload`
JSON field); events are JSON `event_callback` envelopes.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from bot.sandbox.state import APP_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID

VERIFICATION_TOKEN = "sandbox-verification-token"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


# --- bodies and signatures --------------------------------------------------------------


def form_body(fields: Mapping[str, str]) -> bytes:
    return urlencode(fields).encode()


def json_body(envelope: Mapping[str, Any]) -> bytes:
    return json.dumps(envelope, separators=(",", ":")).encode()


def interactive_body(payload: Mapping[str, Any]) -> bytes:
    """Interactivity arrives as a form with a single `payload` field holding JSON."""
    return form_body({"payload": json.dumps(payload, separators=(",", ":"))})


def sign(
    body: bytes, secret: str, timestamp: int | str, *, content_type: str | None = None
) -> dict[str, str]:
    """Slack's signing headers (`v0=` HMAC-SHA256 of `v0:{timestamp}:{body}`)."""
    stamp = str(int(timestamp))
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    if content_type is None:
        content_type = JSON if body.lstrip().startswith(b"{") else FORM
    assert signature is not None  # a secret was given: the verifier always signs
    return {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
        "Content-Type": content_type,
    }


# --- slash commands ---------------------------------------------------------------------


def slash_command(
    *,
    user_id: str,
    user_name: str,
    channel_id: str,
    channel_name: str,
    text: str,
    response_url: str,
    trigger_id: str,
    command: str = "/incident",
    team_id: str = TEAM_ID,
    team_domain: str = TEAM_DOMAIN,
    api_app_id: str = APP_ID,
    token: str = VERIFICATION_TOKEN,
) -> dict[str, str]:
    return {
        "token": token,
        "team_id": team_id,
        "team_domain": team_domain,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


# --- events -----------------------------------------------------------------------------


def event_callback(
    event: Mapping[str, Any],
    *,
    event_id: str,
    event_time: int,
    team_id: str = TEAM_ID,
    api_app_id: str = APP_ID,
    bot_user_id: str = BOT_USER_ID,
    token: str = VERIFICATION_TOKEN,
) -> dict[str, Any]:
    return {
        "token": token,
        "team_id": team_id,
        "context_team_id": team_id,
        "context_enterprise_id": None,
        "api_app_id": api_app_id,
        "event": dict(event),
        "type": "event_callback",
        "event_id": event_id,
        "event_time": event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-sandbox-{event_id}",
    }


def url_verification(challenge: str, *, token: str = VERIFICATION_TOKEN) -> dict[str, Any]:
    return {"token": token, "challenge": challenge, "type": "url_verification"}


def channel_type_of(channel_id: str, *, is_private: bool = False) -> str:
    if channel_id.startswith("D"):
        return "im"
    return "group" if is_private or channel_id.startswith("G") else "channel"


def rich_text(text: str, *, seed: str) -> list[dict[str, Any]]:
    """The rich_text block Slack's clients attach to a typed message."""
    block_id = uuid.uuid5(uuid.NAMESPACE_URL, seed).hex[:5]
    section = {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
    return [{"type": "rich_text", "block_id": block_id, "elements": [section]}]


def message_event(
    *,
    channel: str,
    user: str,
    text: str,
    ts: str,
    thread_ts: str | None = None,
    parent_user_id: str | None = None,
    files: Sequence[Mapping[str, Any]] | None = None,
    channel_type: str = "channel",
    team: str = TEAM_ID,
) -> dict[str, Any]:
    """A person's message; with `files` it is the `file_share` subtype."""
    event: dict[str, Any] = {
        "type": "message",
        "user": user,
        "text": text,
        "ts": ts,
        "team": team,
        "channel": channel,
        "event_ts": ts,
        "channel_type": channel_type,
    }
    if files:
        event.update(subtype="file_share", files=[dict(f) for f in files], upload=False)
        event["display_as_bot"] = False
    else:
        event["client_msg_id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{channel}/{ts}"))
        event["blocks"] = rich_text(text, seed=f"{channel}/{ts}")
    if thread_ts and thread_ts != ts:
        event["thread_ts"] = thread_ts
        if parent_user_id:
            event["parent_user_id"] = parent_user_id
    return event


def message_changed_event(
    *,
    channel: str,
    message: Mapping[str, Any],
    previous_message: Mapping[str, Any],
    event_ts: str,
    channel_type: str = "channel",
) -> dict[str, Any]:
    return {
        "type": "message",
        "subtype": "message_changed",
        "message": dict(message),
        "previous_message": dict(previous_message),
        "channel": channel,
        "hidden": True,
        "ts": event_ts,
        "event_ts": event_ts,
        "channel_type": channel_type,
    }


def message_deleted_event(
    *,
    channel: str,
    deleted_ts: str,
    previous_message: Mapping[str, Any],
    event_ts: str,
    channel_type: str = "channel",
) -> dict[str, Any]:
    return {
        "type": "message",
        "subtype": "message_deleted",
        "previous_message": dict(previous_message),
        "channel": channel,
        "hidden": True,
        "deleted_ts": deleted_ts,
        "ts": event_ts,
        "event_ts": event_ts,
        "channel_type": channel_type,
    }


def reaction_event(
    type_: str,
    *,
    user: str,
    reaction: str,
    channel: str,
    ts: str,
    item_user: str | None,
    event_ts: str,
) -> dict[str, Any]:
    """`reaction_added` / `reaction_removed`; `item_user` is absent for webhook messages."""
    event: dict[str, Any] = {
        "type": type_,
        "user": user,
        "reaction": reaction,
        "item": {"type": "message", "channel": channel, "ts": ts},
        "event_ts": event_ts,
    }
    if item_user:
        event["item_user"] = item_user
    return event


def pin_event(
    type_: str,
    *,
    user: str,
    channel: str,
    message: Mapping[str, Any],
    pinned_at: int,
    event_ts: str,
    pin_count: int,
) -> dict[str, Any]:
    """`pin_added` / `pin_removed` for a message."""
    return {
        "type": type_,
        "user": user,
        "channel_id": channel,
        "item": {
            "type": "message",
            "created": pinned_at,
            "created_by": user,
            "channel": channel,
            "message": dict(message),
        },
        "item_user": message.get("user"),
        "pin_count": pin_count,
        "pinned_info": {"channel": channel, "pinned_by": user, "pinned_ts": pinned_at},
        "event_ts": event_ts,
    }


def app_home_opened_event(
    *, user: str, channel: str, event_ts: str, view: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user,
        "channel": channel,
        "tab": "home",
        "event_ts": event_ts,
    }
    if view is not None:
        event["view"] = dict(view)
    return event


def member_joined_channel_event(
    *,
    user: str,
    channel: str,
    event_ts: str,
    inviter: str | None = None,
    channel_type: str = "C",
    team: str = TEAM_ID,
) -> dict[str, Any]:
    event = {
        "type": "member_joined_channel",
        "user": user,
        "channel": channel,
        "channel_type": channel_type,
        "team": team,
        "event_ts": event_ts,
    }
    if inviter:
        event["inviter"] = inviter
    return event


# --- interactivity ----------------------------------------------------------------------


def user_ref(user_id: str, name: str, *, team_id: str = TEAM_ID) -> dict[str, str]:
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def button_action(
    *, action_id: str, block_id: str, value: str | None, text: str, action_ts: str
) -> dict[str, Any]:
    action: dict[str, Any] = {
        "action_id": action_id,
        "block_id": block_id,
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "type": "button",
        "action_ts": action_ts,
    }
    if value is not None:
        action["value"] = value
    return action


def block_actions(
    *,
    user: Mapping[str, str],
    actions: Sequence[Mapping[str, Any]],
    trigger_id: str,
    container: Mapping[str, Any],
    channel: Mapping[str, str] | None = None,
    message: Mapping[str, Any] | None = None,
    view: Mapping[str, Any] | None = None,
    response_url: str | None = None,
    state_values: Mapping[str, Any] | None = None,
    team_id: str = TEAM_ID,
    team_domain: str = TEAM_DOMAIN,
    api_app_id: str = APP_ID,
    token: str = VERIFICATION_TOKEN,
) -> dict[str, Any]:
    """A `block_actions` payload: from a message (with `response_url`) or from a view."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": dict(user),
        "api_app_id": api_app_id,
        "token": token,
        "container": dict(container),
        "trigger_id": trigger_id,
        "team": {"id": team_id, "domain": team_domain},
        "enterprise": None,
        "is_enterprise_install": False,
    }
    if channel is not None:
        payload["channel"] = dict(channel)
    if message is not None:
        payload["message"] = dict(message)
        payload["state"] = {"values": dict(state_values or {})}
    if view is not None:
        payload["view"] = dict(view)
    if response_url is not None:
        payload["response_url"] = response_url
    payload["actions"] = [dict(a) for a in actions]
    return payload


def message_action(
    *,
    callback_id: str,
    user: Mapping[str, str],
    channel: Mapping[str, str],
    message: Mapping[str, Any],
    trigger_id: str,
    response_url: str,
    team_id: str = TEAM_ID,
    team_domain: str = TEAM_DOMAIN,
    token: str = VERIFICATION_TOKEN,
) -> dict[str, Any]:
    """A message shortcut (`message_action`) chosen from a message's "More actions" menu."""
    return {
        "type": "message_action",
        "callback_id": callback_id,
        "token": token,
        "action_ts": str(message.get("ts", "")),
        "team": {"id": team_id, "domain": team_domain},
        "user": dict(user),
        "channel": dict(channel),
        "is_enterprise_install": False,
        "enterprise": None,
        "message_ts": message.get("ts"),
        "message": dict(message),
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def view_submission(
    *,
    user: Mapping[str, str],
    view: Mapping[str, Any],
    trigger_id: str,
    response_urls: Sequence[Mapping[str, str]] = (),
    team_id: str = TEAM_ID,
    team_domain: str = TEAM_DOMAIN,
    api_app_id: str = APP_ID,
    token: str = VERIFICATION_TOKEN,
) -> dict[str, Any]:
    """A `view_submission`: the view (with `state.values`) the user submitted."""
    return {
        "type": "view_submission",
        "team": {"id": team_id, "domain": team_domain},
        "user": dict(user),
        "api_app_id": api_app_id,
        "token": token,
        "trigger_id": trigger_id,
        "view": dict(view),
        "response_urls": [dict(r) for r in response_urls],
        "is_enterprise_install": False,
        "enterprise": None,
    }
