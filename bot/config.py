"""Settings: the environment of DESIGN.md, `.env`, and the optional TOML file.

Environment wins over the TOML file (`OUTAGEBOT_CONFIG`), which holds what is structured:
feature catalog, maintenance targets, permissions, reminder intervals.
"""

from __future__ import annotations

import difflib
import os
import tomllib
import types
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from sqlalchemy.engine import make_url

from bot.changes.sources import ChangesSettings, ServiceName
from bot.checks.config import AlertsSettings, CheckConfig
from bot.followups.config import FollowupSettings
from bot.maintenance.targets import Target, TargetName
from bot.models import Severity
from bot.paging.config import PagingSettings

Language = Literal["en", "it"]


class ConfigError(Exception):
    """A setting is missing or wrong; the message is one line saying which and how to fix it."""


def _env(name: str, key: str, default: Any = None) -> Any:
    """A setting read from environment variable `name` or TOML key `key`."""
    return Field(default, validation_alias=AliasChoices(name, key))


class FeatureConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    aliases: list[str] = []
    description: str = ""
    statuspage_component: str | None = None
    # Shown on the status page (as `public_name` when set); internal names stay internal.
    public: bool = False
    public_name: str | None = None
    # Change-event services that affect it (None: all); their deploys trigger its check.
    services: list[ServiceName] | None = None
    # Which alerts are this feature's: every pair must match the alert's labels.
    alert_labels: dict[str, str] = {}
    check: CheckConfig | None = None
    # A signal declares an incident at once instead of offering the button.
    auto_declare: bool = False


class MaintenanceSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    targets: dict[TargetName, Target] = {}
    reminder_minutes: int = Field(30, gt=0)
    # Pause before the first retry of a deploy API call (doubles, with jitter); tests shorten it.
    backoff_seconds: float = Field(0.5, gt=0, le=10)


class Permissions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # None means anyone in the incident channel; users (U...) or user groups (S...).
    maintenance: list[str] | None = None
    rollback: list[str] | None = None
    # Who may publish status page updates; None means anyone in the incident channel.
    status_page: list[str] | None = None
    # Who may page the on-call person with `/incident page`; None means the channel.
    page: list[str] | None = None
    # Who may correct recorded facts besides the lead and whoever recorded each (issue 26).
    correct: list[str] | None = None


class AtlassianSettings(BaseModel):
    """A hosted Atlassian Statuspage kept in sync; the key is read from `api_key_env`."""

    model_config = ConfigDict(extra="forbid")

    page_id: str = Field(min_length=1)
    api_key_env: str = "STATUSPAGE_API_KEY"
    api_url: str = "https://api.statuspage.io"
    # The hosted page's component for the whole app (features name theirs in the catalog).
    app_component: str | None = None


class StatusPageSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    auto_components: bool = False
    title: str = ""
    logo_url: str | None = None
    site_url: str | None = None
    # The page's own address (`https://status.acme.example`): every absolute URL it shows
    # (the Atom feed's ids and links) is built on it, never on a request's Host header.
    public_url: str | None = None
    # Name of the component standing for the whole app; the page translates the default.
    app_name: str | None = None
    history_days: int = Field(14, gt=0, le=90)
    # Seconds a reader (and a proxy) may reuse a response; the snapshot is kept as long.
    max_age: int = Field(5, ge=0, le=300)
    atlassian: AtlassianSettings | None = None

    @field_validator("public_url")
    @classmethod
    def _absolute(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
            raise ValueError(
                "public_url must be an absolute http(s) URL, such as https://status.example.com"
            )
        return value.rstrip("/")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    slack_bot_token: SecretStr | None = _env("SLACK_BOT_TOKEN", "slack_bot_token")
    slack_app_token: SecretStr | None = _env("SLACK_APP_TOKEN", "slack_app_token")
    slack_signing_secret: SecretStr | None = _env("SLACK_SIGNING_SECRET", "slack_signing_secret")
    slack_api_url: str = _env("SLACK_API_URL", "slack_api_url", "https://slack.com/api/")
    database_url: str = _env(
        "OUTAGEBOT_DATABASE_URL", "database_url", "sqlite+aiosqlite:///outagebot.db"
    )
    timezone: str = _env("OUTAGEBOT_TIMEZONE", "timezone", "UTC")
    language: Language = _env("OUTAGEBOT_LANGUAGE", "language", "en")
    announce_channel: str = _env("OUTAGEBOT_ANNOUNCE_CHANNEL", "announce_channel", "incidents")
    log_format: Literal["text", "json"] = _env("OUTAGEBOT_LOG_FORMAT", "log_format", "text")
    log_level: str = _env("OUTAGEBOT_LOG_LEVEL", "log_level", "INFO")

    responders: list[str] = []
    responders_group: str | None = None
    default_severity: Severity = Severity.sev2
    key_reaction: str = "pushpin"
    # The reaction that marks a message for the customer post (and as a key moment).
    public_reaction: str = "loudspeaker"
    nudge_minutes: int = Field(30, gt=0)
    # Seconds between each replica's looks for due nudges and reminders; 0 turns them off.
    schedule_tick: float = _env("OUTAGEBOT_SCHEDULE_TICK", "schedule_tick", 30.0)
    archive_after_hours: float | None = None
    allow_adhoc_features: bool = False
    commitment: str | None = None
    templates_dir: Path | None = None
    features: list[FeatureConfig] = []
    maintenance: MaintenanceSettings = MaintenanceSettings()
    changes: ChangesSettings = ChangesSettings()
    permissions: Permissions = Permissions()
    followups: FollowupSettings = FollowupSettings()
    status_page: StatusPageSettings = StatusPageSettings()
    alerts: AlertsSettings = AlertsSettings()
    paging: PagingSettings | None = None

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not an IANA timezone (e.g. Europe/Copenhagen)"
            ) from None
        return value

    @field_validator("database_url")
    @classmethod
    def _sqlite_file(cls, value: str) -> str:
        url = make_url(value)
        if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
            # The store opens the file twice (async engine and SQLite thread): in memory,
            # each would get a database of its own.
            raise ValueError("SQLite needs a file, e.g. sqlite+aiosqlite:///outagebot.db")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        # slack_sdk urljoins method names onto the base URL: a path must end in "/".
        return value if value.endswith("/") else value + "/"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources = [init_settings, env_settings, dotenv_settings]
        path = os.environ.get("OUTAGEBOT_CONFIG")
        if path:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(path)))
        return tuple(sources)


