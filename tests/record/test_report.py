"""`outagebot report` on a seeded history, against figures computed by hand."""

from __future__ import annotations

import asyncio
import base64
import csv
import io
import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from PIL import Image

from bot.cli import main
from bot.config import Settings
from bot.followups.models import FollowUpStatus, NewFollowUp, Source
from bot.models import FeatureState, Severity
from bot.services import Services, build_services
from bot.store import migrate, tables
from bot.time.clock import ManualClock
from tests.statuspage.test_browser import CHROMIUM, chromium, visible_text

CPH = ZoneInfo("Europe/Copenhagen")
MARCO = "U01MARCO"


def at(day: str, clock: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=CPH)


async def incident(
    services: Services,
    clock: ManualClock,
    declared: datetime,
    severity: Severity,
    resolved: datetime,
    changes: list[tuple[str, FeatureState, datetime]],
) -> int:
    clock.set(declared)
    made = await services.incidents.declare("Outage", severity=severity, declared_by=MARCO)
    for name, state, when in changes:
        clock.set(max(when, declared))
        await services.features.set_state(made, name, state, MARCO, at=when)
    clock.set(resolved)
    await services.incidents.resolve(await services.incidents.get(made.id), MARCO)
    await services.incidents.close(await services.incidents.get(made.id), MARCO)
    return made.id


async def seed_history(database_url: str) -> None:
    """Three incidents; the figures the report must give are worked out in the comments."""
    clock = ManualClock(at("2025-04-30", "10:50"))
    settings = Settings(
        database_url=database_url, timezone="Europe/Copenhagen", allow_adhoc_features=True
    )
    services = build_services(settings, clock)
    await migrate.upgrade(services.db)
    down, up, degraded = FeatureState.down, FeatureState.up, FeatureState.degraded
    # A, SEV1: Quotes down 10:40-17:30 (410 min), offline 10:45-13:15 (150 min), declared
    # 10:50 (detect 10), impact ends 17:30 (mitigate 410), resolved 17:32 (resolve 412).
    a = await incident(
        services,
        clock,
        at("2025-04-30", "10:50"),
        Severity.sev1,
        at("2025-04-30", "17:32"),
        [("Quotes", down, at("2025-04-30", "10:40")), ("Quotes", up, at("2025-04-30", "17:30"))],
    )
    # A backdated note is not impact: A's first symptom stays Quotes down at 10:40.
    await services.incidents.note(
        await services.incidents.get(a),
        "cambio DNS",
        actor=MARCO,
        at=at("2025-04-29", "23:00"),
        data={"time_text": "ieri alle 23:00"},
    )
    async with services.db.begin() as conn:
        await conn.execute(
            tables.maintenance_windows.insert().values(
                incident_id=a,
                target="web",
                provider="heroku",
                dry_run=False,
                started_at=at("2025-04-30", "10:45"),
                ended_at=at("2025-04-30", "13:15"),
            )
        )
    # B, SEV2: Purchases degraded 08:30-09:30 (60 min), declared 09:00 (detect 30),
    # mitigate 60, resolved 10:00 (resolve 90).
    b = await incident(
        services,
        clock,
        at("2025-05-12", "09:00"),
        Severity.sev2,
        at("2025-05-12", "10:00"),
        [
            ("Purchases", degraded, at("2025-05-12", "08:30")),
            ("Purchases", up, at("2025-05-12", "09:30")),
        ],
    )
    # C, SEV2: nothing down, declared 14:00 (detect 0), no mitigation, resolved 14:45 (45).
    c = await incident(
        services, clock, at("2025-05-20", "14:00"), Severity.sev2, at("2025-05-20", "14:45"), []
    )
    # Follow-ups: A one done and one open due 7 May (overdue by 21 May), B one not doing,
    # C one open without a day: 2 open (1 overdue), 1 done, 1 not doing.
    add = services.followups.add
    first, _ = await add(
        await services.incidents.get(a),
        [NewFollowUp(text="Checks"), NewFollowUp(text="Guide", due_on=date(2025, 5, 7))],
        MARCO,
        Source.close_form,
    )
    await services.followups.finish(first, FollowUpStatus.done, MARCO)
    [dropped] = await add(
        await services.incidents.get(b), [NewFollowUp(text="X")], MARCO, Source.close_form
    )
    await services.followups.finish(dropped, FollowUpStatus.not_doing, MARCO)
    await add(await services.incidents.get(c), [NewFollowUp(text="Y")], MARCO, Source.close_form)
    await services.db.dispose()


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'record.db'}"
    asyncio.run(seed_history(url))
    monkeypatch.setenv("OUTAGEBOT_DATABASE_URL", url)
    monkeypatch.setenv("OUTAGEBOT_TIMEZONE", "Europe/Copenhagen")
    monkeypatch.delenv("OUTAGEBOT_CONFIG", raising=False)
    return url


