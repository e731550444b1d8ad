"""Whatever people type, the drafts render and never carry a ping or a template result."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.postmortem import CloseInputs, render
from bot.slack.mrkdwn import _CODE_SPAN as CODE_SPAN  # what escape_markdown keeps as typed

from .story import build_story

MARKUP = st.sampled_from(
    [
        "<!here>",
        "<!channel>",
        "<@U01MARCO>",
        "<#C1|x>",
        "<!subteam^S1|@t>",
        "<https://a|b>",
        "{{",
        "}}",
        "{%",
        "&lt;",
        "<",
        ">",
        "|",
        "\\",
        "[x](javascript:y)",
    ]
)
TYPED = st.lists(st.one_of(st.text(max_size=12), MARKUP), max_size=8).map("".join)
STORY = build_story("it")


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(root_cause=TYPED, message=TYPED, feature=TYPED, signer=TYPED)
def test_typed_text_never_breaks_or_pings(
    root_cause: str, message: str, feature: str, signer: str
) -> None:
    entries = [
        e.model_copy(update={"text": message}) if e.kind in ("message", "note") else e
        for e in STORY.entries
    ]
    intervals = [STORY.intervals[0].model_copy(update={"feature": feature}), *STORY.intervals[1:]]
    inputs = CloseInputs(root_cause=root_cause, action_items=message, signer=signer)
    facts = replace(STORY, entries=entries, intervals=intervals, inputs=inputs)
    for language in ("it", "en"):
        for audience in ("customer", "internal"):
            draft = render(facts, audience=audience, language=language)
            # No `<!here>`, `<@U..>`, HTML or autolink can open; a lone `<` reads as typed.
            # A code span someone typed is inert in Markdown and is kept as typed.
            assert not re.search(r"<[A-Za-z/!?@#]", CODE_SPAN.sub("", draft))
            if "{{" not in message + root_cause + signer + feature:
                assert "{{" not in draft
