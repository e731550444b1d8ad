"""What the change sources share: a session per call, JSON lists read defensively."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, SecretStr, ValidationError

from bot.http import CallFailed, HttpSession, Reply, excerpt
from bot.maintenance.providers.base import missing_secret, read_secret
from bot.retry import RetryPolicy

ModelT = TypeVar("ModelT", bound=BaseModel)


def token(environ: Mapping[str, str], name: str, what: str) -> SecretStr:
    """The token, read at call time; a missing one fails before anything is sent."""
    secret = read_secret(environ, name)
    if secret is None:
        raise CallFailed(missing_secret(name, what))
    return secret


def session(
    service: str,
    secret: SecretStr,
    *,
    timeout: float,
    policy: RetryPolicy,
    describe: Callable[[httpx.Response], str] = excerpt,
    transport: httpx.AsyncBaseTransport | None,
) -> HttpSession:
    return HttpSession(
        service,
        timeout=timeout,
        policy=policy,
        secrets=(secret,),
        describe=describe,
        transport=transport,
    )


def items(reply: Reply, model: type[ModelT]) -> list[ModelT]:
    """The body as a list of `model`; anything else is a failure naming the service."""
    try:
        data: Any = reply.response.json()
    except ValueError:
        data = None
    if not isinstance(data, list):
        raise CallFailed(
            f"{reply.service} answered {reply.status} with a body that is not a JSON list: "
            f"{excerpt(reply.response)}",
            attempts=reply.attempts,
            status=reply.status,
        )
    try:
        return [model.model_validate(item) for item in data]
    except ValidationError as exc:
        raise CallFailed(
            f"{reply.service} answered with an item we cannot read: {exc.errors()[0]['msg']}",
            attempts=reply.attempts,
            status=reply.status,
        ) from None


def one(reply: Reply, model: type[ModelT]) -> ModelT:
    try:
        return model.model_validate(reply.json_object())
    except ValidationError as exc:
        raise CallFailed(
            f"{reply.service} answered with a body we cannot read: {exc.errors()[0]['msg']}",
            attempts=reply.attempts,
            status=reply.status,
        ) from None
