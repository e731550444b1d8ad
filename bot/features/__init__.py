"""Which product features are down, since when, and for exactly how long."""

from bot.features.board import FeatureBoard
from bot.features.catalog import Catalog
from bot.features.service import AffectedFeature, FeatureChange, Features, FeatureStatus

__all__ = [
    "AffectedFeature",
    "Catalog",
    "FeatureBoard",
    "FeatureChange",
    "FeatureStatus",
    "Features",
]
