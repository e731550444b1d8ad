"""Config errors surface at load time, clearly, and never echo a pasted secret."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.maintenance import MaintenanceConfig
from bot.maintenance.targets import HerokuTarget


def load(**target: object) -> MaintenanceConfig:
    return MaintenanceConfig.model_validate({"targets": {"web": target}})


def test_defaults_fill_in():
    config = load(provider="heroku", app="acme-web", token_env="HEROKU_API_TOKEN")

    target = config.targets["web"]
    assert isinstance(target, HerokuTarget)
    assert (target.api_url, target.timeout_seconds) == ("https://api.heroku.com", 30.0)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (
            {"provider": "heroku", "app": "acme-web", "tokn_env": "HEROKU_API_TOKEN"},
            r"targets\.web\.heroku\.tokn_env\s+Extra inputs are not permitted",
        ),
        ({"provider": "herku"}, "Input tag 'herku' found using 'provider' does not match"),
        ({"url": "https://x.example"}, "Unable to extract tag using discriminator 'provider'"),
        (
            {"provider": "webhook", "url": "http://deploy.example.com", "secret_env": "S"},
            "must use https://",
        ),
        (
            {"provider": "heroku", "app": "Acme Web", "token_env": "T"},
            r"targets\.web\.heroku\.app",
        ),
    ],
)
def test_mistakes_are_named(target, expected):
    with pytest.raises(ValidationError, match=expected):
        load(**target)


def test_a_pasted_token_is_refused_without_being_echoed():
    token = "HRKU-6f1c1d0e-aaaa-bbbb-cccc-0123456789ab"

    with pytest.raises(ValidationError) as caught:
        load(provider="heroku", app="acme-web", token_env=token)

    assert "must be the NAME of an environment variable" in str(caught.value)
    assert token not in str(caught.value)


def test_target_names_are_lowercase_words():
    with pytest.raises(ValidationError, match="Web"):
        MaintenanceConfig.model_validate({"targets": {"Web": {"provider": "dryrun"}}})
