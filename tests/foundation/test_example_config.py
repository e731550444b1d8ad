"""The commented example configuration in the repository loads as it is."""

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
