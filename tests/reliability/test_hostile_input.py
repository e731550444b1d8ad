"""Random and hostile input through the signed HTTP endpoint of a real `outagebot run`.

The bot never answers 5xx, never logs an unhandled exception, and invalid input changes
nothing in the database.
"""

from __future__ import annotations

import itertools
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from botprocess import SandboxThread, bot_process, eventually
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.sandbox import payloads
from bot.sandbox.cast import INCIDENTS, MARCO
from bot.sandbox.stack import SIGNING_SECRET

# Seconds per test (fuzzes a bot subprocess): not in the inner loop.
pytestmark = pytest.mark.slow

SUBCOMMANDS = [
    "status",
    "severity",
    "lead",
    "rename",
    "note",
    "feature",
    "maintenance",
    "timeline",
    "resolve",
    "reopen",
    "postmortem",
    "list",
    "help",
    "",
    "declare",
]
HOSTILE = [
    "{{ 7*7 }}",
    "<!channel>",
    "<!here>",
    "<!subteam^S1|@devs>",
    "'; DROP TABLE incidents; --",
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
    "\x00\x1b[31m",
    "x" * 40_000,
    "🔥" * 500,
    "Offerte giù",
    "sev9",
    "at 25:99",
    "@nobody",
    "<@U0NOBODY>",  # well formed, but Slack does not know the user: `lead` must refuse it
    "<@U0NOBODY|ghost>",
]

texts = st.one_of(st.text(max_size=300), st.sampled_from(HOSTILE))


class Bot:
    def __init__(self, sandbox: SandboxThread, url: str, database: Path, log: Path) -> None:
        self.sandbox, self.url, self.database, self.log = sandbox, url, database, log
        self.http = httpx.Client(timeout=15)
        self.sent = itertools.count(1)

    def trigger_id(self) -> str:
        """Slack gives every command and click its own trigger: without one, two identical
        bodies signed in the same second are one request replayed, and the bot drops it."""
        return f"{next(self.sent)}.{int(time.time())}.hostile"

    def post(self, body: bytes, content_type: str | None = None) -> httpx.Response:
        headers = payloads.sign(body, SIGNING_SECRET, time.time(), content_type=content_type)
        return self.http.post(self.url, content=body, headers=headers)

    def command(self, channel: str, text: str) -> httpx.Response:
        fields = payloads.slash_command(
            user_id=MARCO,
            user_name="marco",
            channel_id=channel,
            channel_name="x",
            text=text,
            command="/incident",
            response_url=self.sandbox.sandbox.response_url("none"),
            trigger_id=self.trigger_id(),
        )
        return self.post(payloads.form_body(fields))

    def rows(self) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.database) as conn:
            return conn.execute(
                "SELECT id, title, severity, status, lead FROM incidents ORDER BY id"
            ).fetchall()


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    folder = tmp_path_factory.mktemp("hostile")
    with (
        SandboxThread() as sandbox,
        bot_process(sandbox, folder, OUTAGEBOT_LOG_LEVEL="INFO") as process,
    ):
        running = Bot(sandbox, process.request_url, folder / "bot.db", process.log_path)
        assert running.command(INCIDENTS, "declare Quotes down").status_code == 200
        assert eventually(lambda: sandbox.sandbox.channel_by_name("inc-1-quotes-down"))
        yield running
        log = running.log.read_text(errors="replace")
        assert "Traceback" not in log, log[-3000:]
        assert " ERROR " not in log, log[-3000:]


def incident_channel(bot: Bot) -> str:
    channel = bot.sandbox.sandbox.channel_by_name("inc-1-quotes-down")
    assert channel is not None
    return channel.id


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(sub=st.sampled_from(SUBCOMMANDS[:-1]), rest=texts)
def test_random_commands_never_fail(bot: Bot, sub: str, rest: str) -> None:
    response = bot.command(incident_channel(bot), f"{sub} {rest}")
    assert response.status_code == 200


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(value=texts.filter(lambda t: t.strip().lower() not in {"sev1", "sev2", "sev3", "sev4"}))
def test_invalid_severity_changes_nothing(bot: Bot, value: str) -> None:
    before = bot.rows()
    response = bot.command(incident_channel(bot), f"severity {value}")
    assert response.status_code == 200
    assert bot.rows() == before


