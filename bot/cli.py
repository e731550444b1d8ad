"""`outagebot`: run the bot, manage its database, export and draft from the record."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import signal
import sys
from collections.abc import Coroutine, Iterator, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from bot.changes import cli as changes_cli
from bot.config import ConfigError, Settings, load_settings
from bot.errors import InputError
from bot.i18n import texts
from bot.plumbing.logs import configure
from bot.postmortem import DraftError
from bot.postmortem.service import Audience
from bot.record.render import csv_text, markdown
from bot.record.service import Record
from bot.services import Services, build_services
from bot.slack.gateway import error_code
from bot.store import migrate
from bot.store.database import Database
from bot.time.clock import SystemClock
from bot.timeline.export import Format, export

log = logging.getLogger("outagebot")

SLACK_SETUP = "create the Slack app from manifest.yml (README, 'Slack set-up') and export it"


def _fail(message: str) -> int:
    print(f"outagebot: {message}", file=sys.stderr)
    return 2


def _secrets(settings: Settings, environ: Mapping[str, str] = os.environ) -> list[str]:
    """Every secret value the bot may hold, so logging can mask it wherever it shows up: the
    Slack credentials, every variable the configuration names through a `*_env` key (at any
    depth, so each new integration's secret is masked without a list kept by hand), and any
    `SLACK_*`/`OUTAGEBOT_*` variable whose name ends in `_TOKEN`, `_SECRET` or `_KEY`."""
    values = [settings.slack_bot_token, settings.slack_app_token, settings.slack_signing_secret]
    secrets = [v.get_secret_value() for v in values if v is not None]
    names = set(_env_names(settings.model_dump()))
    names |= {
        name
        for name in environ
        if name.startswith(("SLACK_", "OUTAGEBOT_"))
        and name.endswith(("_TOKEN", "_SECRET", "_KEY"))
    }
    return secrets + [environ[name] for name in sorted(names) if environ.get(name)]


def _env_names(config: object, key: str = "") -> Iterator[str]:
    """The variable names under keys ending in `_env` (a name, a list or a table of names)."""
    if isinstance(config, dict):
        for inner, value in config.items():
            yield from _env_names(value, str(inner) if not key.endswith("_env") else key)
    elif isinstance(config, list | tuple):
        for value in config:
            yield from _env_names(value, key)
    elif isinstance(config, str) and key.endswith("_env"):
        yield config


def _check_tokens(settings: Settings) -> str | None:
    if settings.slack_bot_token is None:
        return f"SLACK_BOT_TOKEN is not set: {SLACK_SETUP}"
    if settings.slack_app_token is None and settings.slack_signing_secret is None:
        return (
            "set SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode): " + SLACK_SETUP
        )
    return None


async def _refused(settings: Settings, services: Services) -> str | None:
    """Why Slack will not let the bot in, checked once: slack_sdk would retry a refused app
    token forever, and a bot token it refuses makes every later call fail."""
    client = services.slack.client
    checks = [("bot token (SLACK_BOT_TOKEN)", client.auth_test)]
    if settings.slack_app_token is not None:
        app_token = settings.slack_app_token.get_secret_value()
        open_connection = partial(client.apps_connections_open, app_token=app_token)
        checks.append(("app-level token (SLACK_APP_TOKEN)", open_connection))
    for token, check in checks:
        try:
            await check()
        except SlackApiError as exc:
            return f"Slack refused the {token} ({error_code(exc)}): {SLACK_SETUP}"
        except Exception as exc:  # noqa: BLE001 - start-up reports any failure as one line
            return f"cannot reach Slack at {settings.slack_api_url} ({type(exc).__name__})"
    return None


def _open_permissions(settings: Settings) -> list[str]:
    """One line per real (not dry-run) provider that nobody restricted: anyone in an incident
    channel may use it, which is rarely what a team means."""
    lines = []
    real = [n for n, t in settings.maintenance.targets.items() if t.provider != "dryrun"]
    if real and settings.permissions.maintenance is None:
        lines.append(
            f"no [permissions] maintenance: anyone in an incident channel may switch maintenance"
            f" for {', '.join(sorted(real))}"
        )
    rollback = [n for n, s in settings.changes.sources.items() if s.provider == "heroku"]
    if rollback and settings.permissions.rollback is None:
        lines.append(
            f"no [permissions] rollback: anyone in an incident channel may roll back"
            f" {', '.join(sorted(rollback))}"
        )
    return lines


async def _serve(settings: Settings, host: str, port: int) -> int:
    from bot.serve.app import build_app
    from bot.serve.server import build_web_app
    from bot.serve.socket_mode import ConnectionState, SocketMode

    services = build_services(settings)
    problem = await _refused(settings, services)
    if problem:
        await services.db.dispose()
        return _fail(problem)
    await services.start()
    for line in _open_permissions(settings):
        log.warning(line)
    socket = SocketMode.for_services(services) if settings.slack_app_token else None
    bolt = None if socket else build_app(services)
    runner = web.AppRunner(build_web_app(bolt, services, socket=socket), shutdown_timeout=10)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    base = f"http://{host}:{runner.addresses[0][1]}"
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if socket is None:
        print(f"outagebot: HTTP mode on {base}/slack/events", flush=True)
    else:
        await socket.start()
        if await _first(socket.reach(ConnectionState.connected), stop.wait()):
            print(f"outagebot: Socket Mode connected; health on {base}/healthz", flush=True)
    await stop.wait()
    # Stop taking requests, let in-flight ones and their background work finish.
    if socket is not None:
        await socket.stop()
    await runner.cleanup()
    await services.stop()
    return 0


async def _first(wanted: Coroutine[Any, Any, Any], other: Coroutine[Any, Any, Any]) -> bool:
    """Await whichever ends first; True when it was `wanted` (the other is cancelled)."""
    tasks = [asyncio.ensure_future(wanted), asyncio.ensure_future(other)]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    return tasks[0] in done


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


def database_url(typed: str) -> str:
    """`--db`: a database URL as it is, or a SQLite file's path made into one."""
    if "://" in typed:
        return typed
    return f"sqlite+aiosqlite:///{Path(typed).expanduser().resolve()}"


def _shown(url: str) -> str:
    """The database named for people: a SQLite file's path, else the URL without password."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or ":memory:"
    return parsed.render_as_string(hide_password=True)


_NO_DB_HINT = "pass --db PATH_OR_URL or set OUTAGEBOT_DATABASE_URL"


def _present(settings: Settings) -> None:
    """Refuse, in one line, a database URL that is not one or a SQLite file that does not exist
    (opening it would create an empty one)."""
    try:
        url = make_url(settings.database_url)
    except ArgumentError:
        raise InputError(f"{settings.database_url!r} is not a database URL or a file") from None
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).is_file():
        raise InputError(f"no database at {_shown(settings.database_url)}: {_NO_DB_HINT}")


async def _readable(settings: Settings) -> None:
    """Refuse, in one line, a database never migrated or one that cannot be read."""
    name = _shown(settings.database_url)
    db = Database(settings.database_url)
    try:
        revision = await migrate.current_revision(db)
    except (SQLAlchemyError, OSError) as exc:
        raise InputError(f"cannot read the database at {name} ({type(exc).__name__})") from None
    finally:
        await db.dispose()
    if revision is None:
        raise InputError(f"the database at {name} holds no outagebot data: {_NO_DB_HINT}")


async def _export(
    settings: Settings, number: str, fmt: Format, out: str | None, language: str | None
) -> str:
    """The timeline; with `--out` a Markdown export gets the impact chart as SVG beside it."""
    services = build_services(settings)
    try:
        incident = await services.incidents.by_number(number)
        impact = await services.board.section_lines(incident)
        text = await export(
            services.timeline, services.people, incident, fmt, impact, language=language
        )
        if out and fmt == "md":
            from bot.postmortem.picture import chart_filename, chart_svg  # loads matplotlib

            facts = await services.postmortems.facts(incident, online=False)
            drafts_language = await services.postmortems.language_of(incident.id)
            path = Path(out).with_name(chart_filename(incident.number, "svg"))
            _write_file(path, chart_svg(facts, drafts_language))
        return text
    finally:
        await services.db.dispose()


async def _draft(
    settings: Settings, number: str, language: str | None, audience: Audience, chart: str | None
) -> str:
    """A draft from the database alone: Slack is not called (cached names, stored link).
    `chart`: where to write the impact chart (PNG), as uploaded with the drafts."""
    services = build_services(settings)
    try:
        incident = await services.incidents.by_number(number)
        facts = await services.postmortems.facts(incident, online=False)
        language = language or await services.postmortems.language_of(incident.id)
        text = services.postmortems.render(facts, audience, language)
        if chart:
            from bot.postmortem.picture import chart_png

            _write_file(Path(chart), chart_png(facts, language))
        return text
    finally:
        await services.db.dispose()


def _since(text: str, now: datetime, tz: str) -> datetime:
    """`90d`, `12w` (days, weeks back from now) or a day `2025-01-01` (midnight in `tz`)."""
    usage = f"--since {text!r}: use 90d, 12w or a day like 2025-01-01"
    if match := re.fullmatch(r"([0-9]{1,4})([dw])", text.strip()):
        days = int(match[1]) * (7 if match[2] == "w" else 1)
        if days == 0:
            raise InputError(f"{usage}, a period of at least one day")
        return now - timedelta(days=days)
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(usage) from None
    start = datetime.combine(day, time(), tzinfo=ZoneInfo(tz))
    if start > now:
        raise InputError(f"--since {text!r} is in the future: the record ends today")
    return start


async def _record(settings: Settings, since: str) -> Record:
    """The team's record from the database alone (Slack is not called)."""
    services = build_services(settings)
    try:
        start = _since(since, services.clock.now(), settings.timezone)
        return await services.record.compute(start)
    finally:
        await services.db.dispose()


def _report(settings: Settings, since: str, fmt: str, out: str | None) -> int:
    if fmt == "png" and not out:
        raise InputError("--format png writes one file per chart: add --out DIR")
    record = asyncio.run(_record(settings, since))
    t = texts(settings.language)
    if fmt in ("md", "csv"):
        return _write(csv_text(record) if fmt == "csv" else markdown(t, record), out)
    from bot.record.html import page  # matplotlib loads here, not for every command
    from bot.record.pictures import charts

    drawn = charts(t, record)
    if fmt == "html":
        return _write(page(t, record, drawn), out)
    folder = Path(out or ".")
    folder.mkdir(parents=True, exist_ok=True)
    for chart in drawn:
        _write_file(folder / f"{chart.name}.png", chart.png)
    return 0


def _write_file(path: Path, content: str | bytes) -> None:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    print(f"outagebot: wrote {path}", file=sys.stderr)


def _write(text: str, out: str | None) -> int:
    if out:
        _write_file(Path(out), text)
    else:
        sys.stdout.write(text)
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
    demo.add_argument("--lang", choices=["en", "it"], help="drafts' language (default: scenario's)")
    console = sub.add_parser("console", help="type /incident commands and messages in a local room")
    console.add_argument("--db", default="outagebot-console.db", help="SQLite file (to resume)")
    console.add_argument("--scenario", help="people, features and targets (default: outage report)")
    console.add_argument("--lang", choices=["en", "it"])
    exp = sub.add_parser("export", help="write an incident's full timeline (edits, marks kept)")
    exp.add_argument("incident", help="INC-3 or 3")
    exp.add_argument("--format", choices=["md", "json"], default="md")
    exp.add_argument("--lang", choices=["en", "it"], help="Markdown's language (default: en)")
    exp.add_argument(
        "--out", help="file to write (default: standard output); Markdown gets INC-n-impact.svg"
    )
    draft = sub.add_parser("postmortem", help="print an incident's draft from the current record")
    draft.add_argument("incident", help="INC-3 or 3")
    draft.add_argument("--lang", choices=["en", "it"], help="default: the one chosen at close")
    draft.add_argument("--audience", choices=["customer", "internal"], default="customer")
    draft.add_argument("--chart", metavar="FILE", help="also write the impact chart (PNG) there")
    report = sub.add_parser("report", help="the team's record: incidents, times, downtime")
    report.add_argument("--since", default="90d", help="90d, 12w or a day like 2025-01-01")
    report.add_argument("--format", choices=["md", "csv", "html", "png"], default="md")
    report.add_argument(
        "--out", help="file to write (default: standard output); with png, a folder for the charts"
    )
    for reads in (exp, draft, report):
        reads.add_argument(
            "--db",
            metavar="PATH_OR_URL",
            help="the database to read: a SQLite file or a URL (default: OUTAGEBOT_DATABASE_URL)",
        )
    changes_cli.add_parser(sub)
    return parser


# The commands that only read the record: they take --db and never create a database.
READ_COMMANDS = ("export", "postmortem", "report")


def _offline(settings: Settings, args: argparse.Namespace) -> int | None:
    """The commands that read or write the database and exit: their exit code, or None."""
    try:
        if args.command in READ_COMMANDS:
            if args.db:
                settings = settings.model_copy(update={"database_url": database_url(args.db)})
            if args.command == "export" and args.lang:
                settings = settings.model_copy(update={"language": args.lang})
            _present(settings)
            asyncio.run(_readable(settings))
        if args.command == "export":
            text = asyncio.run(_export(settings, args.incident, args.format, args.out, args.lang))
            return _write(text, args.out)
        if args.command == "report":
            return _report(settings, args.since, args.format, args.out)
        if args.command == "change":
            change = changes_cli.change_from(args, SystemClock(), settings.timezone)
            print(asyncio.run(changes_cli.record(settings.database_url, change, SystemClock())))
            return 0
        if args.command == "postmortem":
            text = asyncio.run(
                _draft(settings, args.incident, args.lang, args.audience, args.chart)
            )
            return _write(text, None)
    except (InputError, DraftError) as exc:
        return _fail(str(exc))
    except OSError as exc:  # an --out or --chart path that cannot be written: one line
        return _fail(f"cannot write {exc.filename or '?'}: {exc.strerror or exc}")
    return None


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        return _fail(str(exc))
    configure(settings.log_level, settings.log_format, _secrets(settings))
    if args.command == "db":
        return asyncio.run(_db_upgrade(settings))
    done = _offline(settings, args)
    if done is not None:
        return done
    if args.command == "demo":
        from bot.demo.demo import main as demo

        return demo(args.scenario, args.out, args.lang)
    if args.command == "console":
        from bot.demo.console import main as console

        return console(args.db, args.scenario, args.lang)
    problem = _check_tokens(settings)
    if problem:
        return _fail(problem)
    return asyncio.run(_serve(settings, args.host, args.port))


if __name__ == "__main__":
    sys.exit(main())
