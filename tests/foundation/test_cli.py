"""Start-up problems end in one clear line, not a stack trace."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def run(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {"OUTAGEBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "run", "--port", "0"],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )


@pytest.mark.slow
def test_no_tokens(tmp_path: Path) -> None:
    result = run(tmp_path)
    assert result.returncode != 0
    assert "SLACK_BOT_TOKEN is not set" in result.stderr
    assert "manifest.yml" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_bot_token_without_app_token_or_signing_secret(tmp_path: Path) -> None:
    result = run(tmp_path, SLACK_BOT_TOKEN="xoxb-1")
    assert result.returncode != 0
    assert "SLACK_APP_TOKEN" in result.stderr


@pytest.mark.slow
def test_unreachable_slack(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        SLACK_BOT_TOKEN="xoxb-secret-value",
        SLACK_SIGNING_SECRET="abcdef123456",
        SLACK_API_URL="http://127.0.0.1:9/api/",
    )
    assert result.returncode != 0
    assert "cannot reach Slack at http://127.0.0.1:9/api/" in result.stderr
    assert "Traceback" not in result.stderr
    assert "xoxb-secret-value" not in result.stderr + result.stdout


@pytest.mark.slow
def test_wrong_setting_names_itself(tmp_path: Path) -> None:
    result = run(tmp_path, OUTAGEBOT_TIMEZONE="Mars/Olympus")
    assert result.returncode != 0
    assert "OUTAGEBOT_TIMEZONE" in result.stderr
    assert "IANA" in result.stderr
    config = tmp_path / "bad.toml"
    config.write_text("[maintenance.targets.web]\nprovider = 'herokuu'\n")
    result = run(tmp_path, OUTAGEBOT_CONFIG=str(config))
    assert result.returncode != 0
    assert "maintenance.targets.web" in result.stderr


@pytest.mark.slow
def test_a_misspelt_table_stops_start_up(tmp_path: Path) -> None:
    """A typo in a table's name used to leave the app on the dry run without a word."""
    config = tmp_path / "typo.toml"
    config.write_text(
        "[maintenence.targets.web]\nprovider = 'heroku'\napp = 'acme-web'\n"
        "token_env = 'HEROKU_API_TOKEN'\n"
    )
    result = run(tmp_path, SLACK_BOT_TOKEN="xoxb-1", OUTAGEBOT_CONFIG=str(config))
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, "one line, not a traceback"
    assert lines[0].endswith(
        f"maintenence: unknown table [maintenence] in {config} (did you mean [maintenance]?)"
    )
