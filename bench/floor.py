"""The floor: a bare Bolt `AsyncApp` on the same aiohttp server, whose listeners only ack.

`python -m bench.floor run --host H --port P`, configured from the same environment (and with
the same logging) as `outagebot run`: what outagebot takes beyond this is its own work.
"""

from __future__ import annotations

import argparse

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import load_settings
from bot.plumbing.logs import configure


def build() -> web.Application:
    settings = load_settings()
    assert settings.slack_bot_token
    assert settings.slack_signing_secret
    token = settings.slack_bot_token.get_secret_value()
    secret = settings.slack_signing_secret.get_secret_value()
    configure(settings.log_level, settings.log_format, [token, secret])
    bolt = AsyncApp(
        client=AsyncWebClient(token=token, base_url=settings.slack_api_url),
        signing_secret=secret,
        process_before_response=True,
    )

    @bolt.event("message")
    async def message() -> None:
        return None

    @bolt.command("/incident")
    async def command(ack: object) -> None:
        await ack()  # type: ignore[operator]

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application(client_max_size=2 * 1024 * 1024)
    app.router.add_post("/slack/events", events)
    app.router.add_get("/healthz", healthz)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__)
    parser.add_argument("command", choices=["run"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3000)
    args = parser.parse_args()
    web.run_app(build(), host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
