"""The Heroku provider against a loopback Heroku, checked against Heroku's published schema."""

from __future__ import annotations

import json
import logging
import socket

import pytest
from aiohttp import web

from bot.maintenance import CallFailed


async def on(gateway, target=None):
    return await gateway.set(target, True, incident="INC-1", requested_by="U1")


async def test_patch_follows_heroku_schema_and_state_is_read_back(
    heroku, heroku_target, make_gateway, heroku_schema, env
):
    result = await on(make_gateway(web=heroku_target))

    assert result.ok, result
    assert result.verified_state is True
    assert (result.attempts, result.http_status, result.dry_run) == (1, 200, False)
    assert result.duration_seconds > 0
    patch, get = heroku.seen
    pointer, link = heroku_schema.link("app", "update")
    assert patch.method == link["method"]
    identity = heroku_schema.match_href(link["href"], patch.path)
    assert identity == {"#/definitions/app/definitions/identity": "acme-web"}
    assert heroku_schema.errors("/definitions/app/definitions/identity", "acme-web") == []
    assert heroku_schema.errors(f"{pointer}/schema", json.loads(patch.body)) == []
    assert json.loads(patch.body) == {"maintenance": True}
    assert patch.headers["Accept"] == "application/vnd.heroku+json; version=3"
    assert patch.headers["Authorization"] == f"Bearer {env['HEROKU_API_TOKEN']}"
    assert patch.headers["Content-Type"] == "application/json"
    assert patch.headers["User-Agent"].startswith("outagebot/")
    _, info = heroku_schema.link("app", "self")
    assert get.method == info["method"]
    assert heroku_schema.match_href(info["href"], get.path) is not None


async def test_the_schema_check_catches_a_bad_body(heroku_schema):
    pointer, _ = heroku_schema.link("app", "update")
    assert heroku_schema.errors(f"{pointer}/schema", {"maintenance": "on"})


async def test_500_then_200_succeeds_on_the_second_attempt(heroku, heroku_target, make_gateway):
    heroku.answer("PATCH", web.Response(status=500, text="boom"))

    result = await on(make_gateway(web=heroku_target))

    assert result.ok
    assert result.attempts == 2
    assert len(heroku.requests("PATCH")) == 2


async def test_429_waits_as_long_as_retry_after_says_capped(
    heroku, heroku_target, make_gateway, slept
):
    heroku.answer(
        "PATCH",
        web.Response(status=429, headers={"Retry-After": "2"}),
        web.Response(status=429, headers={"Retry-After": "86400"}),
    )

    result = await on(make_gateway(web=heroku_target))

    assert result.ok
    assert result.attempts == 3
    assert slept == [2.0, 30.0]


async def test_422_fails_at_once_with_herokus_message(heroku, heroku_target, make_gateway):
    heroku.answer(
        "PATCH",
        web.json_response({"id": "invalid_params", "message": "App is locked."}, status=422),
    )

    result = await on(make_gateway(web=heroku_target))

    assert not result.ok
    assert result.attempts == 1
    assert result.http_status == 422
    assert result.error == "422 from Heroku: App is locked. (invalid_params)"
    assert len(heroku.seen) == 1


async def test_a_hanging_server_times_out_after_three_attempts(heroku, heroku_target, make_gateway):
    heroku.answer("PATCH", heroku.HANG, heroku.HANG, heroku.HANG)

    result = await on(make_gateway(web={**heroku_target, "timeout_seconds": 0.3}))

    assert not result.ok
    assert result.attempts == 3
    assert result.http_status is None
    assert result.error == "Heroku did not answer within 0.3 s (after 3 attempts)"
    assert 0.9 <= result.duration_seconds < 3


async def test_connection_refused_is_retried_then_reported(heroku_target, make_gateway):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    target = {**heroku_target, "api_url": f"http://127.0.0.1:{port}"}

    result = await on(make_gateway(web=target))

    assert not result.ok
    assert result.attempts == 3
    assert result.error.startswith("could not reach Heroku: ConnectError")


async def test_ok_but_old_state_read_back_is_a_failure(heroku, heroku_target, make_gateway):
    heroku.stale = True

    result = await on(make_gateway(web=heroku_target))

    assert not result.ok
    assert result.verified_state is False
    assert result.http_status == 200
    assert result.error == "Heroku said OK but the app still reports maintenance=false"


async def test_garbage_bodies_are_failures_not_crashes(heroku, heroku_target, make_gateway):
    gateway = make_gateway(web=heroku_target)
    heroku.answer("PATCH", web.Response(text="<html>Sign in to Wi-Fi</html>"))
    heroku.answer("GET", web.Response(text="{not json", content_type="application/json"))

    captive = await on(gateway)
    garbled = await on(gateway)

    assert not captive.ok
    assert captive.error == (
        "Heroku answered 200 with a body that is not a JSON object: <html>Sign in to Wi-Fi</html>"
    )
    assert not garbled.ok
    assert garbled.verified_state is None
    assert garbled.error == (
        "Heroku accepted the change, but reading it back failed: "
        "Heroku answered 200 with a body that is not a JSON object: {not json"
    )


async def test_a_redirect_to_plain_http_is_not_followed(
    heroku, receiver, heroku_target, make_gateway
):
    elsewhere = f"{receiver.url}/apps/acme-web"
    heroku.answer("PATCH", web.Response(status=302, headers={"Location": elsewhere}))

    result = await on(make_gateway(web=heroku_target))

    assert not result.ok
    assert result.attempts == 1
    assert result.http_status == 302
    assert f"redirecting to {elsewhere} (plain http!)" in result.error
    assert receiver.seen == []


async def test_missing_token_fails_clearly_and_sends_nothing(
    heroku, heroku_target, make_gateway, env
):
    del env["HEROKU_API_TOKEN"]
    gateway = make_gateway(web=heroku_target)

    result = await on(gateway)

    assert not result.ok
    assert result.attempts == 0
    assert "HEROKU_API_TOKEN is not set" in result.error
    assert heroku.seen == []
    with pytest.raises(CallFailed, match="HEROKU_API_TOKEN is not set"):
        await gateway.read_state()


async def test_the_token_never_shows_in_errors_logs_or_reprs(
    heroku, heroku_target, make_gateway, env, caplog
):
    caplog.set_level(logging.DEBUG)
    token = env["HEROKU_API_TOKEN"]
    gateway = make_gateway(web=heroku_target)
    heroku.answer(
        "PATCH",
        web.json_response({"id": "forbidden", "message": f"{token} is revoked"}, status=403),
        web.Response(status=503, text=f"upstream said Bearer {token}"),
        web.Response(status=503),
        web.Response(status=503),
    )

    results = [await on(gateway), await on(gateway)]

    assert [r.ok for r in results] == [False, False]
    assert "[redacted]" in results[0].error
    seen_text = " ".join(
        [caplog.text, repr(gateway), repr(gateway.targets), *(repr(r) for r in results)]
        + [str(r.error) for r in results]
    )
    assert token not in seen_text


async def test_read_state_is_live(heroku, heroku_target, make_gateway):
    gateway = make_gateway(web=heroku_target)
    assert await gateway.read_state("web") is False
    heroku.apps["acme-web"] = True
    assert await gateway.read_state() is True
