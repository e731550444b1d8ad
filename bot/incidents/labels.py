"""How an incident's status and severity read in Slack, in the workspace's language.

The enum values stay the keywords people type (`/incident status identified`); these are the
words shown for them, so every board, reply and list names a state the same way. Each label is
a literal `pgettext` call: the extractor needs the context beside the word.
"""

from __future__ import annotations

from bot.i18n import LANGUAGES, Texts, texts
from bot.models import Severity, Status

STATUS_ICON = {
    Status.investigating: ":mag:",
    Status.identified: ":bulb:",
    Status.monitoring: ":eyes:",
    Status.resolved: ":white_check_mark:",
    Status.closed: ":lock:",
}


def status_label(t: Texts, status: Status) -> str:
    """The word shown for a status (a state name, so in the "status" context)."""
    labels = {
        Status.investigating: t.pgettext("status", "investigating"),
        Status.identified: t.pgettext("status", "identified"),
        Status.monitoring: t.pgettext("status", "monitoring"),
        Status.resolved: t.pgettext("status", "resolved"),
        Status.closed: t.pgettext("status", "closed"),
    }
    return labels[status]


OPEN_STATUSES = (Status.investigating, Status.identified, Status.monitoring, Status.resolved)


def status_keyword(t: Texts, status: Status) -> str:
    """The word typed after `/incident status` in `t`'s language (`identificato`)."""
    keywords = {
        Status.investigating: t.pgettext("status keyword", "investigating"),
        Status.identified: t.pgettext("status keyword", "identified"),
        Status.monitoring: t.pgettext("status keyword", "monitoring"),
        Status.resolved: t.pgettext("status keyword", "resolved"),
    }
    return keywords[status]


def parse_status(text: str) -> Status | None:
    """A typed status in any workspace: the English keyword, or any catalog's keyword or
    label (`in analisi`, `monitoraggio`, `in osservazione`); None when it is none of them."""
    typed = " ".join(text.lower().split())
    for status in OPEN_STATUSES:
        words = {status.value}
        for language in LANGUAGES:
            t = texts(language)
            words |= {status_keyword(t, status).lower(), status_label(t, status).lower()}
        if typed in words:
            return status
    return None


def severity_label(t: Texts, severity: Severity) -> str:
    """`SEV1`..`SEV4`, through the catalog so a language may name the levels its own way."""
    labels = {
        Severity.sev1: t.pgettext("severity", "SEV1"),
        Severity.sev2: t.pgettext("severity", "SEV2"),
        Severity.sev3: t.pgettext("severity", "SEV3"),
        Severity.sev4: t.pgettext("severity", "SEV4"),
    }
    return labels[severity]
