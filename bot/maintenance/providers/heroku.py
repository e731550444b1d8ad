"""Heroku's maintenance mode, through the Platform API (`PATCH /apps/{app}`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import partial
from urllib.parse import quote

import httpx
from pydantic import SecretStr

from bot.maintenance.providers.base import (
    Call,
    HttpProvider,
    MaintenanceRequest,
    MaintenanceResult,
    maintenance_flag,
)
from bot.maintenance.targets import HerokuTarget
from bot.plumbing.http import CallFailed, HttpSession, error_body, excerpt
from bot.plumbing.retry import RetryPolicy
from bot.plumbing.secrets import missing_secret, read_secret

SERVICE = "Heroku"


def describe_error(response: httpx.Response) -> str:
    """Heroku explains itself in `{"id", "message"}`; show that as is."""
    body = error_body(response)
    if isinstance(message := body.get("message"), str):
        return f"{message} ({body['id']})" if body.get("id") else message
    return excerpt(response)


class HerokuProvider(HttpProvider[HerokuTarget]):
    def __init__(
        self,
        name: str,
        target: HerokuTarget,
        *,
        environ: Mapping[str, str],
        policy: RetryPolicy,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(name, target, environ=environ, policy=policy, transport=transport)
        self._app_url = f"{target.api_url}/apps/{quote(target.app, safe='')}"

    def __repr__(self) -> str:
        return f"HerokuProvider({self._name!r}, app={self._target.app!r})"

    async def set(self, request: MaintenanceRequest) -> MaintenanceResult:
        call = Call(self._name, "heroku", request.enabled)
        token = read_secret(self._environ, self._target.token_env)
        if token is None:
            return call.failed(missing_secret(self._target.token_env, "a Heroku API token"))
        body = json.dumps({"maintenance": request.enabled}).encode()
        headers = {**self._headers(token), "Content-Type": "application/json"}
        async with self._session(token) as http:
            try:
                written = await http.request("PATCH", self._app_url, headers=headers, content=body)
                written.json_object()  # a 2xx HTML page is a proxy or a wrong api_url
            except CallFailed as exc:
                return call.failed(exc)
            read_back = partial(self._fetch_state, http, token)
            return await call.confirm(written, read_back, subject="the app")

    async def read_state(self) -> bool:
        token = read_secret(self._environ, self._target.token_env)
        if token is None:
            raise CallFailed(missing_secret(self._target.token_env, "a Heroku API token"))
        async with self._session(token) as http:
            return await self._fetch_state(http, token)

    async def _fetch_state(self, http: HttpSession, token: SecretStr) -> bool:
        return maintenance_flag(
            await http.request("GET", self._app_url, headers=self._headers(token))
        )

    def _session(self, token: SecretStr) -> HttpSession:
        return HttpSession(
            SERVICE,
            timeout=self._target.timeout_seconds,
            policy=self._policy,
            secrets=(token,),
            describe=describe_error,
            transport=self._transport,
        )

    @staticmethod
    def _headers(token: SecretStr) -> dict[str, str]:
        return {
            "Accept": "application/vnd.heroku+json; version=3",
            "Authorization": f"Bearer {token.get_secret_value()}",
        }
