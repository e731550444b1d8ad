"""`/incident rollback` end to end against the loopback Heroku (schema-checked)."""

from __future__ import annotations

import json

import pytest
from aiohttp import web

from bot.changes.messages import ROLLBACK_CONFIRM
from bot.models import EntryKind
from bot.sandbox.stack import SandboxStack

from .conftest import GIULIA, LUCA, MARCO, at
from .test_suspects_slack import command, declare, posts

pytestmark = pytest.mark.transports("http", "socket")


@pytest.fixture
def releases(heroku):
    """v120 at 09:00, then v121 at 10:38 broke Quotes."""
    return heroku.add(120, at(9, 0)), heroku.add(121, at(10, 38))


async def ask(stack: SandboxStack, channel: str, text: str = "rollback", user: str = MARCO):
    await command(stack, channel, text, user=user)
    return stack.sandbox.ephemerals(user, channel)[-1]


async def confirm(stack: SandboxStack, channel: str, prompt, user: str = MARCO) -> None:
    reply = await stack.driver.click(
        user, ROLLBACK_CONFIRM, channel_id=channel, message_ts=prompt.ts
    )
    assert reply.ok
    assert reply.within_deadline
    await stack.idle()


async def rollbacks(stack: SandboxStack) -> list:
    entries = await stack.services.timeline.entries(1)
    return [e for e in entries if e.kind is EntryKind.change and e.data.get("rollback")]


async def test_rollback_to_the_release_before_the_suspect_is_confirmed_and_verified(
    make_stack, heroku, heroku_source, heroku_schema, releases
) -> None:
    v120, _ = releases
    stack = await make_stack({"web": heroku_source})
    channel = await declare(stack)
    await command(stack, channel, "feature down Offerte at 10:40")

    prompt = await ask(stack, channel)

    assert prompt.text == (
        ":rewind: Roll *web* back from *v121* to *v120* on Heroku?"
        " The app restarts on v120's code and config."
    )
    assert heroku.requests("POST") == []  # asking is not doing
    await confirm(stack, channel, prompt)

    [post] = heroku.requests("POST")
    assert json.loads(post.body) == {"release": v120.id}
    assert post.headers["Content-Type"] == "application/json"
    assert heroku.current().version == 122
    report = posts(stack, channel)[-1].text
    assert report.startswith(":rewind: Rolling *web* back from *v121* to *v120*… done in")
    assert "v122 is live, running v120's code." in report
    [entry] = await rollbacks(stack)
    assert entry.is_key
    assert entry.data["ok"]
    assert entry.data["release"] == "v122"
    assert (entry.data["from"], entry.data["to"], entry.actor) == ("v121", "v120", MARCO)
    newest = (await stack.services.changes.store.of_source("web"))[0]
    assert (newest.version, newest.description) == ("v122", "Rollback to v120")
    assert stack.sandbox.ephemerals(MARCO, channel) == []  # the prompt is gone


async def test_the_schema_check_is_not_vacuous(heroku_schema) -> None:
    pointer = "/definitions/release/links/3/schema"
    assert heroku_schema.document["definitions"]["release"]["links"][3]["title"] == "Rollback"
    assert heroku_schema.errors(pointer, {"release": "v120"})
    assert heroku_schema.errors("/definitions/release", {"version": "121"})


async def test_a_named_version_is_used_and_unknown_ones_are_refused(
    make_stack, heroku, heroku_source, releases
) -> None:
    heroku.add(119, at(13, 58, day=29))
    stack = await make_stack({"web": heroku_source})
    channel = await declare(stack)

    prompt = await ask(stack, channel, "rollback web to 119")
    unknown = await ask(stack, channel, "rollback web to v7")

    assert "from *v121* to *v119*" in prompt.text
    assert unknown.text.startswith(":warning: web has no recorded release v7.")
    assert "Recent ones: v121, v120, v119." in unknown.text
    assert unknown.blocks is None


