"""Heroku releases through the Platform API: listed as change events, and rolled back.

`GET /apps/{app}/releases` with `Range: version ..; order=desc, max=N` reads the newest
releases; `POST /apps/{app}/releases` with `{"release": id}` rolls back to one, creating a new
release whose success is then read back.
"""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict

from bot.changes.models import ChangeIn
from bot.changes.providers.common import ApiSource, items, one
from bot.changes.sources import HerokuSource, service_of
from bot.maintenance.providers.heroku import describe_error
from bot.plumbing.http import HttpSession

SERVICE = "Heroku"
ACCEPT = "application/vnd.heroku+json; version=3"


class HerokuUser(BaseModel):
    email: str = ""


class Release(BaseModel):
    """The fields of Heroku's release object that outagebot reads."""

    model_config = ConfigDict(extra="ignore")

    id: str
    version: int
    description: str = ""
    status: str = "succeeded"
    created_at: datetime
    user: HerokuUser | None = None
    current: bool = False

    @property
    def name(self) -> str:
        return f"v{self.version}"


class HerokuReleases(ApiSource[HerokuSource]):
    service = SERVICE
    token_what = "a Heroku API token"

    @property
    def _url(self) -> str:
        return f"{self.source.api_url}/apps/{quote(self.source.app, safe='')}/releases"

    def __repr__(self) -> str:
        return f"HerokuReleases({self.name!r}, app={self.source.app!r})"

    async def changes(self, limit: int) -> list[ChangeIn]:
        """The succeeded releases among the newest `limit`, as change events."""
        async with self._session(self._token()) as http:
            releases = await self._list(http, limit)
        service = service_of(self.name, self.source)
        return [
            ChangeIn(
                source=self.name,
                service=service,
                version=r.name,
                description=r.description,
                author=r.user.email if r.user else "",
                deployed_at=r.created_at,
                url=None,
                external_id=r.id,
            )
            for r in releases
            if r.status == "succeeded"
        ]

    async def releases(self, limit: int) -> list[Release]:
        async with self._session(self._token()) as http:
            return await self._list(http, limit)

    async def rollback(self, release_id: str) -> tuple[Release, int]:
        """Roll back to `release_id`; the new release and the attempts it took."""
        body = json.dumps({"release": release_id}).encode()
        async with self._session(self._token()) as http:
            reply = await http.request(
                "POST",
                self._url,
                headers={**self._headers(), "Content-Type": "application/json"},
                content=body,
            )
            return one(reply, Release), reply.attempts

    async def _list(self, http: HttpSession, limit: int) -> list[Release]:
        headers = {**self._headers(), "Range": f"version ..; order=desc, max={limit}"}
        reply = await http.request("GET", self._url, headers=headers)
        return items(reply, Release)

    def _describe(self, response: httpx.Response) -> str:
        return describe_error(response)

    def _headers(self) -> dict[str, str]:
        secret = self._token()
        return {"Accept": ACCEPT, "Authorization": f"Bearer {secret.get_secret_value()}"}


def newest(releases: list[Release]) -> Release | None:
    """The current release: Heroku flags it; the highest version otherwise."""
    flagged = [r for r in releases if r.current]
    if flagged:
        return flagged[0]
    return max(releases, key=lambda r: r.version, default=None)
