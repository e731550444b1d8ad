"""What an entry says, in Slack markup, and the names needed to show it readably.

Captured text is stored as sent (`<@U123>`, `<!here>`, `&amp;`); each place that shows it
renders it with `bot.slack.mrkdwn`, using display names resolved here, when shown.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from datetime import date

import aiohttp

from bot.features.labels import state_label
from bot.i18n import N_, Texts
from bot.incidents.labels import status_label
from bot.models import EntryKind, FeatureState, Status, TimelineEntry
from bot.slack.people import People
from bot.time.formatting import day_with_year
from bot.timeline.failures import failure

log = logging.getLogger(__name__)

_MENTION = re.compile(r"<@([UW][A-Z0-9]+)")
# Bot actions are stored as their value (a title, a status keyword, a user id) and phrased
# when shown, so the same record reads in the workspace's language and in the English export.
_ACTIONS = {
    EntryKind.declared: N_("Declared: {text}"),
    EntryKind.status: N_("Status: {text}"),
    EntryKind.severity: N_("Severity: {upper}"),
    EntryKind.lead: N_("Lead: <@{text}>"),
    EntryKind.rename: N_("Renamed: {text}"),
    EntryKind.resolved: N_("Resolved"),
    EntryKind.closed: N_("Closed"),
}
# What happened to a follow-up, by the `change` its entry stores; the drafts word it alike.
_FOLLOWUP_CHANGES = {
    "added": N_("#{seq} added: {text}"),
    "owner": N_("#{seq} given to {owner}: {text}"),
    "due": N_("#{seq} now due {day}: {text}"),
    "done": N_("#{seq} done: {text}"),
    "dropped": N_("#{seq} dropped: {text}"),
    "reopened": N_("#{seq} reopened: {text}"),
    "exported": N_("#{seq} exported: {tracker}"),
}


def describe(entry: TimelineEntry, t: Texts) -> str:
    """The entry as one Slack-markup text: chat and notes as typed, bot actions as a phrase
    in `t`'s language made from the stored facts. A row stored before its facts were (or with
    facts this version does not know) shows its stored text."""
    if phrased := _from_data(entry, t):
        return phrased
    template = _ACTIONS.get(entry.kind)
    if template is None:
        return entry.text or entry.kind.value
    return t._(template).format(text=entry.text, upper=entry.text.upper())


def _from_data(entry: TimelineEntry, t: Texts) -> str | None:
    data = entry.data
    match entry.kind:
        case EntryKind.status if entry.text in Status.__members__:
            return t._("Status: {status}").format(status=status_label(t, Status(entry.text)))
        case EntryKind.feature if data.get("state") in FeatureState.__members__ and data.get(
            "feature"
        ):
            state = state_label(t, FeatureState(data["state"]))
            return t._("{feature}: {state}").format(feature=data["feature"], state=state)
        case EntryKind.maintenance if {"target", "provider", "enabled", "ok"} <= data.keys():
            return _maintenance(data, t)
        case EntryKind.change if data.get("mark") in ("caused", "not_related"):
            marked = (
                t._("Change {version} marked as the cause")
                if data["mark"] == "caused"
                else t._("Change {version} marked as not related")
            )
            return marked.format(version=data.get("version") or "?")
        case EntryKind.followup if pattern := followup_pattern(data, t):
            due = data.get("due_on")
            change = pattern.format(
                seq=data["followup"],
                text=data.get("text", ""),
                owner=f"<@{data['owner']}>" if data.get("owner") else "?",
                day=day_with_year(t, date.fromisoformat(due)) if isinstance(due, str) else "?",
                tracker=data.get("tracker", ""),
            )
            return t._("Follow-up {change}").format(change=change)
        case EntryKind.reopened if entry.text:
            return t._("Reopened: {reason}").format(reason=entry.text)
        case EntryKind.reopened:
            return t._("Reopened")
        case EntryKind.error | EntryKind.change:
            return failure(data, t)
    return None


def followup_pattern(data: Mapping[str, object], t: Texts) -> str | None:
    """The phrase for a follow-up entry's change in `t`'s language, its fields still to fill
    (`seq`, `text`, `owner`, `day`, `tracker`); None for a row stored before its facts were."""
    pattern = _FOLLOWUP_CHANGES.get(str(data.get("change")))
    if pattern is None or "followup" not in data or ("text" not in data and "{text}" in pattern):
        return None
    return t._(pattern)


def _maintenance(data: Mapping[str, object], t: Texts) -> str:
    """ "Maintenance on for web (heroku): confirmed", refused, failed or a dry run."""
    error = str(data.get("error") or "").removeprefix("refused: ")
    fields = {"target": data["target"], "provider": data["provider"], "error": error}
    head = (
        t._("Maintenance on for {target} ({provider})")
        if data["enabled"]
        else t._("Maintenance off for {target} ({provider})")
    ).format(**fields)
    if data.get("outcome") == "refused":
        return t._("{head}: refused ({error})").format(head=head, **fields)
    if not data["ok"]:
        return t._("{head}: failed ({error})").format(head=head, **fields)
    if data.get("dry_run"):
        return t._("{head}: dry run, nothing changed").format(head=head)
    return t._("{head}: confirmed").format(head=head)


def people_in(entries: Iterable[TimelineEntry]) -> list[str]:
    """Authors and everyone mentioned, in the entries and their earlier texts.

    Read from the stored values, not a phrasing: a lead change mentions its lead (the text).
    """
    ids: dict[str, None] = {}
    for entry in entries:
        if entry.actor:
            ids[entry.actor] = None
        if entry.kind is EntryKind.lead and entry.text:
            ids[entry.text] = None
        for text in (entry.text, *(r.text for r in entry.revisions)):
            ids.update(dict.fromkeys(mentioned(text)))
    return list(ids)


def mentioned(text: str) -> list[str]:
    """The user ids a Slack-markup text mentions."""
    return _MENTION.findall(text)


async def names_for(people: People, user_ids: list[str]) -> Mapping[str, str]:
    """Display names (cached, else fetched once); ids stand in when Slack cannot be reached."""
    try:
        return await people.names(user_ids)
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        log.warning("showing user ids: Slack unreachable for names (%s)", type(exc).__name__)
        return {}
