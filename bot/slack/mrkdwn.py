"""Slack message markup turned into text that is safe to show elsewhere.

Slack sends `<@U123>`, `<!here>`, `<https://x|label>` and escapes `& < >` as entities. Drafts
need Markdown without pings or ids (mentions become display names, for customers too);
untrusted text in Markdown must stay inert (no HTML, no `javascript:` links); text the bot
posts back into Slack must never ping anyone. One parser splits the text into parts and three
renderers decide what each part becomes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

Audience = Literal["internal", "customer"]

_ANGLE = re.compile(r"<([^<>\n]*)>")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_SAFE_SCHEMES = ("http:", "https:", "mailto:")
_DANGEROUS_SCHEME = re.compile(r"(?i)\b(javascript|vbscript)(\s*):")
# a tag, an autolink or Slack markup; at the end, what follows (a name) could make one
_TAG_START = re.compile(r"<(?=[A-Za-z/!?@#]|$)")
_ENTITY = re.compile(r"&(?=#?\w+;)")
_CODE_SPAN = re.compile(r"(`+)[^`\n](?:.*?[^`])?\1(?!`)")
_PUNCTUATION_AFTER_BACKSLASH = re.compile(r"\\(?=[!-/:-@\[-`{-~])")
_DROP = "\x00"  # marks removed markup so the spaces around it can be tidied afterwards


@dataclass(frozen=True)
class _Text:
    text: str  # Slack-escaped source text


@dataclass(frozen=True)
class _Name:
    name: str  # display name of a user, a channel (`#general`) or a date fallback


@dataclass(frozen=True)
class _Link:
    url: str
    label: str


@dataclass(frozen=True)
class _Drop:
    pass


_Part = _Text | _Name | _Link | _Drop


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _special(body: str) -> _Part:
    """`<!here>`, `<!subteam^S1|@team>`, `<!date^...|fallback>`: only a date keeps its text."""
    command, _, label = body.partition("|")
    if command.startswith("!date^") and label:
        return _Name(_unescape(label))
    return _Drop()


def _parts(text: str, names: Mapping[str, str], audience: Audience) -> Iterator[_Part]:
    text = text.replace(_DROP, "")
    position = 0
    for match in _ANGLE.finditer(text):
        if match.start() > position:
            yield _Text(text[position : match.start()])
        position = match.end()
        body = match.group(1)
        target, _, label = body.partition("|")
        if body.startswith("@"):
            # A name reads as prose ("ping Carol"), an id never does. Public text names nobody
            # (customers read it): there every mention is dropped.
            user = target[1:]
            named = names.get(user) or _unescape(label).lstrip("@")
            known = (named or user) if audience == "internal" else ""
            yield _Name(known) if known else _Drop()
        elif body.startswith("#"):
            channel = _unescape(label) or (target[1:] if audience == "internal" else "")
            yield _Name(f"#{channel}") if channel else _Drop()
        elif body.startswith("!"):
            yield _special(body)
        elif _SCHEME.match(target):
            yield _Link(_unescape(target), _unescape(label))
        else:
            yield _Text(match.group(0))  # raw `<b>` typed in a modal: plain text, not markup
    if position < len(text):
        yield _Text(text[position:])


def _tidy(text: str) -> str:
    """Remove the gaps left by dropped markup: no double spaces, no space before punctuation."""
    text = re.sub(rf"[ \t]*{_DROP}(?:[ \t]*{_DROP})*[ \t]*", _DROP, text)
    text = re.sub(rf"^{_DROP}(?:[,;:][ \t]*)?|{_DROP}$", "", text, flags=re.MULTILINE)
    text = re.sub(rf"{_DROP}(?=[,.;:!?)\]])", "", text)
    return text.replace(_DROP, " ")


def to_markdown(text: str, *, names: Mapping[str, str], audience: Audience) -> str:
    """Slack markup as Markdown: names for mentions (none for customers), links, no pings.

    The result is not escaped: use `to_inert_markdown` for text that someone typed.
    """
    out: list[str] = []
    for part in _parts(text, names, audience):
        match part:
            case _Text(raw):
                out.append(_unescape(raw))
            case _Name(name):
                out.append(name)
            case _Link(url, label):
                out.append(f"[{label}]({url})" if label else url)
            case _Drop():
                out.append(_DROP)
    return _tidy("".join(out))


def escape_markdown(text: str) -> str:
    """Make untrusted text inert in Markdown: no HTML, no link syntax, no `javascript:`.

    What people type reads as typed in the file too: `a < b`, `x -> y`, `&&` and `code`
    stay as they are (a code span is inert, and its inside is left alone). Only what could
    become markup is neutralised: a `<` that could open a tag or an autolink, an `&` that
    would read as an entity, link brackets, table bars, script schemes, and a backslash that
    would otherwise escape the character after it.
    """
    out, last = [], 0
    for span in _CODE_SPAN.finditer(text):
        out += [_inert(text[last : span.start()]), span.group(0)]
        last = span.end()
    return "".join([*out, _inert(text[last:])])


def _inert(text: str) -> str:
    text = _PUNCTUATION_AFTER_BACKSLASH.sub(r"\\\\", text)
    text = _ENTITY.sub("&amp;", text)
    text = _TAG_START.sub("&lt;", text)
    for char in "[]|":
        text = text.replace(char, "\\" + char)
    return _DANGEROUS_SCHEME.sub(r"\1\2\\:", text)


def to_inert_markdown(text: str, *, names: Mapping[str, str], audience: Audience) -> str:
    """Slack markup converted like `to_markdown`, everything typed made inert.

    Only links Slack itself marked up with an http(s)/mailto URL stay links.
    """
    out: list[str] = []
    for part in _parts(text, names, audience):
        match part:
            case _Text(raw):
                out.append(escape_markdown(_unescape(raw)))
            case _Name(name):
                out.append(escape_markdown(name))
            case _Link(url, label) if url.lower().startswith(_SAFE_SCHEMES):
                safe_url = url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
                safe_url = safe_url.replace("<", "%3C").replace(">", "%3E")
                out.append(f"[{escape_markdown(label or url)}]({safe_url})")
            case _Link(url, label):
                out.append(escape_markdown(label or url))
            case _Drop():
                out.append(_DROP)
    return _tidy("".join(out))


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain(text: str, names: Mapping[str, str]) -> str:
    """Readable text to post back into Slack: names instead of mentions, and no markup at all.

    `& < >` are re-escaped, so even a `<!here>` someone typed literally can never ping.
    """
    out: list[str] = []
    for part in _parts(text, names, "internal"):
        match part:
            case _Text(raw):
                out.append(_slack_escape(_unescape(raw)))
            case _Name(name):
                out.append(_slack_escape(name))
            case _Link(url, label):
                shown = f"{label} ({url})" if label and label != url else url
                out.append(_slack_escape(shown))
            case _Drop():
                out.append(_DROP)
    return _tidy("".join(out))


# Characters XML 1.0 cannot hold (C0 controls but tab and newlines, surrogates, U+FFFE/FFFF),
# and the C1 controls it discourages: an Atom feed with one of them is not XML at all.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Paired mrkdwn emphasis (`*bold*`, `_italic_`, `~strike~`, `` `code` ``) around words.
_EMPHASIS = re.compile(r"(?<![\w*_~`])([*_~`])(?=\S)(.+?)(?<=\S)\1(?![\w*_~`])")
_FENCE = re.compile(r"```\n?")


def xml_text(text: str) -> str:
    """`text` without the characters XML 1.0 cannot carry."""
    return _NOT_XML.sub("", text)


def public_text(text: str) -> str:
    """Slack mrkdwn as the plain text customers read (status page, Atom, Atlassian): no
    mention ids (a mention is its display name, if Slack gave one, or is dropped), a link is
    its label and URL, escapes decoded, emphasis marks removed, no control characters."""
    out: list[str] = []
    for part in _parts(xml_text(text), {}, "customer"):
        match part:
            case _Text(raw):
                out.append(_EMPHASIS.sub(r"\2", _FENCE.sub("", _unescape(raw))))
            case _Name(name):
                out.append(name)
            case _Link(url, label):
                out.append(f"{label} ({url})" if label and label != url else url)
            case _Drop():
                out.append(_DROP)
    return re.sub(r"[ \t]{2,}", " ", _tidy("".join(out))).strip()
