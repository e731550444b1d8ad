"""How an incident's status and severity read in Slack, in the workspace's language.

The enum values stay the keywords people type (`/incident status identified`); these are the
words shown for them, so every board, reply and list names a state the same way. Each label is
a literal `pgettext` call: the extractor needs the context beside the word.
"""

from __future__ import annotations

from bot.i18n import Texts
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


def severity_label(t: Texts, severity: Severity) -> str:
    """`SEV1`..`SEV4`, through the catalog so a language may name the levels its own way."""
    labels = {
        Severity.sev1: t.pgettext("severity", "SEV1"),
        Severity.sev2: t.pgettext("severity", "SEV2"),
        Severity.sev3: t.pgettext("severity", "SEV3"),
        Severity.sev4: t.pgettext("severity", "SEV4"),
    }
    return labels[severity]
