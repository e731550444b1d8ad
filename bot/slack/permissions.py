"""Who may switch maintenance mode: the configured people, or else the incident's channel.

Checked against Slack at the moment of asking, so someone removed from a user group or from
the channel loses the button at once. If Slack cannot answer, the answer is no: taking the app
offline is not something to allow by accident.
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.errors import SlackApiError

from bot.i18n import Texts, texts
from bot.slack.gateway import SlackWeb, error_code


class MaintenancePermissions:
    def __init__(
        self, slack: SlackWeb, allowed: Sequence[str] | None, t: Texts | None = None
    ) -> None:
        """`allowed`: user ids (`U…`, `W…`) and user group ids (`S…`); None = channel members.
        `t`: the language of the refusals, which are shown in Slack and recorded."""
        self.slack = slack
        self.allowed = None if allowed is None else tuple(allowed)
        self.t = t or texts("en")

    async def refusal(self, user: str, channel_id: str | None) -> str | None:
        """None when `user` may switch maintenance; otherwise why not, in one sentence."""
        try:
            if await self.permitted(user, channel_id):
                return None
        except SlackApiError as exc:
            return self.t._("Slack could not say who may switch maintenance (`{error}`)").format(
                error=error_code(exc)
            )
        if self.allowed is None:
            return self.t._("only members of the incident channel may switch maintenance mode")
        return self.t._(
            "only the people listed under `[permissions] maintenance` may switch maintenance"
        )

    async def permitted(self, user: str, channel_id: str | None) -> bool:
        """Whether `user` is listed (or in a listed group), or, with no list, in the channel.

        Raises SlackApiError when Slack cannot say; other permissions (the status page's)
        reuse this check with their own wording.
        """
        if self.allowed is None:
            return bool(channel_id) and user in await self.slack.members(channel_id or "")
        if user in self.allowed:
            return True
        for group in (g for g in self.allowed if g.startswith("S")):
            if user in await self.slack.group_members(group):
                return True
        return False
