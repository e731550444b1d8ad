"""What every picture shares: the Okabe-Ito palette (told apart with any colour vision), the
size (at least 1,200 px wide at 2x, so it stays sharp on a phone), and writing PNG or SVG.

Figures are made with `matplotlib.figure.Figure` on a `FigureCanvasAgg`: no pyplot state, no
backend chosen globally, matplotlib's bundled DejaVu fonts. Text someone typed is drawn with
`parse_math=False`, so a `$` in a feature name is a dollar sign, not TeX.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import timedelta

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

# Okabe & Ito (2008), "Color Universal Design".
ORANGE = "#E69F00"
SKY = "#56B4E9"
GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
BLACK = "#000000"
GREY = "#999999"
SERIES = (BLUE, ORANGE, GREEN, VERMILLION, SKY, PURPLE, YELLOW, BLACK)

WIDTH_INCHES = 7.2
DPI = 200  # 7.2 in at 200 dpi: 1,440 px, a 720-point picture at twice the pixels
TEXT = "#222222"


def new_figure(height_inches: float) -> Figure:
    """A white figure on the Agg canvas, laid out by matplotlib's constrained layout."""
    figure = Figure(figsize=(WIDTH_INCHES, height_inches), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    figure.set_facecolor("white")
    return figure


def style(ax: Axes) -> None:
    """Light grid behind the data, no box on top and right."""
    ax.set_axisbelow(True)
    ax.grid(True, axis="x", color="#DDDDDD", linewidth=0.6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=7, colors=TEXT)


def slanted(ax: Axes, count: int) -> None:
    """Period labels slant when there are too many to stand side by side."""
    if count > 8:
        ax.tick_params(axis="x", labelrotation=40)
        for label in ax.get_xticklabels():
            label.set_horizontalalignment("right")


def titled(figure: Figure, title: str, subtitle: str = "") -> None:
    figure.suptitle(title, x=0.01, ha="left", fontsize=10, fontweight="bold", parse_math=False)
    if subtitle:
        figure.axes[0].set_title(subtitle, loc="left", fontsize=7.5, color=TEXT, parse_math=False)


def hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


def short_label(text: str, limit: int = 24) -> str:
    """One line of at most `limit` characters, cut with an ellipsis."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def legend(figure: Figure, handles: Sequence[object], columns: int = 4) -> None:
    """The key under the picture, outside the axes (constrained layout makes room)."""
    if handles:
        key = figure.legend(
            handles=handles, loc="outside lower center", ncols=columns, fontsize=7, frameon=False
        )
        for text in key.get_texts():
            text.set_parse_math(False)  # feature names are typed: a `$` stays a dollar


def png(figure: Figure) -> bytes:
    """The picture as PNG at the figure's own resolution (the pixel tests rely on it)."""
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=figure.dpi, facecolor="white")
    return out.getvalue()


def svg(figure: Figure) -> str:
    out = io.StringIO()
    # No date in the metadata: the same record draws the same file.
    figure.savefig(out, format="svg", facecolor="white", metadata={"Date": None})
    return out.getvalue()
