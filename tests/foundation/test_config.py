"""Settings: environment over TOML file, secrets never shown, one clear line on errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings

TOML = """
timezone = "Europe/Copenhagen"
language = "it"
responders = ["U012ABC"]

[[features]]
name = "Quotes"
aliases = ["Offerte"]

[maintenance.targets.web]
provider = "heroku"
app = "acme-web"
token_env = "HEROKU_API_TOKEN"

[permissions]
maintenance = ["U012ABC", "S0456DEF"]
"""


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "outagebot.toml"
    path.write_text(TOML)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OUTAGEBOT_CONFIG", str(path))
    return path


def test_toml_file_is_read(config_file: Path) -> None:
    settings = load_settings()
    assert settings.timezone == "Europe/Copenhagen"
    assert settings.language == "it"
    assert settings.features[0].aliases == ["Offerte"]
    assert settings.maintenance.targets["web"].app == "acme-web"
    assert settings.permissions.maintenance == ["U012ABC", "S0456DEF"]


def test_environment_wins_over_the_file(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OUTAGEBOT_TIMEZONE", "Europe/Rome")
    monkeypatch.setenv("OUTAGEBOT_LANGUAGE", "en")
    settings = load_settings()
    assert (settings.timezone, settings.language) == ("Europe/Rome", "en")


def test_dotenv_is_read_and_secrets_stay_hidden(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-dotenv-123\n")
    settings = load_settings()
    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == "xoxb-from-dotenv-123"
    assert "xoxb-from-dotenv-123" not in repr(settings) + str(settings)


@pytest.mark.parametrize(
    ("toml", "says"),
    [
        ("language = 'fr'", "language"),
        ("[[features]]\naliases = ['x']", "features.0.name"),
        ("this is not toml", "not valid TOML"),
        ("nudge_minutes = 0", "nudge_minutes"),
    ],
)
def test_bad_files_name_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, toml: str, says: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(toml)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OUTAGEBOT_CONFIG", str(path))
    with pytest.raises(ConfigError, match=says):
        load_settings()


def test_missing_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OUTAGEBOT_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(ConfigError, match="no such file"):
        load_settings()


@pytest.mark.parametrize("url", ["sqlite+aiosqlite://", "sqlite+aiosqlite:///:memory:"])
def test_an_in_memory_sqlite_database_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, url: str
) -> None:
    """The store opens SQLite twice (async engine, SQLite thread): in memory, writes would be
    lost between the two."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OUTAGEBOT_DATABASE_URL", url)
    with pytest.raises(ConfigError, match=r"OUTAGEBOT_DATABASE_URL.*SQLite needs a file"):
        load_settings()


@pytest.mark.parametrize(
    ("toml", "says"),
    [
        # Unknown tables at the top used to be ignored without a word.
        ("[tpyo]\nx = 1", "tpyo: unknown table [tpyo] in "),
        ("[tpyo]\nx = 1", "(valid here: alerts, changes, features, "),
        ("[maintenence.targets.web]\nprovider = 'dryrun'", "(did you mean [maintenance]?)"),
        ("langauge = 'it'", "langauge: unknown key in "),
        ("langauge = 'it'", "typo.toml (did you mean language?)"),
        # ... and at any depth, with the name that would have worked.
        (
            "[maintenance.targets.web]\nprovider = 'heroku'\napp = 'acme-web'\ntokn_env = 'T'",
            "maintenance.targets.web.tokn_env: unknown key in ",
        ),
        (
            "[maintenance.targets.web]\nprovider = 'heroku'\napp = 'acme-web'\ntokn_env = 'T'",
            "(did you mean maintenance.targets.web.token_env?)",
        ),
        (
            "[[features]]\nname = 'Acquisti'\n[features.check]\nurl = 'https://x.io'\nfailurs = 2",
            "features.0.check.failurs: unknown key in ",
        ),
        ("[[features]]\nname = 'Quotes'\npublik = true", "did you mean features.0.public?"),
        (
            "[status_page.atlasian]\npage_id = 'x'",
            "(did you mean [status_page.atlassian]?)",
        ),
        (
            "[changes.sources.web]\nprovider = 'github'\nrepo = 'a/b'\ntoken_env = 'T'\n"
            "enviroment = 'x'",
            "did you mean changes.sources.web.environment?",
        ),
    ],
)
def test_unknown_names_stop_start_up_with_the_nearest_valid_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, toml: str, says: str
) -> None:
    path = tmp_path / "typo.toml"
    path.write_text(toml)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OUTAGEBOT_CONFIG", str(path))
    with pytest.raises(ConfigError) as raised:
        load_settings()
    assert says in str(raised.value)
    assert "\n" not in str(raised.value)


def test_environment_variables_keep_their_own_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unknown variables in the environment or `.env` are other programs' business."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("SOMETHING_ELSE=1\n")
    monkeypatch.setenv("OUTAGEBOT_UNRELATED", "x")
    assert load_settings().language == "en"


@pytest.mark.parametrize(
    ("check", "named"),
    [
        ('url = "https://app.example.com/api"\nevery_minuts = 5', "features.0.check.every_minuts"),
        ('url = "http://app.example.com/api"', "features.0.check.url"),
        ('url = "https://app.example.com/api"\nmethod = "DELETE"', "features.0.check.method"),
        (
            'url = "https://app.example.com/api"\nmethod = "HEAD"\nexpect_text = "ok"',
            "features.0.check.expect_text",
        ),
        (
            'url = "https://app.example.com/api"\nheaders_env = { Authorization = "Bearer x" }',
            "features.0.check.headers_env.Authorization",
        ),
    ],
)
def test_a_wrong_check_stops_start_up_naming_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, check: str, named: str
) -> None:
    path = tmp_path / "outagebot.toml"
    path.write_text(f'[[features]]\nname = "Acquisti"\n\n[features.check]\n{check}\n')
    monkeypatch.setenv("OUTAGEBOT_CONFIG", str(path))
    with pytest.raises(ConfigError) as raised:
        load_settings()
    message = str(raised.value)
    assert message.startswith(f"{named}: ")
    assert "\n" not in message
    assert "Bearer x" not in message
