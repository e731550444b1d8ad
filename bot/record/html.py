"""`outagebot report --format html`: one self-contained page, the report's text and tables with
its charts embedded as PNG data (no network, no script, nothing beside the file).

Each chart is shown at half its pixel width, so it is sharp on a 2x screen and, on such a
screen, drawn pixel for pixel (the browser test finds each one whole in a screenshot).
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Sequence
from html import escape

from bot.i18n import Texts
from bot.record import render
from bot.record.pictures import Chart
from bot.record.service import Record

STYLE = """
body { font-family: "DejaVu Sans", Verdana, sans-serif; color: #222; margin: 0; }
main { max-width: 760px; padding: 16px 20px; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; }
table { border-collapse: collapse; } th, td { border: 1px solid #ccc; padding: 3px 10px; }
td.n { text-align: right; }
figure { margin: 18px 0; } img { display: block; }
"""


def _figure(chart: Chart) -> str:
    width, height = struct.unpack(">II", chart.png[16:24])  # the PNG's IHDR
    data = base64.b64encode(chart.png).decode("ascii")
    title = escape(chart.title)
    return (
        f'<figure id="{chart.name}"><img src="data:image/png;base64,{data}" alt="{title}"'
        f' width="{width // 2}" height="{height // 2}"></figure>'
    )


def _list(lines: Sequence[str]) -> str:
    return "<ul>" + "".join(f"<li>{escape(line)}</li>" for line in lines) + "</ul>"


def _by_month(t: Texts, record: Record) -> str:
    head = "".join(f"<th>{escape(s.upper())}</th>" for s in render.SEVERITIES)
    rows = "".join(
        f"<tr><td>{escape(month)}</td>"
        + "".join(f'<td class="n">{counts[s]}</td>' for s in render.SEVERITIES)
        + "</tr>"
        for month, counts in record.by_month.items()
    )
    month = escape(t._("Month"))
    return f"<table><tr><th>{month}</th>{head}</tr>{rows}</table>"


def _heading(text: str) -> str:
    return f"<h2>{escape(text)}</h2>"


def page(t: Texts, record: Record, charts: Sequence[Chart]) -> str:
    title = escape(render.heading(t, record))
    body = [
        f"<h1>{title}</h1>",
        f"<p>{escape(render.count(t, record))}</p>",
        _heading(t._("By month and severity")),
        _by_month(t, record),
        _heading(t._("Times, from the first symptom")),
        _list(render.times(t, record)),
        _heading(t._("Downtime per feature")),
        _list([*render.features(t, record), render.offline(t, record)]),
        _heading(t._("Follow-ups")),
        f"<p>{escape(render.followups(t, record))}</p>",
        _heading(t._("Charts")),
        *(_figure(chart) for chart in charts),
    ]
    return (
        f'<!DOCTYPE html>\n<html lang="{t.language}"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>{STYLE}</style></head>"
        f"<body><main>{''.join(body)}</main></body></html>\n"
    )
