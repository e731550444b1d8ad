"""Fixtures: the outage report's day as recorded facts (built in `story.py`)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.postmortem import PostmortemFacts

from .story import bare_facts, build_story


@pytest.fixture
def story() -> Callable[[str], PostmortemFacts]:
    return build_story


@pytest.fixture
def bare() -> PostmortemFacts:
    return bare_facts()
