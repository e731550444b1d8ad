"""Errors the Slack edge turns into clear, ephemeral answers."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input: nothing was changed. `message` says what was wrong, `hint` what would work."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n{self.hint}" if self.hint else self.message
