"""auth.test, users.* and usergroups.*: who is who in the workspace.

`apps.connections.open` belongs to the Socket Mode server (socket_mode.py), which serves the
WebSocket its URL names.
"""

from __future__ import annotations

from typing import Any

from bot.sandbox.api import ApiContext, Handler, Params
from bot.sandbox.api_common import paginate
from bot.sandbox.errors import SlackError
from bot.sandbox.state import BOT_ID, BOT_NAME, BOT_USER_ID, PERMALINK_BASE, TEAM_ID, TEAM_NAME


def auth_test(ctx: ApiContext, p: Params) -> dict[str, Any]:
    # Bolt builds its AuthorizeResult from these fields (bot_id makes user_id the bot user).
    return {
        "url": f"{PERMALINK_BASE}/",
        "team": TEAM_NAME,
        "user": BOT_NAME,
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "is_enterprise_install": False,
    }


def users_info(ctx: ApiContext, p: Params) -> dict[str, Any]:
    return {"user": ctx.workspace.require_user(p.require("user")).to_api()}


def users_lookup_by_email(ctx: ApiContext, p: Params) -> dict[str, Any]:
    email = p.require("email").lower()
    for user in ctx.workspace.users.values():
        if user.email and user.email.lower() == email and not user.deleted:
            return {"user": user.to_api()}
    raise SlackError("users_not_found")


def users_list(ctx: ApiContext, p: Params) -> dict[str, Any]:
    users = list(ctx.workspace.users.values())
    page, meta = paginate(users, p, default_limit=200)
    return {"members": [u.to_api() for u in page], "response_metadata": meta}


def usergroups_list(ctx: ApiContext, p: Params) -> dict[str, Any]:
    include_users = p.get_bool("include_users")
    groups = ctx.workspace.usergroups.values()
    return {"usergroups": [g.to_api(include_users=include_users) for g in groups]}


def usergroups_users_list(ctx: ApiContext, p: Params) -> dict[str, Any]:
    group = ctx.workspace.usergroups.get(p.require("usergroup"))
    if group is None:
        raise SlackError("no_such_subteam")
    return {"users": list(group.users)}


METHODS: dict[str, Handler] = {
    "auth.test": auth_test,
    "users.info": users_info,
    "users.list": users_list,
    "users.lookupByEmail": users_lookup_by_email,
    "usergroups.list": usergroups_list,
    "usergroups.users.list": usergroups_users_list,
}
