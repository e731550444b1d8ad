"""The commented example configuration in the repository loads as it is."""

import re
from pathlib import Path

import pytest

from bot.config import load_settings

EXAMPLE = Path(__file__).resolve().parents[2] / "outagebot.example.toml"


def test_example_config_loads(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OUTAGEBOT_CONFIG", str(EXAMPLE))
    settings = load_settings()
    assert [f.name for f in settings.features] == ["Quotes", "Purchases"]
    assert set(settings.maintenance.targets) == {"web", "quotes"}
    assert settings.timezone == "Europe/Copenhagen"


def test_every_commented_setting_is_a_valid_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Uncommented, the optional tables and keys load too: no example names a setting the bot
    would refuse (every unknown key stops start-up)."""
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    setting = re.compile(r"# (\[[a-z_.]+\]|[a-z_]+ = ).*$")
    uncommented = [line[2:] if setting.match(line) else line for line in lines]
    config = tmp_path / "all.toml"
    config.write_text("\n".join(uncommented), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OUTAGEBOT_CONFIG", str(config))
    settings = load_settings()
    assert settings.paging is not None
    assert settings.status_page.public_url == "https://status.acme.example"
    assert settings.followups.tracker == "jira"
    assert set(settings.changes.sources) == {"web", "site"}
