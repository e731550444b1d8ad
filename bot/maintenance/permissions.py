"""Who may switch maintenance mode: the configured people, or else the incident's channel.

Checked against Slack at the moment of asking, so someone removed from a user group or from
the channel loses the button at once. If Slack cannot answer, the answer is no: taking the app
offline is not something to allow by accident.
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.errors import SlackApiError

from bot.slackweb import SlackWeb, error_code


class MaintenancePermissions:
    def __init__(self, slack: SlackWeb, allowed: Sequence[str] | None) -> None:
        """`allowed`: user ids (`U…`, `W…`) and user group ids (`S…`); None = channel members."""
        self.slack = slack
        self.allowed = None if allowed is None else tuple(allowed)

    async def refusal(self, user: str, channel_id: str | None) -> str | None:
        """None when `user` may switch maintenance; otherwise why not, in one sentence."""
        try:
            if await self.allows(user, channel_id):
                return None
        except SlackApiError as exc:
            return f"Slack could not say who may switch maintenance (`{error_code(exc)}`)"
        if self.allowed is None:
            return "only members of the incident channel may switch maintenance mode"
        return "only the people listed under `[permissions] maintenance` may switch maintenance"

    async def allows(self, user: str, channel_id: str | None) -> bool:
        """Whether `user` is allowed; raises SlackApiError when Slack cannot say."""
        if self.allowed is None:
            return bool(channel_id) and user in await self._members(channel_id or "")
        if user in self.allowed:
            return True
        for group in (g for g in self.allowed if g.startswith("S")):
            if user in await self.slack.group_members(group):
                return True
        return False

    async def _members(self, channel_id: str) -> set[str]:
        members: set[str] = set()
        cursor: str | None = None
        while True:
            resp = await self.slack.client.conversations_members(
                channel=channel_id, limit=1000, cursor=cursor
            )
            members.update(str(m) for m in resp.get("members", []))
            cursor = (resp.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return members
