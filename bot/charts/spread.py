"""Median and 90th percentile per period, one panel per measure (time to detect, to resolve).

The median is a solid bar, the p90 a hatched one beside it; a period without incidents has
neither. Values arrive in the unit the caller chose for each panel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.figure import Figure
from matplotlib.patches import Patch

from bot.charts.figure import BLACK, BLUE, ORANGE, TEXT, legend, new_figure, slanted, style


@dataclass(frozen=True)
class Panel:
    title: str
    unit: str  # the y axis: "minutes", "hours"
    median: Sequence[float | None]  # one per period; None: no incident then
    p90: Sequence[float | None]


def figure(
    title: str, periods: Sequence[str], panels: Sequence[Panel], median: str, p90: str
) -> Figure:
    fig = new_figure(1.3 + 2.1 * len(panels))
    axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    places = list(range(len(periods)))
    for ax, panel in zip(axes, panels, strict=True):
        style(ax)
        ax.grid(True, axis="y", color="#DDDDDD", linewidth=0.6)
        ax.grid(False, axis="x")
        for values, shift, colour, hatch in ((panel.median, -0.18, BLUE, ""),
                                             (panel.p90, 0.18, ORANGE, "////")):  # fmt: skip
            shown = [(p + shift, v) for p, v in zip(places, values, strict=True) if v is not None]
            ax.bar([x for x, _ in shown], [v for _, v in shown], width=0.34, color=colour,
                   hatch=hatch, edgecolor=BLACK, linewidth=0.4)  # fmt: skip
        ax.set_title(panel.title, loc="left", fontsize=8, color=TEXT)
        ax.set_ylabel(panel.unit, fontsize=7, color=TEXT)
        ax.set_xlim(-0.6, len(periods) - 0.4)
    axes[-1].set_xticks(places, periods)
    slanted(axes[-1], len(periods))
    fig.suptitle(title, x=0.01, ha="left", fontsize=10, fontweight="bold")
    legend(
        fig,
        [
            Patch(facecolor=BLUE, edgecolor=BLACK, linewidth=0.4, label=median),
            Patch(facecolor=ORANGE, hatch="////", edgecolor=BLACK, linewidth=0.4, label=p90),
        ],
    )
    return fig
