"""The correction form: the incident's facts with their times in the incident's timezone,
each editable (a date and a time picker; a text field for notes), and a required reason.

Slack allows 100 blocks in a modal: facts are paged (and can be filtered by kind) so a page
stays under `PAGE_BLOCKS`. The form remembers a fingerprint of every value it shows, so a
value changed by someone else meanwhile is noticed on submit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
    TimePickerElement,
)

from bot.corrections.flows import Proposal
from bot.corrections.service import Fact, field_label
from bot.i18n import N_, Texts
from bot.models import Incident
from bot.slack.gateway import escape
from handlers.context import Reply
from handlers.payloads import RowId, StateValues, SubmittedView, metadata
from handlers.views import confirm_blocks, form

CORRECT_CALLBACK = "incident_correct"
CONFIRM = "correct_confirm"  # the typed shortcut's confirm button
FILTER = "correct_filter"
PAGE = "correct_page"
REASON = "reason"
TEXT_MAX = 3000  # Slack's limit for a text input
PAGE_BLOCKS = 90  # Slack's limit is 100 per modal: room for the fixed blocks
_FIXED = 5  # intro, filter, reason, paging, footer
_FILTERS = {
    "all": N_("All facts"),
    "feature": N_("Features"),
    "maintenance": N_("Maintenance"),
    "note": N_("Notes and key moments"),
    "incident": N_("Declared and resolved"),
}
# Words `/incident correct WORD` takes to open the form filtered.
FILTER_WORDS = {
    "features": "feature",
    "feature": "feature",
    "funzionalità": "feature",
    "funzionalita": "feature",
    "maintenance": "maintenance",
    "manutenzione": "maintenance",
    "notes": "note",
    "note": "note",
    "incident": "incident",
    "incidente": "incident",
}


class _Carried(BaseModel):
    """`FormState` as the form's private metadata holds it (short keys: Slack keeps 3,000
    characters)."""

    i: RowId
    f: str = "all"
    p: int = 0
    s: dict[str, str] = {}


@dataclass(frozen=True)
class FormState:
    """What the form carries between clicks: the incident, the filter, the page, and the
    fingerprint of every value shown (the optimistic check on submit)."""

    incident_id: int
    filter: str = "all"
    page: int = 0
    seen: dict[str, str] | None = None

    def dump(self) -> str:
        return json.dumps(
            {"i": self.incident_id, "f": self.filter, "p": self.page, "s": self.seen or {}},
            separators=(",", ":"),
        )

    @classmethod
    def load(cls, view: SubmittedView, t: Texts) -> FormState:
        data = metadata(view, _Carried, t)
        return cls(data.i, data.f if data.f in _FILTERS else "all", data.p, data.s)


def _blocks_of(fact: Fact) -> int:
    return 2 if fact.is_time else 1


def rows(facts: list[Fact]) -> list[list[Fact]]:
    """Facts grouped by what they belong to (an interval, a window, an entry, the incident)."""
    grouped: dict[str, list[Fact]] = {}
    for fact in facts:
        grouped.setdefault(fact.key.rpartition(":")[0], []).append(fact)
    return list(grouped.values())


def pages(facts: list[Fact], group: str) -> list[list[list[Fact]]]:
    """Rows split into pages of at most PAGE_BLOCKS blocks (a header block per row)."""
    chosen = [f for f in facts if group == "all" or f.group == group]
    result: list[list[list[Fact]]] = [[]]
    used = _FIXED
    for row in rows(chosen):
        size = 1 + sum(_blocks_of(f) for f in row)
        if result[-1] and used + size > PAGE_BLOCKS:
            result.append([])
            used = _FIXED
        result[-1].append(row)
        used += size
    return result


def page_of(facts: list[Fact], group: str, key: str) -> int:
    """The page that shows `key` (the message shortcut opens the form at its entry)."""
    for number, page in enumerate(pages(facts, group)):
        if any(f.key == key for row in page for f in row):
            return number
    return 0


def _row_title(t: Texts, fact: Fact) -> str:
    subject = escape(" ".join(fact.subject.split())[:150])
    if fact.group == "feature":
        return f"*{subject}*"
    if fact.group == "maintenance":
        return t._("*Maintenance* of {target}").format(target=subject)
    if fact.group == "note":
        return t._("*Note*: {text}").format(text=subject)
    return f"*{subject}*"


def _local(fact: Fact, tz: str) -> datetime:
    assert isinstance(fact.value, datetime)
    return fact.value.astimezone(ZoneInfo(tz))


def correction_modal(
    t: Texts, incident: Incident, facts: list[Fact], state: FormState
) -> dict[str, Any]:
    all_pages = pages(facts, state.filter)
    number = min(max(state.page, 0), len(all_pages) - 1)
    page = all_pages[number]
    filters = [Option(text=t._(label), value=key) for key, label in _FILTERS.items()]
    intro = t._(
        "Correct what *{incident}* recorded. Times are in {timezone}. Change what is wrong, say"
        " why, and submit: every change is applied, or none."
    ).format(incident=incident.number, timezone=incident.timezone)
    blocks: list[Any] = [
        SectionBlock(text=intro),
        ActionsBlock(
            block_id=FILTER,
            elements=[
                StaticSelectElement(
                    action_id=FILTER,
                    options=filters,
                    initial_option=next(o for o in filters if o.value == state.filter),
                )
            ],
        ),
    ]
    seen: dict[str, str] = {}
    for row in page:
        blocks.append(SectionBlock(text=_row_title(t, row[0])))
        for fact in row:
            if not fact.is_time and len(str(fact.value)) > TEXT_MAX:
                continue  # longer than a text input holds: its time stays correctable
            seen[fact.key] = fact.fingerprint
            label = field_label(t, fact)
            if not fact.is_time:
                blocks.append(
                    InputBlock(
                        block_id=f"x|{fact.key}",
                        label=label[:2000],
                        element=PlainTextInputElement(
                            action_id="value",
                            initial_value=str(fact.value),
                            max_length=TEXT_MAX,
                            multiline=True,
                        ),
                    )
                )
                continue
            local = _local(fact, incident.timezone)
            blocks += [
                InputBlock(
                    block_id=f"d|{fact.key}",
                    label=t._("{field} — day").format(field=label),
                    element=DatePickerElement(
                        action_id="value", initial_date=local.date().isoformat()
                    ),
                ),
                InputBlock(
                    block_id=f"t|{fact.key}",
                    label=t._("{field} — time").format(field=label),
                    element=TimePickerElement(
                        action_id="value",
                        initial_time=local.strftime("%H:%M"),
                        timezone=incident.timezone,
                    ),
                ),
            ]
    if not page:
        blocks.append(SectionBlock(text=t._("Nothing of this kind is recorded.")))
    blocks.append(
        InputBlock(
            block_id=REASON,
            label=t._("Reason"),
            hint=t._("Kept with every change, in the audit trail and the internal postmortem."),
            element=PlainTextInputElement(action_id="value", max_length=500),
        )
    )
    paging = []
    if number > 0:
        paging.append(ButtonElement(text=t._("Previous"), action_id=PAGE, value=str(number - 1)))
    if number + 1 < len(all_pages):
        paging.append(
            ButtonElement(text=t._("Next"), action_id=f"{PAGE}_next", value=str(number + 1))
        )
    if paging:
        blocks.append(ActionsBlock(block_id=PAGE, elements=paging))
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=t._(
                        "Page {page} of {pages}. Submitting saves this page's changes only."
                    ).format(page=number + 1, pages=len(all_pages))
                )
            ]
        )
    )
    return form(
        t,
        callback_id=CORRECT_CALLBACK,
        title=t._("Correct the record"),
        submit=t.pgettext("button", "Correct"),
        blocks=blocks,
        private_metadata=FormState(incident.id, state.filter, number, seen).dump(),
    )


def submitted(
    values: StateValues, tz: str, seen: dict[str, str]
) -> tuple[dict[str, datetime | str], str, dict[str, str]]:
    """The submitted values of the shown facts (times as instants), the reason, and the
    blocks that could not be read (block id -> why, in English keys for the caller)."""
    changes: dict[str, datetime | str] = {}
    unreadable: dict[str, str] = {}
    zone = ZoneInfo(tz)
    for key in seen:
        text = _element(values, f"x|{key}")
        if text is not None:
            changes[key] = str(text.get("value") or "")
            continue
        day, clock = _element(values, f"d|{key}"), _element(values, f"t|{key}")
        if day is None or clock is None:
            continue
        try:
            picked = datetime.combine(
                date.fromisoformat(str(day.get("selected_date"))),
                time.fromisoformat(str(clock.get("selected_time"))),
                tzinfo=zone,
            )
        except ValueError:
            unreadable[f"t|{key}"] = "unreadable"
            continue
        changes[key] = picked.astimezone(UTC)
    reason = _element(values, REASON)
    return changes, str((reason or {}).get("value") or ""), unreadable


def _element(values: StateValues, block_id: str) -> dict[str, Any] | None:
    return values.get(block_id, {}).get("value")


def block_for(fact_key: str, seen_text: bool) -> str:
    """The block an error about `fact_key` is shown under."""
    if fact_key == REASON:
        return REASON
    return f"x|{fact_key}" if seen_text else f"t|{fact_key}"


def proposal_reply(t: Texts, incident: Incident, proposal: Proposal) -> Reply:
    """The from -> to question of a typed shortcut, with its confirm button."""
    value = json.dumps(
        {
            "i": incident.id,
            "k": proposal.fact.key,
            "v": proposal.value.isoformat(),
            "s": proposal.seen,
        }
    )
    blocks = confirm_blocks(t, proposal.question, CONFIRM, value, t.pgettext("button", "Correct"))
    return Reply(proposal.question, blocks)
