"""GitHub deployments of one environment, each counted once its latest status is `success`.

`GET /repos/{owner}/{repo}/deployments?environment=...` lists them newest first; the latest
status of each comes from `GET .../deployments/{id}/statuses?per_page=1` (newest first too).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from urllib.parse import quote, urlencode

import httpx
from pydantic import BaseModel, ConfigDict, SecretStr

from bot.changes.models import ChangeIn
from bot.changes.providers.common import ApiSource, items
from bot.changes.sources import GithubSource, service_of
from bot.maintenance.providers.webhook import describe_error
from bot.plumbing.http import HttpSession

SERVICE = "GitHub"


class Creator(BaseModel):
    login: str = ""


class Deployment(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: int
    sha: str
    ref: str
    description: str | None = None
    creator: Creator | None = None
    created_at: datetime


class DeploymentStatus(BaseModel):
    model_config = ConfigDict(extra="ignore")

    state: str
    created_at: datetime
    log_url: str | None = None
    target_url: str | None = None
    environment_url: str | None = None


class GithubDeployments(ApiSource[GithubSource]):
    service = SERVICE
    token_what = "a GitHub token"

    @property
    def _url(self) -> str:
        owner, _, repo = self.source.repo.partition("/")
        return f"{self.source.api_url}/repos/{quote(owner, safe='')}/{quote(repo, safe='')}"

    def __repr__(self) -> str:
        return f"GithubDeployments({self.name!r}, repo={self.source.repo!r})"

    async def changes(self, limit: int) -> list[ChangeIn]:
        secret = self._token()
        query = urlencode({"environment": self.source.environment, "per_page": limit})
        async with self._session(secret) as http:
            reply = await http.request(
                "GET", f"{self._url}/deployments?{query}", headers=self._headers(secret)
            )
            deployments = items(reply, Deployment)
            statuses = await asyncio.gather(*(self._latest(http, secret, d) for d in deployments))
        service = service_of(self.name, self.source)
        return [
            self._change(d, s, service)
            for d, s in zip(deployments, statuses, strict=True)
            if s is not None and s.state == "success"
        ]

    async def _latest(
        self, http: HttpSession, secret: SecretStr, deployment: Deployment
    ) -> DeploymentStatus | None:
        url = f"{self._url}/deployments/{deployment.id}/statuses?per_page=1"
        found = items(
            await http.request("GET", url, headers=self._headers(secret)), DeploymentStatus
        )
        return found[0] if found else None

    def _change(self, d: Deployment, s: DeploymentStatus, service: str) -> ChangeIn:
        version = d.ref if d.ref != d.sha else d.sha[:7]
        return ChangeIn(
            source=self.name,
            service=service,
            version=version[:64],
            description=d.description or f"{d.ref} @ {d.sha[:7]}",
            author=d.creator.login if d.creator else "",
            deployed_at=s.created_at,
            url=s.log_url or s.target_url or s.environment_url,
            external_id=str(d.id),
        )

    def _describe(self, response: httpx.Response) -> str:
        return describe_error(response)

    @staticmethod
    def _headers(secret: SecretStr) -> dict[str, str]:
        return {
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {secret.get_secret_value()}",
            "X-GitHub-Api-Version": "2022-11-28",
        }
