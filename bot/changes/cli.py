"""`outagebot change record`: a change from anywhere else (a manual deploy, a config flip)."""

from __future__ import annotations

import argparse
import hashlib

from bot.changes.models import ChangeIn
from bot.changes.store import ChangeStore
from bot.errors import InputError
from bot.store import migrate
from bot.store.database import Database
from bot.time.clock import Clock
from bot.time.parsing import TimeParseError, parse_at

SOURCE = "cli"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    change = sub.add_parser("change", help="record a deploy or other change by hand")
    action = change.add_subparsers(dest="action", required=True)
    record = action.add_parser("record", help="record one change (once per id)")
    record.add_argument("--service", required=True, help="e.g. web")
    record.add_argument("--version", required=True, help="e.g. v121 or a commit")
    record.add_argument("--description", default="")
    record.add_argument("--author", default="")
    record.add_argument("--url")
    record.add_argument("--at", help="when it went live (default now): 10:38, 'ieri 14:00', ...")
    record.add_argument("--id", help="your id for it (default: service, version and time)")


def change_from(args: argparse.Namespace, clock: Clock, timezone: str) -> ChangeIn:
    """The change the arguments describe; a bad time is an InputError."""
    now = clock.now()
    try:
        at = parse_at(args.at, now=now, tz=timezone) if args.at else now
    except TimeParseError as exc:
        raise InputError(f"--at: {exc.message}") from None
    default_id = hashlib.sha256(f"{args.service}\n{args.version}\n{at.isoformat()}".encode())
    try:
        return ChangeIn(
            source=SOURCE,
            service=args.service,
            version=args.version,
            description=args.description,
            author=args.author,
            deployed_at=at,
            url=args.url,
            external_id=args.id or default_id.hexdigest()[:32],
        )
    except ValueError as exc:
        raise InputError(str(exc).splitlines()[0]) from None


async def record(database_url: str, change: ChangeIn, clock: Clock) -> str:
    """Record it (migrating first, like every command that writes); the line to print."""
    db = Database(database_url)
    try:
        await migrate.upgrade(db)
        new = await ChangeStore(db, clock).record([change])
    finally:
        await db.dispose()
    when = change.deployed_at.isoformat().replace("+00:00", "Z")
    if not new:
        return f"already recorded: {change.version} {change.service} ({when})"
    return f"recorded change {new[0].id}: {change.version} {change.service}, deployed {when}"
