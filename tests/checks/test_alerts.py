"""`POST /alerts/alertmanager` and `POST /alerts` over HTTP on the bot's own port (both modes)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.checks.messages import MARK_DOWN, MARK_UP
from bot.models import FeatureState
from bot.sandbox.cast import GIULIA, INCIDENTS
from bot.sandbox.stack import SandboxStack
from bot.store import tables
from tests.changes.conftest import at

from .conftest import ALERTS_SECRET, ALERTS_TOKEN, post, signed
from .test_found_in_minutes import buttons

pytestmark = pytest.mark.transports("http", "socket")

BEARER = {"Authorization": f"Bearer {ALERTS_TOKEN}"}


def alertmanager(status: str, labels: dict[str, str], **alert: Any) -> dict[str, Any]:
    """Alertmanager's webhook body, version 4, as its documentation gives it."""
    one = {
        "status": status,
        "labels": {"alertname": "PurchasesErrors", **labels},
        "annotations": {"summary": "Purchases 5xx above 5%"},
        "startsAt": "2025-04-30T08:45:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.example/graph?g0.expr=rate",
        "fingerprint": "c6a4f0d1e2b3a495",
        **alert,
    }
    return {
        "version": "4",
        "groupKey": '{}:{alertname="PurchasesErrors"}',
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "outagebot",
        "groupLabels": {"alertname": "PurchasesErrors"},
        "commonLabels": one["labels"],
        "commonAnnotations": one["annotations"],
        "externalURL": "http://alertmanager.example",
        "alerts": [one],
    }


async def recorded_signals(stack: SandboxStack) -> list:
    assert stack.services is not None
    async with stack.services.db.connect() as conn:
        return list((await conn.execute(tables.signals.select())).mappings())


async def test_a_firing_alert_offers_the_feature_down_since_it_started(make_stack) -> None:
    stack = await make_stack()
    stack.clock.set(at(10, 42))
    incident = await stack.declare("Checkout errors")
    assert incident.channel_id
    stack.clock.set(at(10, 47))

    firing = alertmanager("firing", {"service": "purchases"})
    first = await post(stack, "/alerts/alertmanager", firing, BEARER)
    again = await post(stack, "/alerts/alertmanager", firing, BEARER)  # repeat_interval
    await stack.idle()

    assert (first.status_code, first.json()) == (200, {"received": 1, "changed": 1})
    assert (again.status_code, again.json()) == (200, {"received": 1, "changed": 0})
    [signal] = [m for m in stack.sandbox.messages(incident.channel_id) if "Alert for" in m.text]
    assert signal.text == (
        ":rotating_light: Alert for *Acquisti*, firing since 10:45: Purchases 5xx above 5%."
    )
    assert buttons(signal) == ["Mark Acquisti down since 10:45"]
    await stack.driver.click(
        GIULIA, MARK_DOWN, channel_id=incident.channel_id, message_ts=signal.ts
    )
    await stack.idle()

    stack.clock.set(at(11, 40))
    resolved = alertmanager("resolved", {"service": "purchases"}, endsAt="2025-04-30T09:30:00Z")
    assert (await post(stack, "/alerts/alertmanager", resolved, BEARER)).json()["changed"] == 1
    assert (await post(stack, "/alerts/alertmanager", resolved, BEARER)).json()["changed"] == 0
    await stack.idle()
    [reply] = [
        m
        for m in stack.sandbox.messages(incident.channel_id)
        if m.thread_ts == signal.ts and m.ts != signal.ts
    ]
    assert reply.text == ":white_check_mark: The alert for *Acquisti* resolved at 11:30."
    assert buttons(reply) == ["Mark Acquisti up at 11:30"]
    await stack.driver.click(GIULIA, MARK_UP, channel_id=incident.channel_id, message_ts=reply.ts)
    await stack.idle()

    [status] = await stack.services.features.statuses(incident)
    assert status.state is FeatureState.up
    assert [i.started_at for i in status.intervals] == [at(10, 45)]
    assert [i.ended_at for i in status.intervals] == [at(11, 30)]


