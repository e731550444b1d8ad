"""Stacked bars per period: downtime per feature per month or week, incidents per severity.

Each series has its own colour and its own hatch, so the stack reads without colour too; the
key names them in order. Empty periods keep their place on the axis.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from bot.charts.figure import BLACK, SERIES, TEXT, legend, new_figure, slanted, style, titled

HATCHES = ("", "////", "....", "xxxx", "\\\\\\\\", "++++", "oo", "--")


def figure(
    title: str,
    periods: Sequence[str],
    series: Mapping[str, Sequence[float]],
    unit: str,
    colours: Sequence[str] = SERIES,
    *,
    whole: bool = False,
) -> Figure:
    """`series`: name -> one value per period, stacked bottom-up in the mapping's order;
    `whole`: the values are counts (the axis ticks whole numbers)."""
    fig = new_figure(3.6)
    ax = fig.add_subplot()
    style(ax)
    ax.grid(True, axis="y", color="#DDDDDD", linewidth=0.6)
    ax.grid(False, axis="x")
    places = list(range(len(periods)))
    bottom = [0.0] * len(periods)
    handles = []
    for n, (name, values) in enumerate(series.items()):
        colour, hatch = colours[n % len(colours)], HATCHES[n % len(HATCHES)]
        ax.bar(places, values, bottom=bottom, width=0.7, color=colour, hatch=hatch,
               edgecolor=BLACK, linewidth=0.4)  # fmt: skip
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        handles.append(
            Patch(facecolor=colour, hatch=hatch, edgecolor=BLACK, linewidth=0.4, label=name)
        )
    ax.set_xticks(places, periods, parse_math=False)
    slanted(ax, len(periods))
    if whole:
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(-0.6, len(periods) - 0.4)
    ax.set_ylim(0, max([*bottom, 1.0]) * 1.1)
    ax.set_ylabel(unit, fontsize=7, color=TEXT)
    titled(fig, title)
    legend(fig, handles, columns=min(max(len(handles), 1), 5))
    return fig
