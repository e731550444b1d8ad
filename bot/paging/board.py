"""The status message's paging line: "Paged 10:41 · @Giulia on call · acknowledged 10:44"."""

from __future__ import annotations

from datetime import datetime

from bot.i18n import Texts
from bot.models import Incident
from bot.paging.models import PageState
from bot.paging.service import Page, Pages
from bot.slack.gateway import escape
from bot.time import formatting


class PagingSection:
    def __init__(self, pages: Pages, texts: Texts) -> None:
        self.pages, self.t = pages, texts

    def line(self, page: Page, tz: str) -> str | None:
        t = self.t
        if page.state is PageState.claimed:
            return t._(":rotating_light: Paging…")
        if page.state is PageState.failed:
            return t._(":x: Page failed: {error}").format(error=escape((page.error or "")[:200]))
        parts = [
            t._(":rotating_light: Paged {time}").format(
                time=formatting.clock(page.sent_at or page.claimed_at, tz)
            )
        ]
        if page.oncall:
            parts.append(t._("{who} on call").format(who=page.oncall))
        if page.acknowledged_at is not None:
            if page.acknowledged_by and page.acknowledged_by != page.oncall:
                parts.append(
                    t._("acknowledged {time} by {who}").format(
                        time=formatting.clock(page.acknowledged_at, tz), who=page.acknowledged_by
                    )
                )
            else:
                parts.append(
                    t._("acknowledged {time}").format(
                        time=formatting.clock(page.acknowledged_at, tz)
                    )
                )
        else:
            parts.append(t._("not acknowledged yet"))
        if page.resolved_at is not None:
            parts.append(t._("resolved {time}").format(time=formatting.clock(page.resolved_at, tz)))
        return " · ".join(parts)

    async def board_lines(self, incident: Incident, now: datetime) -> list[str]:
        pages = await self.pages.of_incident(incident.id)
        return [line for p in pages if (line := self.line(p, incident.timezone))]

    async def summary(self, incident: Incident, now: datetime) -> str | None:
        return None

    async def open_items(self, incident: Incident) -> list[str]:
        return []
