"""A few counts side by side as horizontal bars, each with its number: follow-ups open,
overdue, done, not doing."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.charts.figure import BLACK, SERIES, TEXT, new_figure, style, titled
from bot.charts.stacked import HATCHES


def figure(
    title: str, counts: Sequence[tuple[str, int]], colours: Sequence[str] = SERIES
) -> Figure:
    fig = new_figure(1.2 + 0.4 * len(counts))
    ax = fig.add_subplot()
    style(ax)
    places = list(range(len(counts)))
    for n, (_, value) in enumerate(counts):
        ax.barh(n, value, height=0.6, color=colours[n % len(colours)],
                hatch=HATCHES[n % len(HATCHES)], edgecolor=BLACK, linewidth=0.4)  # fmt: skip
        ax.annotate(str(value), (value, n), xytext=(4, 0), textcoords="offset points",
                    va="center", fontsize=7, color=TEXT)  # fmt: skip
    ax.set_yticks(places, [name for name, _ in counts], fontsize=7.5)
    ax.set_ylim(len(counts) - 0.5, -0.5)
    ax.set_xlim(0, max([v for _, v in counts] + [1]) * 1.15)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    titled(fig, title)
    return fig
