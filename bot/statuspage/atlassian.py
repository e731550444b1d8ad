"""Atlassian Statuspage (manage API v1): component states and one incident per incident.

Idempotent by construction: the hosted incident's id is stored once created; before creating
one the bot looks for an incident tagged with ours in `metadata` (a crash between the POST and
the save must not make a second one), and before adding an update it checks the incident's
updates for the same text. 429 waits for `Retry-After` (the shared RetryPolicy).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import httpx
from pydantic import SecretStr

from bot.config import AtlassianSettings
from bot.plumbing.http import CallFailed, HttpSession
from bot.plumbing.retry import RetryPolicy
from bot.statuspage.models import Component, ComponentState, StatusUpdate

log = logging.getLogger(__name__)

SERVICE = "Statuspage"
TIMEOUT = 10.0
TAG = "outagebot"


def tag(incident_id: int) -> dict[str, dict[str, str]]:
    return {TAG: {"incident": str(incident_id)}}


class Atlassian:
    def __init__(
        self,
        settings: AtlassianSettings,
        *,
        environ: Mapping[str, str],
        policy: RetryPolicy,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings, self.policy, self.transport = settings, policy, transport
        self.key = SecretStr(environ.get(settings.api_key_env, ""))
        self.base = f"{settings.api_url.rstrip('/')}/v1/pages/{settings.page_id}"
        self._pushed: dict[str, ComponentState] = {}

    def _session(self) -> HttpSession:
        return HttpSession(
            SERVICE,
            timeout=TIMEOUT,
            policy=self.policy,
            secrets=[self.key],
            transport=self.transport,
        )

    def _headers(self) -> dict[str, str]:
        if not self.key.get_secret_value():
            raise CallFailed(f"{self.settings.api_key_env} is not set")
        return {
            "Authorization": f"OAuth {self.key.get_secret_value()}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }

    async def _call(
        self, session: HttpSession, method: str, path: str, body: dict[str, Any] | None = None
    ) -> Any:
        content = json.dumps(body).encode() if body is not None else None
        reply = await session.request(
            method, self.base + path, headers=self._headers(), content=content
        )
        if method == "GET" and reply.response.text.lstrip().startswith("["):
            return reply.response.json()
        return reply.json_object()

    async def push_components(self, components: Sequence[Component]) -> list[str]:
        """PATCH each mapped component whose state changed since the last push; names done."""
        done = []
        async with self._session() as session:
            for c in components:
                if c.remote_id is None or self._pushed.get(c.remote_id) is c.state:
                    continue
                body = {"component": {"status": c.state.value}}
                await self._call(session, "PATCH", f"/components/{c.remote_id}", body)
                self._pushed[c.remote_id] = c.state
                done.append(c.name)
        return done

    async def push_update(
        self,
        update: StatusUpdate,
        remote_id: str | None,
        components: Sequence[Component],
        started_at: datetime,
    ) -> str:
        """Create the hosted incident or add `update` to it; returns the hosted incident id."""
        mapped = [c for c in components if c.remote_id and c.key in update.components]
        states = {c.remote_id: update.components[c.key].value for c in mapped if c.remote_id}
        fields: dict[str, Any] = {
            "status": update.status.value,
            "body": update.body,
            "component_ids": list(states),
            "components": states,
        }
        async with self._session() as session:
            if remote_id is None:
                remote_id = await self._find(session, update.incident_id)
            if remote_id is None:
                incident = {
                    "name": update.title,
                    **fields,
                    "started_at": started_at.isoformat(),
                    "metadata": tag(update.incident_id),
                }
                created = await self._call(session, "POST", "/incidents", {"incident": incident})
                return str(created["id"])
            current = await self._call(session, "GET", f"/incidents/{remote_id}")
            bodies = {u.get("body") for u in current.get("incident_updates") or []}
            if update.body not in bodies:
                await self._call(session, "PATCH", f"/incidents/{remote_id}", {"incident": fields})
            return remote_id

    async def _find(self, session: HttpSession, incident_id: int) -> str | None:
        """A hosted incident already tagged with ours (created before a crash), if any."""
        listed = await self._call(session, "GET", "/incidents")
        wanted = tag(incident_id)[TAG]
        for item in listed if isinstance(listed, list) else []:
            if isinstance(item, dict) and (item.get("metadata") or {}).get(TAG) == wanted:
                return str(item["id"])
        return None
