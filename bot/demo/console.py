"""`outagebot console`: a local incident room to type into, on the demo's machinery.

Lines starting with `/incident` are slash commands, other lines are messages from the current
person; `:as NAME`, `:pin N`, `:help` and `:quit` steer the room. Buttons and forms the bot
shows you are answered at prompts. Times are real; incidents live in a SQLite file, so a
session can be resumed. The sandbox Slack is not saved: on resume the incidents' channels
are re-created empty (earlier messages are only in the database and its exports).
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.demo.blockkit import blocks_text, buttons
from bot.demo.chatlog import ChatLog, Entry
from bot.demo.demo import quiet_logs
from bot.demo.platform import DeployPlatform
from bot.demo.room import ANNOUNCE, Room, bot_uploads, input_elements, room_log
from bot.demo.runner import settings_for
from bot.demo.scenario import DEFAULT_SCENARIO, Scenario, ScenarioError, load_scenario
from bot.models import Incident
from bot.sandbox.driver import DriverError
from bot.sandbox.stack import SandboxStack
from bot.sandbox.state import BOT_ID, BOT_USER_ID, Channel, Message, Pin, User, View
from bot.store import migrate, tables
from bot.store.database import Database

HELP = """\
Type a message, or a command such as /incident declare Quotes page is down (/incident help).
  :as NAME   speak as someone else (a new name joins the workspace)
  :pin N     pin message [N]: a key moment in the timeline
  :quit      leave; run again with the same --db to carry on"""

Read = Callable[[str], Awaitable[str | None]]
Echo = Callable[[str], None]


async def read_stdin(prompt: str) -> str | None:
    """One line from standard input (None at its end), without blocking the bot's loop."""
    if prompt:
        print(prompt, end="", flush=True)
    line = await asyncio.to_thread(sys.stdin.readline)
    if prompt and line and not sys.stdin.isatty():
        print(line.rstrip("\n"))  # a script's answer, shown after its question
    return line.rstrip("\n") if line else None


async def recorded_incidents(database_url: str) -> list[Incident]:
    """The incidents already in the database (none in a new one), read before the bot starts."""
    db = Database(database_url)
    try:
        await migrate.upgrade(db)
        async with db.connect() as conn:
            rows = (await conn.execute(select(tables.incidents))).mappings().all()
    finally:
        await db.dispose()
    return [Incident.model_validate(dict(row)) for row in rows]


def restore(stack: SandboxStack, incidents: list[Incident], people: list[str]) -> None:
    """Give a fresh sandbox what the bot expects of a resumed session: each incident's channel
    (same id) and, as placeholders, its pinned status message and its announcement."""
    ws, now = stack.sandbox.state, stack.clock.now()
    for incident in incidents:
        if not incident.channel_id or incident.channel_id in ws.channels:
            continue
        channel = ws.add_channel(
            incident.channel_name or incident.channel_id.lower(),
            id=incident.channel_id,
            now=now,
            members=[BOT_USER_ID, *people],
        )
        if incident.status_ts:
            _placeholder(channel, incident.status_ts, f"{incident.number} status (before resume)")
            channel.pins[incident.status_ts] = Pin(
                incident.status_ts, int(now.timestamp()), BOT_USER_ID
            )
        announce = ws.channels.get(incident.announce_channel_id or "")
        if announce is not None and incident.announce_ts:
            _placeholder(announce, incident.announce_ts, f"{incident.number} (before resume)")
    # New ids must not collide with the restored ones: move the id counter past them.
    taken = [int(cid[1:], 16) for cid in ws.channels if re.fullmatch(r"C[0-9A-F]{8}", cid)]
    while taken and int(ws.new_id("C")[1:], 16) <= max(taken):
        pass


def _placeholder(channel: Channel, ts: str, text: str) -> None:
    channel.messages.append(
        Message(ts=ts, channel=channel.id, text=text, user=BOT_USER_ID, bot_id=BOT_ID)
    )
    channel.messages.sort(key=lambda m: float(m.ts))


