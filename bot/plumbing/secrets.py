"""Secrets the configuration names by environment variable (`token_env`, `secret_env`, ...)."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import SecretStr


def read_secret(environ: Mapping[str, str], name: str) -> SecretStr | None:
    """Read at call time, so a rotated secret is picked up without a restart."""
    value = environ.get(name, "").strip()
    return SecretStr(value) if value else None


def missing_secret(name: str, what: str) -> str:
    return f"the environment variable {name} is not set (it must hold {what}); nothing was sent"
