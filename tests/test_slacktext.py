"""Slack markup never leaks: not into drafts (Markdown) and not back into Slack (pings)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.slack.mrkdwn import escape_markdown, plain, to_inert_markdown, to_markdown

NAMES = {"U01MARCO": "Marco Rossi"}


@pytest.mark.parametrize(
    ("text", "internal", "customer"),
    [
        # Public text names nobody: customers read no mention at all.
        ("ask <@U01MARCO> now", "ask Marco Rossi now", "ask now"),
        ("ask <@U99|giulia>", "ask giulia", "ask"),
        ("ask <@U99> now", "ask U99 now", "ask now"),
        ("<@U01MARCO>, please check", "Marco Rossi, please check", "please check"),
        ("thanks <@U01MARCO>.", "thanks Marco Rossi.", "thanks."),
        ("see <#C1|general>", "see #general", "see #general"),
        ("see <#C1>", "see #C1", "see"),
        ("<!here> deploy broke <!channel>", "deploy broke", "deploy broke"),
        ("hey <!subteam^S1|@oncall> look", "hey look", "hey look"),
        ("<!everyone>", "", ""),
        ("at <!date^1714466400^{time}|10:40>", "at 10:40", "at 10:40"),
        ("<https://x.io|dashboard>", "[dashboard](https://x.io)", "[dashboard](https://x.io)"),
        ("<https://x.io>", "https://x.io", "https://x.io"),
        ("a &lt;b&gt; &amp; c", "a <b> & c", "a <b> & c"),
        ("line one\n<@U99> line two", "line one\nU99 line two", "line one\nline two"),
    ],
)
def test_to_markdown(text: str, internal: str, customer: str) -> None:
    assert to_markdown(text, names=NAMES, audience="internal") == internal
    assert to_markdown(text, names=NAMES, audience="customer") == customer


def test_indentation_survives_when_nothing_was_dropped() -> None:
    text = "causes:\n  - a  b\n  - c"
    assert to_markdown(text, names=NAMES, audience="customer") == text


def test_inert_markdown_escapes_html_and_script_links() -> None:
    text = "&lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:alert(1)) <javascript:alert(1)|y>"
    out = to_inert_markdown(text, names=NAMES, audience="internal")
    assert "<" not in out  # no tag can open: every `<` before a letter or `/` is an entity
    assert "&lt;script>" in out
    assert "javascript:" not in out
    assert "javascript\\:" in out


def test_inert_markdown_keeps_slack_links_and_escapes_their_labels() -> None:
    out = to_inert_markdown("<https://x.io/a b|[dash]>", names=NAMES, audience="customer")
    assert out == "[\\[dash\\]](https://x.io/a%20b)"


def test_inert_markdown_leaves_template_syntax_and_raw_angles_as_text() -> None:
    out = to_inert_markdown("{{ 7*7 }} <b>bold</b> a|b", names=NAMES, audience="internal")
    assert out == "{{ 7*7 }} &lt;b>bold&lt;/b> a\\|b"


def test_typed_characters_stay_as_typed() -> None:
    """Comparisons, arrows, `&&`, code spans and paths need no escaping to stay inert."""
    for typed in ("a < b", "x -> y >= 2", "a && b", "`rm -rf <dir>`", "C:\\temp\\new", "<3"):
        assert escape_markdown(typed) == typed
    assert escape_markdown("&amp; is an entity") == "&amp;amp; is an entity"


def test_escape_markdown_escapes_backslashes_first() -> None:
    assert escape_markdown("\\[x](javascript:y)") == "\\\\\\[x\\](javascript\\:y)"


def test_plain_never_pings() -> None:
    text = "<!here> <@U01MARCO> on <#C1|general>: <https://x.io|dash> &lt;!channel&gt;"
    out = plain(text, NAMES)
    assert out == "Marco Rossi on #general: dash (https://x.io) &lt;!channel&gt;"


@given(st.text())
def test_plain_output_has_no_markup(text: str) -> None:
    out = plain(text, NAMES)
    assert "<" not in out
    assert ">" not in out


@given(st.text(alphabet=st.sampled_from("<>@#!|^&;: aUS1xhtp/.-\n")))
def test_inert_output_has_no_markup(text: str) -> None:
    for audience in ("internal", "customer"):
        out = to_inert_markdown(text, names=NAMES, audience=audience)
        assert not re.search(r"<[A-Za-z/!?@#]", out)  # no tag, autolink or mention can open
