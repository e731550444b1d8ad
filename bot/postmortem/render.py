"""Render a draft: context in, Markdown out, through shipped or custom Jinja2 templates.

User text only ever reaches the templates as context values, never as template source, so
`{{ 7*7 }}` typed in Slack stays literal. Custom templates are the operator's, but they still
run in Jinja's sandbox with `StrictUndefined`: a typo fails loudly with the file and line
instead of leaving a hole in a customer post.
"""

from __future__ import annotations

import traceback
from dataclasses import fields
from functools import lru_cache
from pathlib import Path
from typing import Literal

from jinja2 import (
    ChoiceLoader,
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    TemplateSyntaxError,
)
from jinja2.sandbox import SandboxedEnvironment

from bot.models import Incident
from bot.postmortem.context import build_context
from bot.postmortem.facts import PostmortemFacts
from bot.postmortem.phrases import LANGUAGES

SHIPPED = Path(__file__).parent / "templates"


class DraftError(Exception):
    """A draft could not be produced; the message says which template and line, and why."""


@lru_cache(maxsize=16)
def _environment(template_dir: Path | None, language: str) -> SandboxedEnvironment:
    """Custom folder first (`<dir>/<lang>/`, then `<dir>/`), then the shipped templates."""
    loaders = []
    if template_dir is not None:
        loaders.append(FileSystemLoader([template_dir / language, template_dir]))
    loaders.append(FileSystemLoader(SHIPPED / language))
    return SandboxedEnvironment(
        loader=ChoiceLoader(loaders),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _where(exc: BaseException, name: str) -> str:
    """`file, line N` of the innermost template frame (Jinja rewrites tracebacks to them)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
    if not frames:
        return name
    return f"{frames[-1].filename}, line {frames[-1].lineno}"


def render(
    facts: PostmortemFacts,
    *,
    audience: Literal["customer", "internal"],
    language: str,
    template_dir: Path | None = None,
) -> str:
    """The Markdown draft for one audience in one language (`en` or `it`)."""
    phrases = LANGUAGES.get(language)
    if phrases is None:
        raise DraftError(f"no drafts in language {language!r}; available: {', '.join(LANGUAGES)}")
    if template_dir is not None and not template_dir.is_dir():
        raise DraftError(f"template folder {template_dir} does not exist")
    name = f"{audience}.md.j2"
    context = build_context(facts, audience=audience, language=language, phrases=phrases)
    values = {field.name: getattr(context, field.name) for field in fields(context)}
    env = _environment(template_dir.resolve() if template_dir else None, language)
    try:
        return env.get_template(name).render(values)
    except TemplateSyntaxError as exc:
        raise DraftError(f"{exc.filename or exc.name}, line {exc.lineno}: {exc.message}") from exc
    except TemplateNotFound as exc:
        raise DraftError(f"template {exc.name} not found for language {language!r}") from exc
    except Exception as exc:  # anything raised while rendering comes from a template
        raise DraftError(f"{_where(exc, name)}: {type(exc).__name__}: {exc}") from exc


def draft_filename(
    incident: Incident, audience: Literal["customer", "internal"], language: str
) -> str:
    """`INC-3-customer-it.md`; the internal postmortem has one file whatever its language."""
    if audience == "internal":
        return f"{incident.number}-internal.md"
    return f"{incident.number}-customer-{language}.md"