class Console:
    def __init__(
        self,
        room: Room,
        user: str,
        read: Read,
        echo: Echo,
        files: Path,
        *,
        prompts: bool = True,
    ) -> None:
        self.room, self.user, self.read, self.echo = room, user, read, echo
        self.files = files  # where the drafts the bot uploads are saved
        self.prompts = prompts  # show the main prompt (a terminal); questions always show
        self._views: set[str] = set()
        self._saved: set[str] = {f.id for f in bot_uploads(room.stack.sandbox.state)}

    @property
    def log(self) -> ChatLog:
        return self.room.log

    def _show(self) -> None:
        for line in self.log.render_new(numbers=True):
            self.echo(line)
        for file in bot_uploads(self.room.stack.sandbox.state):
            if file.id not in self._saved:
                self._saved.add(file.id)
                self.files.mkdir(parents=True, exist_ok=True)
                path = self.files / Path(file.name).name
                path.write_bytes(file.content or b"")
                self.echo(f"   (saved {path})")

    async def run(self) -> None:
        self.echo(HELP)
        while True:
            prompt = await self._prompt() if self.prompts else ""
            line = await self.read(prompt)
            if line is None or line.strip() == ":quit":
                return
            try:
                await self.handle(line.strip())
            except DriverError as exc:
                self.echo(f"   ({exc})")

    async def _prompt(self) -> str:
        incident = await self.room.incident()
        channel = incident.channel_name if incident and incident.channel_name else ANNOUNCE
        return f"{self.log.name(self.user)} in #{channel}> "

    async def handle(self, line: str) -> None:
        if not line:
            return
        if line.startswith(":"):
            self._steer(line)
            if line.startswith(":pin "):
                await self._pin(line.removeprefix(":pin ").strip())
        elif line.startswith("/incident"):
            reply = await self.room.command(self.user, line.removeprefix("/incident"))
            if not reply.ok:
                self.echo(f"   (the bot answered HTTP {reply.status})")
        elif line.startswith("/"):
            self.echo("   (only /incident is a command here)")
            return
        else:
            await self.room.message(self.user, line)
        await self._answer(await self.room.settle())

    def _steer(self, line: str) -> None:
        word, _, rest = line.partition(" ")
        if word == ":as" and rest.strip():
            self.user = self._person(rest.strip()).id
            self.echo(f"   (you are now {self.log.name(self.user)})")
        elif word != ":pin":
            self.echo(HELP)

    def _person(self, name: str) -> User:
        ws = self.room.stack.sandbox.state
        for user in ws.users.values():
            names = {user.name, user.display_name, user.real_name}
            if not user.is_bot and name.lower() in {n.lower() for n in names if n}:
                return user
        user_id = "U" + (re.sub(r"[^A-Z0-9]", "", name.upper())[:10] or "GUEST")
        while user_id in ws.users:
            user_id += "X"
        return self.room.add_person(user_id, name)

    async def _pin(self, number: str) -> None:
        found = self.log.message_channel(int(number)) if number.isdigit() else None
        if found is None:
            self.echo(f"   (no message [{number}]: numbers are shown in brackets)")
            return
        channel, message = found
        await self.room.pin(self.user, channel.id, message.ts)

    # --- buttons and forms --------------------------------------------------------------

    async def _answer(self, entries: list[Entry]) -> None:
        """Show what happened, then ask about any form or button the bot put in front of you."""
        self._show()
        view = self.room.stack.sandbox.latest_view(self.user)
        if view is not None and view.id not in self._views:
            self._views.add(view.id)
            if await self._fill(view):
                await self._answer(await self.room.settle())
            return
        me = self.log.name(self.user)
        offers = [e for e in entries if e.buttons and e.only_for in (None, me)]
        if offers and await self._press(offers[-1]):
            await self._answer(await self.room.settle())

    async def _press(self, entry: Entry) -> bool:
        """Ask about each button of a post (Cancel is saying no); True once one was pressed."""
        for button in self._buttons(entry):
            label = str((button.get("text") or {}).get("text", ""))
            answer = await self.read(f"press [{label}]? [y/N] ")
            if answer is None:
                return False
            if answer.strip().lower() in ("y", "yes", "s", "si", "sì"):
                await self.room.click(self.user, entry.channel_id, entry.ts, button)
                return True
        return False

    def _buttons(self, entry: Entry) -> list[dict[str, Any]]:
        ws = self.room.stack.sandbox.state
        channel = ws.channels.get(entry.channel_id)
        message = channel.message(entry.ts) if channel else None
        post = message or ws.ephemeral(entry.ts)
        found = buttons(post.blocks or []) if post else []
        return [dict(b) for b in found if b.get("action_id") != "dismiss"]

    async def _fill(self, view: View) -> bool:
        """Prompt for each field of a form and submit it; False when input ended first."""
        title = str((view.view.get("title") or {}).get("text", "form"))
        self.echo(f"── form: {title} (Enter keeps a field as shown, or empty) ──")
        intro = [b for b in view.view.get("blocks", []) if b.get("type") != "input"]
        if intro:
            self.echo(blocks_text(intro, self.log.readable))
        labels = {
            str(b.get("block_id")): str((b.get("label") or {}).get("text", b.get("block_id")))
            for b in view.view.get("blocks", [])
        }
        values: dict[str, dict[str, Any]] = {}
        for block_id, element in input_elements(view).items():
            answer = await self.read(f"{labels[block_id]}{_hint(element)}: ")
            if answer is None:
                self.echo("   (form not sent)")
                return False
            value = self._value(element, answer.strip())
            if value is not None:
                values[block_id] = {str(element.get("action_id")): value}
        await self.room.submit(self.user, view, values)
        return True

    def _value(self, element: dict[str, Any], answer: str) -> Any:
        if not answer:  # Slack submits a field left alone with its initial value
            return _initial(element)
        kind = str(element.get("type"))
        if kind == "plain_text_input":
            return answer.replace("\\n", "\n")
        if kind in _PICKERS:
            pattern, shape = _PICKERS[kind]
            if re.fullmatch(pattern, answer):
                return answer
            self.echo(f"   ({answer!r} is not {shape}; kept {_initial(element) or 'empty'})")
            return _initial(element)
        if kind == "users_select":
            return self._person(answer).id
        if kind in ("static_select", "checkboxes"):
            options = [str(o.get("value")) for o in element.get("options", [])]
            if answer in options:
                return [answer] if kind == "checkboxes" else answer
            self.echo(f"   ({answer!r} is not one of {', '.join(options)}; left empty)")
        return None


