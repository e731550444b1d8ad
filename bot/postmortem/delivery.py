"""Drafts into the incident channel: render, save a new version, upload the files.

A draft that cannot be made (a broken custom template) or delivered (Slack refused the
upload) is said in the channel and recorded as a timeline `error`, never raised: the other
draft still goes out, and saved versions stay saved for `/incident postmortem` or the CLI.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.i18n import N_, Texts
from bot.models import EntryKind, Incident
from bot.postmortem.render import DraftError, draft_filename
from bot.postmortem.service import Audience, Postmortems
from bot.slack.gateway import SlackWeb, error_code, escape
from bot.timeline import Timeline

log = logging.getLogger(__name__)

# What each draft is called in Slack (translated where shown: `what`).
WHAT: dict[Audience, str] = {
    "customer": N_("customer apology"),
    "internal": N_("internal postmortem"),
}
_SLACK_FAILURES = (SlackClientError, aiohttp.ClientError, TimeoutError)


@dataclass(frozen=True)
class Draft:
    audience: Audience
    language: str
    filename: str
    body: str
    version: int


def what(t: Texts, audience: Audience) -> str:
    """The draft's name in Slack, e.g. "customer apology"."""
    return t._(WHAT[audience])


def _failure(exc: BaseException) -> str:
    return error_code(exc) if isinstance(exc, SlackApiError) else type(exc).__name__


class Delivery:
    """Speaks in the workspace's language (`t`); the drafts keep the language asked for."""

    def __init__(
        self, postmortems: Postmortems, slack: SlackWeb, timeline: Timeline, t: Texts
    ) -> None:
        self.postmortems, self.slack, self.timeline, self.t = postmortems, slack, timeline, t

    async def deliver(
        self, incident: Incident, wanted: list[tuple[Audience, str]], *, note: str = ""
    ) -> list[Draft]:
        """Draft each (audience, language) from the current record, save and upload them;
        `note` (say, what a correction changed) goes under the files' comment."""
        facts, t = await self.postmortems.facts(incident), self.t
        drafts = []
        for audience, language in wanted:
            try:
                body = self.postmortems.render(facts, audience, language)
            except DraftError as exc:
                await self.problem(
                    incident,
                    t._(
                        "Couldn't draft the {what} ({language}) for {incident}: {error}. Fix the"
                        " template, then `/incident postmortem` drafts it again."
                    ).format(
                        what=what(t, audience),
                        language=language,
                        incident=incident.number,
                        error=exc,
                    ),
                    {
                        "error": "draft_failed",
                        "audience": audience,
                        "language": language,
                        "detail": str(exc),
                    },
                )
                continue
            version = await self.postmortems.save_draft(incident.id, audience, language, body)
            filename = draft_filename(incident, audience, language)
            drafts.append(Draft(audience, language, filename, body, version))
        if drafts:
            # matplotlib (0.6 s to import) loads with the first chart, not at start-up.
            from bot.postmortem.picture import chart_filename, chart_png

            pictures: dict[str, bytes] = {}
            try:
                chart = await asyncio.to_thread(chart_png, facts, drafts[0].language)
                pictures[chart_filename(incident.number)] = chart
            except Exception:  # a picture never holds back the drafts (logged with its trace)
                log.exception("%s: the impact chart could not be drawn", incident.number)
            await self._upload(incident, drafts, pictures, note)
        return drafts

    async def _upload(
        self,
        incident: Incident,
        drafts: list[Draft],
        pictures: Mapping[str, bytes],
        note: str = "",
    ) -> None:
        t = self.t
        listed = ", ".join(f"{what(t, d.audience)} (`{d.filename}`, v{d.version})" for d in drafts)
        if not incident.channel_id:
            await self.problem(
                incident,
                t._("{incident} has no channel to post {drafts} in.").format(
                    incident=incident.number, drafts=listed
                ),
                {"error": "drafts_without_channel"},
            )
            return
        comment = t._(
            ":memo: Drafts for {incident}, made from the recorded facts: {drafts}. Review them"
            " before publishing; `/incident postmortem` drafts them again after late edits."
        ).format(incident=incident.number, drafts=listed)
        if note:
            comment += "\n" + note
        try:
            files = {d.filename: d.body for d in drafts} | dict(pictures)
            await self.slack.upload(incident.channel_id, files, comment)
        except _SLACK_FAILURES as exc:
            first = drafts[0]
            await self.problem(
                incident,
                t._(
                    "Couldn't upload the drafts for {incident} ({error}). They are saved:"
                    " `/incident postmortem` tries again, `outagebot postmortem {incident}"
                    " --lang {language} --audience {audience}` prints one."
                ).format(
                    incident=incident.number,
                    error=_failure(exc),
                    language=first.language,
                    audience=first.audience,
                ),
                {"error": "drafts_not_posted", "detail": _failure(exc)},
            )

    async def problem(self, incident: Incident, text: str, fact: dict[str, str]) -> None:
        """Record a failure in the timeline (`fact`: what it is, for the reader's language) and
        say it in the channel (if Slack lets us)."""
        log.warning("%s: %s", incident.number, text)
        await self.timeline.record(
            incident.id, EntryKind.error, text, is_key=False, data={"source": "postmortem"} | fact
        )
        if not incident.channel_id:
            return
        try:
            await self.slack.post(incident.channel_id, f":warning: {escape(text)}")
        except _SLACK_FAILURES as exc:
            log.warning("%s: could not post the failure: %s", incident.number, _failure(exc))
