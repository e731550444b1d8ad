"""A target that touches nothing: the safe default, and the demo's platform."""

from __future__ import annotations

import logging

from bot.maintenance.providers.base import Call, MaintenanceRequest, MaintenanceResult

log = logging.getLogger(__name__)


class DryRunProvider:
    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return f"DryRunProvider({self._name!r})"

    async def set(self, request: MaintenanceRequest) -> MaintenanceResult:
        log.info(
            "dry run: maintenance %s for %s (incident %s, requested by %s); nothing sent",
            "on" if request.enabled else "off",
            self._name,
            request.incident,
            request.requested_by,
        )
        return Call(self._name, "dryrun", request.enabled).result(ok=True, dry_run=True)

    async def read_state(self) -> None:
        """Nothing remote exists to ask."""
        return None
