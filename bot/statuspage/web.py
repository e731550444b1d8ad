"""`GET /status`, `/status/api/v2/*.json` and `/status/feed.atom`: read-only, published data only.

Every response renders from the cached `Snapshot` (see StatusPage.snapshot), carries an ETag
of it and `Cache-Control: max-age`, and the HTML page a Content-Security-Policy that allows no
script at all: the page needs none, and a reflected string could run nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.i18n import Texts
from bot.slack.mrkdwn import xml_text
from bot.statuspage.models import (
    INDICATOR_LABELS,
    STATE_LABELS,
    STATUS_LABELS,
    Component,
    PublicIncident,
    Snapshot,
)
from bot.statuspage.service import StatusPage
from bot.time import formatting
from bot.time.formatting import Form

BASE = "/status"
TEMPLATES = Path(__file__).parent / "templates"
PAGE_ID = "outagebot"


def _iso(instant: datetime | None) -> str | None:
    return instant.isoformat().replace("+00:00", "Z") if instant else None


class StatusSite:
    def __init__(self, page: StatusPage, texts: Texts, timezone: str) -> None:
        self.page, self.texts, self.timezone = page, texts, timezone
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            extensions=["jinja2.ext.i18n"],
        )
        self.env.install_gettext_translations(texts.translations, newstyle=True)  # type: ignore[attr-defined]
        self.css = (TEMPLATES / "status.css").read_bytes()
        self._bodies: dict[str, tuple[Snapshot, bytes]] = {}
        self._headers: dict[str, tuple[str, dict[str, str], dict[str, str]]] = {}
        settings = page.settings
        self.title = settings.title or texts._("Service status")
        img = "'none'"
        if settings.logo_url:
            parts = urlsplit(settings.logo_url)
            img = f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") else img
        self.csp = (
            f"default-src 'none'; style-src 'self'; img-src {img}; base-uri 'none';"
            " form-action 'none'; frame-ancestors 'none'"
        )

    def routes(self, app: web.Application) -> None:
        app.router.add_get(BASE, self.html)
        app.router.add_get(f"{BASE}/status.css", self.stylesheet)
        app.router.add_get(f"{BASE}/feed.atom", self.atom)
        for name in ("summary", "status", "components", "incidents"):
            app.router.add_get(f"{BASE}/api/v2/{name}.json", self._json(name))

    # --- responses ----------------------------------------------------------------------

    def _cached(self, kind: str, snapshot: Snapshot, render: Callable[[], bytes]) -> bytes:
        """Each body is rendered once per snapshot: a crowd of readers costs no re-rendering.
        No body depends on the request, so one entry per kind serves every reader."""
        found = self._bodies.get(kind)
        if found is not None and found[0] is snapshot:
            return found[1]
        body = render()
        self._bodies[kind] = (snapshot, body)
        return body

    def _respond(
        self, request: web.Request, snapshot: Snapshot, kind: str, body: bytes, content_type: str
    ) -> web.Response:
        found = self._headers.get(kind)
        if found is None or found[0] != snapshot.etag:
            # Built once per snapshot and kind, like the body: a reader costs a lookup.
            headers = {
                "ETag": f'"{kind}-{snapshot.etag}"',
                "Cache-Control": f"public, max-age={self.page.settings.max_age}",
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer",
                "Content-Security-Policy": self.csp,
            }
            found = (snapshot.etag, headers, {**headers, "Content-Type": content_type})
            self._headers[kind] = found
        _, headers, full = found
        if headers["ETag"] in request.headers.get("If-None-Match", ""):
            return web.Response(status=304, headers=headers)
        return web.Response(body=body, headers=full)

    async def stylesheet(self, request: web.Request) -> web.Response:
        snapshot = await self.page.snapshot()
        return self._respond(request, snapshot, "css", self.css, "text/css; charset=utf-8")

    def _json(self, name: str) -> Any:
        async def handler(request: web.Request) -> web.Response:
            snapshot = await self.page.snapshot()
            body = self._cached(
                name,
                snapshot,
                lambda: json.dumps(self.document(snapshot, name), ensure_ascii=False).encode(),
            )
            return self._respond(request, snapshot, name, body, "application/json")

        return handler

    async def html(self, request: web.Request) -> web.Response:
        snapshot = await self.page.snapshot()
        body = self._cached("html", snapshot, lambda: self.render(snapshot).encode())
        return self._respond(request, snapshot, "html", body, "text/html; charset=utf-8")

    async def atom(self, request: web.Request) -> web.Response:
        snapshot = await self.page.snapshot()
        body = self._cached("atom", snapshot, lambda: self.feed(snapshot))
        return self._respond(request, snapshot, "atom", body, "application/atom+xml; charset=utf-8")

    # --- Statuspage v2 ------------------------------------------------------------------

    def document(self, snapshot: Snapshot, name: str) -> dict[str, Any]:
        t = self.texts
        page = {
            "id": PAGE_ID,
            "name": self.title,
            "url": self.page.settings.site_url or "",
            "time_zone": self.timezone,
            "updated_at": _iso(snapshot.at),
        }
        status = {
            "indicator": snapshot.indicator.value,
            "description": t._(INDICATOR_LABELS[snapshot.indicator]),
        }
        components = [self._component(c, snapshot) for c in snapshot.components]
        incidents = [self._incident(i, snapshot) for i in snapshot.incidents]
        match name:
            case "status":
                return {"page": page, "status": status}
            case "components":
                return {"page": page, "components": components}
            case "incidents":
                return {"page": page, "incidents": incidents}
        return {
            "page": page,
            "status": status,
            "components": components,
            "incidents": [
                i for i, p in zip(incidents, snapshot.incidents, strict=True) if p.is_open
            ],
            "scheduled_maintenances": [],
        }

    def _component(self, c: Component, snapshot: Snapshot) -> dict[str, Any]:
        return {
            "id": c.id,
            "name": c.name,
            "status": c.state.value,
            "position": c.position,
            "description": None,
            "showcase": True,
            "group_id": None,
            "page_id": PAGE_ID,
            "group": False,
            "only_show_if_degraded": False,
            "created_at": None,
            "updated_at": _iso(snapshot.at),
        }

    def _incident(self, i: PublicIncident, snapshot: Snapshot) -> dict[str, Any]:
        names = {c.id: c for c in snapshot.components}
        return {
            "id": str(i.id),
            "name": i.title,
            "status": i.status.value,
            "impact": snapshot.indicator.value if i.is_open else i.impact.value,
            "created_at": _iso(i.started_at),
            "started_at": _iso(i.started_at),
            "updated_at": _iso(i.updated_at),
            "monitoring_at": None,
            "resolved_at": _iso(i.resolved_at),
            "shortlink": None,
            "page_id": PAGE_ID,
            "incident_updates": [
                {
                    "id": str(u.id),
                    "status": u.status.value,
                    "body": u.body,
                    "incident_id": str(i.id),
                    "created_at": _iso(u.at),
                    "updated_at": _iso(u.at),
                    "display_at": _iso(u.at),
                }
                for u in i.updates
            ],
            "components": [self._component(names[c], snapshot) for c in i.components],
        }

    # --- HTML and Atom ------------------------------------------------------------------

    def _when(self, instant: datetime, now: datetime, form: Form = "bare") -> str:
        """`14:30` today, `29 Apr 14:30` (`29/04 14:30`) on another day: the one formatter."""
        return formatting.when(self.texts, instant, self.timezone, now, form)

    def _view(self, i: PublicIncident, now: datetime) -> dict[str, Any]:
        t = self.texts
        end = i.resolved_at
        # An incident over more than one day dates every time it shows (a bare 17:45 under
        # "29/04 14:00" reads as the 29th); else a time today goes without its date.
        zone = ZoneInfo(self.timezone)
        days = {i.started_at.astimezone(zone).date(), (end or now).astimezone(zone).date()}
        today = now if len(days) == 1 else i.started_at - timedelta(days=1)  # never shown
        return {
            "title": i.title,
            # No span of its own: a public number is one the drafts state (issue 23).
            "start": self._when(i.started_at, today),
            "end": self._when(end, today) if end else "",
            "updates": [
                {
                    "status": t._(STATUS_LABELS[u.status]),
                    "when": self._when(u.at, today),
                    "iso": _iso(u.at),
                    "body": u.body,
                }
                for u in i.updates
            ],
        }

    def render(self, snapshot: Snapshot) -> str:
        t = self.texts
        settings = self.page.settings
        template = self.env.get_template("status.html")
        since = snapshot.maintenance_since
        return template.render(
            lang=t.language,
            base=BASE,
            title=self.title,
            logo_url=settings.logo_url,
            site_url=settings.site_url,
            snapshot=snapshot,
            indicator=snapshot.indicator.value,
            indicator_label=t._(INDICATOR_LABELS[snapshot.indicator]),
            maintenance_since=self._when(since, snapshot.at, "since") if since else "",
            components=[
                {"name": c.name, "state": c.state.value, "label": t._(STATE_LABELS[c.state])}
                for c in snapshot.components
            ],
            open_incidents=[self._view(i, snapshot.at) for i in snapshot.incidents if i.is_open],
            closed_incidents=[
                self._view(i, snapshot.at) for i in snapshot.incidents if not i.is_open
            ],
            history_days=settings.history_days,
            updated=self._when(snapshot.at, snapshot.at, "at"),
        )

    def feed(self, snapshot: Snapshot) -> bytes:
        """One Atom entry per published update, newest first; ElementTree escapes it all and
        `xml_text` drops what XML 1.0 cannot hold. Absolute URLs come from `public_url`
        alone (without one, links are relative and ids are `urn:`s), never from the request."""
        ns = "http://www.w3.org/2005/Atom"
        ET.register_namespace("", ns)
        public = self.page.settings.public_url
        page = f"{public}{BASE}" if public else BASE
        feed_id = page if public else "urn:outagebot:status"
        root = ET.Element(f"{{{ns}}}feed")
        ET.SubElement(root, f"{{{ns}}}title").text = xml_text(self.title)
        ET.SubElement(root, f"{{{ns}}}id").text = feed_id
        ET.SubElement(root, f"{{{ns}}}updated").text = _iso(snapshot.at)
        ET.SubElement(root, f"{{{ns}}}link", href=page)
        updates = [(i, u) for i in snapshot.incidents for u in i.updates]
        for incident, u in sorted(updates, key=lambda pair: pair[1].at, reverse=True):
            entry = ET.SubElement(root, f"{{{ns}}}entry")
            status = self.texts._(STATUS_LABELS[u.status])
            title = xml_text(f"{incident.title}: {status}")
            ET.SubElement(entry, f"{{{ns}}}title").text = title
            ET.SubElement(entry, f"{{{ns}}}id").text = f"{feed_id}#update-{u.id}"
            ET.SubElement(entry, f"{{{ns}}}updated").text = _iso(u.at)
            ET.SubElement(entry, f"{{{ns}}}link", href=page)
            ET.SubElement(entry, f"{{{ns}}}content", type="text").text = xml_text(u.body)
        tree: bytes = ET.tostring(root, encoding="utf-8")
        return b'<?xml version="1.0" encoding="utf-8"?>\n' + tree
