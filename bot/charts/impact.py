"""The incident's impact chart: one row per feature, one for maintenance, the incident as a
band, key moments as ticks and change events as markers, on a time axis in the incident's zone.

Bars arrive already measured (`bot.postmortem.picture` floors them to the minute exactly as the
drafts' durations are), so a bar's ends are the times the drafts print. Down is solid, degraded
hatched, a maintenance dry run hollow: told apart without colour. Across midnight the ticks
carry the date; across a change of UTC offset every tick carries its abbreviation (`01:00 EST`,
`03:00 EDT`) and the change itself is a dashed line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from babel.dates import format_date
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from bot.charts.figure import (
    BLACK,
    BLUE,
    GREEN,
    ORANGE,
    SKY,
    TEXT,
    VERMILLION,
    WIDTH_INCHES,
    legend,
    new_figure,
    short_label,
    style,
    titled,
)
from bot.i18n import N_, Texts, texts
from bot.time.zones import OffsetChange, abbreviation, clock_time, offset_change

Kind = Literal["down", "degraded", "maintenance", "dry_run"]
Emphasis = Literal["change", "suspect", "caused"]

_DAY = 1440
_STEPS = (10, 15, 30, 60, 120, 180, 240, 360, 720, _DAY, 2 * _DAY, 7 * _DAY)  # tick spacing, min
_MAX_TICKS = 9
_BAR_HEIGHT = 0.56
_LEVEL = 0.4  # rows between two levels of key-moment labels
_MAX_LEVELS = 8
_CHAR_POINTS = 3.3  # the average width of a character of a 6-point label
_AXES_POINTS = 0.8 * 72 * WIDTH_INCHES  # about how wide the axes are, in points
_FACE: dict[Kind, str] = {"down": VERMILLION, "degraded": ORANGE, "maintenance": BLUE}
_HATCH: dict[Kind, str] = {"degraded": "////", "dry_run": "...."}
_MARKERS: dict[Emphasis, tuple[str, float, str]] = {
    "change": ("v", 6, N_("Change")),
    "suspect": ("D", 7, N_("Suspect change")),
    "caused": ("*", 11, N_("Change that caused it")),
}


@dataclass(frozen=True)
class Bar:
    """Time one row spent in one state, its ends floored to the minute."""

    row: str  # a feature's name; maintenance bars name their target
    start: datetime
    end: datetime
    kind: Kind
    label: str  # the duration the drafts print for it, "6 h 50 min"


@dataclass(frozen=True)
class Moment:
    at: datetime
    label: str


@dataclass(frozen=True)
class ChangeMarker:
    at: datetime
    version: str  # "v120 web"
    emphasis: Emphasis


@dataclass(frozen=True)
class ImpactPicture:
    number: str  # "INC-3"
    title: str
    language: str
    timezone: str
    declared: datetime
    resolved: datetime  # or wherever the drafts measure up to
    features: list[str]  # feature rows, in order of first outage
    bars: list[Bar] = field(default_factory=list)
    moments: list[Moment] = field(default_factory=list)
    changes: list[ChangeMarker] = field(default_factory=list)


def filename(number: str, extension: str = "png") -> str:
    """`INC-3-impact.png`, as uploaded and as the CLI suggests."""
    return f"{number}-impact.{extension}"


def x_of(instant: datetime) -> float:
    """Where an instant sits on the time axis: days since the Unix epoch (the axis is UTC, so
    a spring-forward night is as long as it really was; only the labels are local)."""
    return instant.timestamp() / 86400


class _Axis:
    """Ticks on round local times, labelled in the incident's zone and language."""

    def __init__(self, t: Texts, zone: ZoneInfo, start: datetime, end: datetime) -> None:
        self.t, self.zone, self.start, self.end = t, zone, start, end
        self.change: OffsetChange | None = offset_change(zone, start, end)
        first, last = start.astimezone(zone).date(), end.astimezone(zone).date()
        self.dated = first != last

    def ticks(self) -> list[datetime]:
        span = (self.end - self.start).total_seconds() / 60
        step = next((s for s in _STEPS if span / s <= _MAX_TICKS), _STEPS[-1])
        moment = self.start.astimezone(UTC).replace(second=0, microsecond=0)
        moment -= timedelta(minutes=moment.minute % 5)
        found = []
        while moment <= self.end:
            local = moment.astimezone(self.zone)
            if moment >= self.start and _round(local, step):
                found.append(moment)
            moment += timedelta(minutes=5)
        return found

    def labels(self, ticks: list[datetime]) -> list[str]:
        shown, previous = [], None
        for tick in ticks:
            local = tick.astimezone(self.zone)
            text = clock_time(local, marked=self.change is not None)
            if self.dated and local.date() != previous:
                text += "\n" + format_date(local.date(), "d MMM", locale=self.t.locale)
            previous = local.date()
            shown.append(text)
        return shown


