"""PagerDuty on loopback for a scenario's `config.paging`: the person on call all day, the
bot's `[paging]` settings pointing at it, and the acknowledgement an `acknowledge: page` step
sends back the way PagerDuty does (a signed webhooks v3 delivery to `POST /pagerduty`)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bot.demo.scenario import Paging, Person
from bot.sandbox.driver import DriverReply
from bot.sandbox.pagerduty import (
    API_TOKEN,
    ROUTING_KEY,
    PdUser,
    SandboxPagerDuty,
    deliver,
    webhook_event,
)

SCHEDULE = "PDEMO01"
# The demo's own variables: a real key in the environment never reaches the stand-in.
ROUTING_ENV = "OUTAGEBOT_DEMO_PAGERDUTY_ROUTING_KEY"
TOKEN_ENV = "OUTAGEBOT_DEMO_PAGERDUTY_API_TOKEN"
SECRET_ENV = "OUTAGEBOT_DEMO_PAGERDUTY_WEBHOOK_SECRET"


class DemoPager(SandboxPagerDuty):
    def __init__(self, now: Callable[[], datetime], paging: Paging, person: Person) -> None:
        super().__init__(now)
        os.environ[ROUTING_ENV], os.environ[TOKEN_ENV] = ROUTING_KEY, API_TOKEN
        self.secret = os.environ.setdefault(SECRET_ENV, secrets.token_hex(16))
        self.paging = paging
        # The sandbox gives each person the address `<name>@sandbox.example`.
        email = f"{person.name.lower()}@sandbox.example"
        self.person = PdUser(f"P{person.id[1:]}", person.real_name or person.name, email)
        start = now() - timedelta(days=1)
        self.on_call(SCHEDULE, self.person, start, start + timedelta(days=3))

    def settings(self) -> dict[str, Any]:
        """The bot's `[paging]` table for this run."""
        return {
            "provider": "pagerduty",
            "routing_key_env": ROUTING_ENV,
            "api_token_env": TOKEN_ENV,
            "webhook_secret_env": SECRET_ENV,
            "schedules": [SCHEDULE],
            "auto_page": [s.value for s in self.paging.auto_page],
            "events_url": self.url,
            "api_url": self.url,
        }

    async def acknowledge_page(self, bot_url: str) -> DriverReply:
        """The person on call acknowledges the newest open alert; PagerDuty tells the bot."""
        open_keys = [a.dedup_key for a in self.alerts.values() if a.status == "triggered"]
        if not open_keys:
            return DriverReply(409, "no page to acknowledge")
        key, when = open_keys[-1], self.now()
        self.acknowledge(key, self.person, when)
        body = webhook_event("incident.acknowledged", key, self.person, when, f"demo-{key}")
        answer = await deliver(f"{bot_url}/pagerduty", self.secret, body)
        return DriverReply(answer.status_code, answer.text)
