"""The table `python -m bench` prints: one row a figure, its floor, the ratio and the target."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    bench: str
    metric: str
    value: float
    floor: float | None = None
    target: str = ""
    met: bool | None = None  # None: a figure without a target

    @property
    def ratio(self) -> float | None:
        return self.value / self.floor if self.floor else None


def _number(value: float | None) -> str:
    if value is None:
        return ""
    if value >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:.3g}" if value < 1 else f"{value:.1f}"


def table(rows: list[Row]) -> str:
    header = ("bench", "metric", "outagebot", "floor", "ratio", "target", "")
    cells = [header] + [
        (
            r.bench,
            r.metric,
            _number(r.value),
            _number(r.floor),
            f"{r.ratio:.2f}" if r.ratio is not None else "",
            r.target,
            {True: "ok", False: "MISSED", None: ""}[r.met],
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    right = {2, 3, 4}

    def line(row: tuple[str, ...]) -> str:
        parts = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])