def load_settings(**overrides: Any) -> Settings:
    """Build the settings or raise ConfigError with one line naming the bad setting."""
    path = os.environ.get("OUTAGEBOT_CONFIG")
    if path:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"OUTAGEBOT_CONFIG: no such file {path!r}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"OUTAGEBOT_CONFIG: {path} is not valid TOML: {exc}") from None
        for unknown in _unknown_names(Settings, data, ()):
            raise ConfigError(unknown.replace("{file}", path))
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "settings"
        raise ConfigError(f"{_both_names(where)}: {first['msg']}") from None


def _both_names(where: str) -> str:
    """`OUTAGEBOT_LANGUAGE` -> `OUTAGEBOT_LANGUAGE (TOML: language)`: it may come from either."""
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices) and alias.choices[0] == where:
            return f"{where} (TOML: {alias.choices[1]})"
    return where


# --- unknown names in the TOML file ---------------------------------------------------------
# Derived from the models, so a table another module adds is checked like the others: every
# key at any depth must name a field (or an alias) of the model that reads it.


def _fields(model: type[BaseModel]) -> dict[str, Any]:
    """Every name the TOML file may use for a field of `model` (its name, its aliases)."""
    names: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        names[name] = field
        alias = field.validation_alias
        choices = alias.choices if isinstance(alias, AliasChoices) else [alias]
        names.update({choice: field for choice in choices if isinstance(choice, str)})
    return names


def _members(annotation: Any) -> list[Any]:
    """The types a value of `annotation` may be: unions opened, `Annotated` stripped."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _members(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        return [m for arg in get_args(annotation) for m in _members(arg)]
    return [annotation]


def _matches(model: type[BaseModel], data: Mapping[str, Any]) -> bool:
    """False when `data` names a Literal field's value that `model` does not take (the
    discriminator of a tagged union, such as `provider`)."""
    for name, field in model.model_fields.items():
        for member in _members(field.annotation):
            if get_origin(member) is Literal and name in data:
                return data[name] in get_args(member)
    return True


def _unknown_names(annotation: Any, value: Any, path: tuple[str, ...]) -> Iterator[str]:
    """Say where `value` holds a key that no model under `annotation` reads."""
    members = _members(annotation)
    models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
    if models and isinstance(value, Mapping):
        fields = {
            name: field
            for model in [m for m in models if _matches(m, value)] or models
            for name, field in _fields(model).items()
        }
        for key, item in value.items():
            if key not in fields:
                yield _unknown(path, key, item, fields)
                return
            yield from _unknown_names(fields[key].annotation, item, (*path, key))
        return
    for member in members:
        origin, args = get_origin(member), get_args(member)
        if origin in (dict, Mapping) and isinstance(value, Mapping) and len(args) == 2:
            for key, item in value.items():
                yield from _unknown_names(args[1], item, (*path, str(key)))
            return
        if origin is list and isinstance(value, list) and args:
            for index, item in enumerate(value):
                yield from _unknown_names(args[0], item, (*path, str(index)))
            return


def _is_table(annotation: Any) -> bool:
    """A model, or a dict or list of them: what TOML writes as `[table]` or `[[table]]`."""
    return any(
        (isinstance(m, type) and issubclass(m, BaseModel))
        or (get_origin(m) in (dict, list) and _is_table(get_args(m)[-1]))
        for m in _members(annotation)
    )


def _unknown(path: tuple[str, ...], key: str, value: Any, fields: Mapping[str, Any]) -> str:
    """`maintenence: unknown table [maintenence] in {file} (did you mean [maintenance]?)`, in
    the `where: what` shape of every setting error. The names of the same kind (tables or
    keys) are the candidates; environment variable names are not offered."""
    table = isinstance(value, Mapping) or (
        isinstance(value, list) and bool(value) and isinstance(value[0], Mapping)
    )
    known = sorted(
        name
        for name, field in fields.items()
        if not name.isupper() and _is_table(field.annotation) == table
    )
    where = ".".join((*path, key))
    shown = f"[{where}]" if table else where
    near = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if near:
        suggestion = ".".join((*path, near[0]))
        hint = f"did you mean {f'[{suggestion}]' if table else suggestion}?"
    else:
        hint = "valid here: " + ", ".join(known)
    kind = f"table {shown}" if table else "key"
    return f"{where}: unknown {kind} in {{file}} ({hint})"
