"""Similar-incident lookups over a seeded history of closed incidents, timed on SQLite.

The history is the one the tests use (bot/similar/history.py); each lookup is what a
declaration runs: one full-text query, one feature query, the details of the top three.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bot.config import Settings
from bot.models import FeatureState, Severity
from bot.services import build_services
from bot.similar.history import FILLER_FEATURES, START, TOPICS, seed
from bot.store import migrate
from bot.time.clock import ManualClock

QUERIES = 40


async def time_lookups(folder: Path, history: int = 1000) -> dict[str, float]:
    """Milliseconds per lookup (p50, p95, max; median CPU) over `history` closed incidents."""
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{folder / 'similar.db'}", allow_adhoc_features=True
    )
    services = build_services(settings, ManualClock(START))
    incidents, features, similar = services.incidents, services.features, services.similar
    try:
        await migrate.upgrade(services.db)
        await seed(services.db, history)
        timings: list[float] = []
        # CPU time too: on a shared machine the wall clock also measures the neighbours.
        cpus: list[float] = []
        for n in range(QUERIES):
            en, it, _cause = TOPICS[n % len(TOPICS)]
            title = f"{it if n % 2 else en} again"
            incident = await incidents.declare(title, severity=Severity.sev2, declared_by="U1")
            name = FILLER_FEATURES[n % len(FILLER_FEATURES)]
            await features.set_state(incident, name, FeatureState.down, "U1")
            started, cpu = time.perf_counter(), time.process_time()
            found = await similar.find(incident)
            timings.append(1000 * (time.perf_counter() - started))
            cpus.append(1000 * (time.process_time() - cpu))
            if not found:
                raise RuntimeError(f"no similar incident for {title!r}")
        timings.sort()
        return {
            "p50": statistics.median(timings),
            "p95": timings[int(0.95 * (len(timings) - 1))],
            "max": timings[-1],
            "cpu": statistics.median(cpus),
        }
    finally:
        await services.db.dispose()


def main() -> None:
    """`python -m bench.similar`: only this figure, without the ingest benchmark."""
    with tempfile.TemporaryDirectory(prefix="outagebot-similar-") as folder:
        figures = asyncio.run(time_lookups(Path(folder)))
    print(", ".join(f"{name} {value:.1f} ms" for name, value in figures.items()))


if __name__ == "__main__":
    main()