async def test_only_people_allowed_may_confirm_and_refusals_are_recorded(
    make_stack, heroku, heroku_source, releases
) -> None:
    stack = await make_stack({"web": heroku_source}, permissions={"rollback": [GIULIA]})
    channel = await declare(stack)
    await command(stack, channel, "feature down Offerte at 10:40")

    refused = await ask(stack, channel, user=LUCA)
    prompt = await ask(stack, channel, user=GIULIA)

    assert refused.text == (
        ":no_entry: You can't roll back: only the people listed under `[permissions] rollback`"
        " may roll back. The attempt is recorded in the timeline."
    )
    assert refused.blocks is None
    assert "from *v121* to *v120*" in prompt.text
    [entry] = await rollbacks(stack)
    assert (entry.actor, entry.data["outcome"], entry.is_key) == (LUCA, "refused", False)
    assert heroku.requests("POST") == []


async def test_5xx_is_retried(make_stack, heroku, heroku_source, releases) -> None:
    stack = await make_stack({"web": heroku_source})
    channel = await declare(stack)
    await command(stack, channel, "feature down Offerte at 10:40")
    heroku.answer("POST", web.json_response({"id": "server_error", "message": "oops"}, status=503))

    await confirm(stack, channel, await ask(stack, channel))

    assert len(heroku.requests("POST")) == 2
    assert heroku.current().version == 122
    [entry] = await rollbacks(stack)
    assert entry.data["ok"]
    assert entry.data["attempts"] == 2


async def test_422_is_shown_as_heroku_words_it(make_stack, heroku, heroku_source, releases):
    stack = await make_stack({"web": heroku_source})
    channel = await declare(stack)
    await command(stack, channel, "feature down Offerte at 10:40")
    message = "Cannot rollback to a release that had a different set of addons installed."
    heroku.answer(
        "POST", web.json_response({"id": "invalid_params", "message": message}, status=422)
    )

    await confirm(stack, channel, await ask(stack, channel))

    assert len(heroku.requests("POST")) == 1
    report = posts(stack, channel)[-1].text
    assert f":x: failed: 422 from Heroku: {message} (invalid_params)" in report
    [entry] = await rollbacks(stack)
    assert not entry.data["ok"]
    assert not entry.is_key
    assert message in entry.data["error"]
    assert [c.version for c in await stack.services.changes.store.of_source("web")] == [
        "v121",
        "v120",
    ]


async def test_a_rollback_whose_release_fails_is_a_failure(
    make_stack, heroku, heroku_source, releases
) -> None:
    stack = await make_stack({"web": heroku_source})
    channel = await declare(stack)
    await command(stack, channel, "feature down Offerte at 10:40")
    heroku.rollback_status = "failed"

    await confirm(stack, channel, await ask(stack, channel))

    report = posts(stack, channel)[-1].text
    assert ":x: failed: Heroku accepted the rollback as v122, but the current release is" in report
    [entry] = await rollbacks(stack)
    assert not entry.data["ok"]


async def test_dry_run_records_only(make_stack, heroku, releases) -> None:
    stack = await make_stack({"web": {"provider": "dryrun"}})
    await stack.services.changes.record(
        [
            change_in("v120", at(9, 0)),
            change_in("v121", at(10, 38)),
        ]
    )
    channel = await declare(stack)
    await command(stack, channel, "feature down Offerte at 10:40")

    prompt = await ask(stack, channel)
    await confirm(stack, channel, prompt)

    assert prompt.text.startswith(":test_tube: *Dry run.* Record a rollback of *web*")
    assert "Dry run: recorded, nothing changed." in posts(stack, channel)[-1].text
    assert heroku.seen == []
    [entry] = await rollbacks(stack)
    assert entry.data["dry_run"]
    assert entry.data["ok"]


def change_in(version: str, when):
    from bot.changes.models import ChangeIn

    return ChangeIn(
        source="web", service="web", version=version, deployed_at=when, external_id=version
    )
