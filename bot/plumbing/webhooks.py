"""What the webhooks the bot receives share (`POST /changes`, `POST /alerts`, ...): a refusal is
JSON `{"message": ...}`; a signed request is checked before its body is read into anything; a
body that does not fit its model is a 400 naming the first bad field; a signature is used once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from bot.plumbing import logs
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


@dataclass(frozen=True)
class Signed:
    """How one signed webhook checks its requests: the secret's variable, the wall clock, and
    the claim that makes each signature usable once (`prefix` keeps webhooks apart)."""

    environ: Mapping[str, str]
    secret_env: str
    wall: Callable[[], float]
    claim: Claim
    prefix: str
    what: str  # names the webhook in refusals: "the changes webhook is off"

    async def read(self, request: web.Request, model: type[M]) -> M | web.Response:
        """The body as `model`, or the refusal: 503 when no secret is set (the webhook is
        off), 401 for a missing, stale or bad signature, 400 for a body that does not fit,
        409 for a signature already used. The body is read into nothing before it is
        verified."""
        secret = self.environ.get(self.secret_env, "").strip()
        if not secret:
            return refuse(503, f"{self.secret_env} is not set: the {self.what} webhook is off")
        body = await request.read()
        problem = refusal(secret, request.headers, body, self.wall())
        if problem is not None:
            logs.refused(request.method, request.path, len(body), problem)
            return refuse(401, problem)
        found = parsed(model, body)
        if isinstance(found, web.Response):
            return found
        if not await self.claim(self.prefix + request.headers["X-Outagebot-Signature"]):
            return refuse(409, "this signature was already used: sign each request anew")
        return found
