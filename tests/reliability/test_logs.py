"""Logs: one JSON object a line with incident and request, secrets masked everywhere."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from bot.cli import main
from bot.plumbing import logs


@pytest.fixture(autouse=True)
def restore_logging():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_lines_carry_incident_and_request(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure("INFO", "json", ["xoxb-very-secret-token"])
    logs.request_id.set("Ev123")
    logs.incident.set("INC-7")
    logging.getLogger("outagebot.test").info("posted with %s", "xoxb-very-secret-token")
    line = capsys.readouterr().err.strip().splitlines()[-1]
    entry = json.loads(line)
    assert entry["incident"] == "INC-7"
    assert entry["request_id"] == "Ev123"
    assert entry["message"] == "posted with [redacted]"


def test_secrets_are_masked_in_tracebacks(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure("DEBUG", "text", ["hunter2-secret"])
    try:
        raise RuntimeError("token hunter2-secret refused")
    except RuntimeError:
        logging.getLogger("outagebot.test").exception("call failed")
    err = capsys.readouterr().err
    assert "call failed" in err
    assert "RuntimeError" in err
    assert "hunter2-secret" not in err


# Issue 29: every secret the configuration names through a `*_env` key is masked without a
# list kept by hand: each is set, logged, and looked for in the output.
CONFIG = """
[maintenance.targets.web]
provider = "heroku"
app = "acme-web"
token_env = "ACME_HEROKU_KEY"

[maintenance.targets.quotes]
provider = "webhook"
url = "https://deploy.example.com/maintenance"
secret_env = "ACME_DEPLOY_HOOK"

[changes.sources.web]
provider = "heroku"
app = "acme-web"
token_env = "ACME_RELEASES_KEY"
service = "web"

[followups.github]
repo = "acme/web"
token_env = "ACME_GH_TOKEN"
webhook_secret_env = "ACME_GH_HOOK"

[followups.jira]
url = "https://acme.atlassian.net"
project = "OPS"
email_env = "ACME_JIRA_EMAIL"
token_env = "ACME_JIRA_TOKEN"
webhook_secret_env = "ACME_JIRA_HOOK"

[followups.linear]
team_id = "team-1"
api_key_env = "ACME_LINEAR_KEY"

[status_page]
enabled = true

[status_page.atlassian]
page_id = "abc123"
api_key_env = "ACME_ATLASSIAN"

[paging]
provider = "pagerduty"
routing_key_env = "ACME_PD_ROUTING"
api_token_env = "ACME_PD_TOKEN"
webhook_secret_env = "ACME_PD_HOOK"

[alerts]
token_env = "ACME_ALERTS_TOKEN"
secret_env = "ACME_ALERTS_SECRET"

[[features]]
name = "Acquisti"

[features.check]
url = "https://app.acme.example/api/purchases"
headers_env = { Authorization = "ACME_SMOKE_AUTH", X-Api-Key = "ACME_SMOKE_KEY" }
"""

SECRETS = {
    "ACME_HEROKU_KEY": "hrku-secret-value-0001",
    "ACME_DEPLOY_HOOK": "hook-secret-value-0002",
    "ACME_RELEASES_KEY": "rels-secret-value-0003",
    "ACME_GH_TOKEN": "ghp_secretvalue0004",
    "ACME_GH_HOOK": "ghhook-secret-0005",
    "ACME_ATLASSIAN": "atl-secret-value-0006",
    "ACME_JIRA_EMAIL": "ops-bot@acme.example",
    "ACME_JIRA_TOKEN": "jira-secret-value-0011",
    "ACME_JIRA_HOOK": "jira-hook-secret-0012",
    "ACME_LINEAR_KEY": "lin_api_secret0013",
    "ACME_PD_ROUTING": "R0UTINGKEYsecret0014",
    "ACME_PD_TOKEN": "pd-token-secret-0015",
    "ACME_PD_HOOK": "pd-hook-secret-0016",
    "ACME_ALERTS_TOKEN": "alerts-token-secret-0017",
    "ACME_ALERTS_SECRET": "alerts-hmac-secret-0018",
    "ACME_SMOKE_AUTH": "Bearer smoke-secret-0019",
    "ACME_SMOKE_KEY": "smoke-key-secret-0020",
    # Not named in the file, but by the bot's own conventions.
    "OUTAGEBOT_CHANGES_SECRET": "changes-secret-0007",
    "OUTAGEBOT_ALERTS_TOKEN": "alerts-secret-0008",
    "SLACK_BOT_TOKEN": "xoxb-secret-0009",
    "SLACK_SIGNING_SECRET": "signing-secret-0010",
}


def test_every_secret_named_by_the_configuration_is_masked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "outagebot.toml"
    config.write_text(CONFIG)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OUTAGEBOT_CONFIG", str(config))
    monkeypatch.setenv("OUTAGEBOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)

    assert main(["db", "upgrade"]) == 0  # the command line's own logging set-up
    for name, value in SECRETS.items():
        logging.getLogger("outagebot.test").warning("%s is %s", name, value)

    err = capsys.readouterr().err
    for name, value in SECRETS.items():
        assert f"{name} is [redacted]" in err
        assert value not in err
