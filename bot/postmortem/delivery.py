"""Drafts into the incident channel: render, save a new version, upload the files.

A draft that cannot be made (a broken custom template) or delivered (Slack refused the
upload) is said in the channel and recorded as a timeline `error`, never raised: the other
draft still goes out, and saved versions stay saved for `/incident postmortem` or the CLI.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.models import EntryKind, Incident
from bot.postmortem.render import DraftError, draft_filename
from bot.postmortem.service import Audience, Postmortems
from bot.slackweb import SlackWeb, error_code, escape
from bot.timeline import Timeline

log = logging.getLogger(__name__)

WHAT = {"customer": "customer apology", "internal": "internal postmortem"}
_SLACK_FAILURES = (SlackClientError, aiohttp.ClientError, TimeoutError)


@dataclass(frozen=True)
class Draft:
    audience: Audience
    language: str
    filename: str
    body: str
    version: int


def _failure(exc: BaseException) -> str:
    return error_code(exc) if isinstance(exc, SlackApiError) else type(exc).__name__


class Delivery:
    def __init__(self, postmortems: Postmortems, slack: SlackWeb, timeline: Timeline) -> None:
        self.postmortems, self.slack, self.timeline = postmortems, slack, timeline

    async def deliver(self, incident: Incident, wanted: list[tuple[Audience, str]]) -> list[Draft]:
        """Draft each (audience, language) from the current record, save and upload them."""
        facts = await self.postmortems.facts(incident)
        drafts = []
        for audience, language in wanted:
            try:
                body = self.postmortems.render(facts, audience, language)
            except DraftError as exc:
                await self.problem(
                    incident,
                    f"Couldn't draft the {WHAT[audience]} ({language}) for {incident.number}:"
                    f" {exc}. Fix the template, then `/incident postmortem` drafts it again.",
                )
                continue
            version = await self.postmortems.save_draft(incident.id, audience, language, body)
            filename = draft_filename(incident, audience, language)
            drafts.append(Draft(audience, language, filename, body, version))
        if drafts:
            await self._upload(incident, drafts)
        return drafts

    async def _upload(self, incident: Incident, drafts: list[Draft]) -> None:
        listed = ", ".join(f"{WHAT[d.audience]} (`{d.filename}`, v{d.version})" for d in drafts)
        if not incident.channel_id:
            await self.problem(incident, f"{incident.number} has no channel to post {listed} in.")
            return
        comment = (
            f":memo: Drafts for {incident.number}, made from the recorded facts: {listed}."
            " Review them before publishing; `/incident postmortem` drafts them again after"
            " late edits."
        )
        try:
            await self.slack.upload(
                incident.channel_id, {d.filename: d.body for d in drafts}, comment
            )
        except _SLACK_FAILURES as exc:
            first = drafts[0]
            await self.problem(
                incident,
                f"Couldn't upload the drafts for {incident.number} ({_failure(exc)}). They are"
                f" saved: `/incident postmortem` tries again, `outagebot postmortem"
                f" {incident.number} --lang {first.language} --audience {first.audience}`"
                " prints one.",
            )

    async def problem(self, incident: Incident, text: str) -> None:
        """Record a failure in the timeline and say it in the channel (if Slack lets us)."""
        log.warning("%s: %s", incident.number, text)
        await self.timeline.record(
            incident.id, EntryKind.error, text, is_key=False, data={"source": "postmortem"}
        )
        if not incident.channel_id:
            return
        try:
            await self.slack.post(incident.channel_id, f":warning: {escape(text)}")
        except _SLACK_FAILURES as exc:
            log.warning("%s: could not post the failure: %s", incident.number, _failure(exc))