def test_csv_figures_match_the_hand_computed_ones(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--since", "2025-04-01", "--format", "csv"]) == 0
    rows = {
        (r["metric"], r["key"]): r["value"]
        for r in csv.DictReader(io.StringIO(capsys.readouterr().out))
    }
    assert rows[("incidents", "")] == "3"
    assert rows[("incidents_by_month", "2025-04/sev1")] == "1"
    assert rows[("incidents_by_month", "2025-05/sev2")] == "2"
    assert rows[("incidents_by_month", "2025-05/sev1")] == "0"
    # detect [10, 30, 0]: median 10, p90 (nearest rank 3 of 3) 30
    assert (rows[("detect_minutes", "median")], rows[("detect_minutes", "p90")]) == ("10", "30")
    # mitigate [410, 60]: median 235, p90 410
    assert (rows[("mitigate_minutes", "median")], rows[("mitigate_minutes", "p90")]) == (
        "235",
        "410",
    )
    # resolve [412, 90, 45]: median 90, p90 412
    assert (rows[("resolve_minutes", "median")], rows[("resolve_minutes", "p90")]) == ("90", "412")
    assert rows[("down_minutes", "Quotes")] == "410"
    assert rows[("degraded_minutes", "Purchases")] == "60"
    assert rows[("offline_minutes", "")] == "150"
    followups = {k: rows[("followups", k)] for k in ("open", "overdue", "done", "not_doing")}
    assert followups == {"open": "2", "overdue": "1", "done": "1", "not_doing": "1"}


def test_markdown_and_the_window(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--since", "2025-05-01"]) == 0
    text = capsys.readouterr().out
    assert "2 incidents." in text
    assert "| 2025-05 | 0 | 2 | 0 | 0 |" in text
    assert "To resolve: median 1 h 7 min, p90 1 h 30 min (2 incidents)" in text
    assert "To mitigate: median 1 h, p90 1 h (1 incident)" in text  # C never mitigated
    assert "notes do not move it" in text  # the first symptom's rule, stated
    assert "Purchases: down 0 min, degraded 1 h" in text
    assert "Quotes" not in text
    assert main(["report", "--since", "last year"]) == 2
    assert "use 90d, 12w or a day" in capsys.readouterr().err
    assert main(["report", "--since", "2999-01-01"]) == 2
    assert "is in the future: the record ends today" in capsys.readouterr().err
    assert main(["report", "--since", "0d"]) == 2
    assert "a period of at least one day" in capsys.readouterr().err


def test_png_writes_each_chart(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "charts"
    assert main(["report", "--since", "2025-04-01", "--format", "png", "--out", str(folder)]) == 0
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "downtime-per-month.png",
        "followups.png",
        "incidents-per-month.png",
        "times-per-month.png",
    ]
    for path in folder.iterdir():
        assert Image.open(path).size[0] >= 1200
    assert main(["report", "--format", "png"]) == 2
    assert "add --out DIR" in capsys.readouterr().err


def shown_at(shot: np.ndarray, chart: np.ndarray) -> tuple[int, int] | None:
    """Where `chart` appears whole, pixel for pixel, in the screenshot; None if nowhere."""
    height, width = chart.shape[:2]
    busiest = int(np.argmax((chart < 250).any(axis=2).sum(axis=1)))  # its most drawn line
    line = chart[busiest].tobytes()
    for y in range(busiest, shot.shape[0] - (height - busiest) + 1):
        found = shot[y].tobytes().find(line)
        if found < 0 or found % 3:
            continue
        top, left = y - busiest, found // 3
        seen = shot[top : top + height, left : left + width].astype(int)
        if np.abs(seen - chart.astype(int)).max() <= 8:
            return top, left
    return None


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (make installs it)")
@pytest.mark.slow
async def test_html_report_in_headless_chromium(database: str, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    assert (
        await asyncio.to_thread(
            main, ["report", "--since", "2025-04-01", "--format", "html", "--out", str(page)]
        )
        == 0
    )
    html = page.read_text()
    assert "<script" not in html
    assert "http" not in html.replace("http-equiv", "")
    embedded = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    assert len(embedded) == 4

    dom = (await chromium("--dump-dom", page.as_uri())).decode()
    text = visible_text(dom)
    assert "3 incidents." in text
    assert "Quotes: down 6 h 50 min, degraded 0 min" in text
    assert 'alt="Downtime per feature, per month"' in dom  # read aloud where not seen

    shot = tmp_path / "report.png"  # kept in the test's folder to look at
    await chromium(
        "--window-size=800,2800", "--force-device-scale-factor=2", f"--screenshot={shot}",
        page.as_uri(),
    )  # fmt: skip
    screen = np.asarray(Image.open(shot).convert("RGB"))
    for data in embedded:
        chart = np.asarray(Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB"))
        assert shown_at(screen, chart) is not None  # visible whole, not cut or broken
