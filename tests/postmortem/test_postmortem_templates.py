"""Placeholders instead of errors, custom templates that override, broken ones that say where."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.postmortem import DraftError, PostmortemFacts, draft_filename, render

LANGUAGES = pytest.mark.parametrize("language", ["it", "en"])


@LANGUAGES
@pytest.mark.parametrize("audience", ["customer", "internal"])
def test_nothing_filled_in_gives_placeholders(
    bare: PostmortemFacts, language: str, audience: str
) -> None:
    draft = render(bare, audience=audience, language=language)
    todo = "_[da completare: " if language == "it" else "_[to be completed: "
    root_cause = "causa principale" if language == "it" else "root cause"
    assert f"{todo}{root_cause}]_" in draft
    assert draft.count(todo) >= 5
    assert "U09NOBODY" not in draft


def test_custom_folder_overrides_customer_only(story, tmp_path: Path) -> None:
    (tmp_path / "customer.md.j2").write_text("{{ number }}: {{ impact_summary }}\n")
    facts = story("en")
    customer = render(facts, audience="customer", language="en", template_dir=tmp_path)
    assert customer.startswith("INC-3: the application was offline for 2 hours and 30 minutes")
    internal = render(facts, audience="internal", language="en", template_dir=tmp_path)
    assert internal.startswith("# Postmortem INC-3")


def test_language_folder_wins_inside_custom_folder(story, tmp_path: Path) -> None:
    (tmp_path / "customer.md.j2").write_text("generic\n")
    (tmp_path / "it").mkdir()
    (tmp_path / "it" / "customer.md.j2").write_text("italiano {{ date }}\n")
    assert render(story("it"), audience="customer", language="it", template_dir=tmp_path) == (
        "italiano mercoledì 30 aprile 2025\n"
    )
    assert (
        render(story("en"), audience="customer", language="en", template_dir=tmp_path)
        == "generic\n"
    )


@pytest.mark.parametrize(
    ("source", "line", "reason"),
    [
        ("ok\n{% if %}\n", 2, "Expected an expression"),
        ("a\nb\n{{ root_caus }}\n", 3, "'root_caus' is undefined"),
        ("{% for x in timeline %}\n{{ x.nope }}\n{% endfor %}\n", 2, "has no attribute 'nope'"),
        ("{{ ''.__class__.__mro__ }}\n", 1, "SecurityError"),
    ],
)
def test_broken_template_names_file_and_line(
    story, tmp_path: Path, source: str, line: int, reason: str
) -> None:
    (tmp_path / "customer.md.j2").write_text(source)
    with pytest.raises(DraftError) as error:
        render(story("en"), audience="customer", language="en", template_dir=tmp_path)
    assert f"{tmp_path / 'customer.md.j2'}, line {line}" in str(error.value)
    assert reason in str(error.value)


def test_unknown_language_and_missing_folder(story, tmp_path: Path) -> None:
    with pytest.raises(DraftError, match="available: en, it"):
        render(story("en"), audience="customer", language="de")
    with pytest.raises(DraftError, match="does not exist"):
        render(story("en"), audience="customer", language="en", template_dir=tmp_path / "nope")


def test_draft_filename(bare: PostmortemFacts) -> None:
    assert draft_filename(bare.incident, "customer", "it") == "INC-3-customer-it.md"
    assert draft_filename(bare.incident, "internal", "it") == "INC-3-internal.md"
