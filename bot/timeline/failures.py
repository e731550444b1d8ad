"""Failures the bot records (error entries, rollbacks), phrased from their facts when shown.

An error entry stores `data["error"]`, one of the keys below, beside the values its phrase
needs; remote error codes and details are stored as the remote gave them and shown verbatim.
The English sentence in the entry's text is what a reader that predates the facts shows.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.i18n import N_, Texts

_ERRORS = {
    "archive_failed": N_("Archiving the channel failed: {code}"),
    "page_failed": N_("The page to {provider} failed: {detail}"),
    "page_not_resolved": N_("The page could not be resolved in {provider}: {detail}"),
    "source_unreadable": N_("Change source {source} could not be read: {reason}"),
    "proposal_not_posted": N_("Status page proposal not posted: {code}"),
    "proposal_not_updated": N_("Status page proposal not updated: {code}"),
    "hosted_page": N_("The hosted status page was not updated: {detail}"),
    "ticket_not_updated": N_("{ref} was not updated in the tracker: {reason}"),
    "not_exported": N_("Follow-up #{seq} was not exported: {reason}"),
    "reminder_not_sent": N_("Follow-up #{seq}: reminder not sent: {code}"),
    "draft_failed": N_("The {audience} draft ({language}) could not be made: {detail}"),
    "drafts_not_posted": N_("The drafts were not posted: {detail}"),
    "drafts_without_channel": N_("The drafts were not posted: the incident has no channel"),
}
# "<family> message not posted": which message the bot could not post or update.
_NOT_POSTED = {
    "changes": N_("Message about the changes not posted: {problem}"),
    "maintenance": N_("Message about the maintenance not posted: {problem}"),
    "paging": N_("Message about the page not posted: {problem}"),
    "rollback": N_("Message about the rollback not posted: {problem}"),
    "signals": N_("Message about the alert not posted: {problem}"),
}
# What the board could not bring up to date, by part.
_BOARD_PARTS = {
    "topic": N_("channel topic"),
    "status message": N_("status message"),
    "announcement": N_("announcement"),
    "announcement thread": N_("announcement thread"),
}
_ROLLBACK = {
    "succeeded": N_("Rollback of {target} from {from_} to {to}: done"),
    "failed": N_("Rollback of {target} from {from_} to {to}: failed ({error})"),
    "refused": N_("Rollback of {target} from {from_} to {to}: refused ({error})"),
}


def failure(data: Mapping[str, object], t: Texts) -> str | None:
    """The recorded failure in `t`'s language; None when `data` holds no failure this
    version knows (the entry's stored text is shown instead)."""
    if data.get("rollback"):
        return _rollback(data, t)
    key = data.get("error")
    values = {k: str(v) for k, v in data.items()}
    try:
        if key == "not_posted":
            family = str(data["stage"])
            template = _NOT_POSTED.get(family)
            if template is None:
                return t._("Message not posted ({family}): {problem}").format(
                    family=family, **values
                )
            return t._(template).format(**values)
        if key == "not_invited" and isinstance(refused := data.get("not_invited"), Mapping):
            who = ", ".join(f"{user} ({code})" for user, code in refused.items())
            return t._("Not invited: {who}").format(who=who)
        if key == "setup" and isinstance(steps := data.get("failures"), list):
            return "; ".join(step_failure(step, t) for step in steps)
        if key == "board" and isinstance(parts := data.get("failures"), list):
            shown = ", ".join(
                f"{t._(_BOARD_PARTS[part]) if part in _BOARD_PARTS else part} ({code})"
                for part, code in parts
            )
            return t._("Update failed: {failures}").format(failures=shown)
        if isinstance(key, str) and key in _ERRORS:
            return t._(_ERRORS[key]).format(**values)
    except (KeyError, ValueError, TypeError):  # facts from another version: the text stands
        return None
    return None


def step_failure(step: Mapping[str, str], t: Texts) -> str:
    """A set-up step that failed: its name and Slack's code, or what else went wrong."""
    doing = t._(step["step"])
    if "code" in step:
        return t._("{doing}: Slack answered `{code}`").format(doing=doing, code=step["code"])
    return f"{doing}: {step['detail']}"


def _rollback(data: Mapping[str, object], t: Texts) -> str | None:
    template = _ROLLBACK.get(str(data.get("outcome")))
    if template is None or not {"target", "from", "to"} <= data.keys():
        return None
    phrased = t._(template).format(
        target=data["target"], from_=data["from"], to=data["to"], error=data.get("error") or "?"
    )
    if data.get("dry_run"):
        return t._("{rollback} (dry run, nothing changed)").format(rollback=phrased)
    return phrased