async def test_a_wrong_or_missing_token_is_refused_and_records_nothing(
    make_stack, monkeypatch
) -> None:
    stack = await make_stack()
    firing = alertmanager("firing", {"service": "purchases"})

    wrong = await post(stack, "/alerts/alertmanager", firing, {"Authorization": "Bearer nope"})
    missing = await post(stack, "/alerts/alertmanager", firing)
    monkeypatch.delenv("OUTAGEBOT_ALERTS_TOKEN")
    off = await post(stack, "/alerts/alertmanager", firing, BEARER)
    await stack.idle()

    assert wrong.status_code == missing.status_code == 401
    assert off.status_code == 503
    assert "OUTAGEBOT_ALERTS_TOKEN is not set" in off.json()["message"]
    assert ALERTS_TOKEN not in wrong.text + off.text
    assert await recorded_signals(stack) == []
    assert stack.sandbox.messages(INCIDENTS) == []


async def test_a_malformed_body_gets_400_naming_the_field(make_stack) -> None:
    stack = await make_stack()
    body = alertmanager("firing", {"service": "purchases"})
    del body["alerts"][0]["startsAt"]

    reply = await post(stack, "/alerts/alertmanager", body, BEARER)
    garbage = await post(stack, "/alerts/alertmanager", b"{not json", BEARER)

    assert reply.status_code == 400
    assert reply.json()["message"] == "alerts.0.startsAt: Field required"
    assert garbage.status_code == 400
    assert await recorded_signals(stack) == []


async def test_an_alert_of_no_feature_is_posted_as_unmapped(make_stack) -> None:
    stack = await make_stack()
    stack.clock.set(at(10, 47))

    body = alertmanager("firing", {"service": "search", "severity": "page"}, fingerprint="ff01")
    assert (await post(stack, "/alerts/alertmanager", body, BEARER)).status_code == 200
    await stack.idle()

    [message] = stack.sandbox.messages(INCIDENTS)
    assert message.text == (
        ":grey_question: Unmapped alert, firing since 10:45: Purchases 5xx above 5%."
        " Labels: `alertname=PurchasesErrors`, `service=search`, `severity=page`."
        " No feature's `alert_labels` match them."
    )
    assert buttons(message) == ["Declare incident", "Not an incident", "Mute 1 h"]


GENERIC = {
    "feature": "purchases",
    "status": "firing",
    "started_at": "2025-04-30T08:45:00Z",
    "summary": "Smoke test of checkout failed",
    "url": "https://ci.example/runs/77",
    "id": "smoke-77",
}


async def test_a_signed_generic_alert_is_a_signal_and_a_replay_is_refused(make_stack) -> None:
    stack = await make_stack()
    stack.clock.set(at(10, 47))
    raw = json.dumps(GENERIC).encode()

    forged = await post(stack, "/alerts", raw, signed(raw, "not-the-secret"))
    headers = signed(raw, ALERTS_SECRET)
    good = await post(stack, "/alerts", raw, headers)
    replay = await post(stack, "/alerts", raw, headers)
    bad = json.dumps({**GENERIC, "status": "burning"}).encode()
    malformed = await post(stack, "/alerts", bad, signed(bad, ALERTS_SECRET))
    await stack.idle()

    assert forged.status_code == 401
    assert (good.status_code, good.json()["changed"]) == (200, 1)
    assert replay.status_code == 409
    assert malformed.status_code == 400
    assert malformed.json()["message"].startswith("status: Input should be 'firing' or")
    [message] = stack.sandbox.messages(INCIDENTS)
    assert message.text == (
        ":rotating_light: Alert for *Acquisti*, firing since 10:45: Smoke test of checkout failed."
    )
    [row] = await recorded_signals(stack)
    assert (row["source"], row["feature"], row["fingerprint"]) == (
        "alert",
        "Acquisti",
        "generic:smoke-77",
    )
