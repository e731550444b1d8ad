"""The close form's action items become follow-ups; a SEV1/SEV2 close without any asks first."""

from __future__ import annotations

from datetime import date

from bot.models import Status
from bot.sandbox.stack import SandboxStack

from .conftest import GIULIA, MARCO, close, declare, run

ACTIONS = """- Automated checks on the deploy tool version @giulia by 2025-05-07
- Controlli automatici sul deploy <@U01MARCO> entro venerdì
* Review in an environment with the right tool version in 2 weeks
3. Aggiornare la guida entro il 12 maggio
Document the rollback"""


async def test_each_line_becomes_a_followup_with_owner_and_day(stack: SandboxStack) -> None:
    incident = await declare(stack)
    assert stack.services is not None
    await run(stack, incident.channel_id or "", "status resolved")
    answer = await close(stack, incident.channel_id or "", {"action_items": ACTIONS})
    assert "response_action" not in answer
    assert (await stack.services.incidents.get(incident.id)).status is Status.closed
    found = [
        (f.seq, f.text, f.owner, f.due_on)
        for f in await stack.services.followups.for_incident(incident.id)
    ]
    assert found == [
        (1, "Automated checks on the deploy tool version", GIULIA, date(2025, 5, 7)),
        (2, "Controlli automatici sul deploy", MARCO, date(2025, 5, 2)),
        (3, "Review in an environment with the right tool version", None, date(2025, 5, 14)),
        (4, "Aggiornare la guida", None, date(2025, 5, 12)),
        (5, "Document the rollback", None, None),
    ]


async def test_a_bad_line_refuses_the_form_and_closes_nothing(stack: SandboxStack) -> None:
    incident = await declare(stack)
    assert stack.services is not None
    channel = incident.channel_id or ""
    await run(stack, channel, "status resolved")
    for lines, error in [
        ("Fix it @nobody", "is not a user"),
        ("Fix it by 2025-04-01", "is already past"),
    ]:
        answer = await close(stack, channel, {"action_items": lines})
        assert answer["response_action"] == "errors"
        assert error in answer["errors"]["action_items"]
    assert (await stack.services.incidents.get(incident.id)).status is Status.resolved
    assert await stack.services.followups.for_incident(incident.id) == []


async def test_sev2_without_followups_asks_to_confirm(stack: SandboxStack) -> None:
    incident = await declare(stack)  # SEV2, the default
    assert stack.services is not None
    channel = incident.channel_id or ""
    await run(stack, channel, "status resolved")
    answer = await close(stack, channel, {"root_cause": "A deploy"})
    assert answer["response_action"] == "errors"
    assert "A SEV2 incident should leave at least one follow-up" in answer["errors"]["action_items"]
    assert (await stack.services.incidents.get(incident.id)).status is Status.resolved

    answer = await close(stack, channel, {"root_cause": "A deploy", "no_followups": ["yes"]})
    assert "response_action" not in answer
    assert (await stack.services.incidents.get(incident.id)).status is Status.closed


async def test_sev3_or_a_followup_added_before_needs_no_confirmation(stack: SandboxStack) -> None:
    minor = await declare(stack, "Slow search")
    assert stack.services is not None
    await run(stack, minor.channel_id or "", "severity sev3")
    await run(stack, minor.channel_id or "", "status resolved")
    assert "response_action" not in await close(stack, minor.channel_id or "", {})

    major = await declare(stack, "Quotes down")
    await run(stack, major.channel_id or "", "followup add Alert on empty quotes")
    await run(stack, major.channel_id or "", "status resolved")
    assert "response_action" not in await close(stack, major.channel_id or "", {})
    assert (await stack.services.incidents.get(major.id)).status is Status.closed
