"""What the change sources share: a token read at call time, a session per call, JSON read
defensively."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import ClassVar, Generic, TypeVar

import httpx
from pydantic import BaseModel, SecretStr, ValidationError

from bot.changes.sources import GithubSource, HerokuSource
from bot.plumbing.http import CallFailed, HttpSession, Reply, excerpt
from bot.plumbing.retry import RetryPolicy
from bot.plumbing.secrets import missing_secret, read_secret

ModelT = TypeVar("ModelT", bound=BaseModel)
T = TypeVar("T")
SourceT = TypeVar("SourceT", HerokuSource, GithubSource)


class ApiSource(Generic[SourceT]):
    """A change source read over its platform's API, with a token named in its settings."""

    service: ClassVar[str]  # names the platform in messages
    token_what: ClassVar[str]  # what a missing token is called

    def __init__(
        self,
        name: str,
        source: SourceT,
        *,
        environ: Mapping[str, str],
        policy: RetryPolicy,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.name = name
        self.source: SourceT = source
        self._environ, self._policy, self._transport = environ, policy, transport

    def _token(self) -> SecretStr:
        """The token, read at call time; a missing one fails before anything is sent."""
        secret = read_secret(self._environ, self.source.token_env)
        if secret is None:
            raise CallFailed(missing_secret(self.source.token_env, self.token_what))
        return secret

    def _session(self, secret: SecretStr) -> HttpSession:
        return HttpSession(
            self.service,
            timeout=self.source.timeout_seconds,
            policy=self._policy,
            secrets=(secret,),
            describe=self._describe,
            transport=self._transport,
        )

    def _describe(self, response: httpx.Response) -> str:
        """A failed answer in a message; platforms override it with their error format."""
        return excerpt(response)


def _readable(reply: Reply, what: str, read: Callable[[], T]) -> T:
    try:
        return read()
    except ValidationError as exc:
        raise CallFailed(
            f"{reply.service} answered with {what} we cannot read: {exc.errors()[0]['msg']}",
            attempts=reply.attempts,
            status=reply.status,
        ) from None


def items(reply: Reply, model: type[ModelT]) -> list[ModelT]:
    """The body as a list of `model`; anything else is a failure naming the service."""
    data = reply.json_list()
    return _readable(reply, "an item", lambda: [model.model_validate(item) for item in data])


def one(reply: Reply, model: type[ModelT]) -> ModelT:
    return _readable(reply, "a body", lambda: model.model_validate(reply.json_object()))
