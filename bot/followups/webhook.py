"""`POST /github`: GitHub's `issues` webhook, signed with the configured secret.

Only `closed` matters (it marks the follow-up done); every other delivery is answered 204 and
ignored. GitHub redelivers on failure: marking done is idempotent, so a repeat changes nothing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from bot.followups.export import TrackerExport
from bot.followups.github import verify_signature
from bot.plumbing.secrets import read_secret

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.Response]]


def github_webhook(export: TrackerExport, environ: Mapping[str, str]) -> Handler:
    async def receive(request: web.Request) -> web.Response:
        github = export.github
        secret_env = github.settings.webhook_secret_env if github else None
        secret = read_secret(environ, secret_env) if secret_env else None
        if github is None or secret is None:
            return web.Response(status=404, text="no GitHub webhook configured")
        body = await request.read()
        signature = request.headers.get("X-Hub-Signature-256", "")
        if not verify_signature(secret.get_secret_value().encode(), body, signature):
            log.warning("refused a GitHub webhook with a bad signature")
            return web.Response(status=401, text="bad signature")
        if request.headers.get("X-GitHub-Event") != "issues":
            return web.Response(status=204)
        try:
            payload = json.loads(body)
            action = payload["action"]
            number = int(payload["issue"]["number"])
            repo = str(payload["repository"]["full_name"])
        except (ValueError, KeyError, TypeError):
            return web.Response(status=400, text="not an issues event")
        if action == "closed" and repo.lower() == github.settings.repo.lower():
            await export.closed_on_github(github.ref(number))
        return web.Response(status=204)

    return receive
