"""What the webhooks the bot receives share (`POST /changes`, `POST /alerts`, ...): a refusal is
JSON `{"message": ...}`; a signed request is checked before its body is read into anything; a
body that does not fit its model is a 400 naming the first bad field; a signature is used once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from bot.plumbing.signing import refusal

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
# True the first time a key is claimed, in any replica.
Claim = Callable[[str], Awaitable[bool]]


def refuse(status: int, message: str) -> web.Response:
    return web.json_response({"message": message}, status=status)


def parsed(model: type[M], body: bytes) -> M | web.Response:
    """The body as `model`, or the 400 that names the first field that does not fit."""
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        return refuse(400, f"{where}: {first['msg']}")


async def signed_body(
    request: web.Request,
    environ: Mapping[str, str],
    secret_env: str,
    wall: Callable[[], float],
    what: str,
) -> bytes | web.Response:
    """The raw body of a request signed with the secret in `secret_env`, or its refusal:
    503 when no secret is set (the webhook is off), 401 for a missing, stale or bad signature."""
    secret = environ.get(secret_env, "").strip()
    if not secret:
        return refuse(503, f"{secret_env} is not set: the {what} webhook is off")
    body = await request.read()
    problem = refusal(secret, request.headers, body, wall())
    if problem is not None:
        log.warning("refused a %s %s: %s", request.method, request.path, problem)
        return refuse(401, problem)
    return body


async def replayed(claim: Claim, prefix: str, request: web.Request) -> web.Response | None:
    """409 when this request's signature was used before: a captured one cannot be replayed."""
    if await claim(prefix + request.headers["X-Outagebot-Signature"]):
        return None
    return refuse(409, "this signature was already used: sign each request anew")
