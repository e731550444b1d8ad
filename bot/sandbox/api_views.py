"""views.*: modals (a stack per interaction, opened with a one-use trigger_id) and Home tabs."""

from __future__ import annotations

from typing import Any

from bot.sandbox.api import ApiContext, Handler, Params
from bot.sandbox.api_common import check_blocks
from bot.sandbox.errors import SlackError
from bot.sandbox.state import View

VIEW_BLOCKS_MAX = 100
TITLE_MAX = 24
PRIVATE_METADATA_MAX = 3000
ID_MAX = 255
STACK_MAX = 3


def _bad(message: str) -> SlackError:
    return SlackError("invalid_arguments", messages=[f"[ERROR] {message}"])


def _text_len(obj: Any) -> int:
    return len(obj.get("text", "")) if isinstance(obj, dict) else 0


def view_arg(p: Params, *, expected_type: str) -> dict[str, Any]:
    """The `view` argument, refused where Slack refuses it (type, title, limits)."""
    view = p.get_json("view")
    if not isinstance(view, dict):
        raise _bad("missing required field: view")
    if view.get("type") != expected_type:
        raise _bad(f"must be a {expected_type} view [json-pointer:/view/type]")
    blocks = check_blocks(view.get("blocks", []), limit=VIEW_BLOCKS_MAX, error="invalid_arguments")
    if expected_type == "modal":
        if _text_len(view.get("title")) == 0:
            raise _bad("missing required field: title [json-pointer:/view/title]")
        for key in ("title", "submit", "close"):
            if _text_len(view.get(key)) > TITLE_MAX:
                pointer = f"[json-pointer:/view/{key}]"
                raise _bad(f"must be less than {TITLE_MAX + 1} characters {pointer}")
        if any(b.get("type") == "input" for b in blocks) and not view.get("submit"):
            raise _bad("must provide submit [json-pointer:/view/submit]")
    if len(str(view.get("private_metadata", ""))) > PRIVATE_METADATA_MAX:
        raise _bad("must be less than 3001 characters [json-pointer:/view/private_metadata]")
    for key in ("callback_id", "external_id"):
        if len(str(view.get(key, ""))) > ID_MAX:
            raise _bad(f"must be less than 256 characters [json-pointer:/view/{key}]")
    return view


def _check_external_id(ctx: ApiContext, view: dict[str, Any], current: View | None) -> None:
    external_id = view.get("external_id")
    if external_id:
        other = ctx.workspace.view_by_external_id(str(external_id))
        if other is not None and other is not current:
            raise SlackError("duplicate_external_id")


def open_(ctx: ApiContext, p: Params) -> dict[str, Any]:
    trigger_id = p.require("trigger_id")
    payload = view_arg(p, expected_type="modal")
    trigger = ctx.workspace.use_trigger(trigger_id, now=ctx.now())
    _check_external_id(ctx, payload, None)
    view = ctx.workspace.new_view(payload, user=trigger.user, now=ctx.now())
    return {"view": view.to_api()}


def push(ctx: ApiContext, p: Params) -> dict[str, Any]:
    trigger_id = p.require("trigger_id")
    payload = view_arg(p, expected_type="modal")
    ws = ctx.workspace
    trigger = ws.use_trigger(trigger_id, now=ctx.now())
    current = ws.views.get(trigger.view_id or "")
    if current is None or not current.is_open or current.type != "modal":
        raise _bad("views.push needs a trigger_id from an interaction inside an open modal")
    stack = ws.view_stack(current)
    if len(stack) >= STACK_MAX:
        raise SlackError("push_limit_reached")
    _check_external_id(ctx, payload, None)
    view = ws.new_view(payload, user=trigger.user, now=ctx.now(), root=stack[0], previous=stack[-1])
    return {"view": view.to_api()}


def _find(ctx: ApiContext, p: Params) -> View:
    view_id, external_id = p.get_str("view_id"), p.get_str("external_id")
    if not view_id and not external_id:
        raise _bad("either view_id or external_id is required")
    if view_id:
        view = ctx.workspace.views.get(view_id)
    else:
        view = ctx.workspace.view_by_external_id(external_id or "")
    if view is None or not view.is_open:
        raise SlackError("not_found")
    return view


def _check_hash(p: Params, view: View) -> None:
    given = p.get_str("hash")
    if given is not None and given != view.hash:
        raise SlackError("hash_conflict")


def update(ctx: ApiContext, p: Params) -> dict[str, Any]:
    view = _find(ctx, p)
    payload = view_arg(p, expected_type=view.type)
    _check_hash(p, view)
    _check_external_id(ctx, payload, view)
    ctx.workspace.replace_view(view, payload, now=ctx.now())
    return {"view": view.to_api()}


def publish(ctx: ApiContext, p: Params) -> dict[str, Any]:
    ws = ctx.workspace
    user = ws.require_user(p.require("user_id"))
    payload = view_arg(p, expected_type="home")
    view = ws.views.get(ws.home_views.get(user.id, ""))
    if view is None:
        view = ws.new_view(payload, user=user.id, now=ctx.now())
        ws.home_views[user.id] = view.id
    else:
        _check_hash(p, view)
        ws.replace_view(view, payload, now=ctx.now())
    return {"view": view.to_api()}


METHODS: dict[str, Handler] = {
    "views.open": open_,
    "views.push": push,
    "views.update": update,
    "views.publish": publish,
}
