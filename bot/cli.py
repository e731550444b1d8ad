"""`outagebot`: run the bot, manage its database, export and draft from the record."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Sequence

from aiohttp import web
from slack_sdk.errors import SlackApiError

from bot.config import ConfigError, Settings, load_settings
from bot.logs import configure
from bot.services import build_services
from bot.slackweb import error_code
from bot.store import migrate
from bot.store.database import Database

SLACK_SETUP = "create the Slack app from manifest.yml (README, 'Slack set-up') and export it"


def _fail(message: str) -> int:
    print(f"outagebot: {message}", file=sys.stderr)
    return 2


def _secrets(settings: Settings) -> list[str]:
    values = [settings.slack_bot_token, settings.slack_app_token, settings.slack_signing_secret]
    return [v.get_secret_value() for v in values if v is not None]


def _check_tokens(settings: Settings) -> str | None:
    if settings.slack_bot_token is None:
        return f"SLACK_BOT_TOKEN is not set: {SLACK_SETUP}"
    if settings.slack_app_token is None and settings.slack_signing_secret is None:
        return (
            "set SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode): " + SLACK_SETUP
        )
    return None


async def _serve(settings: Settings, host: str, port: int) -> int:
    from bot.app import build_app
    from bot.server import build_web_app

    services = build_services(settings)
    try:
        await services.slack.client.auth_test()
    except SlackApiError as exc:
        await services.db.dispose()
        return _fail(f"Slack refused the bot token ({error_code(exc)}): {SLACK_SETUP}")
    except Exception as exc:
        await services.db.dispose()
        return _fail(f"cannot reach Slack at {settings.slack_api_url} ({type(exc).__name__})")
    await services.start()
    runner = web.AppRunner(build_web_app(build_app(services), services), shutdown_timeout=10)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    print(f"outagebot: HTTP mode on http://{host}:{port}/slack/events", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    # Stop taking requests, let in-flight ones and their background work finish.
    await runner.cleanup()
    await services.stop()
    return 0


async def _db_upgrade(settings: Settings) -> int:
    db = Database(settings.database_url)
    try:
        before, after = await migrate.upgrade(db)
    finally:
        await db.dispose()
    if before == after:
        print(f"database already at {after}")
    else:
        print(f"database upgraded from {before or 'empty'} to {after}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="outagebot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="serve Slack (Socket Mode with SLACK_APP_TOKEN, else HTTP)")
    run.add_argument("--host", default="0.0.0.0")
    run.add_argument("--port", type=int, default=3000)
    db = sub.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"])
    demo = sub.add_parser("demo", help="replay an outage scenario against a local Slack sandbox")
    demo.add_argument("--scenario")
    demo.add_argument("--out", default="demo-output")
    demo.add_argument("--lang", choices=["en", "it"])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        return _fail(str(exc))
    configure(settings.log_level, settings.log_format, _secrets(settings))
    if args.command == "db":
        return asyncio.run(_db_upgrade(settings))
    if args.command == "demo":
        print("outagebot demo: not built yet (the demo issue adds it).")
        return 0
    problem = _check_tokens(settings)
    if problem:
        return _fail(problem)
    return asyncio.run(_serve(settings, args.host, args.port))


if __name__ == "__main__":
    sys.exit(main())