@pytest.mark.parametrize("who", ["<@U0NOBODY>", "<@U0NOBODY|ghost>"])
def test_a_lead_slack_does_not_know_changes_nothing(bot: Bot, who: str) -> None:
    """`users.info` answers `user_not_found`: refused, and (the fixture checks) no traceback."""
    before = bot.rows()
    response = bot.command(incident_channel(bot), f"lead {who}")
    assert response.status_code == 200
    assert "Slack does not know the user `U0NOBODY`" in response.text
    assert bot.rows() == before


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=50),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    kind=st.sampled_from(
        ["message", "reaction_added", "pin_added", "app_home_opened", "made_up", ""]
    ),
    fields=st.dictionaries(
        st.sampled_from(
            ["channel", "user", "text", "ts", "item", "subtype", "thread_ts", "files", "message"]
        ),
        json_values,
    ),
    event_id=st.text(min_size=0, max_size=80),
)
def test_random_events_never_fail(
    bot: Bot, kind: str, fields: dict[str, Any], event_id: str
) -> None:
    before = bot.rows()
    envelope = payloads.event_callback({"type": kind, **fields}, event_id=event_id, event_time=1)
    response = bot.post(payloads.json_body(envelope))
    assert response.status_code < 500
    assert bot.rows() == before


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    body=st.text(max_size=300).map(str.encode)
    | st.sampled_from(
        [
            b"{",
            b"payload=%7B",
            b"payload=[1]",
            b'{"type": "event_callback"}',
            b'{"type": "url_verification"}',
            b"event=x",  # Bolt's self-event check reads `event` as an object
            b'{"type": "event_callback", "event": "x"}',
        ]
    )
)
def test_malformed_bodies_never_fail(bot: Bot, body: bytes) -> None:
    for content_type in ("application/json", "application/x-www-form-urlencoded"):
        assert bot.post(body, content_type).status_code < 500


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    values=st.dictionaries(
        st.sampled_from(["title", "severity", "description", "features"]), json_values
    )
)
def test_random_modal_submissions_never_fail(bot: Bot, values: dict[str, Any]) -> None:
    state = {
        block: {"value": {"type": "plain_text_input", "value": v}} for block, v in values.items()
    }
    payload = payloads.view_submission(
        user=payloads.user_ref(MARCO, "marco"),
        view={
            "id": "V0FUZZ",
            "type": "modal",
            "callback_id": "declare_incident",
            "state": {"values": state},
            "private_metadata": "",
            "hash": "x",
        },
        trigger_id=bot.trigger_id(),
    )
    response = bot.post(payloads.interactive_body(payload))
    assert response.status_code == 200


def test_hostile_text_is_stored_as_typed_and_posted_inert(bot: Bot) -> None:
    def texts() -> list[str]:
        """What this test posted: fuzzed commands before it may have posted hostile text too."""
        return [m.text for m in bot.sandbox.sandbox.messages(INCIDENTS)][earlier:]

    earlier = len(bot.sandbox.sandbox.messages(INCIDENTS))
    title = "<!channel> {{ 7*7 }} '; DROP TABLE incidents; -- <b>x</b>"
    assert bot.command(INCIDENTS, f"declare {title}").status_code == 200
    assert eventually(lambda: [r for r in bot.rows() if r[1] == title]), "stored as typed"

    # the announcement is posted in the background
    announced = eventually(lambda: [t for t in texts() if "DROP TABLE" in t])
    assert announced
    assert all("&lt;!channel&gt; {{ 7*7 }}" in t for t in announced)
    assert not [t for t in texts() if "<!channel>" in t]


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    action=st.sampled_from(
        [
            "incident_resolve_confirm",
            "incident_close_confirm",
            "incident_retry_setup",
            "features_restore_and_resolve",
            "maintenance_on_confirm",
            "dismiss",
            "unknown",
        ]
    ),
    value=texts,
)
def test_random_button_clicks_never_fail(bot: Bot, action: str, value: str) -> None:
    before = bot.rows()
    payload = payloads.block_actions(
        user=payloads.user_ref(MARCO, "marco"),
        actions=[{"action_id": action, "block_id": "b", "type": "button", "value": value}],
        trigger_id=bot.trigger_id(),
        container={"type": "message", "message_ts": "1.000001", "channel_id": INCIDENTS},
        channel={"id": INCIDENTS, "name": "incidents"},
        response_url=bot.sandbox.sandbox.response_url("none"),
    )
    assert bot.post(payloads.interactive_body(payload)).status_code < 500
    if not value.isdigit():
        assert bot.rows() == before


@pytest.mark.parametrize("field", ["ts", "thread_ts"])
def test_a_message_with_a_ts_that_is_not_slacks_is_refused_at_the_edge(
    bot: Bot, field: str
) -> None:
    def entries() -> int:
        with sqlite3.connect(bot.database) as conn:
            return int(conn.execute("SELECT count(*) FROM timeline_entries").fetchone()[0])

    before = entries()
    event = {"type": "message", "channel": incident_channel(bot), "user": MARCO}
    event |= {"text": "Rolling back 4812", "ts": "1714466400.000100", field: "not-a-ts"}
    envelope = payloads.event_callback(event, event_id=f"Ev-not-a-ts-{field}", event_time=1)

    response = bot.post(payloads.json_body(envelope))

    assert response.status_code == 200
    assert entries() == before
    assert eventually(lambda: f"message.{field}" in bot.log.read_text(errors="replace"))


@pytest.mark.parametrize("user", [None, "marco", {"name": "marco"}])
def test_a_click_that_is_not_slacks_is_refused_at_the_edge(bot: Bot, user: Any) -> None:
    """Parsed once by the middleware: refused as bad input (answered, 200), never a listener's
    KeyError."""
    before = bot.rows()
    payload = payloads.block_actions(
        user=payloads.user_ref(MARCO, "marco"),
        actions=[{"action_id": "incident_resolve_confirm", "type": "button", "value": "1"}],
        trigger_id=bot.trigger_id(),
        container={"type": "message", "message_ts": "1.000001", "channel_id": INCIDENTS},
        response_url=bot.sandbox.sandbox.response_url("none"),
    ) | {"user": user}

    response = bot.post(payloads.interactive_body(payload))

    assert response.status_code == 200
    assert bot.rows() == before
    refused = "refusing a malformed block_actions: block_actions.user"
    assert eventually(lambda: refused in bot.log.read_text(errors="replace"))
