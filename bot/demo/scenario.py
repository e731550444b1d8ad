"""Replayable incident scenarios: the YAML format, its models and a loader with clear errors.

A scenario is a day told as steps at local times, each one thing a person does in Slack. The
models are strict (`extra="forbid"`) so a typo fails before anything runs, and every problem is
reported as one line naming the file line and the field, like `steps[7].at`.

Step kinds (one per step): `command`, `message` (with `label`/`thread`), `react`, `pin`,
`click`, `submit`, and `status_page: LABEL`: the person opens the status page; the demo reads
`/status/api/v2/summary.json` from the bot over HTTP and prints the overall indicator and each
component's state under LABEL (`expect.contains` is checked against those printed lines, such
as `Offerte: major_outage`). It needs `config.status_page.enabled: true`; the page shows the
features marked `public: true` in `config.features` (as `public_name` when set).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
)

from bot.config import FeatureConfig, StatusPageSettings
from bot.models import Severity

DEFAULT_SCENARIO = Path(__file__).resolve().parents[2] / "examples/scenarios/outage-report.yml"
ACTIONS = (
    "command",
    "message",
    "react",
    "pin",
    "click",
    "submit",
    "deploy",
    "status_page",
    "app",
    "acknowledge",
)
# `platform`: a stand-in deploy platform on loopback, so the app really goes offline and the
# drafts count it; `dryrun`: only recorded.
TargetKind = Literal["platform", "dryrun"]


class ScenarioError(Exception):
    """A scenario that cannot be run; one line per problem, each naming where it is."""

    def __init__(self, lines: Sequence[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = list(lines)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Person(_Strict):
    name: str = Field(min_length=1, max_length=40)
    id: str = Field(pattern=r"^U[A-Z0-9]{2,20}$")
    real_name: str = ""


class DemoCheck(_Strict):
    """A feature's `[features.check]` in a scenario; the URL is the demo app's own."""

    every_minutes: int = Field(0, ge=0)
    after_deploy_minutes: list[int] = [1, 3, 10]
    failures: int = Field(2, ge=1)


class Paging(_Strict):
    """PagerDuty on loopback (issue 25): who is on call all day, which severities page."""

    oncall: str  # a person's name
    auto_page: list[Severity] = [Severity.sev1, Severity.sev2]


class Config(_Strict):
    """The bot's settings for the run: catalog, maintenance targets, who responds."""

    features: list[FeatureConfig] = []
    maintenance: dict[str, TargetKind] = {}
    responders: list[str] = []  # people's names
    commitment: str | None = None
    nudge_minutes: int | None = Field(None, gt=0)  # quiet for this long: the lead is nudged
    # Change sources by name: `webhook` (deploy steps arrive on POST /changes) or `dryrun`
    # (the same, and `/incident rollback NAME` records without calling anything).
    changes: dict[str, Literal["webhook", "dryrun"]] = {}
    status_page: StatusPageSettings = StatusPageSettings()  # the bot's [status_page] section
    # Feature name -> its check, probing the app the stand-in platform serves on loopback.
    checks: dict[str, DemoCheck] = {}
    paging: Paging | None = None


