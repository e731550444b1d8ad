"""Maintenance mode on deploy platforms: `/incident maintenance on|off [target]` minus Slack."""

from bot.maintenance.gateway import MaintenanceGateway, UnknownTargetError
from bot.maintenance.providers.base import MaintenanceResult
from bot.maintenance.targets import MaintenanceConfig, Target
from bot.plumbing.http import CallFailed

__all__ = [
    "CallFailed",
    "MaintenanceConfig",
    "MaintenanceGateway",
    "MaintenanceResult",
    "Target",
    "UnknownTargetError",
]