def _round(local: datetime, step: int) -> bool:
    """A tick's local time: a multiple of `step` minutes into the day, or for steps of days a
    midnight on every `step`-th day."""
    if (local.hour * 60 + local.minute) % min(step, _DAY):
        return False
    return step <= _DAY or local.date().toordinal() % (step // _DAY) == 0


def _limits(picture: ImpactPicture) -> tuple[datetime, datetime]:
    instants = [picture.declared, picture.resolved]
    instants += [b.start for b in picture.bars] + [b.end for b in picture.bars]
    instants += [m.at for m in picture.moments]
    instants += [c.at for c in picture.changes if c.emphasis != "change"]
    return min(instants), max(max(instants), min(instants) + timedelta(minutes=30))


def _draw_bars(
    ax: Axes, rows: dict[str, float], picture: ImpactPicture, maintenance: float
) -> None:
    targets = {b.row for b in picture.bars if b.kind == "maintenance"}
    for bar in picture.bars:
        in_maintenance = bar.kind in ("maintenance", "dry_run")
        y = maintenance if in_maintenance else rows[bar.row]
        ax.barh(
            y,
            x_of(bar.end) - x_of(bar.start),
            left=x_of(bar.start),
            height=_BAR_HEIGHT,
            color=_FACE.get(bar.kind, "white"),
            edgecolor=BLUE if bar.kind == "dry_run" else BLACK,
            linewidth=0.8 if bar.kind == "dry_run" else 0,
            hatch=_HATCH.get(bar.kind),
        )
        if bar.kind == "dry_run":
            continue  # changed nothing: the key names it, a duration would mislead
        label = f"{bar.row} {bar.label}" if in_maintenance and len(targets) > 1 else bar.label
        ax.annotate(
            label,
            (x_of(bar.end), y),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=6.5,
            color=TEXT,
            parse_math=False,
        )


@dataclass(frozen=True)
class _Label:
    x: float
    text: str
    level: int | None  # 0 at the top of the lane; None: no room left, the tick alone
    left: bool  # printed left of its tick (near the right edge)


def _labels(moments: list[Moment], days_per_point: float, right: float) -> list[_Label]:
    """Each moment's label on the first level where it overprints no other; labels that would
    run past the right edge sit left of their tick. The lane grows with the levels used, up to
    `_MAX_LEVELS`: past that a busy stretch keeps its ticks and loses the labels."""
    taken: list[list[tuple[float, float]]] = []
    placed = []
    for moment in sorted(moments, key=lambda m: m.at):
        x, text = x_of(moment.at), short_label(moment.label)
        width = (len(text) * _CHAR_POINTS + 4) * days_per_point
        left = x + width > right
        a, b = (x - width, x) if left else (x, x + width)
        level = next(
            (n for n, spans in enumerate(taken) if all(b <= c or a >= d for c, d in spans)),
            len(taken),
        )
        if level == _MAX_LEVELS:
            placed.append(_Label(x, text, None, left))
            continue
        if level == len(taken):
            taken.append([])
        taken[level].append((a, b))
        placed.append(_Label(x, text, level, left))
    return placed


def _draw_moments(ax: Axes, labels: list[_Label], lane: float) -> None:
    """A green tick across the lane per moment, its label on its level."""
    ax.vlines([label.x for label in labels], -0.45, lane - 0.55, color=GREEN, linewidth=1.6)
    for label in labels:
        if label.level is None:
            continue
        ax.annotate(
            label.text,
            (label.x, -0.25 + _LEVEL * label.level),
            xytext=(-3 if label.left else 3, 0),
            textcoords="offset points",
            ha="right" if label.left else "left",
            va="center",
            fontsize=6,
            color=TEXT,
            parse_math=False,
        )


def _draw_changes(ax: Axes, t: Texts, y: float, changes: list[ChangeMarker]) -> None:
    emphasis = {"suspect": t._("suspect"), "caused": t._("caused it")}
    for n, change in enumerate(sorted(changes, key=lambda c: c.at)):
        x = x_of(change.at)
        marker, size, _ = _MARKERS[change.emphasis]
        ax.plot([x], [y], marker=marker, markersize=size, color=BLACK, linestyle="none")
        label = short_label(change.version, 18)
        if change.emphasis in emphasis:
            ax.axvline(x, color=BLACK, linestyle=":", linewidth=0.8)
            label = f"{label} · {emphasis[change.emphasis]}"
        ax.annotate(
            label,
            (x, y),
            xytext=(7, 8 - 8 * (n % 2)),
            textcoords="offset points",
            va="center",
            fontsize=6.5,
            color=TEXT,
            fontweight="bold" if change.emphasis != "change" else "normal",
            parse_math=False,
        )


def _key(t: Texts, picture: ImpactPicture, drawn: set[str]) -> list[object]:
    handles: list[object] = [
        Patch(facecolor=SKY, alpha=0.25, label=t._("Incident, declared to resolved"))
    ]
    kinds = {b.kind for b in picture.bars}
    if "down" in kinds:
        handles.append(Patch(facecolor=VERMILLION, label=t.pgettext("chart", "Down")))
    if "degraded" in kinds:
        handles.append(
            Patch(
                facecolor=ORANGE,
                hatch="////",
                edgecolor=BLACK,
                linewidth=0,
                label=t.pgettext("chart", "Degraded"),
            )
        )
    if "maintenance" in kinds:
        handles.append(Patch(facecolor=BLUE, label=t._("Offline for maintenance")))
    if "dry_run" in kinds:
        handles.append(
            Patch(facecolor="white", edgecolor=BLUE, hatch="....", label=t._("Maintenance dry run"))
        )
    if picture.moments:
        handles.append(
            Line2D([], [], marker="|", markersize=9, markeredgewidth=1.6, color=GREEN,
                   linestyle="none", label=t._("Key moment"))
        )  # fmt: skip
    for emphasis in ("change", "suspect", "caused"):
        if emphasis in drawn:
            marker, size, text = _MARKERS[emphasis]
            handles.append(
                Line2D([], [], marker=marker, markersize=size * 0.8, color=BLACK,
                       linestyle="none", label=t._(text))
            )  # fmt: skip
    return handles


def figure(picture: ImpactPicture) -> Figure:
    """The chart; its first axes hold the rows (top to bottom), x in matplotlib date numbers."""
    t = texts(picture.language)
    zone = ZoneInfo(picture.timezone)
    start, end = _limits(picture)
    span = end - start
    changes = [c for c in picture.changes if start - span * 0.03 <= c.at <= end]
    has_maintenance = any(b.kind in ("maintenance", "dry_run") for b in picture.bars)
    labels = ([t._("Key moments")] if picture.moments else []) + picture.features
    labels += [t._("Maintenance")] if has_maintenance else []
    labels += [t._("Changes")] if changes else []
    low, high = x_of(start - span * 0.03), x_of(end + span * 0.12)
    moments = _labels(picture.moments, (high - low) / _AXES_POINTS, high)
    levels = max((m.level + 1 for m in moments if m.level is not None), default=0)
    lane = max(1.0, _LEVEL * levels + 0.2) if moments else 0.0  # grows with its levels
    places = ([(lane - 1) / 2] if moments else []) + [
        lane + n for n in range(len(labels) - bool(moments))
    ]
    rows = dict(zip(picture.features, places[bool(moments) :], strict=False))
    bottom = places[-1] if places else 0.0

    fig = new_figure(1.7 + 0.42 * (bottom + 1))
    ax = fig.add_subplot()
    style(ax)
    ax.axvspan(x_of(picture.declared), x_of(picture.resolved), color=SKY, alpha=0.25, linewidth=0)
    _draw_bars(ax, rows, picture, bottom - bool(changes))
    if moments:
        _draw_moments(ax, moments, lane)
    if changes:
        _draw_changes(ax, t, bottom, changes)
    axis = _Axis(t, zone, start, end)
    if axis.change is not None:
        ax.axvline(x_of(axis.change.at), color=TEXT, linestyle="--", linewidth=0.8)
        ax.annotate(
            f"{abbreviation(axis.change.before)} → {abbreviation(axis.change.after)}",
            (x_of(axis.change.at), 1),
            xycoords=("data", "axes fraction"),
            xytext=(2, -2),
            textcoords="offset points",
            va="top",
            fontsize=6.5,
            color=TEXT,
        )
    ticks = axis.ticks()
    ax.set_xticks([x_of(tick) for tick in ticks], axis.labels(ticks))
    ax.set_xlim(low, high)
    ax.set_yticks(places, labels, parse_math=False, fontsize=7.5)
    ax.set_ylim(bottom + 0.5, -0.5)
    ax.set_xlabel(t._("Time ({zone})").format(zone=picture.timezone), fontsize=7, color=TEXT)
    day = format_date(picture.declared.astimezone(zone).date(), "full", locale=t.locale)
    titled(
        fig,
        t._("{incident} impact: {title}").format(incident=picture.number, title=picture.title),
        t._("Declared {day}").format(day=day),
    )
    legend(fig, _key(t, picture, {c.emphasis for c in changes}), columns=3)
    return fig