class Expect(_Strict):
    """What a step must do; every step must also not be refused, unless `fails` says so."""

    contains: list[str] = []  # texts the step's replies and posts must show
    uploads: list[str] = []  # parts of names of files the bot must upload in the step
    fails: bool = False

    @field_validator("contains", "uploads", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value


class _Step(_Strict):
    at: time
    day: int = Field(0, ge=-7, le=7)  # days from the scenario's date
    by: str
    channel: str | None = None  # a channel name; default: the incident's (declare: announce)
    expect: Expect = Expect()

    @field_validator("at", mode="before")
    @classmethod
    def _quoted(cls, value: object) -> object:
        if isinstance(value, int):  # YAML 1.1 reads an unquoted 10:40 as the number 640
            raise ValueError('write the time in quotes, like at: "10:40"')
        return value


class CommandStep(_Step):
    command: str = Field(min_length=1)

    @property
    def text(self) -> str:
        """The subcommand and its arguments, without the `/incident` someone may have typed."""
        return re.sub(r"^/incident\b", "", self.command.strip()).strip()


class MessageStep(_Step):
    message: str = Field(min_length=1)
    label: str | None = None  # a name for this message, for thread/react/pin steps
    thread: str | None = None  # reply in the thread of the message with this label


class Reaction(_Strict):
    label: str
    emoji: str = Field(pattern=r"^:?[a-z0-9_+'-]+:?$")


class ReactStep(_Step):
    react: Reaction


class PinStep(_Step):
    pin: str  # label of the message to pin


class ClickStep(_Step):
    click: str  # action_id of a button in the newest message or ephemeral that has one
    value: str | None = None


class Deploy(_Strict):
    service: str = Field(min_length=1)
    version: str = Field(min_length=1)
    description: str = ""


class DeployStep(_Step):
    """A deploy reported by CI on the bot's signed `POST /changes`, authored by `by`."""

    deploy: Deploy


class SubmitStep(_Step):
    submit: dict[str, str | list[str]]  # the open modal's fields by block id


class AppState(_Strict):
    feature: str = Field(min_length=1)
    broken: bool


class AppStep(_Step):
    """The app's endpoint of a feature breaks or is fixed (on the stand-in platform)."""

    app: AppState


class AcknowledgeStep(_Step):
    """The on-call person acknowledges the page in PagerDuty, which tells the bot (webhook)."""

    acknowledge: Literal["page"]


class StatusPageStep(_Step):
    status_page: str = Field(min_length=1, max_length=60)  # a name for the moment, printed


def _action(value: Any) -> str | None:
    if isinstance(value, dict):
        found = [key for key in ACTIONS if key in value]
        return found[0] if len(found) == 1 else None
    return next((key for key in ACTIONS if hasattr(value, key)), None)


Step = Annotated[
    Annotated[CommandStep, Tag("command")]
    | Annotated[MessageStep, Tag("message")]
    | Annotated[ReactStep, Tag("react")]
    | Annotated[PinStep, Tag("pin")]
    | Annotated[ClickStep, Tag("click")]
    | Annotated[SubmitStep, Tag("submit")]
    | Annotated[DeployStep, Tag("deploy")]
    | Annotated[StatusPageStep, Tag("status_page")]
    | Annotated[AppStep, Tag("app")]
    | Annotated[AcknowledgeStep, Tag("acknowledge")],
    Discriminator(
        _action,
        custom_error_type="step_action",
        custom_error_message=f"a step needs exactly one of: {', '.join(ACTIONS)}",
    ),
]


class Scenario(_Strict):
    title: str
    description: str = ""
    timezone: str
    language: Literal["en", "it"]
    date: date
    people: list[Person] = Field(min_length=1)
    config: Config = Config()
    steps: list[Step] = Field(min_length=1)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not an IANA timezone (like Europe/Copenhagen)"
            ) from None
        return value

    def instant(self, step: _Step) -> datetime:
        """The UTC instant of a step: its local time on the scenario's date plus `day`."""
        local = datetime.combine(self.date + timedelta(days=step.day), step.at)
        return local.replace(tzinfo=ZoneInfo(self.timezone)).astimezone(UTC)

    def person(self, name: str) -> Person:
        return next(p for p in self.people if p.name == name)


# --- checks across fields -----------------------------------------------------------------

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    loc: Loc
    message: str


def _problems(scenario: Scenario) -> Iterator[Problem]:
    """What the models cannot see alone: names, labels and order that refer across steps."""
    names = [p.name for p in scenario.people]
    for field in ("name", "id"):
        seen: set[str] = set()
        for index, person in enumerate(scenario.people):
            value = getattr(person, field)
            if value in seen:
                yield Problem(("people", index, field), f"{value!r} appears twice")
            seen.add(value)
    for index, name in enumerate(scenario.config.responders):
        if name not in names:
            yield Problem(("config", "responders", index), _unknown_person(name, names))
    paging = scenario.config.paging
    if paging is not None and paging.oncall not in names:
        yield Problem(("config", "paging", "oncall"), _unknown_person(paging.oncall, names))
    labels: set[str] = set()
    previous: datetime | None = None
    for index, step in enumerate(scenario.steps):
        if step.by not in names:
            yield Problem(("steps", index, "by"), _unknown_person(step.by, names))
        instant = scenario.instant(step)
        if previous is not None and instant < previous:
            yield Problem(("steps", index, "at"), "is earlier than the step before it")
        previous = instant
        yield from _label_problems(index, step, labels)
        if isinstance(step, AcknowledgeStep) and paging is None:
            yield Problem(
                ("steps", index, "acknowledge"), "paging is off (set config.paging.oncall)"
            )
        if isinstance(step, StatusPageStep) and not scenario.config.status_page.enabled:
            yield Problem(
                ("steps", index, "status_page"),
                "the status page is off (set config.status_page.enabled: true)",
            )
    yield from _check_problems(scenario)


