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

    def x(self, when: datetime) -> float:
        return float(self.ax.transData.transform((x_of(when), 0))[0])

    def at(self, when: datetime, label: str, dx: float = 0) -> RGB:
        """The colour `dx` pixels right of `when`, on the middle line of row `label`."""
        _, y = self.ax.transData.transform((x_of(when), self.row(label)))
        pixel = self.image.getpixel((round(self.x(when) + dx), round(self.image.height - y)))
        assert isinstance(pixel, tuple)
        return (int(pixel[0]), int(pixel[1]), int(pixel[2]))

    def texts(self) -> list[str]:
        """Every text drawn: title, ticks, labels, the key."""
        return [t.get_text() for t in self.figure.findobj(lambda a: hasattr(a, "get_text"))]  # type: ignore[attr-defined]


def near(pixel: RGB, colour: str, tolerance: int = 10) -> bool:
    wanted = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, wanted, strict=True))