# Date and time pickers, typed: what Slack's picker would send.
_PICKERS = {
    "datepicker": (r"[0-9]{4}-[0-9]{2}-[0-9]{2}", "YYYY-MM-DD"),
    "timepicker": (r"[0-9]{2}:[0-9]{2}", "HH:MM"),
}
_INITIAL = {
    "datepicker": "initial_date",
    "timepicker": "initial_time",
    "plain_text_input": "initial_value",
}


def _initial(element: dict[str, Any]) -> str | None:
    value = element.get(_INITIAL.get(str(element.get("type")), ""))
    return str(value) if value else None


def _hint(element: dict[str, Any]) -> str:
    kind = str(element.get("type"))
    if kind in _PICKERS:
        shown = _initial(element)
        return f" ({_PICKERS[kind][1]}" + (f", Enter keeps {shown})" if shown else ")")
    if kind == "plain_text_input" and element.get("multiline"):
        return " (write \\n between lines)"
    if kind in ("static_select", "checkboxes"):
        return f" ({', '.join(str(o.get('value')) for o in element.get('options', []))})"
    if kind == "users_select":
        return " (a name)"
    return ""


async def run_console(
    scenario: Scenario,
    database: Path,
    language: str | None = None,
    read: Read = read_stdin,
    echo: Echo = print,
    *,
    prompts: bool = True,
) -> None:
    """The room: the scenario's people, catalog and maintenance targets; real time.

    `database` is an absolute path (the URL needs one).
    """
    async with AsyncExitStack() as running:
        platform = None
        if "platform" in scenario.config.maintenance.values():
            platform = await running.enter_async_context(DeployPlatform())
        settings = settings_for(scenario, language or scenario.language, platform)
        # The console asks about every button a post has: a status page proposal after each
        # change would interrupt every typed line. The page is the demo's (`status_page:`).
        settings["status_page"] = {"enabled": False}
        url = f"sqlite+aiosqlite:///{database}"
        stack = SandboxStack(url, settings=settings)
        running.push_async_callback(stack.sandbox.stop)
        await stack.sandbox.start()
        incidents = await recorded_incidents(url)
        people = [p.id for p in scenario.people]
        restore(stack, incidents, people)
        await running.enter_async_context(stack)  # the bot, on the restored sandbox
        log = room_log(stack, scenario.timezone, language or scenario.language)
        room = Room(stack, log)
        for person in scenario.people:
            room.add_person(person.id, person.name, person.real_name)
        if incidents:
            echo(
                f"(resumed {len(incidents)} incident(s) from {database}; earlier messages are"
                " in the database, not in this fresh sandbox)"
            )
        files = database.with_name(f"{database.stem}-files")
        await Console(room, people[0], read, echo, files, prompts=prompts).run()


def main(database: str, scenario: str | None, language: str | None) -> int:
    quiet_logs()
    path = Path(scenario) if scenario else DEFAULT_SCENARIO
    try:
        loaded = load_scenario(path)
    except ScenarioError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    database_path = Path(database).resolve()
    asyncio.run(run_console(loaded, database_path, language, prompts=sys.stdin.isatty()))
    return 0