def _check_problems(scenario: Scenario) -> Iterator[Problem]:
    """Checks name catalog features; `app` steps name checked features."""
    features = [f.name for f in scenario.config.features]
    for name in scenario.config.checks:
        if name not in features:
            yield Problem(("config", "checks", name), f"{name!r} is not in config.features")
    for index, step in enumerate(scenario.steps):
        if isinstance(step, AppStep) and step.app.feature not in scenario.config.checks:
            yield Problem(
                ("steps", index, "app", "feature"),
                f"{step.app.feature!r} has no check (add it under config.checks)",
            )


def _label_problems(index: int, step: _Step, labels: set[str]) -> Iterator[Problem]:
    used: list[tuple[Loc, str | None]] = []
    if isinstance(step, MessageStep):
        used.append((("steps", index, "thread"), step.thread))
    if isinstance(step, ReactStep):
        used.append((("steps", index, "react", "label"), step.react.label))
    if isinstance(step, PinStep):
        used.append((("steps", index, "pin"), step.pin))
    for loc, label in used:
        if label is not None and label not in labels:
            known = ", ".join(sorted(labels)) or "none yet"
            yield Problem(loc, f"no earlier message has label {label!r} (labels: {known})")
    if isinstance(step, MessageStep) and step.label is not None:
        if step.label in labels:
            yield Problem(("steps", index, "label"), f"label {step.label!r} is already used")
        labels.add(step.label)


def _unknown_person(name: str, names: list[str]) -> str:
    return f"{name!r} is not in people (people: {', '.join(names)})"


# --- loading and reporting ----------------------------------------------------------------


def _where(loc: Loc) -> str:
    """`('steps', 7, 'at')` -> `steps[7].at`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "scenario"


def _clean_loc(loc: Loc) -> Loc:
    """Drop the union tag pydantic puts after a step's index: `steps.7.message.at`."""
    if len(loc) > 2 and loc[0] == "steps" and isinstance(loc[1], int) and loc[2] in ACTIONS:
        return (*loc[:2], *loc[3:])
    return loc


def _known_keys() -> set[str]:
    models: list[type[BaseModel]] = [Scenario, Person, Config, Expect, Reaction, FeatureConfig]
    models += [CommandStep, MessageStep, ReactStep, PinStep, ClickStep, SubmitStep]
    models += [StatusPageStep, StatusPageSettings]
    return {name for model in models for name in model.model_fields}


def _message(error: Any) -> str:
    if error["type"] == "extra_forbidden":
        key = str(error["loc"][-1])
        close = difflib.get_close_matches(key, _known_keys(), n=1)
        return "unknown key" + (f" (did you mean {close[0]!r}?)" if close else "")
    return str(error["msg"]).removeprefix("Value error, ")


def _line(node: yaml.Node | None, loc: Loc) -> int | None:
    """The 1-based line of the YAML node at `loc` (or of the nearest parent that exists)."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = [(k, v) for k, v in node.value if k.value == part]
            if not match:
                break
            key, node = match[0]
            line = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def parse_scenario(text: str, name: str = "scenario") -> Scenario:
    """Validate YAML text; raises ScenarioError with a `name:line: field: problem` line each."""
    try:
        data = yaml.safe_load(text)
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{name}:{mark.line + 1}" if mark else name
        raise ScenarioError([f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}"]) from None
    if not isinstance(data, dict):
        raise ScenarioError([f"{name}: a scenario is a mapping (title, timezone, steps, ...)"])

    def located(loc: Loc, message: str) -> str:
        line = _line(root, loc)
        return f"{name}:{line}: {_where(loc)}: {message}" if line else f"{name}: {message}"

    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        lines = [located(_clean_loc(tuple(e["loc"])), _message(e)) for e in exc.errors()]
        raise ScenarioError(lines) from None
    problems = [located(p.loc, p.message) for p in _problems(scenario)]
    if problems:
        raise ScenarioError(problems)
    return scenario


def load_scenario(path: Path) -> Scenario:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError([f"{path}: cannot read it ({exc.strerror or exc})"]) from None
    return parse_scenario(text, path.name)
