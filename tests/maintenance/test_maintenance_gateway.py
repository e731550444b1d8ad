"""Target lookup, the dry-run default and the single-flight guard."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from bot.maintenance import MaintenanceGateway, UnknownTargetError
from bot.time.clock import ManualClock


async def test_concurrent_on_requests_make_one_remote_call(heroku, heroku_target, make_gateway):
    heroku.delay = 0.05
    gateway = make_gateway(web=heroku_target)

    first, second = await asyncio.gather(
        gateway.set("web", True, incident="INC-1", requested_by="U1"),
        gateway.set(None, True, incident="INC-1", requested_by="U2"),
    )

    assert first.ok
    assert first is second
    assert len(heroku.requests("PATCH")) == 1


async def test_on_and_off_for_one_target_run_one_after_the_other(
    heroku, heroku_target, make_gateway
):
    heroku.delay = 0.02
    gateway = make_gateway(web=heroku_target)

    on, off = await asyncio.gather(
        gateway.set("web", True, incident="INC-1", requested_by="U1"),
        gateway.set("web", False, incident="INC-1", requested_by="U2"),
    )

    assert on.ok
    assert off.ok
    assert heroku.apps["acme-web"] is False
    assert len(heroku.requests("PATCH")) == 2
    assert heroku.max_active == 1
    again = await gateway.set("web", True, incident="INC-1", requested_by="U1")
    assert again.ok
    assert len(heroku.requests("PATCH")) == 3


async def test_a_cancelled_caller_does_not_cancel_the_switch(heroku, heroku_target, make_gateway):
    heroku.delay = 0.05
    gateway = make_gateway(web=heroku_target)
    impatient = asyncio.create_task(gateway.set("web", True, incident="INC-1", requested_by="U1"))
    await asyncio.sleep(0.01)
    patient = asyncio.create_task(gateway.set("web", True, incident="INC-1", requested_by="U2"))
    await asyncio.sleep(0)
    impatient.cancel()

    assert (await patient).ok
    assert heroku.apps["acme-web"] is True


async def test_dry_run_is_the_default_and_touches_no_network():
    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"dry run sent {request.method} {request.url}")

    gateway = MaintenanceGateway(
        clock=ManualClock(), environ={}, transport=httpx.MockTransport(refuse)
    )

    result = await gateway.set(None, True, incident="INC-1", requested_by="U1")

    assert list(gateway.targets) == ["app"]
    assert gateway.resolve(None) == "app"
    assert result.ok
    assert result.dry_run
    assert result.provider == "dryrun"
    assert (result.target, result.enabled, result.verified_state) == ("app", True, None)
    assert await gateway.read_state("app") is None


def test_targets_are_found_by_name(make_gateway):
    gateway = make_gateway(web={"provider": "dryrun"}, quotes={"provider": "dryrun"})

    assert gateway.resolve(" Web ") == "web"
    with pytest.raises(UnknownTargetError, match="say which maintenance target: quotes, web"):
        gateway.resolve(None)
    with pytest.raises(UnknownTargetError, match="no maintenance target named 'api'; try: quotes"):
        gateway.resolve("api")
