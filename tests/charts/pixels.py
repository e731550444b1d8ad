"""Reading a chart's PNG as a person would see it: the colour at a time on a row's line.

A time becomes an x pixel through the axes' own transform (the axis limits), a row through its
labelled tick, so the tests ask "is Acquisti's bar there at 14:29?" without knowing the layout.
"""

from __future__ import annotations

import io
from datetime import datetime

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from PIL import Image

from bot.charts.figure import png
from bot.charts.impact import x_of

RGB = tuple[int, int, int]


class Picture:
    def __init__(self, figure: Figure) -> None:
        self.figure = figure
        self.data = png(figure)
        self.image = Image.open(io.BytesIO(self.data)).convert("RGB")
        self.ax: Axes = figure.axes[0]

    @property
    def size(self) -> tuple[int, int]:
        return self.image.size

    def row(self, label: str) -> float:
        """The y (data) of the row whose tick reads `label`."""
        ticks = dict(
            zip(
                (t.get_text() for t in self.ax.get_yticklabels()), self.ax.get_yticks(), strict=True
            )
        )
        return float(ticks[label])

    def at(self, when: datetime, label: str, dx: float = 0) -> RGB:
        """The colour `dx` pixels right of `when`, on the middle line of row `label`."""
        return self.point(x_of(when), self.row(label), dx)

    def point(self, x: float, y: float, dx: float = 0, panel: int = 0) -> RGB:
        """The colour at data point (x, y) of the first axes (or of the `panel`-th, top to
        bottom), `dx` pixels to the right."""
        px, py = self.figure.axes[panel].transData.transform((x, y))
        pixel = self.image.getpixel((round(px + dx), round(self.image.height - py)))
        assert isinstance(pixel, tuple)
        return (int(pixel[0]), int(pixel[1]), int(pixel[2]))

    def run(self, when: datetime, label: str, colour: str, tolerance: int = 10) -> int:
        """How many pixels wide the stretch of `colour` through `when` is, on row `label`'s
        middle line (0: `when` is not that colour)."""
        if not near(self.at(when, label), colour, tolerance):
            return 0
        width = 1
        for step in (1, -1):
            dx = step
            while near(self.at(when, label, dx), colour, tolerance):
                width, dx = width + 1, dx + step
        return width

    def texts(self) -> list[str]:
        """Every text drawn: title, ticks, labels, the key."""
        return [t.get_text() for t in self.figure.findobj(lambda a: hasattr(a, "get_text"))]  # type: ignore[attr-defined]


def near(pixel: RGB, colour: str, tolerance: int = 10) -> bool:
    wanted = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, wanted, strict=True))
